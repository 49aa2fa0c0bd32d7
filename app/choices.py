"""WTForms select options from the (key, label) lists of plans/core/vocab.py."""
from typing import Iterable

from wtforms.fields.choices import SelectChoice

from plans.core import formatting


def select_choices(pairs: Iterable[tuple[str, str]], blank: str | None = None) -> list[SelectChoice]:
    options = [SelectChoice(value="", label=blank)] if blank is not None else []
    return options + [SelectChoice(value=str(key), label=label) for key, label in pairs]


def country_choices(blank: str | None = None) -> list[SelectChoice]:
    """Countries in two groups: Mali's neighbours and main destinations first, then every country."""
    options = [SelectChoice(value="", label=blank)] if blank is not None else []
    for group, pairs in formatting.country_choices().items():
        options += [SelectChoice(value=code, label=name, optgroup=group) for code, name in pairs]
    return options
