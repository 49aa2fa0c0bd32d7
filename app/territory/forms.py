"""The administrators' form of a unit's official name. Its rules live in plans.territory.service.set_official_name."""
from wtforms import HiddenField, StringField

from app.auth.forms import FrenchForm
from plans.territory.models import OFFICIAL_NAME_MAX


class OfficialNameForm(FrenchForm):
    official_name = StringField("Nom officiel", render_kw={"maxlength": OFFICIAL_NAME_MAX, "autocomplete": "off"})
    # The official name the page showed ("" for none): another one stored meanwhile makes the save a conflict.
    seen = HiddenField()
