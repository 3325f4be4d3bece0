"""The API's reading operations (GET) against its OpenAPI document (tests/integration/contract.py
says how; test_schemathesis_writes.py has the others)."""

from __future__ import annotations

import pytest

from tests.integration.contract import SETTINGS, check, database, schema  # noqa: F401

pytestmark = pytest.mark.slow


@schema.include(method="GET").parametrize()
@SETTINGS
def test_api_keeps_its_contract(case, database):  # noqa: F811
    check(case)
