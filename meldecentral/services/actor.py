"""Who is acting: a staff user, a resident, or the system itself."""

from __future__ import annotations

from dataclasses import dataclass

from meldecentral.domain import roles


@dataclass(frozen=True)
class Actor:
    role: str
    user_id: int | None = None
    unit_id: int | None = None
    municipality_id: int | None = None
    # May create municipalities and say where they are reached (services.staff.platform).
    platform_admin: bool = False

    @classmethod
    def for_user(cls, user) -> Actor:
        return cls(
            role=user.role,
            user_id=user.id,
            unit_id=user.unit_id,
            municipality_id=user.municipality_id,
            platform_admin=bool(user.platform_admin),
        )

    @property
    def is_staff(self) -> bool:
        return self.role in roles.STAFF_ROLES


SYSTEM = Actor(role=roles.SYSTEM)
RESIDENT = Actor(role=roles.RESIDENT)
