"""Forms of the plan builder. They parse what was typed; the rules are checked in plans/."""
from flask_wtf import FlaskForm
from wtforms import DateField, FieldList, Form, FormField, HiddenField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.choices import select_choices
from app.planning.fields import FrenchIntegerField, TrimmedStringField, non_negative
from plans.core.vocab import GUIDE_VERSIONS, PROCESS_STEPS


class VersionedForm(FlaskForm):
    """Every section form carries the version of the section it was loaded with."""

    version = HiddenField()


class NewPlanForm(FlaskForm):
    owner_id = SelectField("Collectivité ou groupement", coerce=int)
    title = TrimmedStringField("Titre du plan", validators=[DataRequired("Donnez un titre au plan."), Length(max=300)])
    period_start = FrenchIntegerField("Année de début", validators=[InputRequired("Indiquez l'année de début.")])
    years = FrenchIntegerField("Durée (années)", default=5,
                               validators=[InputRequired("Indiquez la durée du plan."),
                                           NumberRange(1, 10, "La durée va de 1 à 10 ans.")])
    guide_version = SelectField("Version du guide national", choices=select_choices(GUIDE_VERSIONS.items()),
                                default="2018")


class ProcessStepForm(Form):
    id = HiddenField()
    step = SelectField("Étape", choices=select_choices(PROCESS_STEPS.items(), blank="— choisir —"),
                       validate_choice=False)
    date = DateField("Date", validators=[Optional()], format="%Y-%m-%d")
    place = TrimmedStringField("Lieu", validators=[Length(max=200)])
    place_country = SelectField("Pays du lieu", validate_choice=False)
    men = FrenchIntegerField("Hommes", validators=[Optional(), non_negative])
    women = FrenchIntegerField("Femmes", validators=[Optional(), non_negative])
    youth = FrenchIntegerField("Jeunes", validators=[Optional(), non_negative])
    diaspora = FrenchIntegerField("Diaspora", validators=[Optional(), non_negative])

    def is_blank(self) -> bool:
        return not (self.step.data or self.date.data or self.place.data or self.men.data or self.women.data
                    or self.youth.data or self.diaspora.data)


class IdentificationForm(VersionedForm):
    title = TrimmedStringField("Titre du plan", validators=[DataRequired("Donnez un titre au plan."), Length(max=300)])
    period_start = FrenchIntegerField("Année de début", validators=[InputRequired("Indiquez l'année de début.")])
    period_end = FrenchIntegerField("Année de fin", validators=[InputRequired("Indiquez l'année de fin.")])
    guide_version = SelectField("Version du guide national", choices=select_choices(GUIDE_VERSIONS.items()))
    summary = TextAreaField("Résumé et contexte")
    previous_review = TextAreaField("Bilan du plan précédent")
    facilitators = TextAreaField("Facilitateurs (bureau d'études, ADR, PTF…)")
    process_funders = TextAreaField("Financeurs de la démarche")
    process_steps = FieldList(FormField(ProcessStepForm), min_entries=0)


class TransmissionForm(VersionedForm):
    """The transmission of the adopted plan to the tutelle (section 8's one form, app/planning/adoption.py)."""

    transmission_date = DateField("Date de transmission à la tutelle", validators=[Optional()], format="%Y-%m-%d")
    transmission_authority = TrimmedStringField("Autorité de tutelle", validators=[Length(max=200)])


class DeletePlanForm(FlaskForm):
    """The confirmation of a plan's deletion: what the page showed (number of actions, total cost in FCFA), so that
    a plan changed since is not deleted unseen (plans/review/deletion.py)."""

    seen_actions = HiddenField()
    seen_total = HiddenField()

    def seen(self) -> tuple[int, int] | None:
        """(actions, total) as sent, or None when missing or not whole numbers."""
        try:
            return int(self.seen_actions.data), int(self.seen_total.data)
        except (TypeError, ValueError):
            return None
