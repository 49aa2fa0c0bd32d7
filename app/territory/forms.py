"""The territory pages' forms: a unit's official name (plans.territory.service.set_official_name), an owner moved to
the units of a newer edition (plans.planning.succession.move_owner). Their rules live in plans/."""
from wtforms import HiddenField, RadioField, StringField

from app.auth.forms import FrenchForm
from plans.territory.models import OFFICIAL_NAME_MAX


class OfficialNameForm(FrenchForm):
    official_name = StringField("Nom officiel", render_kw={"maxlength": OFFICIAL_NAME_MAX, "autocomplete": "off"})
    # The official name the page showed ("" for none): another one stored meanwhile makes the save a conflict.
    seen = HiddenField()


class SuccessionForm(FrenchForm):
    """Moving a collectivité or a grouping to the units of the current edition (plans/planning/succession.py)."""

    successor = RadioField("Unité qui reprend les plans", choices=[], validate_choice=False)
    version = HiddenField()  # the owner's version the page showed: a move made meanwhile makes this one a conflict
