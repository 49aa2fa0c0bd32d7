"""Section 7 — Suivi-évaluation: the indicators form, with one target per plan year, and the suggested
migration indicators offered on a plan whose section was never saved."""
from __future__ import annotations

from flask import flash, request
from wtforms import BooleanField, FieldList, Form, FormField, HiddenField, SelectField
from wtforms.validators import Length, Optional

from app.choices import select_choices
from app.planning import editors, row_limits
from app.planning.fields import FrenchIntegerField, TrimmedStringField
from app.planning.forms import VersionedForm
from plans.core.vocab import INDICATOR_CATEGORIES
from plans.planning.sectiondata import suivi
from plans.planning.sectiondata.common import parse_id


class FrenchDecimalField(TrimmedStringField):
    """A figure kept as typed ("12,5"), read in plans/ with parse_decimal; a stored "12.5" is shown "12,5"."""

    def process_data(self, value):
        if value is None:
            self.data = None
        else:
            self.data = str(value).replace(".", ",")


class IndicatorForm(Form):
    id = HiddenField()
    category = SelectField("Catégorie", choices=select_choices(INDICATOR_CATEGORIES.items(), blank="— choisir —"),
                           validate_choice=False)
    name = TrimmedStringField("Indicateur", validators=[Length(max=300, message="300 caractères au plus.")])
    unit = TrimmedStringField("Unité", validators=[Length(max=50, message="50 caractères au plus.")])
    baseline_value = FrenchDecimalField("Valeur de référence")
    baseline_year = FrenchIntegerField("Année de référence", validators=[Optional()])
    targets = FieldList(FrenchDecimalField("Cible"), min_entries=0)
    source = TrimmedStringField("Source de vérification",
                                validators=[Length(max=300, message="300 caractères au plus.")])
    delete = BooleanField("Supprimer")


class SuiviForm(VersionedForm):
    indicators = FieldList(FormField(IndicatorForm), min_entries=0)


def _form_rows(rows: list[dict], years: list[int]) -> list[dict]:
    """Data rows ({"2025": "12.5"} targets) as form rows (one target field per plan year, in order); a oui/non
    indicator's 1/0 read Oui/Non."""
    def shown(row, value):
        return suivi.display_value(row.get("unit"), value)

    return [{**row, "baseline_value": shown(row, row.get("baseline_value")),
             "targets": [shown(row, (row.get("targets") or {}).get(str(y))) for y in years]} for row in rows]


def make_suivi_form(editor: editors.Editor, plan, version: int, submitted: bool, formdata=None):
    years = plan.years
    posted = request.form if formdata is None else formdata
    if submitted:
        form = editor.form_class() if formdata is None else editor.form_class(formdata=formdata)
        suggested = False
    else:
        rows = editor.module.dump(plan)["indicators"]
        suggested = version == 0 and not rows
        if suggested:
            rows = suivi.suggested_rows()
        form = editor.form_class(formdata=None, data={"indicators": _form_rows(rows, years)})
        form.version.data = str(version)
        for _ in range(editors.BLANK_ROWS):
            form.indicators.append_entry()
    if submitted and posted.get("add_row") == "indicators":
        refused = row_limits.room_for_a_row("indicators", len(form.indicators.entries))
        if refused:
            flash(refused, "warning")
        else:
            form.indicators.append_entry()
    for entry in form.indicators:  # every row offers exactly one target field per plan year
        targets = entry.form.targets
        while len(targets) < len(years):
            targets.append_entry()
        while len(targets) > len(years):
            targets.pop_entry()
        for year, target in zip(years, targets):
            target.label.text = f"Cible {year}"
    form.plan_years = years
    form.suggested = suggested
    if not submitted:  # the doubtful figures saved (a refused save shows its errors instead)
        by_name = {f.name: f for entry in form.indicators for f in entry.form}
        for key, messages in suivi.warnings(editor.module.dump(plan), years).items():
            if key in by_name:
                by_name[key].warnings = messages
    return form


class SuiviEditor(editors.Editor):
    """Its form knows the plan years and is pre-filled with the suggested indicators the first time."""

    def make_form(self, plan, version: int, submitted: bool, formdata=None):
        return make_suivi_form(self, plan, version, submitted, formdata)


def suivi_data(form) -> dict:
    years = form.plan_years
    rows = []
    for entry in form.indicators:
        f = entry.form
        if f.delete.data:
            rows.append({})
            continue
        rows.append({"id": parse_id(f.id.data), "category": f.category.data,
                     "name": f.name.data or "", "unit": f.unit.data or "", "baseline_value": f.baseline_value.data,
                     "baseline_year": f.baseline_year.data, "source": f.source.data or "",
                     "targets": {str(y): t.data for y, t in zip(years, f.targets) if (t.data or "").strip()}})
    return {"indicators": rows}


editors.register("suivi", SuiviEditor(suivi, SuiviForm, "planning/section_suivi.html", suivi_data))
