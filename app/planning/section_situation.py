"""Section 2 — Situation de référence: its forms and how they become the data of
plans/planning/sectiondata/situation."""
from __future__ import annotations

from wtforms import BooleanField, FieldList, Form, FormField, HiddenField, SelectField, TextAreaField
from wtforms.validators import Length, Optional

from app.choices import select_choices
from app.planning import editors
from app.planning.fields import FrenchIntegerField, TrimmedStringField
from app.planning.forms import VersionedForm
from plans.core.vocab import POPULATION_SOURCES, SECTORS
from plans.planning.sectiondata import situation
from plans.planning.sectiondata.common import parse_id


class PopulationRecordForm(Form):
    id = HiddenField()
    year = FrenchIntegerField("Année", validators=[Optional()])
    value = FrenchIntegerField("Population (habitants)", validators=[Optional()])
    source = SelectField("Source", choices=select_choices(POPULATION_SOURCES.items(), blank="— choisir —"),
                         validate_choice=False)
    note = TrimmedStringField("Note", validators=[Length(max=300, message="300 caractères au plus.")])
    delete = BooleanField("Supprimer")


class SectorDiagnosticForm(Form):
    id = HiddenField()
    sector = SelectField("Secteur", choices=select_choices(SECTORS.items(), blank="— choisir —"), validate_choice=False)
    sub_sector = TrimmedStringField("Sous-secteur", validators=[Length(max=200, message="200 caractères au plus.")])
    findings_text = TextAreaField("Constats")
    assets = TextAreaField("Atouts")
    constraints = TextAreaField("Contraintes")
    potentials = TextAreaField("Potentialités")
    delete = BooleanField("Supprimer ce diagnostic")


class FindingForm(Form):
    id = HiddenField()
    theme = SelectField("Thème", choices=select_choices(situation.SITUATION_THEMES.items(), blank="— choisir —"),
                        validate_choice=False)
    text = TextAreaField("Constat clé")
    delete = BooleanField("Supprimer")


class SituationForm(VersionedForm):
    population_records = FieldList(FormField(PopulationRecordForm), min_entries=0)
    sector_diagnostics = FieldList(FormField(SectorDiagnosticForm), min_entries=0)
    findings = FieldList(FormField(FindingForm), min_entries=0)


def _row(entry, names: tuple[str, ...]) -> dict:
    """One row as data; a row ticked "Supprimer" becomes an empty row, which keeps the other rows' indices."""
    form = entry.form
    if form.delete.data:
        return {}
    return {"id": parse_id(form.id.data),
            **{name: getattr(form, name).data for name in names}}


def situation_data(form) -> dict:
    return {
        "population_records": [_row(e, situation.POPULATION_FIELDS) for e in form.population_records],
        "sector_diagnostics": [_row(e, situation.DIAGNOSTIC_FIELDS) for e in form.sector_diagnostics],
        "findings": [_row(e, situation.FINDING_FIELDS) for e in form.findings],
    }


editors.register("situation", editors.Editor(situation, SituationForm, "planning/section_situation.html",
                                             situation_data))
