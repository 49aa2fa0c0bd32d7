"""A form's lists, bounded before WTForms builds them (plans/core/limits.py holds the numbers).

WTForms builds one sub-form per posted row, with its choices, and the page that answers a refused post renders every
row again: 9 000 funding lines posted in one form took 15 s. The forms never offer more rows than the limit plus
the blank rows at the end of a list (« Ajouter une ligne » stops at the limit, `room_for_a_row`), so a post with
more rows than that, and a small margin (FORM_SLACK), was not made with them: it is refused here, before it is
parsed, with a French 413 naming the list, the count and the limit. Within that margin, plans/ refuses more filled
rows than the limit with its own message next to the list, and the page keeps what was typed.
"""
from __future__ import annotations

from typing import Iterable

from werkzeug.datastructures import MultiDict

from plans.core import limits

BLANK_ROWS = 2  # the empty rows a form offers at the end of a list (app/planning/editors.py, actions.py)
# Rows a form may show beyond a list's limit: its blank rows, one more shown after a refused save (an axis offers
# one objective row more than it uses), and a margin. More than that was not posted by a form of this site.
FORM_SLACK = BLANK_ROWS + 3


def _lists(keys: Iterable[str]) -> dict[tuple[str, str], set[str]]:
    """(list path, list name) → the row indices posted: "axes-3-objectives-7-title" names row 3 of "axes" and
    row 7 of "axes-3-objectives"."""
    found: dict[tuple[str, str], set[str]] = {}
    for key in keys:
        parts = key.split("-")
        path = ""
        for i in range(0, len(parts) - 1, 2):
            name, index = parts[i], parts[i + 1]
            if not index.isdecimal():
                break
            path = f"{path}-{name}" if path else name
            found.setdefault((path, name), set()).add(index)
            path = f"{path}-{index}"
    return found


def overflow(formdata: MultiDict) -> str | None:
    """The refusal of a post holding more rows in one of its lists than any form of this site offers, else None."""
    for (path, name), indices in _lists(formdata.keys()).items():
        bound = limits.ROWS.get(name)
        if bound is not None and len(indices) > bound.limit + FORM_SLACK:
            return bound.message(len(indices)) + " Rien n'a été enregistré."
    return None


def room_for_a_row(name: str, rows: int) -> str | None:
    """None when the list `name` holding `rows` rows may get one more (« Ajouter une ligne »), else why not."""
    bound = limits.ROWS.get(name)
    if bound is None or rows < bound.limit:
        return None
    return (f"Pas de ligne de plus : la limite est de {bound.limit} {bound.noun} {bound.per}.")
