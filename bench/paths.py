"""What the scale phase asks for, shared by bench/run.py, bench/lists.py and bench/explain.py,
and the one percentile they all report."""

from __future__ import annotations

TRIAGE = [
    "/api/v1/triage",
    "/api/v1/triage?district=3&category=VOLD",
    "/api/v1/triage?overdue=true",
    "/api/v1/triage?unrouted=true",
    "/api/v1/triage?unit=SSP&page=2",
    "/api/v1/triage?status=routed&district=7",
]
LIST = [
    "/api/v1/reports",
    "/api/v1/reports?status=received&district=3",
    "/api/v1/reports?category=NARKO&unit=POLICE",
    "/api/v1/reports?district=5&urgency=high&page=3",
    "/api/v1/reports?created_from=2026-01-01T00:00:00Z&category=UNG",
    "/api/v1/reports?status=in_progress&status=routed&category=HAD",
]
# Exports of 10,000 rows each (the "export of 10,000 rows under 2 s"): the newest
# reports, and the newest of one district (about a tenth of the seeded million).
EXPORT = [
    "/api/v1/reports/export.csv?limit=10000",
    "/api/v1/reports/export.csv?district=3&limit=10000",
]
EXPORT_ROWS = 10_000
# Two words (of the seed's vocabulary, bench/vocabulary.py: each in about 5 % of the reports,
# both in about 0.3 %) within a district.
SEARCH = [
    "/api/v1/reports?q=knallert+skolen&district=3",
    "/api/v1/triage?q=knallerten+skole&district=3",
]
# Open311 GeoReport v2's GET requests (public, no token): the default page (50 requests of the
# last 90 days), both formats, and the spec's filters.
OPEN311 = [
    "/open311/v2/requests.json",
    "/open311/v2/requests.xml",
    "/open311/v2/requests.json?status=open",
    "/open311/v2/requests.xml?service_code=VOLD,NARKO",
    "/open311/v2/requests.json?status=closed&service_code=NABO",
    "/open311/v2/requests.xml?status=open&page=3",
]
INBOX = "/api/v1/inbox"
INBOX_100 = "/api/v1/inbox?limit=100"
STATS = ["/api/v1/stats/districts?days=30", "/api/v1/stats/districts?days=365"]
# The statistics per month and per week (docs/statistics.md): 13 periods and the districts.
PERIODS = ["/api/v1/stats/periods?unit=month", "/api/v1/stats/periods?unit=week"]
# Public facts, no sign-in: every district, and one (Nørrebro's id in the demo's districts).
FACTS = ["/api/v1/public/facts", "/api/v1/public/facts/3"]
# The coordinators' dashboard, both periods (computed on every request: bench/stack.py turns
# its cache off).
DASHBOARD = ["/api/v1/dashboard?days=30", "/api/v1/dashboard?days=90"]


def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]
