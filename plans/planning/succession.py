"""Moving a collectivité or a grouping to the units of a newer edition of the boundaries, in one step.

A plan stays on the edition it was made on: loading a newer edition changes no owner (its unit, or its members'
units, are still the older edition's, and its map draws their boundaries). When the planners or an administrator
decide, `move_owner` follows the crosswalk (plans/territory/crosswalk.py) to the current edition:

- a collectivité whose unit was kept or merged has one successor, which its owner row takes (same plans, same
  planners); a unit split in two needs the successor that carries on its plans (`successor_code`). When the
  successor already has its collectivité (the other commune of a merge moved first), the plans, the diaspora
  associations and the planners' attachments go to that one, and the old row stays on the old unit, empty;
- a grouping's members are re-expressed: each Malian member of an older edition is replaced by all its successors
  (both halves of a split commune, the merged commune once), foreign members stay; the grouping's rules must still
  hold (two Malian communes at least for an intercommunal one).

Each move is written to the journal, one entry per plan moved (target `plan:<id>`) and one for the owner. The
permission (`plans/accounts/access.can_move_owner`) is the caller's; the caller commits.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from plans.accounts.models import User
from plans.core import audit
from plans.core.audit import Actor
from plans.core.db import utcnow
from plans.core.errors import ConflictError, ValidationError
from plans.owners import service as owners_service
from plans.owners.models import INTERCOMMUNAL_KINDS, GroupingMember, PlanOwner
from plans.planning.models import DiasporaAssociation, Plan
from plans.territory.crosswalk import successors
from plans.territory.models import MALI, AdminUnit, TerritoryEdition

COMMUNE_LEVEL = 3


@dataclass
class Succession:
    """Where an owner would go: its units of older editions and their successors in the current edition."""

    owner: PlanOwner
    edition: TerritoryEdition | None  # the current Mali edition
    moves: dict[int, list[AdminUnit]] = field(default_factory=dict)  # old unit id → successors
    old_units: list[AdminUnit] = field(default_factory=list)

    @property
    def needed(self) -> bool:
        return bool(self.old_units)

    @property
    def orphans(self) -> list[AdminUnit]:
        """Old units no crosswalk leads from: the move cannot be made until one does."""
        return [u for u in self.old_units if not self.moves.get(u.id)]

    @property
    def choices(self) -> list[AdminUnit]:
        """A collectivité split in several units: the successors among which one carries on its plans."""
        if self.owner.unit is None or not self.old_units:
            return []
        found = self.moves.get(self.owner.unit.id, [])
        return found if len(found) > 1 else []

    def line(self, unit: AdminUnit) -> str:
        return f"{unit.display_name} ({unit.code}, {unit.edition.key})"


def succession(session: Session, owner: PlanOwner) -> Succession:
    edition = session.scalar(sa.select(TerritoryEdition).where(TerritoryEdition.country_iso3 == MALI,
                                                               TerritoryEdition.is_current))
    units = [owner.unit] if owner.unit is not None else owner.member_units
    old = [u for u in units if u is not None and u.country_iso3 == MALI and edition is not None
           and u.edition_id != edition.id]
    return Succession(owner, edition, {u.id: successors(session, u, edition) for u in old}, old)


def _plans(session: Session, owner: PlanOwner) -> list[Plan]:
    return list(session.scalars(sa.select(Plan).where(Plan.owner_id == owner.id).order_by(Plan.id)))


def _journal(session: Session, user: Actor | None, owner: PlanOwner, plans: list[Plan], before: list[str],
             after: list[str], edition: TerritoryEdition, ip: str, merged_into: PlanOwner | None = None) -> None:
    details = {"from_units": ", ".join(before), "to_units": ", ".join(after), "edition": edition.key,
               "plans": len(plans)}
    if merged_into is not None:
        details["merged_into"] = merged_into.name
    audit.record(session, user, "owner.succession", owner.name, details, ip)
    for plan in plans:
        audit.record(session, user, "owner.succession", f"plan:{plan.id}",
                     {"title": plan.title, "from_units": ", ".join(before), "to_units": ", ".join(after),
                      "edition": edition.key}, ip)


def _move_collectivite(session: Session, found: Succession, user: Actor | None, successor_code: str | None,
                       ip: str) -> PlanOwner:
    owner = found.owner
    old = owner.unit
    candidates = found.moves[old.id]
    if len(candidates) > 1:
        chosen = [u for u in candidates if u.code == (successor_code or "").strip().upper()]
        if not chosen:
            names = " ou ".join(f"{u.display_name} ({u.code})" for u in candidates)
            raise ValidationError({"successor": f"{old.display_name} a été partagée entre plusieurs unités : "
                                                f"choisissez celle qui reprend ses plans ({names})."})
        target = chosen[0]
    else:
        target = candidates[0]
    if target.level != old.level:
        raise ValidationError({"successor": f"{target.display_name} n'est pas du même niveau que "
                                            f"{old.display_name}."})
    plans = _plans(session, owner)
    before, after = [found.line(old)], [found.line(target)]
    other = session.scalar(sa.select(PlanOwner).where(PlanOwner.unit_id == target.id))
    if other is None:
        owner.unit = target
        owner.name = target.display_name
        owner.updated_at = utcnow()
        session.flush()
        _journal(session, user, owner, plans, before, after, found.edition, ip)
        return owner
    for plan in plans:
        plan.owner_id = other.id
    for association in session.scalars(sa.select(DiasporaAssociation)
                                       .where(DiasporaAssociation.owner_id == owner.id)):
        association.owner_id = other.id
    for account in session.scalars(sa.select(User).where(User.owners.any(PlanOwner.id == owner.id))):
        if other not in account.owners:
            account.owners.append(other)
    other.updated_at = utcnow()
    session.flush()
    _journal(session, user, owner, plans, before, after, found.edition, ip, merged_into=other)
    return other


def _move_grouping(session: Session, found: Succession, user: Actor | None, ip: str) -> PlanOwner:
    owner = found.owner
    kept: list[GroupingMember] = []
    added: list[AdminUnit] = []
    present: set[int] = set()
    for member in owner.members:
        if member.unit_id in found.moves:
            continue
        kept.append(member)
        present.add(member.unit_id)
    for unit in found.old_units:
        for successor in found.moves[unit.id]:
            if successor.id not in present:
                added.append(successor)
                present.add(successor.id)
    communes = [m.unit for m in kept if m.unit.country_iso3 == MALI and m.unit.level == COMMUNE_LEVEL]
    communes += [u for u in added if u.level == COMMUNE_LEVEL]
    if owner.kind in INTERCOMMUNAL_KINDS and len(communes) < owners_service.MIN_INTERCOMMUNAL_COMMUNES:
        raise ValidationError({"successor": f"Dans les nouvelles unités, {owner.name} ne réunirait plus que "
                                            f"{len(communes)} commune : un groupement intercommunal en réunit au "
                                            "moins deux. Modifiez ses membres à la main."})
    owner.members[:] = kept + [GroupingMember(unit=u) for u in added]
    owner.updated_at = utcnow()
    owners_service.refresh_geometry(session, owner)
    session.flush()
    _journal(session, user, owner, _plans(session, owner), [found.line(u) for u in found.old_units],
             [found.line(u) for u in added], found.edition, ip)
    return owner


def move_owner(session: Session, owner: PlanOwner, acting_user: Actor | None, *, successor_code: str | None = None,
               expected_version: int | str | None = None, ip: str = "") -> PlanOwner:
    """Moves `owner` to its successor units in the current edition; returns the owner that now holds its plans.
    Raises ValidationError (French, key "successor") or ConflictError (the owner changed since the form was shown);
    nothing is written then. The caller commits."""
    if expected_version not in (None, "") and str(expected_version) != str(owner.version_id):
        raise ConflictError("Cette collectivité a été modifiée entre-temps : rechargez la page.")
    found = succession(session, owner)
    if not found.needed:
        raise ValidationError({"successor": f"{owner.name} est déjà sur les unités de l'édition courante."})
    if found.orphans:
        names = ", ".join(found.line(u) for u in found.orphans)
        raise ValidationError({"successor": f"Aucune unité de l'édition {found.edition.key} ne succède à {names} "
                                            "dans la table de correspondance chargée : un administrateur doit la "
                                            "compléter (flask geodata import-edition … --crosswalk)."})
    if owner.unit is not None:
        return _move_collectivite(session, found, acting_user, successor_code, ip)
    return _move_grouping(session, found, acting_user, ip)
