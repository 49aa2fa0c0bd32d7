"""The password policy (plans.accounts.service.password_problems, the one rule every form and command applies):
10 characters at least, not the e-mail address, not a common password even dressed with digits or signs."""
from __future__ import annotations

import pytest

from plans.accounts import service as accounts_service
from plans.accounts.models import Role
from plans.core.errors import ValidationError
from tests.conftest import TEST_PASSWORD

EMAIL = "ab@mairie-kayes.ml"  # an identifier too short ("ab") for the identifier rule: the address rule must hold
COMMON = "Ce mot de passe est trop courant : choisissez-en un moins facile à deviner."


@pytest.mark.parametrize("password", [
    "Azerty2024!", "motdepasse1", "MotDePasse-2026", "P@ssw0rd123", "2026bamako!", "Qwertyuiop9", "1q2w3e4r5t",
    "administrateur1", "Bienvenue2025", "soleil-2026",
])
def test_common_passwords_are_refused_in_french(password):
    assert COMMON in accounts_service.password_problems(password, EMAIL)


def test_the_address_itself_is_refused():
    assert accounts_service.password_problems("AB@Mairie-Kayes.ml", EMAIL) == [
        "Le mot de passe ne doit pas être l'adresse électronique."]


@pytest.mark.parametrize("password", ["court-1", "abc-12345"])
def test_fewer_than_ten_characters_are_refused(password):
    assert "Le mot de passe doit contenir au moins 10 caractères." in accounts_service.password_problems(password)


@pytest.mark.parametrize("password", [
    "savane-kora-pluie-47", "Motdepasse-solide-2026", "Baobab du fleuve 1987", "x7$9#2!q@4z", "azerty-kora-balafon-3",
])
def test_uncommon_long_mixed_passwords_pass(password):
    assert accounts_service.password_problems(password, EMAIL) == []


def test_generated_passwords_are_never_common():
    for _ in range(200):
        assert accounts_service.password_problems(accounts_service.generate_password(EMAIL), EMAIL) == []


def test_every_way_of_setting_a_password_applies_it(session, make_user, admin):
    with pytest.raises(ValidationError) as caught:
        accounts_service.create_user(session, email=EMAIL, password="Azerty2024!", role=Role.PLANNER)
    assert COMMON in caught.value.errors["password"]
    user = make_user(Role.PLANNER, email="fanta@mairie.ml")
    with pytest.raises(ValidationError) as caught:
        accounts_service.reset_password(session, user, "Motdepasse2026", acting_user=admin)
    assert COMMON in caught.value.errors["password"]
    with pytest.raises(ValidationError) as caught:
        accounts_service.change_password(session, user, TEST_PASSWORD, "bonjour-2026")
    assert COMMON in caught.value.errors["new_password"]
