"""Section 4 — Orientations stratégiques: the strategic axes and their specific objectives (each linked to the key
findings of the diagnosis it answers), the scoring grid (criteria and weights) and the priorities scored on it.

The data (what `dump` gives and `apply` takes) is:

    {"axes": [{"id", "title", "general_objective", "migration_crosscutting",
               "objectives": [{"id", "title", "finding_ids": [finding id, …]}]}],
     "criteria": [{"id", "name", "weight"}],
     "priorities": [{"id", "title", "axis": axis ROW INDEX or None, "scores": [score or None, …]}]}

A priority points at its axis and its scores at their criteria by ROW INDEX in the lists above, not by id: on the
form a planner may add an axis or a criterion and score a priority on it in the same post, before that axis or
criterion has an id. `apply` syncs the axes and the criteria first (ids kept with sync_rows, so actions keep
pointing at their objectives), flushes, then resolves the indices to ids: Priority.axis_id and Priority.scores
(criterion id as a string → 0-5). `dump` writes the indices the same way, so a snapshot can be applied again.

Rows without any content are skipped, so blank form rows keep their index; error keys are the form's field names
("axes-0-title", "axes-1-objectives-2-findings", "criteria-0-weight", "priorities-3-scores-1").

The weighted score and the rank of each priority are computed here (`ranked_priorities`), never typed.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from plans.core import limits
from plans.core.errors import ValidationError
from plans.planning.models import Axis, Objective, Plan, Priority, ScoringCriterion
from plans.planning.sectiondata.common import describe_count_change, is_int, row_id, summary, text
from plans.planning.sections import sync_rows

WEIGHT_MIN, WEIGHT_MAX = 1, 5
SCORE_MIN, SCORE_MAX = 0, 5

# Offered when the plan has no criterion yet; saved only when the planner saves the section.
SUGGESTED_CRITERIA = (
    ("Urgence du besoin", 3),
    ("Nombre de bénéficiaires", 3),
    ("Contribution à l'intégration de la migration", 2),
    ("Mobilisation possible de la diaspora", 2),
    ("Faisabilité et coût", 2),
)

AXIS_FIELDS = ("title", "general_objective", "migration_crosscutting")
CRITERION_FIELDS = ("name", "weight")








def suggested_criteria() -> list[dict]:
    return [{"id": None, "name": name, "weight": weight} for name, weight in SUGGESTED_CRITERIA]


# ----- Reading -----

def dump(plan: Plan) -> dict:
    axis_index = {axis.id: i for i, axis in enumerate(plan.axes)}
    criteria = list(plan.criteria)
    return {
        "axes": [{"id": a.id, "title": a.title, "general_objective": a.general_objective or "",
                  "migration_crosscutting": bool(a.migration_crosscutting),
                  "objectives": [{"id": o.id, "title": o.title, "finding_ids": [f.id for f in o.findings]}
                                 for o in a.objectives]}
                 for a in plan.axes],
        "criteria": [{"id": c.id, "name": c.name, "weight": c.weight} for c in criteria],
        "priorities": [{"id": p.id, "title": p.title, "axis": axis_index.get(p.axis_id),
                        "scores": [(p.scores or {}).get(str(c.id)) for c in criteria]}
                       for p in plan.priorities],
    }


def weighted_score(priority: Priority, criteria: list[ScoringCriterion]) -> int:
    """Σ weight × score; a criterion not scored counts 0."""
    scores = priority.scores or {}
    return sum(c.weight * int(scores.get(str(c.id)) or 0) for c in criteria)


def ranked_priorities(plan: Plan) -> list[tuple[int, Priority, int, int]]:
    """(rank, priority, weighted score, highest possible score), best first. Equal scores share a rank and the
    next rank skips accordingly (1, 1, 3); equal priorities keep the order in which they were typed."""
    criteria = list(plan.criteria)
    max_score = sum(c.weight * SCORE_MAX for c in criteria)
    scored = sorted(((weighted_score(p, criteria), p) for p in plan.priorities),
                    key=lambda item: (-item[0], item[1].position))
    result = []
    previous, rank = None, 0
    for i, (score, priority) in enumerate(scored):
        if score != previous:
            rank, previous = i + 1, score
        result.append((rank, priority, score, max_score))
    return result


# ----- Blank rows -----

def _objective_blank(row: dict) -> bool:
    return not text(row.get("title")) and not (row.get("finding_ids") or [])


def _axis_blank(row: dict) -> bool:
    return (not text(row.get("title")) and not text(row.get("general_objective"))
            and not row.get("migration_crosscutting")
            and all(_objective_blank(o) for o in row.get("objectives") or []))


def _criterion_blank(row: dict) -> bool:
    return not text(row.get("name")) and row.get("weight") in (None, "")


def _priority_blank(row: dict) -> bool:
    return (not text(row.get("title")) and row.get("axis") in (None, "")
            and all(s in (None, "") for s in row.get("scores") or []))


def _kept(rows, blank) -> list[tuple[int, dict]]:
    return [(i, row) for i, row in enumerate(rows or []) if not blank(row)]


def _index(value):
    if value in (None, ""):
        return None
    if is_int(value):
        return value
    try:
        return int(str(value))
    except ValueError:
        return -1  # not a row: refused by validate


# ----- Rules -----

def validate(data: dict, plan: Plan | None = None) -> None:
    errors: dict[str, list[str]] = {}
    finding_ids = {f.id for f in plan.findings} if plan is not None else None
    axes = data.get("axes") or []
    for key, blank in (("axes", _axis_blank), ("criteria", _criterion_blank), ("priorities", _priority_blank)):
        message = limits.too_many(key, len(_kept(data.get(key), blank)))
        if message:
            errors[key] = [message]
    for i, axis in _kept(axes, _axis_blank):
        prefix = f"axes-{i}-"
        title = text(axis.get("title"))
        if not title:
            errors[prefix + "title"] = ["Donnez l'intitulé de l'axe stratégique."]
        elif len(title) > 300:
            errors[prefix + "title"] = ["L'intitulé de l'axe tient en 300 caractères au plus."]
        message = limits.too_long(text(axis.get("general_objective")), limits.TEXT_CELL)
        if message:
            errors[prefix + "general_objective"] = [message]
        message = limits.too_many("objectives", len(_kept(axis.get("objectives"), _objective_blank)))
        if message:
            errors[prefix + "objectives"] = [message]
        for j, objective in _kept(axis.get("objectives"), _objective_blank):
            oprefix = f"{prefix}objectives-{j}-"
            otitle = text(objective.get("title"))
            if not otitle:
                errors[oprefix + "title"] = ["Formulez l'objectif spécifique."]
            elif len(otitle) > 300:
                errors[oprefix + "title"] = ["L'objectif tient en 300 caractères au plus."]
            ids = objective.get("finding_ids") or []
            unknown = [f for f in ids if not is_int(f) or (finding_ids is not None and f not in finding_ids)]
            if limits.too_many("finding_links", len(ids)):
                errors[oprefix + "findings"] = [limits.too_many("finding_links", len(ids))]
            elif unknown:
                errors[oprefix + "findings"] = ["Constat inconnu : choisissez parmi les constats clés du diagnostic "
                                                "de ce plan."]
    criteria = data.get("criteria") or []
    kept_criteria = {i for i, _ in _kept(criteria, _criterion_blank)}
    for i in sorted(kept_criteria):
        row, prefix = criteria[i], f"criteria-{i}-"
        name = text(row.get("name"))
        if not name:
            errors[prefix + "name"] = ["Nommez le critère."]
        elif len(name) > 200:
            errors[prefix + "name"] = ["Le nom du critère tient en 200 caractères au plus."]
        weight = row.get("weight")
        if weight in (None, ""):
            errors[prefix + "weight"] = [f"Indiquez le poids du critère ({WEIGHT_MIN} à {WEIGHT_MAX})."]
        elif not is_int(weight) or not WEIGHT_MIN <= weight <= WEIGHT_MAX:
            errors[prefix + "weight"] = [f"Le poids est un nombre entier de {WEIGHT_MIN} à {WEIGHT_MAX}."]
    kept_axes = {i for i, _ in _kept(axes, _axis_blank)}
    for i, row in _kept(data.get("priorities"), _priority_blank):
        prefix = f"priorities-{i}-"
        title = text(row.get("title"))
        if not title:
            errors[prefix + "title"] = ["Donnez l'intitulé de la priorité."]
        elif len(title) > 300:
            errors[prefix + "title"] = ["L'intitulé de la priorité tient en 300 caractères au plus."]
        axis = _index(row.get("axis"))
        if axis is not None and axis not in kept_axes:
            errors[prefix + "axis"] = ["Choisissez un des axes stratégiques de la liste."]
        scores = list(row.get("scores") or [])
        for k in sorted(kept_criteria):
            score = scores[k] if k < len(scores) else None
            if score in (None, ""):
                errors[f"{prefix}scores-{k}"] = [f"Notez ce critère de {SCORE_MIN} à {SCORE_MAX}."]
            elif not is_int(score) or not SCORE_MIN <= score <= SCORE_MAX:
                errors[f"{prefix}scores-{k}"] = [f"La note est un nombre entier de {SCORE_MIN} à {SCORE_MAX}."]
    if errors:
        raise ValidationError(errors)


# ----- Writing -----

def apply(session: Session, plan: Plan, data: dict) -> str:
    validate(data, plan)
    before = (len(plan.axes), sum(len(a.objectives) for a in plan.axes), len(plan.criteria), len(plan.priorities))
    findings_by_id = {f.id: f for f in plan.findings}

    # Axes, then their objectives (matched by id within their axis).
    axis_rows = _kept(data.get("axes"), _axis_blank)
    existing_objectives = {o.id for a in plan.axes for o in a.objectives if o.id is not None}
    kept_objectives = {row_id(o) for _, a in axis_rows for _, o in _kept(a.get("objectives"), _objective_blank)}
    removed = existing_objectives - kept_objectives
    used = [a for a in plan.actions if a.objective_id in removed]
    if used:
        raise ValidationError({"": [f"{len(used)} action(s) du PIP répondent à un objectif que vous retirez "
                                    f"(« {used[0].title} »…) : rattachez-les à un autre objectif avant de le "
                                    "supprimer."]})
    sync_rows(session, plan.axes, [{"id": row_id(a), "title": text(a.get("title")),
                                    "general_objective": text(a.get("general_objective")),
                                    "migration_crosscutting": bool(a.get("migration_crosscutting"))}
                                   for _, a in axis_rows], Axis, AXIS_FIELDS)
    axis_by_row = {}
    for (i, row), axis in zip(axis_rows, plan.axes):
        axis_by_row[i] = axis
        objective_rows = [o for _, o in _kept(row.get("objectives"), _objective_blank)]
        sync_rows(session, axis.objectives, [{"id": row_id(o), "title": text(o.get("title"))}
                                             for o in objective_rows], Objective, ("title",))
        for objective, orow in zip(axis.objectives, objective_rows):
            objective.findings = [findings_by_id[f] for f in dict.fromkeys(orow.get("finding_ids") or [])]

    # Criteria, flushed so that new ones have the id the priorities' scores are keyed by.
    criterion_rows = _kept(data.get("criteria"), _criterion_blank)
    sync_rows(session, plan.criteria, [{"id": row_id(c), "name": text(c.get("name")), "weight": c["weight"]}
                                       for _, c in criterion_rows], ScoringCriterion, CRITERION_FIELDS)
    session.flush()
    criterion_by_row = {i: c for (i, _), c in zip(criterion_rows, plan.criteria)}

    priorities = []
    for _, row in _kept(data.get("priorities"), _priority_blank):
        scores = list(row.get("scores") or [])
        axis_row = _index(row.get("axis"))
        priorities.append({"id": row_id(row), "title": text(row.get("title")),
                           "axis": axis_by_row.get(axis_row) if axis_row is not None else None,
                           "scores": {str(c.id): scores[k] for k, c in criterion_by_row.items()}})
    sync_rows(session, plan.priorities, priorities, Priority, ("title", "axis", "scores"))
    session.flush()

    after = (len(plan.axes), sum(len(a.objectives) for a in plan.axes), len(plan.criteria), len(plan.priorities))
    return summary([describe_count_change("Axes stratégiques", before[0], after[0]),
                    describe_count_change("Objectifs spécifiques", before[1], after[1]),
                    describe_count_change("Critères de la grille", before[2], after[2]),
                    describe_count_change("Priorités", before[3], after[3])],
                   "Orientations stratégiques enregistrées")
