"""The pages keep to the Content-Security-Policy (no inline script or style, Leaflet from our
own files): a real browser reports no violation on the public, staff and admin pages."""

from __future__ import annotations

from tests.e2e.conftest import sign_in

PUBLIC = ["/", "/report", "/track", "/emergency", "/login", "/api/v1/docs"]
STAFF = ["/staff/", "/staff/report", "/staff/mine"]
COORDINATOR = ["/staff/queue", "/staff/deliveries"]
ADMIN = ["/admin/users", "/admin/units", "/admin/categories", "/admin/rules"]


def _watch(page) -> list[str]:
    violations: list[str] = []
    page.on(
        "console",
        lambda msg: (
            violations.append(f"{page.url}: {msg.text}")
            if "Content Security Policy" in msg.text
            else None
        ),
    )
    return violations


def _visit(page, live, paths: list[str]) -> None:
    for path in paths:
        page.goto(live.url + path)
        page.wait_for_load_state("networkidle")


def test_no_csp_violations(phone, live):
    page = phone.new_page()
    violations = _watch(page)
    _visit(page, live, PUBLIC)
    sign_in(page, live, "street_worker")
    _visit(page, live, STAFF)
    assert not violations, "\n".join(violations)


def test_no_csp_violations_for_coordinators_and_admins(browser, live):
    for who, paths in (("coordinator", COORDINATOR), ("admin", ADMIN)):
        context = browser.new_context()
        page = context.new_page()
        violations = _watch(page)
        sign_in(page, live, who)
        _visit(page, live, paths)
        context.close()
        assert not violations, "\n".join(violations)
