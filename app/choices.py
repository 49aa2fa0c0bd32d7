"""WTForms select options from the (key, label) lists of plans/vocab.py."""
from typing import Iterable

from wtforms.fields.choices import SelectChoice


def select_choices(pairs: Iterable[tuple[str, str]], blank: str | None = None) -> list[SelectChoice]:
    options = [SelectChoice(value="", label=blank)] if blank is not None else []
    return options + [SelectChoice(value=str(key), label=label) for key, label in pairs]
