"""WTForms fields whose parsing rules live in plans/ (amounts, years)."""
from wtforms import IntegerField, StringField
from wtforms.validators import ValidationError as WTFValidationError
from wtforms.widgets import TextArea, TextInput


class FrenchIntegerField(IntegerField):
    """A whole number typed the French way ("1 500", "1500"); keeps the raw text on error.

    Rendered as a text input (with a numeric keyboard on tablets): a browser's type="number" refuses "1 500"."""

    widget = TextInput()

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        raw = (valuelist[0] or "").replace("\u202f", "").replace("\xa0", "").replace(" ", "").strip()
        if raw == "":
            self.data = None
            return
        try:
            self.data = int(raw)
        except ValueError:
            self.data = None
            raise ValueError("Saisissez un nombre entier.") from None


class TrimmedStringField(StringField):
    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if isinstance(self.data, str):
            self.data = self.data.strip()


class OneLineTextField(TrimmedStringField):
    """A one-line text too long for an input to show whole: drawn as a textarea, its line breaks become spaces."""
    widget = TextArea()

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if isinstance(self.data, str):
            self.data = " ".join(self.data.split())


def non_negative(form, field):
    if field.data is not None and field.data < 0:
        raise WTFValidationError("La valeur ne peut pas être négative.")
