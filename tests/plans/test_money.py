"""Reading typed amounts, quantities and shares (plans/core/money.py)."""
from decimal import Decimal

import pytest

from plans.core.errors import ValidationError
from plans.core.money import AmountError, parse_decimal, parse_fcfa, parse_share, round_half_up

ACCEPTED = [
    ("1 500 000", 1_500_000),
    ("1500000", 1_500_000),
    ("1.500.000", 1_500_000),
    ("1,500,000", 1_500_000),
    ("1 500 000 FCFA", 1_500_000),
    ("1 500 000 F CFA", 1_500_000),
    ("1 500 000 F.CFA", 1_500_000),
    ("1 500 000 fcfa", 1_500_000),
    ("1 500 000 XOF", 1_500_000),
    ("1\u00a0500\u00a0000", 1_500_000),  # non-breaking spaces, as a word processor types them
    ("1\u202f500\u202f000\u00a0FCFA", 1_500_000),  # what plans.core.formatting.fcfa prints: a copy-paste round trip
    ("  45 000 000  ", 45_000_000),
    ("1500 000", 1_500_000),  # a long first group is unambiguous with spaces
    ("1 500 000,00", 1_500_000),  # zero centimes, as a spreadsheet prints them
    ("0", 0),
    ("128 070 946 068 F CFA", 128_070_946_068),  # docs/DOMAIN.md §13
    ("1 000 000 000 000 000", 10**15),
]

REFUSED = [
    ("-5", "Le montant ne peut pas être négatif."),
    ("- 1 500 000", "Le montant ne peut pas être négatif."),
    ("\u22121 500", "Le montant ne peut pas être négatif."),
    ("1 500,50", "Les montants sont en FCFA entiers, sans centimes."),
    ("12.5", "Les montants sont en FCFA entiers, sans centimes."),
    ("12,5", "Les montants sont en FCFA entiers, sans centimes."),
    ("1.500.000,75", "Les montants sont en FCFA entiers, sans centimes."),
    ("1.50.000", "Les chiffres sont mal groupés : écrivez par exemple 1 500 000 ou 1500000."),
    ("1 50 000", "Les chiffres sont mal groupés : écrivez par exemple 1 500 000 ou 1500000."),
    ("1 500.000", "Les chiffres sont mal groupés : écrivez par exemple 1 500 000 ou 1500000."),
    ("1500.000", "Les chiffres sont mal groupés : écrivez par exemple 1 500 000 ou 1500000."),
    ("1 500 000.", "Les chiffres sont mal groupés : écrivez par exemple 1 500 000 ou 1500000."),
    ("15 millions", "Le montant ne doit contenir que des chiffres, par exemple 1 500 000."),
    ("1O 000", "Le montant ne doit contenir que des chiffres, par exemple 1 500 000."),  # letter O
    ("1e6", "Le montant ne doit contenir que des chiffres, par exemple 1 500 000."),
    ("2 000 €", "Saisissez le montant en FCFA (1 € = 655,957 FCFA)."),
    ("1 000 000 000 000 001", "Montant trop élevé : vérifiez le nombre de zéros."),
    ("99999999999999999999", "Montant trop élevé : vérifiez le nombre de zéros."),
    ("", "Indiquez un montant."),
    ("   ", "Indiquez un montant."),
    ("FCFA", "Indiquez un montant."),
]


@pytest.mark.parametrize("text,expected", ACCEPTED)
def test_amounts_people_type_are_read(text, expected):
    assert parse_fcfa(text) == expected


@pytest.mark.parametrize("text,message", REFUSED)
def test_amounts_refused_with_the_reason(text, message):
    with pytest.raises(AmountError) as caught:
        parse_fcfa(text)
    assert caught.value.message == message
    assert str(caught.value) == message


def test_amount_error_is_a_value_error_and_becomes_a_validation_error():
    with pytest.raises(ValueError):
        parse_fcfa("12.5")
    try:
        parse_fcfa("12.5")
    except AmountError as e:
        error = e.as_validation_error("unit_cost")
    assert isinstance(error, ValidationError)
    assert error.errors == {"unit_cost": ["Les montants sont en FCFA entiers, sans centimes."]}


def test_blank_amount_is_none_when_optional():
    assert parse_fcfa("", required=False) is None
    assert parse_fcfa(None, required=False) is None
    with pytest.raises(AmountError, match="Indiquez un montant."):
        parse_fcfa(None)


def test_integers_pass_through_the_same_checks():
    assert parse_fcfa(45_000_000) == 45_000_000
    with pytest.raises(AmountError, match="négatif"):
        parse_fcfa(-1)
    with pytest.raises(AmountError, match="trop élevé"):
        parse_fcfa(10**15 + 1)
    with pytest.raises(AmountError):
        parse_fcfa(True)


@pytest.mark.parametrize("text,expected", [
    ("12,5", Decimal("12.5")),
    ("12.5", Decimal("12.5")),
    ("1 000,5", Decimal("1000.5")),
    ("1\u202f000,5", Decimal("1000.5")),
    ("4", Decimal(4)),
    ("0,125", Decimal("0.125")),
])
def test_decimals_accept_comma_or_dot(text, expected):
    assert parse_decimal(text) == expected


@pytest.mark.parametrize("text,kwargs,message", [
    ("douze", {}, "Nombre illisible : écrivez par exemple 12,5."),
    ("1,2,3", {}, "Nombre illisible : écrivez par exemple 12,5."),
    ("1 00,5", {}, "Nombre illisible : écrivez par exemple 12,5."),
    ("-3", {}, "La valeur ne peut pas être négative."),
    ("1,2345", {"max_decimals": 3}, "Trois décimales au plus."),
    ("", {}, "Indiquez une valeur."),
])
def test_decimals_refused(text, kwargs, message):
    with pytest.raises(AmountError) as caught:
        parse_decimal(text, **kwargs)
    assert caught.value.message == message


def test_decimal_optional_and_negative_when_allowed():
    assert parse_decimal(" ", required=False) is None
    assert parse_decimal("-2,5", allow_negative=True) == Decimal("-2.5")


@pytest.mark.parametrize("text,expected", [
    ("70", Decimal(70)), ("12,5", Decimal("12.5")), ("12,5 %", Decimal("12.5")), ("0", Decimal(0)),
    ("100", Decimal(100)), ("33,33%", Decimal("33.33")),
])
def test_shares_from_0_to_100(text, expected):
    assert parse_share(text) == expected


@pytest.mark.parametrize("text,message", [
    ("100,01", "La part doit être comprise entre 0 et 100 %."),
    ("150", "La part doit être comprise entre 0 et 100 %."),
    ("-1", "La part doit être comprise entre 0 et 100 %."),
    ("33,333", "Deux décimales au plus."),
    ("la moitié", "Nombre illisible : écrivez par exemple 12,5."),
])
def test_shares_refused(text, message):
    with pytest.raises(AmountError) as caught:
        parse_share(text)
    assert caught.value.message == message


@pytest.mark.parametrize("value,expected", [
    (Decimal("0.5"), 1), (Decimal("1.5"), 2), (Decimal("2.5"), 3), (Decimal("2.4999"), 2),
    (Decimal("-2.5"), -3), (Decimal("31499999.5"), 31_500_000), (7, 7), ("10.5", 11),
])
def test_round_half_up_as_accountants_do(value, expected):
    assert round_half_up(value) == expected
