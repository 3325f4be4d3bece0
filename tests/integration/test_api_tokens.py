"""API tokens (issue 16, item 16): named, expiring, listed and revoked one by one through the
API and the command line; deactivating a user revokes their tokens for good."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from meldecentral import clock
from meldecentral.extensions import db
from meldecentral.models import ApiToken
from meldecentral.services.actor import Actor
from meldecentral.services.errors import ValidationFailed
from meldecentral.services.staff import admin, users
from tests.conftest import auth


def whoami(client, token) -> int:
    return client.get("/api/v1/tokens", headers=auth(token)).status_code


def test_a_token_expires(client, make_user):
    user, _ = make_user("street_worker")
    token = users.create_token(user, "phone", days=1)
    assert whoami(client, token) == 200
    with clock.at(clock.now() + timedelta(days=1, seconds=1)):
        res = client.get("/api/v1/tokens", headers=auth(token))
    assert res.status_code == 401


def test_a_token_needs_a_name_and_gets_the_default_lifetime(app, make_user):
    user, _ = make_user("street_worker")
    app.config["API_TOKEN_DAYS"] = 30
    users.create_token(user, "laptop")
    row = db.session.scalars(sa.select(ApiToken).filter_by(name="laptop")).one()
    assert (row.expires_at - row.created_at) == timedelta(days=30)
    with pytest.raises(ValidationFailed) as refused:
        users.create_token(user, "  ")
    assert "name" in refused.value.fields


def test_list_and_revoke_ones_own_tokens(client, make_user):
    user, first = make_user("street_worker")
    second = users.create_token(user, "tablet")
    res = client.get("/api/v1/tokens", headers=auth(first))
    assert res.status_code == 200
    items = res.json["items"]
    assert [t["name"] for t in items] == ["tablet", "test"]
    assert all(t["state"] == "active" and t["expires_at"] for t in items)
    assert not any(second in str(t) or first in str(t) for t in items)  # never the token
    tablet = items[0]["id"]
    res = client.delete(f"/api/v1/tokens/{tablet}", headers=auth(first))
    assert res.status_code == 200 and res.json["state"] == "revoked"
    assert whoami(client, second) == 401  # revoked one by one
    assert whoami(client, first) == 200  # the other still works


def test_others_tokens_are_not_found_but_an_admin_manages_their_users(client, make_user):
    worker, worker_token = make_user("street_worker")
    _, other_token = make_user("street_worker")
    _, admin_token = make_user("admin")
    token_id = db.session.scalar(sa.select(ApiToken.id).filter_by(user_id=worker.id))
    assert client.delete(f"/api/v1/tokens/{token_id}", headers=auth(other_token)).status_code == 404
    res = client.get(
        "/api/v1/tokens", query_string={"user_id": worker.id}, headers=auth(other_token)
    )
    assert res.status_code == 404
    res = client.get(
        "/api/v1/tokens", query_string={"user_id": worker.id}, headers=auth(admin_token)
    )
    assert res.status_code == 200 and [t["id"] for t in res.json["items"]] == [token_id]
    assert client.delete(f"/api/v1/tokens/{token_id}", headers=auth(admin_token)).status_code == 200
    assert whoami(client, worker_token) == 401
    assert client.get("/api/v1/tokens", headers=auth(None)).status_code == 401


def test_reactivating_a_user_does_not_revive_old_tokens(client, make_user):
    worker, token = make_user("street_worker")
    boss, _ = make_user("admin")
    actor = Actor.for_user(boss)
    admin.deactivate_user(actor, worker.id)
    assert whoami(client, token) == 401
    admin.activate_user(actor, worker.id)
    assert whoami(client, token) == 401
    fresh = users.create_token(worker, "after reactivation")
    assert whoami(client, fresh) == 200


def test_the_command_line_lists_and_revokes(app, client, make_user):
    user, token = make_user("street_worker")
    runner = app.test_cli_runner()
    res = runner.invoke(args=["tokens", "create", "--email", user.email, "--name", "cli test"])
    assert res.exit_code == 0 and res.output.startswith("mc_")
    assert runner.invoke(args=["tokens", "create", "--email", user.email]).exit_code != 0
    res = runner.invoke(args=["tokens", "list", "--email", user.email])
    assert res.exit_code == 0 and "cli test" in res.output and "active" in res.output
    assert token not in res.output
    token_id = db.session.scalar(sa.select(ApiToken.id).filter_by(user_id=user.id, name="test"))
    res = runner.invoke(args=["tokens", "revoke", str(token_id)])
    assert res.exit_code == 0, res.output
    assert whoami(client, token) == 401
    res = runner.invoke(args=["tokens", "list", "--email", user.email])
    assert f"{token_id}\trevoked" in res.output
    assert runner.invoke(args=["tokens", "revoke", "999999"]).exit_code != 0


def test_last_use_is_written_at_most_once_a_minute(client, make_user):
    """The check is on every staff call: no write per request."""
    user, token = make_user("street_worker")
    start = clock.now()
    with clock.at(start):
        whoami(client, token)
    row = db.session.scalars(sa.select(ApiToken).filter_by(user_id=user.id)).one()
    db.session.refresh(row)
    assert row.last_used_at == start
    with clock.at(start + timedelta(seconds=30)):
        whoami(client, token)
    db.session.refresh(row)
    assert row.last_used_at == start
    with clock.at(start + timedelta(seconds=61)):
        whoami(client, token)
    db.session.refresh(row)
    assert row.last_used_at == start + timedelta(seconds=61)
