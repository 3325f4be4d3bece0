"""Who is who. ``SYSTEM`` is the workers and the rules acting on their own."""

STREET_WORKER = "street_worker"
COORDINATOR = "coordinator"
UNIT_MEMBER = "unit_member"
ADMIN = "admin"
SYSTEM = "system"
RESIDENT = "resident"

STAFF_ROLES = (STREET_WORKER, COORDINATOR, UNIT_MEMBER, ADMIN)
ALL_ACTORS = (*STAFF_ROLES, SYSTEM, RESIDENT)
