from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.meta import DefaultMeta
from wtforms.validators import DataRequired, EqualTo, Length


class FrenchForm(FlaskForm):
    """A FlaskForm whose built-in WTForms messages ("Not a valid choice") come in French.

    Flask-WTF only translates through Flask-Babel, which this app does not use; WTForms ships its own French
    catalogue, which DefaultMeta loads from `locales`.
    """

    class Meta:
        locales = ("fr_FR", "fr")

        def get_translations(self, form):
            return DefaultMeta.get_translations(self, form)


class LoginForm(FrenchForm):
    email = EmailField("Adresse électronique", validators=[DataRequired("Saisissez votre adresse électronique."),
                                                            Length(max=254)])
    password = PasswordField("Mot de passe", validators=[DataRequired("Saisissez votre mot de passe.")])


class PasswordChangeForm(FrenchForm):
    current_password = PasswordField("Mot de passe actuel",
                                     validators=[DataRequired("Saisissez votre mot de passe actuel.")])
    new_password = PasswordField("Nouveau mot de passe",
                                 validators=[DataRequired("Saisissez le nouveau mot de passe.")])
    confirm_password = PasswordField(
        "Confirmez le nouveau mot de passe",
        validators=[DataRequired("Saisissez une seconde fois le nouveau mot de passe."),
                    EqualTo("new_password", "Les deux saisies du nouveau mot de passe sont différentes.")])


def show_errors(form: FlaskForm, error) -> None:
    """Puts the messages of a plans.core.errors.ValidationError under the fields they concern (others above the
    form)."""
    for name, messages in error.errors.items():
        field = form._fields.get(name) if name else None
        target = field.errors if field is not None else form.form_errors
        if isinstance(target, tuple):  # a field that was never validated
            target = field.errors = list(target)
        target.extend(messages)
