"""Reading amounts, quantities and shares typed by people; rounding money.

Money is an integer number of FCFA (docs/DOMAIN.md §13): there are no centimes. Every form, the plan-file import and
the tests read typed figures through these functions, so "1 500 000", "1.500.000" and "1 500 000 F CFA" mean the
same everywhere and a refusal always says why, in French.

Rules for amounts (`parse_fcfa`):
- spaces of every kind (normal, non-breaking U+00A0, narrow no-break U+202F, thin, figure) group thousands,
  and so do "." and "," when every group after the first has exactly three digits: "1.500.000" and
  "1,500,000" are 1 500 000. One kind of separator per amount. With dots or commas the first group has 1 to 3
  digits ("1500.000" is refused: it may be a decimal); with spaces it may be longer ("1500 000" is read).
- a trailing currency ("FCFA", "F CFA", "F.CFA", "CFA", "XOF", "F") is ignored.
- a decimal part is refused ("Les montants sont en FCFA entiers, sans centimes."), except zero centimes as
  copied from a spreadsheet ("1 500 000,00"), which changes nothing.
- "1.50.000" (badly grouped), letters, a sign, more than 10^15 FCFA are refused.

Quantities and shares (`parse_decimal`, `parse_share`) take "," or "." as the decimal mark ("12,5" = "12.5")
and spaces as thousands separators ("1 000,5"). A lone "." or "," is always the decimal mark there:
"1.000" is 1, not 1000.
"""
from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Union

from plans.core.errors import ValidationError

MAX_FCFA = 10**15  # a billion times a million FCFA: beyond any plan, surely a typo

# Every space a keyboard, a spreadsheet or Babel may put in a number.
_SPACES = re.compile(r"[\s\u00a0\u202f\u2007\u2009\u200a\u2008\u2006\u2005\u2004\u2003\u2002\u205f\u3000]+")
_CURRENCY = re.compile(r"(?:f\s*\.?\s*cfa|fcfa|cfa|xof|francs?\s+cfa|f)\.?$", re.IGNORECASE)
_MINUS = ("-", "\u2212", "\u2013", "\u2014")

# What a form, a file or a caller hands over as an amount, and the numbers the rounding takes.
Number = Union[int, float, Decimal]
Typed = Union[str, Number, None]


class AmountError(ValueError):
    """A typed figure that cannot be read. `message` is the French sentence to show next to the field."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def as_validation_error(self, field: str = "") -> ValidationError:
        return ValidationError({field: [self.message]})


MSG_REQUIRED = "Indiquez un montant."
MSG_NEGATIVE = "Le montant ne peut pas être négatif."
MSG_DECIMALS = "Les montants sont en FCFA entiers, sans centimes."
MSG_GROUPS = "Les chiffres sont mal groupés : écrivez par exemple 1 500 000 ou 1500000."
MSG_NOT_A_NUMBER = "Le montant ne doit contenir que des chiffres, par exemple 1 500 000."
MSG_TOO_LARGE = "Montant trop élevé : vérifiez le nombre de zéros."
MSG_EUROS = "Saisissez le montant en FCFA (1 € = 655,957 FCFA)."

MSG_NUMBER_REQUIRED = "Indiquez une valeur."
MSG_NUMBER_NEGATIVE = "La valeur ne peut pas être négative."
MSG_NUMBER_UNREADABLE = "Nombre illisible : écrivez par exemple 12,5."
MSG_SHARE_RANGE = "La part doit être comprise entre 0 et 100 %."


def _normalise(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def _is_blank(text) -> bool:
    return text is None or (isinstance(text, str) and not _normalise(text))


def parse_fcfa(text: Typed, *, required: bool = True) -> int | None:
    """The integer FCFA amount a person typed, or AmountError with the reason in French.

    An int is accepted as is (after the same range checks), so JSON imports share the rule. A blank input
    gives None when `required` is False.
    """
    if isinstance(text, bool):
        raise AmountError(MSG_NOT_A_NUMBER)
    if isinstance(text, int):
        return _check_range(text)
    if _is_blank(text):
        if required:
            raise AmountError(MSG_REQUIRED)
        return None
    if not isinstance(text, str):
        raise AmountError(MSG_NOT_A_NUMBER)
    s = _normalise(text)
    s = _CURRENCY.sub("", s).strip()
    if not s:
        raise AmountError(MSG_REQUIRED if required else MSG_NOT_A_NUMBER)
    if s.startswith(_MINUS):
        raise AmountError(MSG_NEGATIVE)
    if s.startswith("+"):
        s = s[1:].lstrip()
    if not s or not re.fullmatch(r"[0-9 .,]+", s):
        if "€" in s or re.search(r"\beuros?\b|\beur\b", s, re.IGNORECASE):
            raise AmountError(MSG_EUROS)
        raise AmountError(MSG_NOT_A_NUMBER)
    if not s[0].isdigit() or not s[-1].isdigit():
        raise AmountError(MSG_GROUPS)

    # A decimal part: the last "." or "," followed by anything but exactly three digits.
    last_mark = max(s.rfind("."), s.rfind(","))
    if last_mark >= 0:
        tail = s[last_mark + 1:]
        head = s[:last_mark]
        if " " not in tail and len(tail) != 3:
            if set(tail) == {"0"} and len(tail) <= 2 and head:
                s = head  # "1 500 000,00": zero centimes, as spreadsheets print them
            else:
                raise AmountError(MSG_DECIMALS)

    separators = set(re.findall(r"[ .,]", s))
    if len(separators) > 1:
        raise AmountError(MSG_GROUPS)
    if separators:
        groups = re.split(r"[ .,]", s)
        first, rest = groups[0], groups[1:]
        # "1500 000" is unambiguous with spaces; "1500.000" might be a decimal: dots and commas are strict.
        first_ok = len(first) >= 1 if separators == {" "} else 1 <= len(first) <= 3
        if not first_ok or any(len(g) != 3 for g in rest):
            raise AmountError(MSG_GROUPS)
        digits = "".join(groups)
    else:
        digits = s
    if len(digits) > 16:
        raise AmountError(MSG_TOO_LARGE)
    return _check_range(int(digits))


def _check_range(value: int) -> int:
    if value < 0:
        raise AmountError(MSG_NEGATIVE)
    if value > MAX_FCFA:
        raise AmountError(MSG_TOO_LARGE)
    return value


def parse_decimal(text: Typed, *, required: bool = True, max_decimals: int | None = None,
                  allow_negative: bool = False) -> Decimal | None:
    """A quantity or a share as typed: "12,5", "12.5", "1 000,5". Decimal, or AmountError in French.

    `max_decimals` matches the column (3 for a quantity, 2 for a share). Numbers (int, Decimal) pass through
    the same checks; a float is read through its shortest repr.
    """
    if isinstance(text, bool):
        raise AmountError(MSG_NUMBER_UNREADABLE)
    if isinstance(text, (int, Decimal, float)):
        value = Decimal(str(text)) if isinstance(text, float) else Decimal(text)
        if not value.is_finite():
            raise AmountError(MSG_NUMBER_UNREADABLE)
    else:
        if _is_blank(text):
            if required:
                raise AmountError(MSG_NUMBER_REQUIRED)
            return None
        if not isinstance(text, str):
            raise AmountError(MSG_NUMBER_UNREADABLE)
        s = _normalise(text)
        negative = s.startswith(_MINUS)
        if negative:
            s = s[1:].lstrip()
        elif s.startswith("+"):
            s = s[1:].lstrip()
        m = re.fullmatch(r"(\d{1,3}(?: \d{3})+|\d+)(?:[.,](\d+))?", s)
        if not m:
            raise AmountError(MSG_NUMBER_UNREADABLE)
        integer, fraction = m.group(1).replace(" ", ""), m.group(2)
        try:
            value = Decimal(integer + ("." + fraction if fraction else ""))
        except InvalidOperation:  # pragma: no cover - the regex admits digits only
            raise AmountError(MSG_NUMBER_UNREADABLE) from None
        if negative:
            value = -value
    if value < 0 and not allow_negative:
        raise AmountError(MSG_NUMBER_NEGATIVE)
    if abs(value) > MAX_FCFA:
        raise AmountError("Valeur trop élevée : vérifiez le nombre de zéros.")
    if max_decimals is not None:
        exponent = value.normalize().as_tuple().exponent
        if isinstance(exponent, int) and -exponent > max_decimals:
            raise AmountError(_decimals_message(max_decimals))
    return value


def _decimals_message(n: int) -> str:
    if n == 0:
        return "Indiquez un nombre entier."
    if n == 1:
        return "Une décimale au plus."
    words = {2: "Deux", 3: "Trois"}
    return f"{words.get(n, str(n))} décimales au plus."


def parse_share(text: Typed, *, required: bool = True) -> Decimal | None:
    """A share in percent, 0 to 100 inclusive, two decimals at most; a trailing "%" is allowed."""
    if isinstance(text, str):
        text = re.sub(r"\s*%\s*$", "", _normalise(text))
    value = parse_decimal(text, required=required, max_decimals=2, allow_negative=True)
    if value is None:
        return None
    if value < 0 or value > 100:
        raise AmountError(MSG_SHARE_RANGE)
    return value


def round_half_up(value: Number) -> int:
    """The nearest integer, halves away from zero (0,5 → 1; 2,5 → 3; -2,5 → -3), as accountants round.

    Accepts Decimal, int or a numeric string. Python's round() would give 2 for 2,5 (bankers' rounding).
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float):
        value = Decimal(str(value))
    return int(Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP))
