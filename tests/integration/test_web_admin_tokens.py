"""The admin page of a user's API tokens (issue 16, item 16): listed, revoked one by one after
a confirmation, never shown."""

import sqlalchemy as sa

from meldecentral.extensions import db
from meldecentral.models import ApiToken, User
from meldecentral.services.staff import users
from tests.conftest import auth
from tests.factories import signed_in
from tests.webutil import csrf, text_of


def test_admin_lists_and_revokes_a_users_token_after_asking(app, client):
    admin, _ = signed_in(app, "admin")
    _, worker = signed_in(app, "street_worker")
    token = users.create_token(worker, "phone")
    row = db.session.scalar(sa.select(ApiToken).filter_by(user_id=worker.id, name="phone"))
    page = admin.get(f"/admin/users/{worker.id}/tokens")
    assert page.status_code == 200
    html = text_of(page)
    assert "phone" in html and row.prefix in html and token not in html
    assert f"/admin/users/{worker.id}/tokens" in text_of(admin.get("/admin/users"))
    url = f"/admin/users/{worker.id}/tokens/{row.id}/revoke"
    asked = admin.post(url, data={"csrf_token": csrf(admin, f"/admin/users/{worker.id}/tokens")})
    assert asked.status_code == 200
    html = text_of(asked)
    assert (
        'name="confirm" value="yes"' in html and f'href="/admin/users/{worker.id}/tokens"' in html
    )
    db.session.refresh(row)
    assert row.revoked_at is None  # nothing done yet
    token_csrf = csrf(admin, f"/admin/users/{worker.id}/tokens")
    done = admin.post(url, data={"csrf_token": token_csrf, "confirm": "yes"})
    assert done.status_code == 302
    db.session.refresh(row)
    assert row.revoked_at is not None
    assert client.get("/api/v1/tokens", headers=auth(token)).status_code == 401
    # Without the CSRF token nothing happens; another user's path does not reach the token.
    other = users.create_token(worker, "tablet")
    other_row = db.session.scalar(sa.select(ApiToken).filter_by(name="tablet"))
    admin.post(f"/admin/users/{worker.id}/tokens/{other_row.id}/revoke", data={"confirm": "yes"})
    res = admin.post(
        f"/admin/users/{admin_id(admin)}/tokens/{other_row.id}/revoke",
        data={"csrf_token": token_csrf, "confirm": "yes"},
    )
    assert res.status_code == 404
    db.session.refresh(other_row)
    assert other_row.revoked_at is None
    assert client.get("/api/v1/tokens", headers=auth(other)).status_code == 200


def admin_id(admin_client) -> int:
    return db.session.scalar(sa.select(User.id).filter_by(role="admin").order_by(User.id.desc()))
