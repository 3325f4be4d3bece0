"""A staff user's API tokens (an administrator's: also their municipality's users'): list them
and revoke them one by one. Tokens are made on the command line (``flask tokens create``)."""

from __future__ import annotations

from flask import request

from meldecentral.api.auth import require_staff
from meldecentral.api.blueprint import bp
from meldecentral.api.util import load
from meldecentral.schemas.tokens import TokenOutSchema, TokenQuerySchema
from meldecentral.services.staff import tokens

_out = TokenOutSchema()
_query = TokenQuerySchema()


def _dump(token) -> dict:
    fields = {name: getattr(token, name) for name in _out.fields if name != "state"}
    return _out.dump(fields | {"state": tokens.state(token)})


@bp.get("/tokens")
def list_tokens():
    """Your API tokens; administrators may ask for a user of their municipality.
    ---
    get:
      summary: "Staff: your API tokens (administrators: a user's, by user_id)"
      operationId: listTokens
      security: [{bearerAuth: []}]
      parameters:
        - {in: query, schema: TokenQuerySchema}
      responses:
        200:
          description: OK, newest first; the tokens themselves are never shown again
          content: {application/json: {schema: TokenListSchema}}
        401: Unauthorized
        404: NotFound
        422:
          description: invalid user_id
          content: {application/json: {schema: Error}}
    """
    actor = require_staff()
    query = load(_query, request.args.to_dict(), "invalid query")
    rows = tokens.list_tokens(actor, query.get("user_id"))
    return {"items": [_dump(t) for t in rows]}


@bp.delete("/tokens/<int:token_id>")
def revoke_token(token_id: int):
    """Revoke one of your API tokens (administrators: of their municipality's users).
    ---
    delete:
      summary: "Staff: revoke an API token"
      operationId: revokeToken
      security: [{bearerAuth: []}]
      responses:
        200:
          description: revoked (again is fine)
          content: {application/json: {schema: TokenOutSchema}}
        401: Unauthorized
        404: NotFound
    """
    actor = require_staff()
    return _dump(tokens.revoke_token(actor, token_id))
