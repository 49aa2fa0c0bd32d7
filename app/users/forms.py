"""Forms of the user administration. Choices that come from the database are set by the views."""
from wtforms import BooleanField, EmailField, PasswordField, SelectChoice, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from app.auth.forms import FrenchForm
from plans.accounts.models import Role

ROLE_CHOICES = [SelectChoice(r.value, r.label) for r in Role]


def _optional_int(value):
    if value in (None, "", "None"):
        return None
    return int(value)


class AccountEmail:
    """The address of a new account. Declared before the profile's fields so that the error summary lists the
    fields in the order of the page (WTForms orders fields by their declaration)."""

    email = EmailField("Adresse électronique", validators=[DataRequired("Saisissez l'adresse électronique."),
                                                            Length(max=254, message="254 caractères au plus.")])


class UserProfileForm(FrenchForm):
    full_name = StringField("Nom et prénom", validators=[Length(max=200, message="200 caractères au plus.")])
    role = SelectField("Rôle", choices=ROLE_CHOICES)
    owners = SelectMultipleField("Collectivités et groupements (planificateurs)", coerce=int,
                                 render_kw={"size": 8})
    # The type-ahead (app/templates/users/form.html) sends its choices as hidden inputs `owner_code`, one per unit;
    # this field is for P-codes typed by hand (and the only way without JavaScript).
    owner_codes = StringField("Ou ajouter une collectivité par son P-code",
                              validators=[Length(max=500, message="500 caractères au plus.")])
    region = SelectField("Région suivie (relecteurs)", coerce=_optional_int)

    def set_choices(self, owners, regions) -> None:
        self.owners.choices = [SelectChoice(o.id, f"{o.name} — {o.kind_label}") for o in owners]
        self.region.choices = [SelectChoice("", "Tout le pays")] + [SelectChoice(r.id, r.display_name) for r in regions]


class PasswordChoice:
    """A typed password (twice) or a generated one, chosen explicitly: an empty form never changes a password."""

    generate = BooleanField("Générer un mot de passe (affiché une seule fois)")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.password.data and self.generate.data:
            self.password.errors.append("Videz le mot de passe saisi ou décochez « Générer un mot de passe ».")
            return False
        if not self.password.data and not self.generate.data:
            self.password.errors.append("Saisissez un mot de passe ou cochez « Générer un mot de passe ».")
            return False
        return valid


class UserCreateForm(PasswordChoice, AccountEmail, UserProfileForm):
    password = PasswordField("Mot de passe initial", validators=[Optional()])
    confirm_password = PasswordField(
        "Confirmez le mot de passe",
        validators=[EqualTo("password", "Les deux saisies du mot de passe sont différentes.")])


class UserEditForm(UserProfileForm):
    pass


class PasswordResetForm(PasswordChoice, FrenchForm):
    password = PasswordField("Nouveau mot de passe", validators=[Optional()])
    confirm_password = PasswordField(
        "Confirmez le nouveau mot de passe",
        validators=[EqualTo("password", "Les deux saisies du mot de passe sont différentes.")])


class ConfirmForm(FrenchForm):
    """An empty form: a button that POSTs with its CSRF token (deactivate, reactivate)."""
