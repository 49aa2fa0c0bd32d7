"""Section 3 — Diagnostic migratoire: its form, its editor, and the owner's diaspora associations.

The associations belong to the plan's owner (every plan of a commune shares them), so they stay out of the
section's version and history. The section page lists them; each is added or changed on a page of its own
(`association_form`), reached by a link: one form per page, so that saving an association never throws away what
was typed in the section (and the other way round). Their contact is shown only to people who may edit the
owner's plans.
"""
from __future__ import annotations

import re
from types import SimpleNamespace

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
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

from app.choices import country_choices, select_choices
from app.extensions import db
from app.loaders import editable_plan
from app.planning import bp, editors
from app.planning.fields import FrenchIntegerField, TrimmedStringField
from app.planning.forms import VersionedForm
from plans.accounts import access
from plans.core import formatting
from plans.core.errors import ValidationError
from plans.core.vocab import CODEV_STATES, RELIABILITY, SECTORS, TRENDS
from plans.planning import completeness, sections
from plans.planning.models import DiasporaAssociation
from plans.planning.sectiondata import migration
from plans.planning.sectiondata.common import parse_id

SECTION = "migration"
ASSOCIATION_PREFIX = "association"


def _country_choices(blank: str = "— pays —"):
    return country_choices(blank)


class DestinationForm(Form):
    id = HiddenField()
    country = SelectField("Pays", validate_choice=False)
    city = TrimmedStringField("Ville", validators=[Length(max=200)])
    count = FrenchIntegerField("Effectif", validators=[Optional()])
    trend = SelectField("Tendance", choices=select_choices(TRENDS.items()), default="inconnue", validate_choice=False)

    def is_blank(self) -> bool:
        return not (self.country.data or self.city.data or self.count.data is not None)


class CodevProjectForm(Form):
    id = HiddenField()
    title = TrimmedStringField("Intitulé", validators=[Length(max=300)])
    locality = TrimmedStringField("Localité", validators=[Length(max=200)])
    sector = SelectField("Secteur", choices=select_choices(SECTORS.items(), blank="— secteur —"), validate_choice=False)
    year = FrenchIntegerField("Année", validators=[Optional()])
    cost_fcfa = TrimmedStringField("Coût (FCFA)")
    funders = TrimmedStringField("Financeurs", validators=[Length(max=500)])
    state = SelectField("État", choices=select_choices(CODEV_STATES.items()), default="fonctionnel",
                        validate_choice=False)

    def is_blank(self) -> bool:
        return not (self.title.data or self.locality.data or self.sector.data or self.year.data is not None
                    or self.cost_fcfa.data or self.funders.data)


class FindingForm(Form):
    id = HiddenField()
    text = TextAreaField("Constat")

    def is_blank(self) -> bool:
        return not (self.text.data or "").strip()


class MigrationForm(VersionedForm):
    emigrants_total = FrenchIntegerField("Émigrés (total)", validators=[Optional()])
    emigrants_internal = FrenchIntegerField("dont migrants internes (ailleurs au Mali)", validators=[Optional()])
    emigrants_international = FrenchIntegerField("dont émigrés internationaux", validators=[Optional()])
    data_year = FrenchIntegerField("Année des données", validators=[Optional()])
    source = TrimmedStringField("Source", validators=[Length(max=300)])
    reliability = SelectField("Fiabilité", choices=select_choices(RELIABILITY.items(), blank="— fiabilité —"),
                              validate_choice=False)
    households_with_emigrant_pct = TrimmedStringField("Ménages ayant un émigré (%)")
    households_receiving_remittances_pct = TrimmedStringField("Ménages recevant des transferts (%)")
    remittances_fcfa_per_year = TrimmedStringField("Transferts reçus, estimation (FCFA par an)")
    remittance_uses = TextAreaField("Usages des transferts")
    returnees_voluntary = FrenchIntegerField("Migrants de retour volontaires", validators=[Optional()])
    returnees_forced = FrenchIntegerField("Migrants de retour forcés (expulsés, rapatriés)", validators=[Optional()])
    returnee_graduates = FrenchIntegerField("dont diplômés formés à l'étranger", validators=[Optional()])
    returnee_skills_needs = TextAreaField("Compétences et besoins des migrants de retour")
    displaced_hosted = FrenchIntegerField("Personnes déplacées accueillies", validators=[Optional()])
    displaced_returned = FrenchIntegerField("Personnes déplacées retournées", validators=[Optional()])
    transit_seasonal = TextAreaField("Transit et mobilité saisonnière (orpaillage, exode)")
    destinations = FieldList(FormField(DestinationForm), min_entries=0)
    codev_projects = FieldList(FormField(CodevProjectForm), min_entries=0)
    findings = FieldList(FormField(FindingForm), min_entries=0)


class AssociationForm(FlaskForm):
    association_id = HiddenField()
    name = TrimmedStringField("Nom de l'association", validators=[Length(max=300)])
    host_country = SelectField("Pays du siège", validate_choice=False)
    host_city = TrimmedStringField("Ville du siège", validators=[Length(max=200)])
    sections = TextAreaField("Autres sections à l'étranger (une par ligne : pays, ville)")
    sectors = SelectMultipleField("Secteurs d'intervention", choices=select_choices(SECTORS.items()),
                                  validate_choice=False)
    contact_name = TrimmedStringField("Nom du contact", validators=[Length(max=200)])
    contact_details = TrimmedStringField("Coordonnées du contact (téléphone, courriel)", validators=[Length(max=300)])
    contact_consent = BooleanField("L'association a consenti à ce que son contact soit enregistré")


# ----- Editor glue -----

def _display_number(value):
    return formatting.number(value, plain=True) if isinstance(value, int) and not isinstance(value, bool) else value


def _display_share(value):
    if isinstance(value, str) and re.fullmatch(r"\d+\.\d+", value):
        return value.replace(".", ",")
    return value


def association_form(plan, association: DiasporaAssociation | None = None, formdata=None) -> AssociationForm:
    if formdata is not None:
        form = AssociationForm(formdata=formdata, prefix=ASSOCIATION_PREFIX)
    elif association is not None:
        form = AssociationForm(formdata=None, prefix=ASSOCIATION_PREFIX, data=migration.association_data(association))
        form.association_id.data = str(association.id)
    else:
        form = AssociationForm(formdata=None, prefix=ASSOCIATION_PREFIX)
    form.host_country.choices = _country_choices()
    return form


def _diaspora_panel(plan) -> SimpleNamespace:
    """The owner's associations, listed on the section page (each is edited on its own page)."""
    return SimpleNamespace(associations=migration.associations_of(db.session, plan.owner),
                           show_contacts=access.can_edit_owner_plans(current_user, plan.owner),
                           sector_labels=SECTORS, country_name=formatting.country_name)


def _prepare(form, plan) -> None:
    choices = _country_choices()
    for entry in form.destinations:
        entry.form.country.choices = choices
    form.remittances_fcfa_per_year.data = _display_number(form.remittances_fcfa_per_year.data)
    for name in migration.SHARE_FIELDS:
        getattr(form, name).data = _display_share(getattr(form, name).data)
    for entry in form.codev_projects:
        entry.form.cost_fcfa.data = _display_number(entry.form.cost_fcfa.data)
    form.diaspora = _diaspora_panel(plan)
    if request.method != "POST":  # the saved figures that look doubtful (a refused save shows its errors)
        for key, messages in migration.warnings(migration.dump(plan)).items():
            field = getattr(form, key, None)
            if field is not None:
                field.warnings = messages


def _row_id(field) -> int | None:
    return parse_id(field.data)


def _to_data(form) -> dict:
    """Every row, blank ones included, so that error keys ("destinations-3-count") name the form's own rows;
    plans/planning/sectiondata/migration.py skips the blank ones."""
    data = {name: getattr(form, name).data for name in migration.PROFILE_FIELDS}
    data["destinations"] = [
        {"id": _row_id(r.id), "country": r.country.data or "", "city": r.city.data or "", "count": r.count.data,
         "trend": r.trend.data or "inconnue"}
        for r in (e.form for e in form.destinations)]
    data["codev_projects"] = [
        {"id": _row_id(r.id), "title": r.title.data or "", "locality": r.locality.data or "", "sector": r.sector.data,
         "year": r.year.data, "cost_fcfa": r.cost_fcfa.data or None, "funders": r.funders.data or "",
         "state": r.state.data or "fonctionnel"}
        for r in (e.form for e in form.codev_projects)]
    data["findings"] = [{"id": _row_id(r.id), "text": r.text.data}
                        for r in (e.form for e in form.findings)]
    return data


EDITOR = editors.Editor(migration, MigrationForm, "planning/section_migration.html", _to_data, _prepare)
editors.register(SECTION, EDITOR)


# ----- Diaspora associations -----

def _association_of(plan, association_id: int) -> DiasporaAssociation:
    association = db.session.get(DiasporaAssociation, association_id)
    if association is None or association.owner_id != plan.owner_id:
        abort(404, "Cette association n'existe pas pour cette collectivité.")
    return association


def _render_association_page(plan, assoc_form, editing, status: int = 200):
    if status == 400:
        flash("L'association n'a pas été enregistrée : corrigez les champs signalés.", "error")
    return render_template("planning/association_form.html", plan=plan, form=assoc_form, editing=editing,
                           check=completeness.check_plan(plan), state=sections.state(db.session, plan, SECTION),
                           can_edit=True, section=sections.section(SECTION)), status


@bp.route("/<int:plan_id>/migration/associations/nouvelle")
@bp.route("/<int:plan_id>/migration/associations/<int:association_id>/modifier")
@login_required
def association_form_page(plan_id: int, association_id: int | None = None):
    """The association form, alone on its page (same access as saving it: whoever may edit the plan)."""
    plan = editable_plan(plan_id)
    editing = _association_of(plan, association_id) if association_id is not None else None
    return _render_association_page(plan, association_form(plan, editing), editing)


def _association_input(form: AssociationForm) -> dict:
    return {"name": form.name.data, "host_country": form.host_country.data, "host_city": form.host_city.data,
            "sections": form.sections.data, "sectors": form.sectors.data or [],
            "contact_name": form.contact_name.data, "contact_details": form.contact_details.data,
            "contact_consent": form.contact_consent.data}


@bp.route("/<int:plan_id>/migration/associations", methods=["POST"])
@login_required
def save_association(plan_id: int):
    plan = editable_plan(plan_id)
    form = association_form(plan, formdata=request.form)
    editing = None
    if form.association_id.data:
        if parse_id(form.association_id.data) is None:
            abort(400, "Association inconnue.")
        editing = _association_of(plan, parse_id(form.association_id.data))
    if not form.validate_on_submit():
        return _render_association_page(plan, form, editing, 400)
    try:
        if editing is None:
            association = migration.create_association(db.session, plan.owner, _association_input(form))
        else:
            association = migration.update_association(db.session, editing, _association_input(form))
        db.session.commit()
    except ValidationError as error:
        db.session.rollback()
        editors.attach_errors(form, error, aliases={k: f"{ASSOCIATION_PREFIX}-{k}" for k in
                                                    ("name", "host_country", "host_city", "sections", "sectors",
                                                     "contact_name", "contact_details", "contact_consent")})
        plan = editable_plan(plan_id)
        return _render_association_page(plan, form, editing, 400)
    flash(f"Association « {association.name} » enregistrée.", "info")
    return redirect(url_for("planning.section", plan_id=plan.id, section_key=SECTION) + "#associations", code=303)


@bp.route("/<int:plan_id>/migration/associations/<int:association_id>/supprimer", methods=["POST"])
@login_required
def delete_association(plan_id: int, association_id: int):
    plan = editable_plan(plan_id)
    association = _association_of(plan, association_id)
    try:
        migration.delete_association(db.session, association)
        db.session.commit()
    except ValidationError as error:
        db.session.rollback()
        flash(" ".join(error.messages), "error")
    else:
        flash("Association supprimée.", "info")
    return redirect(url_for("planning.section", plan_id=plan_id, section_key=SECTION) + "#associations", code=303)
