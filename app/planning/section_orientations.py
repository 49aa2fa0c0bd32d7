"""Section 4 — Orientations stratégiques: axes and their specific objectives (linked to the key findings), the
scoring grid and the priorities, with the ranking computed in plans/planning/sectiondata/orientations.py.

On the form a priority names its axis and its scores name their criteria by ROW INDEX ("priorities-0-axis" = "2"
is the third axis row, "priorities-0-scores-1" scores the second criterion row), so that an axis or a criterion
added in the same post can be used at once; plans/ resolves the indices to ids after syncing the axes and
criteria. Each axis offers a fixed number of objective rows (blank ones are skipped).
"""
from __future__ import annotations

from flask import flash, request
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    TextAreaField,
)
from wtforms.validators import Length, Optional

from app.planning import editors, row_limits
from app.planning.fields import FrenchIntegerField, OneLineTextField, TrimmedStringField
from app.planning.forms import VersionedForm
from plans.core import limits
from plans.core.vocab import FINDING_THEMES, label
from plans.planning.sectiondata import orientations
from plans.planning.sectiondata.common import parse_id

OBJECTIVE_ROWS = 6  # objective rows offered per axis (one more when all are used)


class ObjectiveForm(Form):
    id = HiddenField()
    # A sentence of up to 300 characters: shown whole on two lines, typed on one (a line break becomes a space).
    title = OneLineTextField("Objectif spécifique", validators=[Length(max=300, message="300 caractères au plus.")])
    findings = SelectMultipleField("Constats clés auxquels il répond", choices=[], validate_choice=False)


class AxisForm(Form):
    id = HiddenField()
    title = TrimmedStringField("Intitulé de l'axe", validators=[Length(max=300, message="300 caractères au plus.")])
    general_objective = TextAreaField("Objectif général")
    migration_crosscutting = BooleanField("Axe transversal migration")
    objectives = FieldList(FormField(ObjectiveForm), min_entries=0)
    delete = BooleanField("Supprimer cet axe")


class CriterionForm(Form):
    id = HiddenField()
    name = TrimmedStringField("Critère", validators=[Length(max=200, message="200 caractères au plus.")])
    weight = FrenchIntegerField("Poids (1 à 5)", validators=[Optional()])
    delete = BooleanField("Supprimer")


class PriorityForm(Form):
    id = HiddenField()
    title = TrimmedStringField("Priorité", validators=[Length(max=300, message="300 caractères au plus.")])
    axis = SelectField("Axe", choices=[], validate_choice=False)
    scores = FieldList(FrenchIntegerField("Note", validators=[Optional()]), min_entries=0)
    delete = BooleanField("Supprimer")


class OrientationsForm(VersionedForm):
    axes = FieldList(FormField(AxisForm), min_entries=0)
    criteria = FieldList(FormField(CriterionForm), min_entries=0)
    priorities = FieldList(FormField(PriorityForm), min_entries=0)


def _form_data(data: dict) -> dict:
    """The data of plans/ as the form wants it: strings for the selects."""
    return {
        "axes": [{**a, "objectives": [{"id": o["id"], "title": o["title"],
                                       "findings": [str(i) for i in o["finding_ids"]]} for o in a["objectives"]]}
                 for a in data["axes"]],
        "criteria": data["criteria"],
        "priorities": [{**p, "axis": "" if p["axis"] is None else str(p["axis"])} for p in data["priorities"]],
    }


FINDING_LABEL = 120  # characters of a finding shown beside each objective's checkbox (its whole text: sections 2, 3)


def _short(text: str) -> str:
    return text if len(text) <= FINDING_LABEL else text[:FINDING_LABEL - 1].rstrip() + "…"


def _finding_choices(plan) -> list[tuple[str, str]]:
    """Every finding is offered to every objective: shortened, so that the page stays within a few MB at the limits
    (plans/core/limits.py), not 150 MB."""
    return [(str(f.id), f"{label(FINDING_THEMES, f.theme)} — {_short(f.text)}") for f in plan.findings]


def make_orientations_form(editor: editors.Editor, plan, version: int, submitted: bool, formdata=None):
    suggested = False
    if submitted:
        form = editor.form_class() if formdata is None else editor.form_class(formdata=formdata)
        posted = request.form if formdata is None else formdata
        if posted.get("add_row") in ("axes", "criteria", "priorities"):
            target = getattr(form, posted["add_row"])
            refused = row_limits.room_for_a_row(posted["add_row"], len(target.entries))
            if refused:
                flash(refused, "warning")
            else:
                target.append_entry()
    else:
        data = editor.module.dump(plan)
        if not data["criteria"]:
            data["criteria"] = orientations.suggested_criteria()
            suggested = True
        form = editor.form_class(formdata=None, data=_form_data(data))
        form.version.data = str(version)
        for field in (form.axes, form.criteria, form.priorities):
            for _ in range(editors.BLANK_ROWS):
                field.append_entry()
    finding_choices = _finding_choices(plan)
    for entry in form.axes:
        objectives = entry.form.objectives
        used = sum(1 for o in objectives if o.form.title.data or o.form.findings.data)
        while len(objectives) < min(max(OBJECTIVE_ROWS, used + 1), limits.ROWS["objectives"].limit + 1):
            objectives.append_entry()
        for o in objectives:
            o.form.findings.choices = finding_choices
            o.form.findings.data = o.form.findings.data or []
    # Every axis row, typed or not: on the first visit the planner types the axes and ties the priorities to them
    # in the same post (a priority on a row left blank is refused by plans/).
    axis_choices = [("", "— aucun axe —")] + [
        (str(i), f"Axe {i + 1} — {e.form.title.data}" if e.form.title.data else f"Axe {i + 1} (intitulé à saisir)")
        for i, e in enumerate(form.axes) if not e.form.delete.data]
    names = [e.form.name.data or f"Critère {i + 1}" for i, e in enumerate(form.criteria)]
    for entry in form.priorities:
        entry.form.axis.choices = axis_choices
        scores = entry.form.scores
        while len(scores) < len(form.criteria):
            scores.append_entry()
        while len(scores) > len(form.criteria):
            scores.pop_entry()
        for name, score in zip(names, scores):
            score.label.text = f"Note « {name} »"
    form.suggested_criteria = suggested
    form.ranking = orientations.ranked_priorities(plan)
    form.ranking_criteria = list(plan.criteria)
    return form


class OrientationsEditor(editors.Editor):
    """Its objective rows, axis choices and score columns depend on the plan and the rows of the form."""

    def make_form(self, plan, version: int, submitted: bool, formdata=None):
        return make_orientations_form(self, plan, version, submitted, formdata)


def _id(field) -> int | None:
    return parse_id(field.data)


def _finding_id(value: str):
    n = parse_id(value)
    return n if n is not None else value  # anything else is refused by plans/


def orientations_data(form) -> dict:
    """Every row, blank ones included (plans/ skips them), so that error keys name the form's own rows; a row
    ticked "Supprimer" becomes an empty row."""
    axes = []
    for entry in form.axes:
        f = entry.form
        if f.delete.data:
            axes.append({})
            continue
        axes.append({"id": _id(f.id), "title": f.title.data or "", "general_objective": f.general_objective.data or "",
                     "migration_crosscutting": bool(f.migration_crosscutting.data),
                     "objectives": [{"id": _id(o.form.id), "title": o.form.title.data or "",
                                     "finding_ids": [_finding_id(v) for v in o.form.findings.data or []]}
                                    for o in f.objectives]})
    criteria = [{} if e.form.delete.data else
                {"id": _id(e.form.id), "name": e.form.name.data or "", "weight": e.form.weight.data}
                for e in form.criteria]
    priorities = []
    for entry in form.priorities:
        f = entry.form
        if f.delete.data:
            priorities.append({})
            continue
        axis = f.axis.data or ""
        # A score's criterion is the row index in its name ("priorities-0-scores-2"), not its place in the list.
        by_row = {int(s.name.rsplit("-", 1)[1]): s.data for s in f.scores}
        priorities.append({"id": _id(f.id), "title": f.title.data or "",
                           "axis": int(axis) if axis.isascii() and axis.isdigit() else (axis or None),
                           "scores": [by_row.get(k) for k in range(len(form.criteria))]})
    return {"axes": axes, "criteria": criteria, "priorities": priorities}


# A priority names its axis and its scores their criteria by row index (see the docstring above).
editors.register("orientations", OrientationsEditor(orientations, OrientationsForm,
                                                    "planning/section_orientations.html", orientations_data,
                                                    references={"priorities": {"axis": "axes", "scores": "criteria"}}))
