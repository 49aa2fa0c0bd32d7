"""Importing a plan file (plans/review/planfile.py holds the format): the use case above the workflow.

`import_document` reads and checks the document (planfile.read_document, planfile.check_content), finds the owner
(a collectivité by P-code, a grouping by its name, created when an administrator imports it), checks that the
importer may write that owner's plans, then: a plan already here with the same uuid is updated (its latest
revision, if editable), or gets a new revision when that revision is adopted (plans/review/workflow.py
`open_revision`, the one place a revision is opened); else the plan is created. Nothing is half-imported: on any
refusal the session is rolled back. The caller commits on success. Every import writes its audit entry.

History stays within bounds (plans/core/limits.py): a section the file leaves as it was records nothing
(plans/review/planfile.py `write_content`), the copy of the file (a PlanSnapshot of kind "import", a version on the
versions page) is not kept again when the plan's latest import was the same document, and only the
IMPORT_SNAPSHOTS newest copies of a plan are kept. Re-importing the same file thus writes nothing but its audit
entry.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.orm import Session

from plans.accounts import access
from plans.accounts.models import Role, User
from plans.core import audit as audit_service
from plans.core import limits
from plans.core.db import serialize, utcnow
from plans.core.errors import ConflictError, ValidationError
from plans.core.ids import derived_uuid
from plans.core.text import without_control_characters
from plans.execution import service as execution_service
from plans.owners import service as owners_service
from plans.owners.models import COLLECTIVITE_LEVEL, OwnerKind, PlanOwner
from plans.planning.models import Action, Plan, PlanStatus
from plans.review import planfile_execution, workflow
from plans.review.models import PlanSnapshot
from plans.review.planfile import (
    SNAPSHOT_KIND,
    check_content,
    json_path,
    messages_at,
    read_document,
    without_timestamp,
    write_content,
)
from plans.territory.models import MALI, AdminUnit, TerritoryEdition
from plans.territory.service import unit_by_code

MSG_CHANGED_MEANWHILE = "Le plan a été modifié pendant l'import : recommencez l'import."
MSG_BUSY = ("Le serveur est occupé par d'autres enregistrements : rien n'a été modifié, recommencez l'import dans "
            "un instant.")


@dataclass
class ImportResult:
    plan: Plan
    created: bool
    new_revision: bool
    warnings: list[str] = field(default_factory=list)


def _unit_of(session: Session, code: str, edition_key: str | None) -> tuple[AdminUnit | None, bool]:
    """The unit with this code, in the file's edition when this server has it (else the current one); and
    whether the file's edition was found."""
    if edition_key:
        unit = session.scalar(sa.select(AdminUnit).join(TerritoryEdition).where(
            TerritoryEdition.key == edition_key, AdminUnit.code == (code or "").strip().upper()))
        if unit is not None:
            return unit, True
    return unit_by_code(session, code), edition_key is None


def _collectivite(session: Session, part: dict, warnings: list[str]) -> PlanOwner:
    kind = OwnerKind(part["kind"])
    code = part["pcode"]
    unit, edition_found = _unit_of(session, code, part.get("territory_edition"))
    level = COLLECTIVITE_LEVEL[kind]
    if unit is None or unit.country_iso3 != MALI or unit.level != level:
        label, noun = {OwnerKind.COMMUNE: ("Commune inconnue", "aucune commune"),
                       OwnerKind.CERCLE: ("Cercle inconnu", "aucun cercle"),
                       OwnerKind.REGION: ("Région inconnue", "aucune région")}[kind]
        raise ValidationError({"plan.owner.pcode": [
            f"{label} : le code P « {code} » ({part.get('name') or 'sans nom'}) ne désigne {noun} du territoire "
            "chargé sur ce serveur."]})
    if not edition_found:
        warnings.append(f"Le découpage territorial « {part.get('territory_edition')} » du fichier n'est pas chargé "
                        f"ici : « {unit.display_name} » ({unit.code}) est prise dans le découpage "
                        f"« {unit.edition.key} ».")
    return owners_service.collectivite_owner(session, unit)


def _member_key(unit: AdminUnit) -> str:
    return unit.code


def _grouping(session: Session, part: dict, user: Optional[User], warnings: list[str]) -> PlanOwner:
    owner = owners_service.grouping_by_name(session, part["name"])
    wanted = set()
    for m in part["members"]:
        if "pcode" in m:
            wanted.add(m["pcode"].strip().upper())
        elif "code" in m:
            wanted.add(m["code"].strip().upper())
        else:
            wanted.add(owners_service.manual_unit_code(m["name"], m["country"]))
    if owner is not None:
        if not owner.is_grouping:
            raise ValidationError({"plan.owner.name": [f"« {part['name']} » n'est pas un groupement sur ce serveur."]})
        if {_member_key(u) for u in owner.member_units} != wanted:
            warnings.append(f"Les membres du groupement « {owner.name} » diffèrent entre le fichier et ce serveur : "
                            "ceux du serveur sont gardés (un administrateur peut les modifier).")
        return owner
    if user is not None and user.role is not Role.ADMIN:
        raise ValidationError({"plan.owner.name": [
            f"Groupement inconnu sur ce serveur : « {part['name']} ». Un administrateur doit d'abord l'importer ou "
            "le créer, puis vous y rattacher."]})
    try:
        owner = owners_service.create_grouping(
            session, kind=part["kind"], name=part["name"], founding_act_ref=part.get("founding_act_ref"),
            founding_act_date=part.get("founding_act_date"), tutelle_authority=part.get("tutelle_authority"),
            member_codes=[m["pcode"] for m in part["members"] if "pcode" in m],
            foreign_codes=[m["code"] for m in part["members"] if "code" in m and "pcode" not in m],
            foreign_by_name=[(m["name"], m["country"]) for m in part["members"] if "pcode" not in m
                             and "code" not in m], acting_user=user)
    except ValidationError as error:
        raise ValidationError(messages_at(error, lambda k: "plan.owner.members" if k not in ("name", "kind")
                                           else json_path("plan.owner", k))) from None
    warnings.append(f"Groupement « {owner.name} » créé sur ce serveur à partir du fichier.")
    return owner


def resolve_owner(session: Session, part: dict, user: Optional[User], warnings: list[str]) -> PlanOwner:
    """The owner a document names: a collectivité by P-code, a grouping by name (created by an admin's import)."""
    if OwnerKind(part["kind"]).is_grouping:
        return _grouping(session, part, user, warnings)
    return _collectivite(session, part, warnings)


def _check_user(user: Optional[User], owner: PlanOwner) -> None:
    if user is None or user.role is Role.ADMIN:
        return
    if user.role is not Role.PLANNER:
        raise ValidationError("Les relecteurs ne modifient pas le contenu des plans : seuls les planificateurs de "
                              "la collectivité et les administrateurs importent un fichier de plan.")
    if not access.can_edit_owner_plans(user, owner):
        raise ValidationError({"plan.owner": [
            f"Ce plan appartient à « {owner.name} », à laquelle votre compte n'est pas rattaché : vous ne pouvez "
            "importer que les plans de vos collectivités."]})


def _keep_action_uuids_to_this_plan(session: Session, plan: Plan, rows: list[dict],
                                    warnings: list[str]) -> dict[str, str]:
    """An action uuid belongs to one plan (all its revisions): the dashboard's exports key an action by (uuid,
    revision) and the API lists them. A file's action whose uuid is already another plan's (a file copied from a
    neighbour, or forged) takes the uuid derived from this plan's and its own (plans.core.ids.derived_uuid): the
    same at every import of that file, so the action is matched again next time. The rows are changed in place;
    returns the uuids changed (file's → this plan's)."""
    wanted = [row["uuid"] for row in rows]
    if not wanted:
        return {}
    elsewhere = set()
    for chunk in range(0, len(wanted), 500):
        elsewhere.update(session.scalars(
            sa.select(Action.uuid).join(Plan, Plan.id == Action.plan_id)
            .where(Action.uuid.in_(wanted[chunk:chunk + 500]), Plan.uuid != plan.uuid)))
    if not elsewhere:
        return {}
    moved = {old: derived_uuid(plan.uuid, old) for old in elsewhere}
    taken = set(session.scalars(sa.select(Action.uuid).join(Plan, Plan.id == Action.plan_id)
                                .where(Action.uuid.in_(list(moved.values())), Plan.uuid != plan.uuid)))
    errors: dict[str, list[str]] = {}
    for i, row in enumerate(rows):
        new = moved.get(row["uuid"])
        if new is not None and (new in taken or new in wanted):
            errors[json_path("plan.actions", i, "uuid")] = [
                f"L'identifiant « {row['uuid']} » est celui d'une action d'un autre plan : donnez à cette action "
                "un nouvel identifiant (uuid)."]
    if errors:
        raise ValidationError(errors)
    for row in rows:
        row["uuid"] = moved.get(row["uuid"], row["uuid"])
    count = len(moved)
    warnings.append(f"{count} action{'s' if count > 1 else ''} du fichier portai{'en' if count > 1 else ''}t "
                    f"l'identifiant d'une action d'un autre plan : ell{'es' if count > 1 else 'e'} reçoi"
                    f"{'ven' if count > 1 else ''}t un identifiant propre à ce plan.")
    return moved


def import_document(session: Session, document_or_bytes: dict | bytes | str, user: Optional[User], *,
                    source: str | None = None, ip: str = "") -> ImportResult:
    """Imports a plan file (see the module's docstring). `user` None: the command line, trusted like an admin.
    `source`: the file's name, quoted in the history. Raises ValidationError (keys: JSON paths, messages in
    French) after rolling the session back; the caller commits on success."""
    source = without_control_characters(source) if source else source  # a file name may be any bytes (os.fsdecode)
    try:
        return _import(session, document_or_bytes, user, source, ip)
    except ValidationError:
        session.rollback()
        raise
    except (ConflictError, sa.exc.IntegrityError, orm.exc.StaleDataError):
        # a save of the plan, or the creation of the same grouping, at the same moment (imports of one plan wait
        # for each other: `serialize` below)
        session.rollback()
        raise ValidationError(MSG_CHANGED_MEANWHILE) from None
    except sa.exc.OperationalError:  # SQLite's write lock not obtained within its busy timeout, a deadlock
        session.rollback()
        raise ValidationError(MSG_BUSY) from None


def _import(session: Session, document_or_bytes, user: Optional[User], source: str | None,
            ip: str) -> ImportResult:
    document = read_document(document_or_bytes)
    content = check_content(document)
    p = document["plan"]
    # One import of a plan at a time: the next one reads what this one wrote (it updates the plan this one
    # created) instead of racing it (ten uploads of one file at once: four 500s before).
    serialize(session, f"plan-import:{p['uuid']}")
    warnings: list[str] = []
    owner = resolve_owner(session, p["owner"], user, warnings)
    _check_user(user, owner)
    summary = f"Import du fichier « {source} »" if source else "Import d'un fichier de plan"

    existing = workflow.latest_revision(session, p["uuid"])
    created = new_revision = execution_only = False
    if existing is not None:
        if existing.owner_id != owner.id:
            # the other owner is not named: the importer may not be allowed to read that plan
            raise ValidationError({"plan.uuid": [
                f"Un plan de même identifiant ({p['uuid']}) existe déjà ici pour une autre collectivité que "
                f"« {owner.name} » : un fichier ne change pas le propriétaire d'un plan."]})
        if (execution_service.is_open(existing) and planfile_execution.has_any(document)
                and p["revision"] == existing.revision
                and planfile_execution.same_content(session, existing, document)):
            # the validated or adopted revision itself, unchanged: the file brings its execution, no revision
            plan = existing
            execution_only = True
        elif existing.status is PlanStatus.ADOPTE:
            plan = workflow.open_revision(
                session, existing, user, title=p["title"], period_start=p["period"]["start"],
                period_end=p["period"]["end"], guide_version=p["guide_version"], ip=ip,
                reason=f"Révision {existing.revision + 1} ouverte par l'import d'un fichier, la révision "
                       f"{existing.revision} étant adoptée.")
            new_revision = True
            warnings.append(f"La révision {existing.revision} de ce plan est adoptée et reste figée : le fichier "
                            f"devient la révision {plan.revision}, en brouillon.")
        else:
            if p["revision"] < existing.revision:
                raise ValidationError({"plan.revision": [
                    f"Ce fichier contient la révision {p['revision']} du plan, mais la révision {existing.revision} "
                    "existe déjà ici : importez un fichier de la dernière révision."]})
            if not workflow.is_editable(existing):
                raise ValidationError({"plan.status": [
                    f"Le plan est « {existing.status.label} » sur ce serveur : il est en revue et ne peut être "
                    "modifié par un import tant qu'il n'est pas renvoyé pour révision."]})
            plan = existing
            if p["status"] != plan.status.value:
                warnings.append(f"Le statut du fichier (« {PlanStatus(p['status']).label} ») n'est pas repris : le "
                                f"plan reste « {plan.status.label} » (le statut change par la revue).")
    else:
        trusted = user is None or user.role is Role.ADMIN
        status = PlanStatus(p["status"]) if trusted else PlanStatus.BROUILLON
        plan = Plan(uuid=p["uuid"], revision=p["revision"], owner=owner, title=p["title"],
                    period_start=p["period"]["start"], period_end=p["period"]["end"],
                    guide_version=p["guide_version"], status=status, created_by=user)
        session.add(plan)
        session.flush()
        created = True
        if status.value != p["status"]:
            warnings.append(f"Le plan est créé en brouillon (le fichier le dit « {PlanStatus(p['status']).label} ») : "
                            "le statut change par la revue.")

    changed = executed = 0
    if not execution_only:
        moved = _keep_action_uuids_to_this_plan(session, plan, p["actions"], warnings)
        for row in planfile_execution.carried(document)["records"] + planfile_execution.carried(document)["evidence"]:
            row["action"] = moved.get(row["action"], row["action"])
        changed = write_content(session, plan, content, user, summary, warnings)
    if planfile_execution.has_any(document):
        if execution_service.is_open(plan):
            executed = planfile_execution.apply(session, plan, document, user, summary)
        else:
            part = planfile_execution.carried(document)
            warnings.append(
                f"L'exécution que porte le fichier ({len(part['records'])} enregistrement(s), "
                f"{len(part['measures'])} mesure(s) d'indicateurs) n'est pas reprise : elle se suit sur un plan "
                f"validé ou adopté dont le contenu est celui du fichier, et le plan importé est « "
                f"{plan.status.label} » ici.")
    if changed:
        plan.updated_at = utcnow()
    if changed or executed or created or new_revision or not _same_as_last_import(session, plan, document):
        session.add(PlanSnapshot(plan_id=plan.id, kind=SNAPSHOT_KIND, label=summary, at=utcnow(),
                                 user_id=user.id if user else None, document=document))
        session.flush()
        _prune_import_copies(session, plan)
    audit_service.record(session, user, "plan.import", plan.uuid,
                         {"revision": plan.revision, "file": source or "", "created": created,
                          "new_revision": new_revision, "sections_changed": changed,
                          "execution_written": executed}, ip)
    session.flush()
    return ImportResult(plan=plan, created=created, new_revision=new_revision, warnings=warnings)


def _same_as_last_import(session: Session, plan: Plan, document: dict) -> bool:
    """Whether the plan's latest imported file is this document (its export instant aside)."""
    last = session.scalar(sa.select(PlanSnapshot.document).where(PlanSnapshot.plan_id == plan.id,
                                                                 PlanSnapshot.kind == SNAPSHOT_KIND)
                          .order_by(PlanSnapshot.id.desc()).limit(1))
    return isinstance(last, dict) and without_timestamp(last) == without_timestamp(document)


def _prune_import_copies(session: Session, plan: Plan) -> None:
    """Deletes the plan's import copies beyond the newest limits.IMPORT_SNAPSHOTS (the review's frozen versions,
    other kinds, are never deleted)."""
    older = session.scalars(sa.select(PlanSnapshot.id).where(PlanSnapshot.plan_id == plan.id,
                                                             PlanSnapshot.kind == SNAPSHOT_KIND)
                            .order_by(PlanSnapshot.id.desc()).offset(limits.IMPORT_SNAPSHOTS)).all()
    if older:
        session.execute(sa.delete(PlanSnapshot).where(PlanSnapshot.id.in_(older)))
