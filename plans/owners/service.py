"""Plan owners: collectivités and groupings, their rules and their geometry.

A grouping is intercommunal (syndicat, convention, entente: at least two Malian communes, nothing foreign) or
cross-border (GLCT, union: at least one Malian commune and at least one foreign unit). Foreign members come from the
neighbours' boundary layers or are entered by name and country (a "saisie manuelle" unit, optionally with a polygon
the user uploads). The grouping's `geometry_cache` is the union of its members' geometries, recomputed here
whenever the members change; members without geometry are skipped and listed.

Every refusal is a ValidationError keyed by the form field it concerns: "kind", "name", "founding_act_ref",
"founding_act_date", "tutelle_authority", "member_codes" (Malian members), "foreign_codes" (foreign units from the
layers), "foreign" (the foreign members as a whole), "foreign_by_name.<i>" (row i of the units known by name),
"" (the whole grouping). Nothing is written unless every rule holds; the caller commits, and rolls back on any
error (after a refusal by the database itself, the session needs it).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Iterable, Sequence

import geopandas as gpd
import shapely
import sqlalchemy as sa
from shapely.geometry.base import BaseGeometry
from sqlalchemy import orm
from sqlalchemy.orm import Session

from plans.core import audit, geo, limits
from plans.core.audit import Actor
from plans.core.db import Base, utcnow
from plans.core.errors import ConflictError, ValidationError
from plans.core.text import search_key
from plans.owners.models import COLLECTIVITE_LEVEL, CROSS_BORDER_KINDS, GroupingMember, OwnerKind, PlanOwner
from plans.territory.models import MALI, NEIGHBOUR_ISO2, AdminUnit, TerritoryEdition
from plans.territory.service import country_name, unit_by_code

COMMUNE_LEVEL = COLLECTIVITE_LEVEL[OwnerKind.COMMUNE]
MIN_INTERCOMMUNAL_COMMUNES = 2
MAX_TEXT = 200
MANUAL_EDITION = {
    "key": "saisie-manuelle",
    "name": "Saisie manuelle",
    "country_iso3": None,
    "attribution": "Unités étrangères saisies par les administrateurs de PDL-M (connues par leur nom).",
    "licence": "",
    "valid_on": None,
}
MANUAL_LEVEL = 3
MANUAL_CODE_MAX_SLUG = 48
GROUPING_KINDS = tuple(k for k in OwnerKind if k.is_grouping)


# ---------------------------------------------------------------------------------------------------------------
# Collectivités


def collectivite_owner(session: Session, unit: AdminUnit) -> PlanOwner:
    """The owner row of a commune, cercle or région, created the first time it is needed."""
    owner = session.scalar(sa.select(PlanOwner).where(PlanOwner.unit_id == unit.id))
    if owner is None:
        kind = {level: kind for kind, level in COLLECTIVITE_LEVEL.items()}[unit.level]
        owner = PlanOwner(kind=kind, name=unit.display_name, unit=unit)
        session.add(owner)
        session.flush()
    return owner


def sync_collectivite_names(session: Session, units: Iterable[AdminUnit] | None = None) -> int:
    """Gives each collectivité the name its unit shows (`AdminUnit.display_name`), after an official name was set
    or a load corrected a name; `units` None: every collectivité. Returns how many were renamed. The caller commits.

    A collectivité's name is a copy that plans, exports, the API and the Word document read."""
    query = (sa.select(PlanOwner, AdminUnit.display_name).join(AdminUnit, PlanOwner.unit_id == AdminUnit.id)
             .where(PlanOwner.kind.in_(list(COLLECTIVITE_LEVEL))))
    if units is not None:
        query = query.where(AdminUnit.id.in_([u.id for u in units]))
    renamed = 0
    for owner, shown in session.execute(query).all():
        if owner.name != shown:
            owner.name = shown
            renamed += 1
    return renamed


def commune_owner(session: Session, pcode: str) -> PlanOwner:
    unit = unit_by_code(session, pcode)
    if unit is None or unit.country_iso3 != MALI or unit.level != COLLECTIVITE_LEVEL[OwnerKind.COMMUNE]:
        raise ValidationError({"owner": f"Code de commune inconnu : « {pcode} »."})
    return collectivite_owner(session, unit)


# ---------------------------------------------------------------------------------------------------------------
# Groupings: input types and errors


@dataclass
class ForeignByName:
    """A foreign unit known only by its name and country; `polygon` is a shapely geometry, GeoJSON bytes/str or None."""

    name: str
    country_iso3: str
    polygon: Any = None


class GroupingValidationError(ValidationError):
    """Refused grouping input. `name_taken` is True when another grouping already has the name (HTTP 409)."""

    def __init__(self, errors: dict[str, list[str]], *, name_taken: bool = False, too_large: bool = False):
        super().__init__(errors)
        self.name_taken = name_taken
        self.too_large = too_large


class _Errors:
    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}
        self.name_taken = False
        self.too_large = False

    def add(self, key: str, message: str) -> None:
        messages = self.errors.setdefault(key, [])
        if message not in messages:
            messages.append(message)

    def merge(self, error: ValidationError, key: str | None = None) -> None:
        for k, messages in error.errors.items():
            for m in messages:
                self.add(key if key is not None else k, m)
        if isinstance(error, geo.GeoJSONError) and error.too_large:
            self.too_large = True

    def raise_if_any(self) -> None:
        if self.errors:
            raise GroupingValidationError(self.errors, name_taken=self.name_taken, too_large=self.too_large)


def _label(unit: AdminUnit) -> str:
    country = f", {country_name(unit.country_iso3)}" if unit.is_foreign else ""
    return f"« {unit.display_name} » ({unit.code}{country})"


def parse_kind(kind: OwnerKind | str | None) -> OwnerKind | None:
    try:
        parsed = OwnerKind(kind.value if isinstance(kind, OwnerKind) else (kind or "").strip().lower())
    except ValueError:
        return None
    return parsed if parsed.is_grouping else None


def manual_unit_code(name: str, country_iso3: str) -> str:
    """The stable code of a foreign unit known by name: "BFA-X-N-DOROLA" for "N'Dorola" in Burkina Faso."""
    slug = search_key(name).replace(" ", "-")[:MANUAL_CODE_MAX_SLUG].strip("-").upper()
    return f"{country_iso3.upper()}-X-{slug}"


def _manual_edition(session: Session, create: bool) -> TerritoryEdition | None:
    edition = session.scalar(sa.select(TerritoryEdition).where(TerritoryEdition.key == MANUAL_EDITION["key"]))
    if edition is None and create:
        edition = TerritoryEdition(**MANUAL_EDITION, is_current=True)
        session.add(edition)
        session.flush()
    return edition


def _manual_unit(session: Session, code: str) -> AdminUnit | None:
    edition = _manual_edition(session, create=False)
    if edition is None:
        return None
    return session.scalar(sa.select(AdminUnit).where(AdminUnit.edition_id == edition.id, AdminUnit.code == code))


def _as_foreign_by_name(item: Any) -> ForeignByName:
    if isinstance(item, ForeignByName):
        return item
    if isinstance(item, dict):
        return ForeignByName(item.get("name") or "", item.get("country_iso3") or item.get("country") or "",
                             item.get("polygon"))
    item = tuple(item)
    return ForeignByName(item[0] or "", item[1] or "", item[2] if len(item) > 2 else None)


@dataclass
class _ResolvedByName:
    index: int
    name: str
    country_iso3: str
    code: str
    polygon: BaseGeometry | None
    existing: AdminUnit | None


@dataclass
class _Plan:
    """Validated input, ready to be written."""

    kind: OwnerKind
    name: str
    grouping_key: str
    founding_act_ref: str | None
    founding_act_date: date | None
    tutelle_authority: str | None
    units: list[AdminUnit] = field(default_factory=list)  # members from the layers (or existing manual units)
    by_name: list[_ResolvedByName] = field(default_factory=list)


def _optional_text(value: str | None, key: str, label: str, errors: _Errors) -> str | None:
    text = " ".join((value or "").split())
    if len(text) > MAX_TEXT:
        errors.add(key, f"{label} : au plus {MAX_TEXT} caractères.")
    return text or None


def _parse_date(value: date | str | None, errors: _Errors) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            errors.add("founding_act_date", "Date invalide : utilisez le format AAAA-MM-JJ, par exemple 2024-05-15.")
            return None
    if value > date.today():
        errors.add("founding_act_date", "La date de l'acte de création ne peut pas être dans le futur.")
    return value


def _validate(session: Session, owner: PlanOwner | None, *, kind, name, founding_act_ref, founding_act_date,
              tutelle_authority, member_unit_ids, member_codes, foreign_codes, foreign_by_name) -> _Plan:
    errors = _Errors()

    parsed_kind = parse_kind(kind)
    if parsed_kind is None:
        errors.add("kind", "Choisissez le type de groupement (syndicat, convention, entente, GLCT ou union).")

    clean_name = " ".join((name or "").split())
    key = search_key(clean_name)
    if not clean_name:
        errors.add("name", "Le nom du groupement est obligatoire.")
    elif len(clean_name) > MAX_TEXT:
        errors.add("name", f"Le nom du groupement : au plus {MAX_TEXT} caractères.")
    elif not key:
        errors.add("name", "Le nom du groupement doit contenir des lettres ou des chiffres.")
    else:
        other = session.scalar(sa.select(PlanOwner).where(PlanOwner.grouping_key == key,
                                                          PlanOwner.id != (owner.id if owner else -1)))
        if other is not None:
            errors.add("name", f"Un groupement porte déjà ce nom : « {other.name} ». Choisissez un autre nom "
                               "ou modifiez le groupement existant.")
            errors.name_taken = True

    ref = _optional_text(founding_act_ref, "founding_act_ref", "La référence de l'acte de création", errors)
    tutelle = _optional_text(tutelle_authority, "tutelle_authority", "L'autorité de tutelle", errors)
    act_date = _parse_date(founding_act_date, errors)

    # Members from the layers: ids and codes. Every unit once.
    seen: dict[int, AdminUnit] = {}
    units: list[AdminUnit] = []

    def take(unit: AdminUnit, key_: str) -> None:
        if unit.id in seen:
            errors.add(key_, f"{_label(unit)} figure deux fois dans la liste des membres.")
            return
        seen[unit.id] = unit
        units.append(unit)

    ids = [i for i in (member_unit_ids or ())]
    named = [item for item in map(_as_foreign_by_name, foreign_by_name or ()) if (item.name or "").strip()
             or (item.country_iso3 or "").strip() or isinstance(item.polygon, BaseGeometry) or bool(item.polygon)]
    too_many = limits.too_many("members", len(ids) + len(named) + sum(
        1 for codes in (member_codes, foreign_codes) for code in codes or () if (code or "").strip()))
    if too_many:  # refused before any of them is looked up
        errors.add("member_codes", too_many)
        errors.raise_if_any()
    if ids:
        found = {u.id: u for u in session.scalars(sa.select(AdminUnit).where(AdminUnit.id.in_(ids)))}
        for unit_id in ids:
            unit = found.get(unit_id)
            if unit is None:
                errors.add("member_codes", f"Unité inconnue (n° {unit_id}) : rechargez la page.")
            else:
                take(unit, "member_codes")
    for key_, codes in (("member_codes", member_codes), ("foreign_codes", foreign_codes)):
        for code in codes or ():
            code = (code or "").strip()
            if not code:
                continue
            unit = unit_by_code(session, code)
            if unit is None:
                example = "ML010706 pour Kirané Kaniaga" if key_ == "member_codes" else "BFA-ADM2-2_0_1-B12"
                errors.add(key_, f"Code inconnu : « {code} ». Exemple de code : {example}.")
            else:
                take(unit, key_)

    for unit in units:
        if not unit.is_foreign and unit.level != COMMUNE_LEVEL:
            article = "une" if unit.level_label == "région" else "un"
            errors.add("member_codes", f"{_label(unit)} est {article} {unit.level_label} : seules des communes "
                                       "maliennes peuvent être membres d'un groupement.")

    # Foreign units known by name.
    by_name: list[_ResolvedByName] = []
    seen_names: set[str] = set()
    for index, raw in enumerate(foreign_by_name or ()):
        item = _as_foreign_by_name(raw)
        row_key = f"foreign_by_name.{index}"
        row_name = " ".join((item.name or "").split())
        iso3 = (item.country_iso3 or "").strip().upper()
        has_polygon = isinstance(item.polygon, BaseGeometry) or bool(item.polygon)
        if not row_name and not iso3 and not has_polygon:
            continue  # an empty row of the form
        if not row_name:
            errors.add(row_key, "Indiquez le nom de la commune étrangère.")
        elif len(row_name) > MAX_TEXT or not search_key(row_name):
            errors.add(row_key, f"Le nom doit contenir des lettres (au plus {MAX_TEXT} caractères).")
        if iso3 == MALI:
            errors.add(row_key, "Pour une commune malienne, choisissez-la dans la liste des communes maliennes.")
        elif iso3 not in NEIGHBOUR_ISO2:
            errors.add(row_key, "Choisissez le pays de cette commune étrangère.")
        polygon = None
        if has_polygon:
            if isinstance(item.polygon, BaseGeometry):
                polygon = geo.valid_polygonal(item.polygon)
                if polygon is None:
                    errors.add(row_key, "Le polygone de cette commune est invalide.")
            else:
                try:
                    polygon = geo.parse_uploaded_polygon(item.polygon, field=row_key)
                except ValidationError as error:
                    errors.merge(error)
        if row_key in errors.errors:
            continue
        code = manual_unit_code(row_name, iso3)
        if code in seen_names:
            errors.add(row_key, f"« {row_name} » ({country_name(iso3)}) figure deux fois dans la liste des membres.")
            continue
        seen_names.add(code)
        existing = _manual_unit(session, code)
        if existing is not None:
            if existing.id in seen:
                errors.add(row_key, f"{_label(existing)} figure deux fois dans la liste des membres.")
                continue
            seen[existing.id] = existing
        by_name.append(_ResolvedByName(index, row_name, iso3, code, polygon, existing))

    # The rules of each kind of grouping.
    malian = [u for u in units if not u.is_foreign and u.level == COMMUNE_LEVEL]
    foreign_count = sum(1 for u in units if u.is_foreign) + len(by_name)
    if parsed_kind is not None and parsed_kind in CROSS_BORDER_KINDS:
        if not malian and "member_codes" not in errors.errors:
            errors.add("member_codes", "Un groupement transfrontalier comprend au moins une commune malienne.")
        if foreign_count == 0 and not any(k.startswith("foreign") for k in errors.errors):
            errors.add("foreign", "Un groupement transfrontalier comprend au moins une collectivité étrangère : "
                                  "choisissez-la dans la liste des pays voisins ou saisissez son nom et son pays.")
    elif parsed_kind is not None:
        if len(malian) < MIN_INTERCOMMUNAL_COMMUNES and "member_codes" not in errors.errors:
            errors.add("member_codes", f"Un groupement intercommunal réunit au moins {MIN_INTERCOMMUNAL_COMMUNES} "
                                       f"communes maliennes ({len(malian)} choisie{'s' if len(malian) > 1 else ''}).")
        if foreign_count:
            errors.add("foreign", f"Un groupement de type « {parsed_kind.label} » ne réunit que des communes "
                                  "maliennes : retirez les collectivités étrangères ou choisissez le type GLCT ou "
                                  "union transfrontalière.")

    errors.raise_if_any()
    return _Plan(kind=parsed_kind, name=clean_name, grouping_key=key, founding_act_ref=ref,
                 founding_act_date=act_date, tutelle_authority=tutelle, units=units, by_name=by_name)


# ---------------------------------------------------------------------------------------------------------------
# Groupings: writing


def _write_manual_units(session: Session, plan: _Plan) -> tuple[list[AdminUnit], set[int]]:
    """Creates (or reuses) the units known by name; returns them and the ids whose polygon changed."""
    units, reshaped = [], set()
    if not plan.by_name:
        return units, reshaped
    edition = _manual_edition(session, create=True)
    for row in plan.by_name:
        unit = row.existing
        if unit is None:
            unit = AdminUnit(edition=edition, code=row.code, country_iso3=row.country_iso3, level=MANUAL_LEVEL,
                             name=row.name, search_key=search_key(row.name, country_name(row.country_iso3)),
                             is_manual=True, has_geometry=False)
            session.add(unit)
        if row.polygon is not None:
            _set_unit_polygon(unit, row.polygon)
            if row.existing is not None:
                reshaped.add(unit.id)
        units.append(unit)
    session.flush()
    return units, reshaped


def _set_unit_polygon(unit: AdminUnit, polygon: BaseGeometry) -> None:
    point = polygon.representative_point()
    unit.geometry = geo.to_wkb(polygon)
    unit.geometry_simplified = geo.to_wkb(polygon.simplify(0.0005, preserve_topology=True))
    unit.has_geometry = True
    unit.area_km2 = geo.area_km2(polygon)
    unit.label_lon, unit.label_lat = round(point.x, 5), round(point.y, 5)


def _sync_members(owner: PlanOwner, units: Sequence[AdminUnit]) -> None:
    wanted = {u.id for u in units}
    kept = {m.unit_id for m in owner.members if m.unit_id in wanted}
    owner.members[:] = [m for m in owner.members if m.unit_id in wanted]
    for unit in units:
        if unit.id not in kept:
            owner.members.append(GroupingMember(unit=unit))


def _union_of(session: Session, unit_ids: Iterable[int]) -> BaseGeometry | None:
    ids = list(unit_ids)
    if not ids:
        return None
    units = session.scalars(sa.select(AdminUnit).where(AdminUnit.id.in_(ids), AdminUnit.has_geometry)
                            .options(orm.undefer(AdminUnit.geometry)))
    return geo.union(geo.from_wkb(u.geometry) for u in units)


def refresh_geometry(session: Session, owner: PlanOwner) -> None:
    """Recomputes a grouping's geometry_cache: the union of its mapped members' full geometries."""
    session.flush()
    owner.geometry_cache = geo.to_wkb(_union_of(session, [m.unit_id for m in owner.members]))


def refresh_all_geometries(session: Session) -> int:
    """Recomputes every grouping's geometry_cache at once, after boundaries were corrected (`flask geodata load`):
    the members' geometries read in one query, united per grouping with one `GeoDataFrame.dissolve` (shapely's
    `union_all` per group, as `refresh_geometry`), made valid. Returns how many groupings' territories changed (an
    unchanged one is not written, so its plans' summaries are not marked). One grouping at a time stays with
    `refresh_geometry`: it has no frame to build. Measured (a script, not a test) on the 2015 communes in 50
    groups: the dissolve 0.38 s, a loop of `union_all` 0.53 s, before the loop's query per grouping."""
    rows = session.execute(sa.select(GroupingMember.owner_id, AdminUnit.geometry)
                           .join(AdminUnit, AdminUnit.id == GroupingMember.unit_id)
                           .where(AdminUnit.has_geometry)).all()
    united: dict[int, BaseGeometry | None] = {}
    if rows:
        frame = gpd.GeoDataFrame({"owner_id": [r.owner_id for r in rows]},
                                 geometry=shapely.from_wkb([r.geometry for r in rows]), crs="EPSG:4326")
        united = {owner_id: geo.valid_polygonal(geometry)
                  for owner_id, geometry in frame.dissolve(by="owner_id").geometry.items()}
    changed = 0
    for owner in session.scalars(sa.select(PlanOwner).where(PlanOwner.grouping_key.is_not(None))
                                 .options(orm.undefer(PlanOwner.geometry_cache))):
        before, after = geo.from_wkb(owner.geometry_cache), united.get(owner.id)
        same = (before is None and after is None) or (
            before is not None and after is not None and before.equals(after))
        if not same:
            owner.geometry_cache = geo.to_wkb(after)
            changed += 1
    return changed


def _write(session: Session, owner: PlanOwner | None, plan: _Plan) -> PlanOwner:
    """Writes a validated grouping. No SAVEPOINT: with pysqlite, releasing a savepoint opened before any write would
    commit the caller's transaction. If the database still refuses (a name taken by a concurrent save), the error is
    raised and the caller rolls back, as it does for every refusal."""
    try:
        manual, reshaped = _write_manual_units(session, plan)
        members = list(plan.units) + manual
        united = _union_of(session, [u.id for u in members])
        if owner is None:
            owner = PlanOwner(kind=plan.kind, name=plan.name)
            session.add(owner)
        owner.kind, owner.name, owner.grouping_key = plan.kind, plan.name, plan.grouping_key
        owner.founding_act_ref, owner.founding_act_date = plan.founding_act_ref, plan.founding_act_date
        owner.tutelle_authority = plan.tutelle_authority
        owner.updated_at = utcnow()  # always an UPDATE, so the version moves even when only members change
        owner.geometry_cache = geo.to_wkb(united)
        _sync_members(owner, members)
        session.flush()
        for other in _groupings_with_members(session, reshaped, exclude=owner.id):
            refresh_geometry(session, other)
        session.flush()
    except sa.exc.IntegrityError:
        raise GroupingValidationError({"name": ["Un groupement porte déjà ce nom. Choisissez un autre nom."]},
                                      name_taken=True) from None
    except orm.exc.StaleDataError:
        raise ConflictError("Ce groupement a été modifié entre-temps.") from None
    return owner


def _groupings_with_members(session: Session, unit_ids: set[int], exclude: int) -> list[PlanOwner]:
    if not unit_ids:
        return []
    return list(session.scalars(
        sa.select(PlanOwner).where(PlanOwner.id != exclude, PlanOwner.id.in_(
            sa.select(GroupingMember.owner_id).where(GroupingMember.unit_id.in_(unit_ids))))))


def create_grouping(session: Session, *, kind: OwnerKind | str, name: str, founding_act_ref: str | None = None,
                    founding_act_date: date | str | None = None, member_unit_ids: Iterable[int] = (),
                    member_codes: Iterable[str] = (), foreign_codes: Iterable[str] = (),
                    foreign_by_name: Iterable[Any] = (), tutelle_authority: str | None = None,
                    acting_user: Actor | None = None, ip: str = "") -> PlanOwner:
    """Creates a grouping and its members, journaled when `acting_user` is given; the caller commits. Raises
    GroupingValidationError, nothing written.

    Members are given by AdminUnit id, by code (Malian P-code or a neighbour unit's code), or, for foreign units
    known only by name, as (name, country_iso3[, polygon]) tuples or ForeignByName.
    """
    plan = _validate(session, None, kind=kind, name=name, founding_act_ref=founding_act_ref,
                     founding_act_date=founding_act_date, tutelle_authority=tutelle_authority,
                     member_unit_ids=member_unit_ids, member_codes=member_codes, foreign_codes=foreign_codes,
                     foreign_by_name=foreign_by_name)
    owner = _write(session, None, plan)
    if acting_user is not None:
        audit.record(session, acting_user, "grouping.create", owner.name, {"kind": owner.kind_label}, ip)
    return owner


def update_grouping(session: Session, owner: PlanOwner, expected_version: int | None, *, kind: OwnerKind | str,
                    name: str, founding_act_ref: str | None = None, founding_act_date: date | str | None = None,
                    member_unit_ids: Iterable[int] = (), member_codes: Iterable[str] = (),
                    foreign_codes: Iterable[str] = (), foreign_by_name: Iterable[Any] = (),
                    tutelle_authority: str | None = None, acting_user: Actor | None = None,
                    ip: str = "") -> PlanOwner:
    """Replaces a grouping's fields and members (same rules as create_grouping), journaled with `acting_user`.

    Raises ConflictError when `expected_version` (the version the form was loaded with) is not the stored one.
    A member kept keeps its weight. A unit known by name keeps its polygon unless a new one is given.
    """
    _check_grouping(owner)
    _check_version(owner, expected_version)
    plan = _validate(session, owner, kind=kind, name=name, founding_act_ref=founding_act_ref,
                     founding_act_date=founding_act_date, tutelle_authority=tutelle_authority,
                     member_unit_ids=member_unit_ids, member_codes=member_codes, foreign_codes=foreign_codes,
                     foreign_by_name=foreign_by_name)
    saved = _write(session, owner, plan)
    if acting_user is not None:
        audit.record(session, acting_user, "grouping.update", saved.name, {"kind": saved.kind_label}, ip)
    return saved


def _check_grouping(owner: PlanOwner) -> None:
    if owner is None or not owner.is_grouping:
        raise ValidationError("Ce n'est pas un groupement.")


def _check_version(owner: PlanOwner, expected_version: int | str | None) -> None:
    try:
        expected = int(expected_version) if expected_version not in (None, "") else None
    except (TypeError, ValueError):
        expected = None
    if expected != owner.version_id:
        raise ConflictError("Ce groupement a été modifié par quelqu'un d'autre depuis l'ouverture du formulaire.")


def grouping_references(session: Session, owner: PlanOwner) -> dict[str, int]:
    """Rows elsewhere that point at this owner (users attached, and later plans), by table; empty when none."""
    found = {}
    for table in Base.metadata.sorted_tables:
        if table.name == GroupingMember.__tablename__:
            continue
        for fk in table.foreign_keys:
            if fk.column.table.name == PlanOwner.__tablename__:
                n = session.scalar(sa.select(sa.func.count()).select_from(table).where(fk.parent == owner.id)) or 0
                if n:
                    found[table.name] = found.get(table.name, 0) + n
    return found


def deletion_blockers(session: Session, owner: PlanOwner) -> list[str]:
    """Why a grouping cannot be deleted (users attached, plans…), in French; empty when it can."""
    references = grouping_references(session, owner)
    messages = []
    users = references.pop("user_owner", 0)
    if users:
        messages.append(f"Ce groupement est rattaché à {users} compte{'s' if users > 1 else ''} utilisateur : "
                        "retirez-le de ces comptes avant de le supprimer.")
    if references:
        n = sum(references.values())
        messages.append(f"Ce groupement est utilisé par {n} enregistrement{'s' if n > 1 else ''} (plans…) : "
                        "il ne peut pas être supprimé.")
    return messages


def delete_grouping(session: Session, owner: PlanOwner, expected_version: int | None = None, *,
                    acting_user: Actor | None = None, ip: str = "") -> None:
    """Deletes a grouping that nothing uses (no user attached, no plan); its manual foreign units stay for reuse.
    Journaled when `acting_user` is given."""
    _check_grouping(owner)
    if expected_version is not None:
        _check_version(owner, expected_version)
    blockers = deletion_blockers(session, owner)
    if blockers:
        raise ValidationError({"": blockers})
    name = owner.name
    session.delete(owner)
    session.flush()
    if acting_user is not None:
        audit.record(session, acting_user, "grouping.delete", name, {}, ip)


# ---------------------------------------------------------------------------------------------------------------
# Reading groupings


def groupings(session: Session) -> list[PlanOwner]:
    """Every grouping with its members (and their units) loaded, by name."""
    return list(session.scalars(
        sa.select(PlanOwner).where(PlanOwner.grouping_key.is_not(None))
        .options(orm.selectinload(PlanOwner.members).selectinload(GroupingMember.unit))
        .order_by(PlanOwner.grouping_key)))


def grouping_by_id(session: Session, owner_id: int) -> PlanOwner | None:
    owner = session.scalar(
        sa.select(PlanOwner).where(PlanOwner.id == owner_id)
        .options(orm.selectinload(PlanOwner.members).selectinload(GroupingMember.unit)
                 .selectinload(AdminUnit.parent).selectinload(AdminUnit.parent)))
    return owner if owner is not None and owner.is_grouping else None


def groupings_of_unit(session: Session, unit: AdminUnit) -> list[PlanOwner]:
    """The groupings a unit is a member of, by name."""
    return list(session.scalars(
        sa.select(PlanOwner).join(GroupingMember, GroupingMember.owner_id == PlanOwner.id)
        .where(GroupingMember.unit_id == unit.id).order_by(PlanOwner.grouping_key)))


@dataclass
class MemberSummary:
    malian: list[AdminUnit]
    foreign: list[AdminUnit]
    without_geometry: list[AdminUnit]

    @property
    def count(self) -> int:
        return len(self.malian) + len(self.foreign)

    @property
    def mapped_count(self) -> int:
        return self.count - len(self.without_geometry)


def _by_name(units: Iterable[AdminUnit]) -> list[AdminUnit]:
    return sorted(units, key=lambda u: (u.country_iso3 != MALI, u.country_iso3, search_key(u.display_name), u.code))


def member_summary(owner: PlanOwner) -> MemberSummary:
    """The Malian members, the foreign members and those without geometry (not on the map), each by name."""
    units = owner.member_units
    return MemberSummary(malian=_by_name(u for u in units if not u.is_foreign),
                         foreign=_by_name(u for u in units if u.is_foreign),
                         without_geometry=_by_name(u for u in units if not u.has_geometry))


def owner_geometry(owner: PlanOwner) -> BaseGeometry | None:
    """The shapely geometry of any owner: the unit's for a collectivité, the union of the members for a grouping."""
    if owner.is_grouping:
        return geo.from_wkb(owner.geometry_cache)
    return geo.from_wkb(owner.unit.geometry) if owner.unit is not None else None


def grouping_by_name(session: Session, name: str) -> PlanOwner | None:
    """An existing grouping by its exact name, ignoring case, accents and punctuation."""
    key = search_key(name)  # a grouping's grouping_key is search_key(its name)
    if not key:
        return None
    return session.scalar(sa.select(PlanOwner).where(PlanOwner.grouping_key == key))
