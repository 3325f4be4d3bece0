"""Saved views: named filter sets of the triage queue (coordinators) and the unit inbox (unit
members), private or shared with the owner's unit, and each user's default view per list.

Who sees a view: its owner, and, when shared, the members of its unit (for coordinators, the
centre's COORD unit: they share with each other), within one municipality and one list. Only
the owner renames it, changes its filters or sharing, or deletes it; anyone who sees it may
make it their default. A view one may not see does not exist (404), so ids cannot be probed.

The filters arrive checked against the list's schema (schemas.views, at the doors); here they
are checked against the municipality's reference data (a category, unit or district it has)."""

from __future__ import annotations

import dataclasses

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.exc import IntegrityError

from meldecentral import clock
from meldecentral.domain import roles
from meldecentral.domain.reasons import N_, Reason
from meldecentral.extensions import db
from meldecentral.models import Category, District, SavedView, SavedViewDefault, Unit
from meldecentral.services.actor import Actor
from meldecentral.services.errors import Conflict, Forbidden, NotFound, ValidationFailed
from meldecentral.services.worklists.queues import QueueFilter

# The list each role works from; other roles have no saved views.
LIST_OF_ROLE = {roles.COORDINATOR: "triage", roles.UNIT_MEMBER: "inbox"}
# Per user and list: the picker stays short and the table bounded.
MAX_VIEWS = 50
COORDINATORS = "COORD"
MAX_ID = 2**31 - 1


def list_of(actor: Actor) -> str:
    """The list the actor's role works from; 403 for roles without one."""
    kind = LIST_OF_ROLE.get(actor.role)
    if kind is None or actor.user_id is None:
        raise Forbidden("saved views are for coordinators and unit members")
    return kind


def _kind(actor: Actor, kind: str | None) -> str:
    own = list_of(actor)
    if kind is not None and kind != own:
        raise ValidationFailed(
            "not your role's list",
            {"list": [Reason("your role keeps views of the %(list)s list", list=own)]},
        )
    return own


def sharing_unit(actor: Actor) -> int | None:
    """The unit the actor shares views with: a member's own unit; for a coordinator the
    municipality's COORD unit."""
    if actor.role == roles.COORDINATOR:
        return db.session.scalar(
            sa.select(Unit.id).where(
                Unit.municipality_id == actor.municipality_id, Unit.code == COORDINATORS
            )
        )
    if actor.role == roles.UNIT_MEMBER:
        return actor.unit_id
    return None


def _visible(actor: Actor, kind: str) -> sa.ColumnElement[bool]:
    unit_id = sharing_unit(actor)
    mine = SavedView.owner_user_id == actor.user_id
    who = sa.or_(mine, SavedView.unit_id == unit_id) if unit_id is not None else mine
    return sa.and_(
        SavedView.municipality_id == actor.municipality_id, SavedView.list_kind == kind, who
    )


def _query(actor: Actor, kind: str) -> sa.Select:
    return (
        sa.select(SavedView)
        .where(_visible(actor, kind))
        .options(orm.joinedload(SavedView.owner), orm.joinedload(SavedView.unit))
    )


def list_views(actor: Actor, kind: str | None = None) -> tuple[list[SavedView], int | None]:
    """The views the actor may use (their own, then those shared with their unit, each by
    name), and the id of their default view of the list."""
    kind = _kind(actor, kind)
    rows = db.session.scalars(
        _query(actor, kind).order_by(
            (SavedView.owner_user_id != actor.user_id), sa.func.lower(SavedView.name), SavedView.id
        )
    ).all()
    default_id = db.session.scalar(
        sa.select(SavedViewDefault.view_id).where(
            SavedViewDefault.user_id == actor.user_id, SavedViewDefault.list_kind == kind
        )
    )
    # (a default no longer visible, as in default_view, is none)
    return list(rows), default_id if default_id in {v.id for v in rows} else None


def get_view(actor: Actor, view_id: int) -> SavedView:
    """A view the actor may see, or NotFound."""
    kind = list_of(actor)
    view = db.session.scalar(_query(actor, kind).where(SavedView.id == view_id))
    if view is None:
        raise NotFound("no such view")
    return view


def _owned(actor: Actor, view_id: int) -> SavedView:
    view = get_view(actor, view_id)
    if view.owner_user_id != actor.user_id:
        raise Forbidden("only the view's owner may change or delete it")
    return view


def default_view(actor: Actor, kind: str | None = None) -> SavedView | None:
    """The actor's default view of the list, if they still may see it (a view no longer
    shared with them, or a unit changed, leaves them without one)."""
    kind = _kind(actor, kind)
    return db.session.scalar(
        _query(actor, kind).join(
            SavedViewDefault,
            sa.and_(
                SavedViewDefault.view_id == SavedView.id,
                SavedViewDefault.user_id == actor.user_id,
                SavedViewDefault.list_kind == kind,
            ),
        )
    )


def _check_references(actor: Actor, filters: dict) -> None:
    """Codes and numbers in the filters the municipality has."""
    checks = (
        ("category", Category, Category.code, N_("no such category here")),
        ("unit", Unit, Unit.code, N_("no such unit here")),
        ("district", District, District.number, N_("no such district here")),
    )
    problems = {}
    for key, model, column, reason in checks:
        if key in filters:
            found = db.session.scalar(
                sa.select(model.id).where(
                    model.municipality_id == actor.municipality_id, column == filters[key]
                )
            )
            if found is None:
                problems[key] = [reason]
    if problems:
        raise ValidationFailed("invalid filters", {"filters": problems})


def _check_name(actor: Actor, kind: str, name: str, view_id: int | None = None) -> str:
    name = name.strip()
    taken = db.session.scalar(
        sa.select(SavedView.id).where(
            SavedView.owner_user_id == actor.user_id,
            SavedView.list_kind == kind,
            sa.func.lower(SavedView.name) == name.lower(),
            SavedView.id != (view_id or 0),
        )
    )
    if taken is not None:
        raise _name_taken()
    return name


def _name_taken() -> Conflict:
    return Conflict(
        "you have a view with this name",
        {"name": [N_("you have a view with this name already")]},
        code="name_taken",
    )


def _share_with(actor: Actor, shared: bool) -> int | None:
    if not shared:
        return None
    unit_id = sharing_unit(actor)
    if unit_id is None:
        raise ValidationFailed("no unit to share with", {"shared": [N_("you belong to no unit")]})
    return unit_id


def _commit() -> None:
    try:
        db.session.commit()
    except IntegrityError:  # two saves with one name at once: the unique index decides
        db.session.rollback()
        raise _name_taken() from None


def create_view(
    actor: Actor,
    *,
    name: str,
    filters: dict,
    kind: str | None = None,
    shared: bool = False,
    make_default: bool = False,
) -> SavedView:
    kind = _kind(actor, kind)
    name = _check_name(actor, kind, name)
    _check_references(actor, filters)
    count = db.session.scalar(
        sa.select(sa.func.count(SavedView.id)).where(
            SavedView.owner_user_id == actor.user_id, SavedView.list_kind == kind
        )
    )
    if count >= MAX_VIEWS:
        raise ValidationFailed(
            "too many views",
            {"name": [Reason("at most %(n)d views of a list; delete one first", n=MAX_VIEWS)]},
        )
    view = SavedView(
        municipality_id=actor.municipality_id,
        owner_user_id=actor.user_id,
        unit_id=_share_with(actor, shared),
        name=name,
        list_kind=kind,
        filters=filters,
    )
    db.session.add(view)
    if make_default:
        db.session.flush()
        _set_default_row(actor, kind, view.id)
    _commit()
    return view


def update_view(
    actor: Actor,
    view_id: int,
    *,
    name: str | None = None,
    filters: dict | None = None,
    shared: bool | None = None,
) -> SavedView:
    """Rename, replace the filters, share or stop sharing: the owner only. A view no longer
    shared stops being the others' default."""
    view = _owned(actor, view_id)
    if name is not None:
        view.name = _check_name(actor, view.list_kind, name, view.id)
    if filters is not None:
        _check_references(actor, filters)
        view.filters = filters
    if shared is not None:
        view.unit_id = _share_with(actor, shared)
        if not shared:
            db.session.execute(
                sa.delete(SavedViewDefault).where(
                    SavedViewDefault.view_id == view.id, SavedViewDefault.user_id != actor.user_id
                )
            )
    view.updated_at = clock.now()
    _commit()
    return view


def delete_view(actor: Actor, view_id: int) -> None:
    """The owner only; it stops being anyone's default."""
    view = _owned(actor, view_id)
    db.session.execute(sa.delete(SavedViewDefault).where(SavedViewDefault.view_id == view.id))
    db.session.delete(view)
    db.session.commit()


def _set_default_row(actor: Actor, kind: str, view_id: int) -> None:
    row = db.session.get(SavedViewDefault, (actor.user_id, kind))
    if row is None:
        db.session.add(SavedViewDefault(user_id=actor.user_id, list_kind=kind, view_id=view_id))
    else:
        row.view_id = view_id


def set_default(actor: Actor, view_id: int) -> SavedView:
    """Any view the actor may see becomes their default of its list."""
    view = get_view(actor, view_id)
    _set_default_row(actor, view.list_kind, view.id)
    db.session.commit()
    return view


def clear_default(actor: Actor, view_id: int) -> SavedView:
    """The view is no longer the actor's default (nothing changes if it was not)."""
    view = get_view(actor, view_id)
    db.session.execute(
        sa.delete(SavedViewDefault).where(
            SavedViewDefault.user_id == actor.user_id, SavedViewDefault.view_id == view.id
        )
    )
    db.session.commit()
    return view


def resolve(actor: Actor, choice: str | int | None) -> SavedView | None:
    """The view a list asks for: 'default' (the actor's, or none), an id (NotFound if not
    theirs to see), or None."""
    if choice is None:
        return None
    if choice == "default":
        return default_view(actor)
    view_id = int(choice)
    if not 0 < view_id <= MAX_ID:  # beyond the database's integer: no such view
        raise NotFound("no such view")
    return get_view(actor, view_id)


def triage_filter(filters: dict) -> QueueFilter:
    """A triage QueueFilter from filters as the list's schema loads them (keys it does not
    know are left to the schema to refuse)."""
    names = {f.name for f in dataclasses.fields(QueueFilter)}
    return QueueFilter(**{k: v for k, v in filters.items() if k in names})
