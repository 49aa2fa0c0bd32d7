"""Glue between a section's form and its data module in plans/sectiondata."""
from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date
from types import ModuleType
from typing import Callable

from flask import flash, request
from wtforms import Field
from wtforms.fields import FieldList, FormField

from app.choices import country_choices
from app.planning import conflicts, forms, row_limits
from plans.core.errors import ValidationError
from plans.planning import sections
from plans.planning.sectiondata import identification
from plans.planning.sectiondata.common import parse_id

BLANK_ROWS = row_limits.BLANK_ROWS  # empty rows offered at the end of each list: adding a row works without JavaScript


@dataclass
class Editor:
    module: ModuleType
    form_class: type
    template: str
    to_data: Callable
    prepare: Callable = lambda form, plan: None
    # Lists whose cells name rows of another list by index (app/planning/conflicts.py renumbers them on a merge).
    references: dict = dataclass_field(default_factory=dict)
    labels: dict = dataclass_field(default_factory=dict)  # labels of the 409 comparison, by field name

    def make_form(self, plan, version: int, submitted: bool, formdata=None):
        """The form as posted (`formdata`: another formdata than the request's, the merge of a 409 screen), or
        filled from the saved section."""
        if submitted:
            form = self.form_class() if formdata is None else self.form_class(formdata=formdata)
        else:
            form = self.form_class(formdata=None, data=_dates_from_iso(self.module.dump(plan)))
            form.version.data = str(version)
        if not submitted:
            for field in form:
                if isinstance(field, FieldList):
                    for _ in range(BLANK_ROWS):
                        field.append_entry()
        posted = request.form if formdata is None else formdata
        if submitted and posted.get("add_row"):
            target = getattr(form, posted["add_row"], None)
            if isinstance(target, FieldList):
                refused = row_limits.room_for_a_row(target.short_name, len(target.entries))
                if refused:
                    flash(refused, "warning")
                else:
                    target.append_entry()
        self.prepare(form, plan)  # last: blank and added rows need their choices too
        return form


def _dates_from_iso(value, key: str = ""):
    """Dumps hold ISO dates (JSON-friendly); date fields want date objects."""
    if isinstance(value, dict):
        return {k: _dates_from_iso(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_dates_from_iso(v) for v in value]
    if isinstance(value, str) and (key == "date" or key.endswith("_date")):
        return date.fromisoformat(value)
    return value


def _fields(form):
    for field in form:
        if isinstance(field, FieldList):
            for entry in field:
                yield from _fields(entry.form) if isinstance(entry, FormField) else [entry]
        elif isinstance(field, FormField):
            yield from _fields(field.form)
        else:
            yield field


def attach_errors(form, error: ValidationError, aliases: dict[str, str] | None = None) -> None:
    """Puts each message of a plans/ ValidationError next to its field; the rest above the form. An unreadable
    version (plans.planning.sections.parse_version) goes above the form, and the hidden field is emptied: sent
    again, the form is then compared with the saved section (a 409) instead of being refused forever."""
    by_name: dict[str, Field] = {f.name: f for f in _fields(form)}
    form.form_errors = list(getattr(form, "form_errors", []) or [])
    for key, messages in error.errors.items():
        key = (aliases or {}).get(key, key)
        field = by_name.get(key)
        if key == sections.VERSION_FIELD and field is not None:
            field.data = ""
            field.raw_data = [""]
            form.form_errors.extend(messages)
        elif field is None:
            form.form_errors.extend(messages)
        else:
            field.errors = list(field.errors) + messages if isinstance(field.errors, list) else list(messages)


def conflict_view(session, plan, key: str, editor: Editor, mine_form, missing=(), choices=None) -> dict:
    """The 409 screen of a section: the saved version against the user's form, field by field."""
    state = sections.state(session, plan, key)
    theirs = editor.make_form(plan, state.version, submitted=False)
    return {"version": state.version, "saved_at": state.saved_at,
            "saved_by": state.saved_by.full_name or state.saved_by.email if state.saved_by else "",
            "comparison": conflicts.compare(mine_form, theirs, editor.labels, editor.references),
            "missing": list(missing), "choices": dict(choices or {})}


def resolution_form(session, plan, key: str, editor: Editor):
    """A post from the 409 screen: (the form to save — the saved version with the rows the user chose to keep —,
    or None and the conflict view to show again when a choice is missing)."""
    state = sections.state(session, plan, key)
    theirs = editor.make_form(plan, state.version, submitted=False)
    merged, missing, choices = conflicts.resolution_formdata(theirs, request.form, editor.references)
    if missing:
        mine = editor.make_form(plan, state.version, submitted=True,
                                formdata=conflicts.all_mine_formdata(theirs, request.form, editor.references))
        # Compared with the version saved now; the choices already made stand only if it is still the one shown.
        still = request.form.get("version") == str(state.version)
        view = conflict_view(session, plan, key, editor, mine, missing=missing, choices=choices if still else {})
        return None, view
    return editor.make_form(plan, state.version, submitted=True, formdata=merged), None


# ----- Identification -----

def _prepare_identification(form, plan):
    countries = country_choices()
    for entry in form.process_steps:
        entry.form.place_country.choices = countries
        if not entry.form.place_country.data:
            entry.form.place_country.data = "ML"


def _identification_data(form) -> dict:
    steps = []
    for entry in form.process_steps:
        row = entry.form
        if row.is_blank():
            continue
        steps.append({"id": parse_id(row.id.data), "step": row.step.data,
                      "date": row.date.data.isoformat() if isinstance(row.date.data, date) else None,
                      "place": row.place.data or "", "place_country": row.place_country.data or "ML",
                      "men": row.men.data or 0, "women": row.women.data or 0, "youth": row.youth.data or 0,
                      "diaspora": row.diaspora.data or 0})
    return {"title": form.title.data, "period_start": form.period_start.data, "period_end": form.period_end.data,
            "guide_version": form.guide_version.data, "summary": form.summary.data or "",
            "previous_review": form.previous_review.data or "",
            "facilitators": form.facilitators.data or "", "process_funders": form.process_funders.data or "",
            "process_steps": steps}


EDITORS: dict[str, Editor] = {
    "identification": Editor(identification, forms.IdentificationForm, "planning/section_identification.html",
                             _identification_data, _prepare_identification),
}


def register(key: str, editor: Editor) -> None:
    """Section editors living in their own module (app/planning/section_<key>.py) register here."""
    EDITORS[key] = editor
