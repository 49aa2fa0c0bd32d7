"""Section 1: a new period that would leave programmed amounts outside asks first (rule: plans/planning/period.py).

The identification form is posted as usual. When its new period would leave amounts of the PIP outside and the post
carries no choice, the page comes back (200, nothing saved) with the form as typed and, at its top, the amounts
concerned (action, year, amount, where « déplacer » puts it) and the question « Que faire des montants hors
période ? ». The second submit carries the choice (radio `period_choice`) and, hidden, the fingerprint of the list
that was shown (`period_seen`), along with the user's other input in the form's own fields: it works without
JavaScript.

- « refuser »: nothing is saved; the form comes back with what was typed, the period fields showing the saved period
  again, so that saving keeps the old period and the rest of the input.
- « déplacer »: the section is saved and the amounts moved in the same transaction (`period.apply_identification`,
  through `sections.save_section`: version check, 409, history as any save), if the list is still the one shown;
  else the question comes again with the new list.
- any other value: 400 with a French message, the question and the input kept.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from flask import request

from plans.core.errors import ValidationError
from plans.planning import period
from plans.planning.sectiondata import identification

SECTION = period.SECTION
CHOICE_FIELD, SEEN_FIELD = "period_choice", "period_seen"
MSG_CHOOSE = "Choisissez ce qu'il faut faire des montants hors période : garder l'ancienne période ou les déplacer."
MSG_UNKNOWN = "Choix inconnu pour les montants hors période : choisissez l'une des deux réponses proposées."
MSG_CHANGED = ("La liste des montants concernés a changé depuis votre choix (la période saisie ou les actions) : "
               "vérifiez-la et choisissez à nouveau.")


@dataclass
class Decision:
    """What the save does: ask (`question` set, nothing saved) or save, moving `change` when chosen."""

    question: Optional[dict] = None  # for the template (planning/section_identification.html)
    status: int = 200
    change: Optional[period.PeriodChange] = None  # the moves to make with the save


def decide(plan, form, data: dict) -> Decision:
    """Reads the posted choice against what the new period would do to the schedule (plans/planning/period.py)."""
    try:
        identification.validate(data)
    except ValidationError:
        return Decision()  # the save reports the errors first (400); the question comes once they are fixed
    change = period.period_change(plan, data.get("period_start"), data.get("period_end"))
    if change is None:
        return Decision()
    choice = request.form.get(CHOICE_FIELD)
    if choice is None or choice == "":
        return _ask(change, error=MSG_CHOOSE if SEEN_FIELD in request.form else None,
                    status=400 if SEEN_FIELD in request.form else 200)
    if choice not in period.CHOICES:
        return _ask(change, error=MSG_UNKNOWN, status=400)
    if choice == period.REFUSE:
        _show_saved_period(form, plan)
        return Decision(question={"refused": True, "typed": change.new, "kept": change.old}, status=200)
    if request.form.get(SEEN_FIELD) != change.fingerprint:
        return _ask(change, error=MSG_CHANGED, status=200)
    return Decision(change=change)


def _ask(change: period.PeriodChange, error: str | None, status: int) -> Decision:
    question: dict[str, Any] = {"refused": False, "change": change, "seen": change.fingerprint, "error": error,
                                "choice_field": CHOICE_FIELD, "seen_field": SEEN_FIELD,
                                "refuse": period.REFUSE, "move": period.MOVE}
    return Decision(question=question, status=status)


def _show_saved_period(form, plan) -> None:
    """The period fields show the saved period again (the other fields keep what was typed)."""
    for name in ("period_start", "period_end"):
        value = getattr(plan, name)
        getattr(form, name).data = value
        getattr(form, name).raw_data = [str(value)]
