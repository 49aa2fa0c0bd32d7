"""Forms of the review. They parse what was typed; the rules are checked in plans/review/workflow.py and
plans/review/comments.py."""
from wtforms import BooleanField, DateField, HiddenField, SelectField, TextAreaField
from wtforms.validators import Length, Optional

from app.auth.forms import FrenchForm
from app.planning.fields import TrimmedStringField
from plans.core.vocab import REVIEW_CHECKLIST
from plans.review.comments import MAX_COMMENT, MAX_NOTE
from plans.review.workflow import MAX_REASON


class TransitionForm(FrenchForm):
    """One status change. `seen_status` is the status the page showed: a replayed or stale request is refused."""

    seen_status = HiddenField()
    to_status = HiddenField()
    reason = TextAreaField("Motif du renvoi (ce que le planificateur doit revoir)",
                           validators=[Length(max=MAX_REASON)])
    deliberation_number = TrimmedStringField("Numéro de la délibération", validators=[Length(max=100)])
    deliberation_date = DateField("Date de la délibération", validators=[Optional()], format="%Y-%m-%d")
    council_session = TrimmedStringField("Session du conseil", validators=[Length(max=200)])
    retour = HiddenField()  # "plan": back to the plan's overview (the withdraw button of its status banner)
    confirm_open = BooleanField("Je valide malgré les points ouverts")


class CommentForm(FrenchForm):
    anchor = SelectField("Ce que vous commentez", validate_choice=False)
    parent = HiddenField()  # the comment a reply answers (its thread); empty: a new thread
    body = TextAreaField("Commentaire", validators=[Length(max=MAX_COMMENT)])
    retour = HiddenField()  # "ancre": back to the commented section or action page; otherwise the review page


class CommentStateForm(FrenchForm):
    retour = HiddenField()


class StartRevisionForm(FrenchForm):
    pass


def checklist_form_class() -> type:
    """A checkbox and a note per item of REVIEW_CHECKLIST (fields `ok_<key>`, `note_<key>`)."""
    fields = {}
    for key, label in REVIEW_CHECKLIST.items():
        fields[f"ok_{key}"] = BooleanField(label)
        fields[f"note_{key}"] = TrimmedStringField("Note", validators=[Length(max=MAX_NOTE)])
    return type("ChecklistForm", (FrenchForm,), fields)


ChecklistForm = checklist_form_class()
