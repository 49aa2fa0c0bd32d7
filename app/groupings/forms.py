"""The grouping form. Its rules live in plans.owners.service; the form only carries the fields and shows messages.

The members are not WTForms fields: the pickers add hidden inputs `member_codes` / `foreign_codes`, the textareas
take codes one per line (without JavaScript), and the rows of foreign communes known by name are numbered
`foreign_name-<i>`, `foreign_country-<i>`, `foreign_polygon-<i>` (file) and `foreign_polygon_geojson-<i>` (a polygon
already received, kept when the form comes back with an error).
"""
from wtforms import HiddenField, SelectChoice, SelectField, StringField, TextAreaField

from app.auth.forms import FrenchForm
from plans.owners.service import GROUPING_KINDS

KIND_CHOICES = [SelectChoice("", "— Choisir —")] + [SelectChoice(k.value, k.label) for k in GROUPING_KINDS]


class GroupingForm(FrenchForm):
    name = StringField("Nom du groupement", render_kw={"maxlength": 200, "autocomplete": "off"})
    kind = SelectField("Type de groupement", choices=KIND_CHOICES, validate_choice=False)
    founding_act_ref = StringField("Acte de création (référence)", render_kw={"maxlength": 200})
    founding_act_date = StringField("Date de l'acte de création", render_kw={"type": "date"})
    tutelle_authority = StringField("Autorité de tutelle", render_kw={"maxlength": 200})
    member_codes_text = TextAreaField("Codes P des communes membres (un par ligne)", render_kw={"rows": 6})
    foreign_codes_text = TextAreaField("Codes des unités étrangères des couches des pays voisins (un par ligne)",
                                       render_kw={"rows": 3})
    version_id = HiddenField()


class ConfirmForm(FrenchForm):
    """A button that POSTs with its CSRF token and the version the page showed."""

    version_id = HiddenField()
