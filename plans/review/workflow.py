"""The review workflow: which status a plan may move to, who moves it, and what each move records.

    brouillon ──planner──▶ soumis ──reviewer──▶ en_revue ──reviewer──▶ valide ──planner──▶ adopte
        ▲                 │    ▲                 │ (with a reason)
        └────planner──────┘    └──planner── a_reviser ◀┘
      (withdrawn before a reviewer takes it)

A planner withdraws a submission (soumis → brouillon) as long as no reviewer has taken it: the plan is a draft
again, editable; it still counts as submitted for plans/review/deletion.py, which never deletes such a plan.

A request names the status its user saw: a move that the rules do not list is refused (ValidationError), a user
without the right role on the plan's owner is refused (PermissionError), and a request made on a status that has
changed since (a replay, or two reviewers taking the same plan) is a ConflictError — checked by the UPDATE itself,
so two concurrent requests cannot both pass. Every move records a PlanTransition and an audit entry, and the moves
to soumis, valide and adopte a PlanSnapshot (the plan document) that diffs compare.

A reviewer who validates while checklist items are unticked or comment threads open (plans/review/comments.py
`open_points`) must confirm it (`confirm_open`): without it the validation is refused with the list of what is
open; with it, that list is recorded in the transition's note and its audit entry.

The deliberation is typed in one place, with the adoption move (valide → adopte). The transmission to the tutelle
comes after the vote: `record_transmission` records it on the adopted plan — the one change an adopted plan takes,
through the adoption section (its version, its history) and the journal.

An adopted plan is frozen; open_revision() opens the next revision (same uuid, revision + 1) as a new draft — the
one place a revision is opened, for start_revision() (a copy of the adopted content) and for the import of a plan
file over an adopted plan (plans/review/planfile_import.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session

from plans.accounts import access
from plans.accounts.models import Role, User
from plans.core import audit as audit_service
from plans.core import limits
from plans.core.db import utcnow
from plans.core.errors import ConflictError, ValidationError
from plans.core.formatting import date_short
from plans.core.ids import canonical_uuid
from plans.planning import completeness, sections
from plans.planning.models import EDITABLE_STATUSES, Plan, PlanStatus
from plans.planning.sectiondata import adoption
from plans.review import comments, planfile
from plans.review.models import PlanSnapshot, PlanTransition

PLANNER, REVIEWER = "planner", "reviewer"
MAX_REASON = limits.REASON_CHARS
SNAPSHOT_STATUSES = frozenset({PlanStatus.SOUMIS, PlanStatus.VALIDE, PlanStatus.ADOPTE})
# The deliberation is voted after validation: the submission gate checks every other section.
SECTIONS_CHECKED_AT_SUBMISSION = tuple(s.key for s in sections.SECTIONS if s.key != "adoption")
DELIBERATION_FIELDS = ("deliberation_number", "deliberation_date", "council_session")
CONFIRM_FIELD = "confirm_open"
CONFIRM_NEEDED = ("Des points restent ouverts : cochez « Je valide malgré les points ouverts » pour valider quand "
                  "même, ou traitez-les d'abord.")
VALIDATED_DESPITE = "Validé malgré les points ouverts suivants :"


@dataclass(frozen=True)
class Move:
    source: PlanStatus
    target: PlanStatus
    actor: str  # PLANNER or REVIEWER
    label: str  # the button
    done: str  # the message once done
    needs_reason: bool = False
    needs_deliberation: bool = False


MOVES = (
    Move(PlanStatus.BROUILLON, PlanStatus.SOUMIS, PLANNER, "Soumettre le plan à la revue",
         "Plan soumis à la revue de la DGCT."),
    Move(PlanStatus.SOUMIS, PlanStatus.EN_REVUE, REVIEWER, "Prendre le plan en revue",
         "Vous avez pris ce plan en revue."),
    Move(PlanStatus.EN_REVUE, PlanStatus.A_REVISER, REVIEWER, "Renvoyer pour révision",
         "Plan renvoyé au planificateur pour révision.", needs_reason=True),
    Move(PlanStatus.EN_REVUE, PlanStatus.VALIDE, REVIEWER, "Valider le plan", "Plan validé."),
    Move(PlanStatus.SOUMIS, PlanStatus.BROUILLON, PLANNER, "Retirer la soumission",
         "Soumission retirée : le plan est de nouveau un brouillon, modifiable."),
    Move(PlanStatus.A_REVISER, PlanStatus.SOUMIS, PLANNER, "Soumettre à nouveau le plan corrigé",
         "Plan corrigé soumis à nouveau à la revue."),
    Move(PlanStatus.VALIDE, PlanStatus.ADOPTE, PLANNER, "Enregistrer l'adoption par le conseil",
         "Adoption enregistrée : cette version du plan est désormais figée.", needs_deliberation=True),
)
MOVES_BY_KEY = {(m.source, m.target): m for m in MOVES}


def is_editable(plan: Plan) -> bool:
    """Content can change only in a draft or a plan sent back for revision."""
    return plan.status in EDITABLE_STATUSES


def _may_act(user: User, plan: Plan, move: Move) -> bool:
    if move.actor == PLANNER:
        return access.can_edit_owner_plans(user, plan.owner)
    return user.role is Role.REVIEWER and access.can_read_owner(user, plan.owner)


def allowed_moves(user: User, plan: Plan) -> list[Move]:
    """The moves this user may make now (the buttons of the review page)."""
    return [m for m in MOVES if m.source == plan.status and _may_act(user, plan, m)]


def parse_status(value: PlanStatus | str | None, field: str = "to_status") -> PlanStatus:
    try:
        return PlanStatus(value)
    except ValueError:
        raise ValidationError({field: "Statut inconnu."}) from None


def submission_problems(plan: Plan) -> list[str]:
    """What a plan still lacks before it may be submitted, in French, one line per missing item."""
    result = completeness.check_plan(plan)
    problems = []
    for key in SECTIONS_CHECKED_AT_SUBMISSION:
        check = result.by_key(key)
        problems += [f"{check.number}. {check.title} : {message}" for message in check.errors + check.missing]
    return problems


def validated_on(session: Session, plan: Plan) -> Optional[date]:
    """The day (UTC) of the plan's latest validation by the DGCT, None if it was never validated."""
    at = session.scalar(sa.select(PlanTransition.at).where(PlanTransition.plan_id == plan.id,
                                                           PlanTransition.to_status == PlanStatus.VALIDE.value)
                        .order_by(PlanTransition.at.desc(), PlanTransition.id.desc()).limit(1))
    return at.date() if at is not None else None


def _deliberation_data(session: Session, plan: Plan, deliberation: dict | None) -> dict:
    """Checks the deliberation typed with an adoption (not in the future, not before the plan's validation: the
    council adopts the plan the DGCT validated); returns the adoption section's data to save."""
    deliberation = deliberation or {}
    number = (deliberation.get("deliberation_number") or "").strip()
    session_name = (deliberation.get("council_session") or "").strip()
    when = deliberation.get("deliberation_date")
    errors: dict[str, list[str]] = {}
    if not number:
        errors["deliberation_number"] = ["Indiquez le numéro de la délibération d'adoption."]
    elif len(number) > 100:
        errors["deliberation_number"] = ["Le numéro de délibération ne doit pas dépasser 100 caractères."]
    if len(session_name) > 200:
        errors["council_session"] = ["La session du conseil ne doit pas dépasser 200 caractères."]
    if not when:
        errors["deliberation_date"] = ["Indiquez la date de la délibération d'adoption."]
    elif not isinstance(when, date):
        try:
            when = date.fromisoformat(str(when))
        except ValueError:
            errors["deliberation_date"] = ["Date de délibération invalide (jour/mois/année)."]
    validated = validated_on(session, plan)
    if isinstance(when, date) and when > date.today():
        errors["deliberation_date"] = ["La délibération ne peut pas être datée dans le futur."]
    elif isinstance(when, date) and validated is not None and when < validated:
        errors["deliberation_date"] = [
            f"La délibération serait datée du {date_short(when)}, avant la validation du plan par la DGCT le "
            f"{date_short(validated)} : le conseil adopte le plan validé. Vérifiez la date."]
    if errors:
        raise ValidationError(errors)
    data = adoption.dump(plan)
    data.update(deliberation_number=number, deliberation_date=when.isoformat(), council_session=session_name)
    adoption.validate(data)  # with the transmission already typed (not before the deliberation, …)
    return data


def _record_deliberation(session: Session, plan: Plan, user: User, data: dict) -> None:
    """Through the adoption section, so the history shows who typed the deliberation and when."""
    sections.save_section(session, plan, "adoption", sections.current_version(session, plan, "adoption"), user,
                          apply=lambda: adoption.apply(session, plan, data), snapshot=lambda: adoption.dump(plan))


TRANSMISSION_FIELDS = ("transmission_date", "transmission_authority")


def can_record_transmission(user: User, plan: Plan) -> bool:
    return plan.status is PlanStatus.ADOPTE and access.can_edit_owner_plans(user, plan.owner)


def record_transmission(session: Session, plan: Plan, user: User, data: dict, expected_version,
                        ip: str = "") -> bool:
    """Records (or corrects) the transmission of the adopted plan to the tutelle: its date (not in the future, not
    before the deliberation) and the authority. Through the adoption section, so a stale form is a ConflictError
    (409) and the history shows who typed it. Returns False when nothing changed. Flushes; the caller commits.

    Raises PermissionError (not a planner of the owner), ValidationError (the plan is not adopted; the fields)."""
    if not access.can_edit_owner_plans(user, plan.owner):
        raise PermissionError("Seuls les planificateurs de la collectivité enregistrent la transmission à la "
                              "tutelle.")
    if plan.status is not PlanStatus.ADOPTE:
        raise ValidationError({"transmission_date": [
            "La transmission à la tutelle s'enregistre une fois le plan adopté ; "
            f"ce plan est « {plan.status.label} »."]})
    when = data.get("transmission_date")
    errors: dict[str, list[str]] = {}
    if not when:
        errors["transmission_date"] = ["Indiquez la date de la transmission à la tutelle."]
    elif isinstance(when, date) and when > date.today():
        errors["transmission_date"] = ["La transmission ne peut pas être datée dans le futur."]
    if errors:
        raise ValidationError(errors)
    full = adoption.dump(plan)
    full.update(transmission_date=when.isoformat() if isinstance(when, date) else when,
                transmission_authority=(data.get("transmission_authority") or "").strip())
    adoption.validate(full)  # not before the deliberation, the authority named
    before = adoption.dump(plan)
    change = sections.save_section(session, plan, "adoption", expected_version, user,
                                   apply=lambda: adoption.apply(session, plan, full),
                                   snapshot=lambda: adoption.dump(plan),
                                   unchanged=lambda: adoption.dump(plan) == before)
    if change is None:
        return False
    audit_service.record(session, user, "plan.transmission", f"plan:{plan.id}",
                         {"plan_uuid": plan.uuid, "revision": plan.revision,
                          **{name: adoption.dump(plan)[name] for name in TRANSMISSION_FIELDS}}, ip)
    session.flush()
    return True


def _stale_message(session: Session, plan: Plan, seen: PlanStatus) -> str:
    last = latest_transition(session, plan)
    since = ""
    if last is not None and last.to_status == plan.status.value:
        who = (last.user.full_name or last.user.email) if last.user else "un autre utilisateur"
        since = f" depuis le {last.at:%d/%m/%Y à %H:%M} (par {who})"
    return (f"Ce plan est « {plan.status.label} »{since}, et non plus « {seen.label} » comme sur la page que "
            f"vous avez envoyée : votre demande n'a pas été appliquée. Rechargez la page de revue.")


def _snapshot(session: Session, plan: Plan, user: Optional[User], kind: str, label: str) -> PlanSnapshot:

    snapshot = PlanSnapshot(plan_id=plan.id, kind=kind, label=label[:200], user_id=user.id if user else None,
                            document=planfile.export_document(session, plan))
    session.add(snapshot)
    session.flush()
    return snapshot


def transition(session: Session, plan: Plan, user: User, to_status: PlanStatus | str, *,
               seen_status: PlanStatus | str, reason: str = "",
               deliberation: dict | None = None, confirm_open: bool = False, ip: str = "") -> PlanTransition:
    """Moves `plan` from `seen_status` (what the user saw) to `to_status`. Flushes; the caller commits.

    Raises ValidationError (no such move; an incomplete plan; a send-back without a reason; an adoption without
    its deliberation; a validation with open points not confirmed, keyed CONFIRM_FIELD), PermissionError (not this
    user's move on this plan), ConflictError (the status changed)."""
    seen, target = parse_status(seen_status, "seen_status"), parse_status(to_status)
    move = MOVES_BY_KEY.get((seen, target))
    if move is None:
        raise ValidationError({"to_status": f"Un plan « {seen.label} » ne peut pas passer à « {target.label} »."})
    if not _may_act(user, plan, move):
        who = "les planificateurs de la collectivité" if move.actor == PLANNER else "les relecteurs de la DGCT"
        raise PermissionError(f"Seuls {who} peuvent faire cette opération : « {move.label} ».")
    if plan.status != seen:
        raise ConflictError(_stale_message(session, plan, seen))
    reason = (reason or "").strip()
    if move.needs_reason and not reason:
        raise ValidationError({"reason": "Expliquez au planificateur ce qu'il doit revoir."})
    if len(reason) > MAX_REASON:
        raise ValidationError({"reason": f"Le motif ne doit pas dépasser {MAX_REASON} caractères."})
    if target is PlanStatus.SOUMIS:
        problems = submission_problems(plan)
        if problems:
            raise ValidationError({"completeness": ["Le plan ne peut pas être soumis : il manque encore "
                                                    "les éléments suivants."] + problems})
    deliberation_data = _deliberation_data(session, plan, deliberation) if move.needs_deliberation else None
    open_points = comments.open_points(session, plan) if target is PlanStatus.VALIDE else []
    if open_points and not confirm_open:
        raise ValidationError({CONFIRM_FIELD: [CONFIRM_NEEDED, *open_points]})
    if open_points:
        reason = "\n".join([VALIDATED_DESPITE, *(f"- {p}" for p in open_points)])[:MAX_REASON]

    now = utcnow()
    updated = session.execute(
        sa.update(Plan).where(Plan.id == plan.id, Plan.status == seen)
        .values(status=target, updated_at=now).execution_options(synchronize_session=False))
    if updated.rowcount != 1:
        if session.scalar(sa.select(Plan.id).where(Plan.id == plan.id)) is None:  # deleted meanwhile
            raise ConflictError("Ce plan vient d'être supprimé : votre demande n'a pas été appliquée.")
        session.expire(plan, ["status"])
        raise ConflictError(_stale_message(session, plan, seen))
    session.expire(plan, ["status", "updated_at"])
    if deliberation_data is not None:
        _record_deliberation(session, plan, user, deliberation_data)

    snapshot = None
    if target in SNAPSHOT_STATUSES:
        snapshot = _snapshot(session, plan, user, target.value,
                             f"{target.label} — révision {plan.revision}, le {now:%d/%m/%Y à %H:%M}")
    record = PlanTransition(plan_id=plan.id, from_status=seen.value, to_status=target.value, user_id=user.id,
                            at=now, reason=reason, snapshot_id=snapshot.id if snapshot else None)
    session.add(record)
    audit_service.record(session, user, "plan.transition", f"plan:{plan.id}",
                         {"plan_uuid": plan.uuid, "revision": plan.revision, "from": seen.value,
                          "to": target.value, "reason": reason, "open_points": open_points}, ip)
    session.flush()
    return record


def transitions(session: Session, plan: Plan) -> list[PlanTransition]:
    """The plan's status changes, oldest first."""
    return list(session.scalars(sa.select(PlanTransition).where(PlanTransition.plan_id == plan.id)
                                .order_by(PlanTransition.at, PlanTransition.id)))


def latest_transition(session: Session, plan: Plan) -> Optional[PlanTransition]:
    return session.scalar(sa.select(PlanTransition).where(PlanTransition.plan_id == plan.id)
                          .order_by(PlanTransition.at.desc(), PlanTransition.id.desc()).limit(1))


def snapshots(session: Session, plan: Plan) -> list[PlanSnapshot]:
    return list(session.scalars(sa.select(PlanSnapshot).where(PlanSnapshot.plan_id == plan.id)
                                .order_by(PlanSnapshot.at, PlanSnapshot.id)))


# ----- Revisions -----

def revisions(session: Session, plan: Plan) -> list[Plan]:
    """Every revision of the same plan (same uuid), oldest first."""
    return list(session.scalars(sa.select(Plan).where(Plan.uuid == plan.uuid).order_by(Plan.revision)))


def latest_revision(session: Session, uuid: str) -> Optional[Plan]:
    """The newest revision of the plan with this uuid, in any case (None: no such plan here)."""
    uuid = canonical_uuid(uuid) or uuid
    return session.scalar(sa.select(Plan).where(Plan.uuid == uuid).order_by(Plan.revision.desc()).limit(1))


def can_start_revision(session: Session, user: User, plan: Plan) -> bool:
    return (plan.status is PlanStatus.ADOPTE and access.can_edit_owner_plans(user, plan.owner)
            and latest_revision(session, plan.uuid).id == plan.id)


def open_revision(session: Session, adopted: Plan, user: Optional[User], *, title: str, period_start: int,
                  period_end: int, guide_version: str, reason: str, ip: str = "") -> Plan:
    """The next revision of an adopted plan (same uuid and owner, revision + 1), an empty draft: the transition
    adopté → brouillon that opens it and its audit entry are recorded here; the caller fills its content.
    `user` None: the command line."""
    new_plan = Plan(uuid=adopted.uuid, revision=adopted.revision + 1, owner=adopted.owner, title=title,
                    period_start=period_start, period_end=period_end, guide_version=guide_version,
                    status=PlanStatus.BROUILLON, created_by=user)
    session.add(new_plan)
    session.flush()
    session.add(PlanTransition(plan_id=new_plan.id, from_status=PlanStatus.ADOPTE.value,
                               to_status=PlanStatus.BROUILLON.value, user_id=user.id if user else None,
                               reason=reason))
    audit_service.record(session, user, "plan.revision", f"plan:{new_plan.id}",
                         {"plan_uuid": adopted.uuid, "from_plan_id": adopted.id, "revision": new_plan.revision}, ip)
    return new_plan


def start_revision(session: Session, plan: Plan, user: User, ip: str = "") -> Plan:
    """A new draft revision of an adopted plan (same uuid, revision + 1) holding a copy of its content; the adopted
    revision stays as it is, readable and frozen. The deliberation is left blank: the revision needs its own."""
    if not access.can_edit_owner_plans(user, plan.owner):
        raise PermissionError("Seuls les planificateurs de la collectivité peuvent réviser ce plan.")
    if plan.status is not PlanStatus.ADOPTE:
        raise ValidationError(f"Seul un plan adopté se révise ; ce plan est « {plan.status.label} ».")
    latest = latest_revision(session, plan.uuid)
    if latest.id != plan.id:
        raise ConflictError(f"La révision {latest.revision} de ce plan existe déjà "
                            f"(« {latest.status.label} ») : c'est elle qui se modifie.")
    document = planfile.export_document(session, plan)
    document["plan"]["sections"]["adoption"] = {name: None for name in adoption.FIELDS}
    new_plan = open_revision(session, plan, user, title=plan.title, period_start=plan.period_start,
                             period_end=plan.period_end, guide_version=plan.guide_version, ip=ip,
                             reason=f"Révision {plan.revision + 1} ouverte à partir de la révision "
                                    f"{plan.revision} adoptée.")
    planfile.load_into(session, new_plan, document, user,
                       summary=f"Révision {new_plan.revision} : reprise de la révision {plan.revision} adoptée")
    session.flush()
    return new_plan
