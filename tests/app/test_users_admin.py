"""User administration: only administrators, French messages, typed values kept, deactivation that bites."""
from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from plans.accounts import service as accounts_service
from plans.accounts.models import Role, User
from plans.owners.models import PlanOwner
from tests.conftest import TEST_PASSWORD, login


def shown(response) -> str:
    """The page as a reader sees it: entities decoded ("l&#39;actuel" is "l'actuel")."""
    return html.unescape(response.get_data(as_text=True))


def _user(email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.email == email))


def _form(**fields) -> dict:
    data = {"email": "", "full_name": "", "role": "planner", "owner_codes": "", "region": "",
            "password": "", "confirm_password": ""}
    data.update(fields)
    return data


# --- who may come in -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("method, path", [
    ("get", "/utilisateurs/"), ("get", "/utilisateurs/nouveau"), ("post", "/utilisateurs/nouveau"),
    ("get", "/utilisateurs/{id}/modifier"), ("post", "/utilisateurs/{id}/desactiver"),
    ("get", "/utilisateurs/{id}/mot-de-passe"),
])
@pytest.mark.parametrize("who", ["planner_client", "reviewer_client"])
def test_planners_and_reviewers_are_refused(request, admin, method, path, who):
    client = request.getfixturevalue(who)
    response = getattr(client, method)(path.format(id=admin.id), data=_form(email="intrus@exemple.ml",
                                                                          password=TEST_PASSWORD,
                                                                          confirm_password=TEST_PASSWORD))
    assert response.status_code == 403
    assert "Cette page est réservée aux administrateurs." in shown(response)
    assert _user("intrus@exemple.ml") is None and _user(admin.email).active


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get("/utilisateurs/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/compte/connexion")


def test_admin_sees_every_account(admin_client, planner, reviewer):
    page = shown(admin_client.get("/utilisateurs/"))
    for expected in (planner.email, reviewer.email, "admin@dgct.ml", Role.PLANNER.label, Role.REVIEWER.label,
                     "Koniakary", "Région suivie :</span> tout le pays"):
        assert expected in page


# --- creating --------------------------------------------------------------------------------------------------

def test_admin_creates_a_planner_attached_by_pcode_who_can_then_log_in(app, admin_client):
    response = admin_client.post("/utilisateurs/nouveau", data=_form(
        email="Awa.Traore@Koniakary.ml", full_name="Awa Traoré", role="planner", owner_codes="ML010115",
        password="Savane-kora-2026", confirm_password="Savane-kora-2026"))
    assert response.status_code == 302
    user = _user("awa.traore@koniakary.ml")
    assert (user.full_name, user.role, [o.name for o in user.owners]) == ("Awa Traoré", Role.PLANNER, ["Koniakary"])
    assert login(app.test_client(), "awa.traore@koniakary.ml", "Savane-kora-2026").status_code == 302


def test_admin_creates_a_reviewer_for_one_region(admin_client):
    segou = accounts_service.region_by_code(db.session, "ML04")
    page = shown(admin_client.get("/utilisateurs/nouveau"))
    region_select = page[page.index('name="region"'):]
    region_select = region_select[:region_select.index("</select>")]
    assert re.findall(r"<option[^>]*>([^<]+)</option>", region_select) == [
        "Tout le pays", "Kayes", "Koulikoro", "Sikasso", "Ségou", "Mopti", "Tombouctou", "Gao", "Kidal", "Bamako"]
    response = admin_client.post("/utilisateurs/nouveau", data=_form(
        email="moussa@dgct.ml", role="reviewer", region=str(segou.id),
        password=TEST_PASSWORD, confirm_password=TEST_PASSWORD))
    assert response.status_code == 302
    assert _user("moussa@dgct.ml").region.code == "ML04"


def test_owners_are_chosen_from_the_existing_ones(admin_client, koniakary_owner):
    page = shown(admin_client.get("/utilisateurs/nouveau"))
    assert f'<option value="{koniakary_owner.id}">Koniakary — Commune</option>' in page
    response = admin_client.post("/utilisateurs/nouveau", data={**_form(
        email="fanta@koniakary.ml", password=TEST_PASSWORD, confirm_password=TEST_PASSWORD),
        "owners": [str(koniakary_owner.id)]})
    assert response.status_code == 302
    assert [o.id for o in _user("fanta@koniakary.ml").owners] == [koniakary_owner.id]


def test_a_generated_password_is_shown_once_and_works(app, admin_client):
    response = admin_client.post("/utilisateurs/nouveau", data=_form(email="sans.mdp@mairie.ml",
                                                                     owner_codes="ML010115", generate="y"))
    text = shown(response)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    password = re.search(r"<code[^>]*>([^<]+)</code>", text).group(1)
    assert login(app.test_client(), "sans.mdp@mairie.ml", password).status_code == 302


def test_planner_without_owner_is_created_with_a_warning(admin_client):
    admin_client.post("/utilisateurs/nouveau", data=_form(email="seul@mairie.ml", password=TEST_PASSWORD,
                                                          confirm_password=TEST_PASSWORD))
    assert _user("seul@mairie.ml") is not None
    text = shown(admin_client.get("/utilisateurs/"))
    assert "son accueil restera vide" in text


@pytest.mark.parametrize("fields, message", [
    ({"email": "planificateur@koniakary.ml"}, "Un compte existe déjà avec cette adresse électronique."),
    ({"email": "pas-une-adresse"}, "Adresse électronique invalide"),
    ({"password": "court", "confirm_password": "court"}, "au moins 10 caractères"),
    ({"confirm_password": "autre-chose-2026"}, "Les deux saisies du mot de passe sont différentes."),
    ({"password": "", "confirm_password": ""}, "Saisissez un mot de passe ou cochez « Générer un mot de passe »."),
    ({"generate": "y"}, "Videz le mot de passe saisi ou décochez « Générer un mot de passe »."),
    ({"owner_codes": "ML010115, ML999999"}, "P-code inconnu : « ML999999 »"),
    ({"role": "maire"}, "N'est pas un choix valide."),
    ({"role": "admin", "owner_codes": "ML010115"}, "Seuls les planificateurs sont rattachés"),
])
def test_bad_input_is_refused_in_french_and_keeps_what_was_typed(admin_client, planner, fields, message):
    data = _form(email="nouveau@mairie.ml", full_name="Mariam Diarra", owner_codes="ML010115",
                 password=TEST_PASSWORD, confirm_password=TEST_PASSWORD)
    data.update(fields)
    owners_before = db.session.scalar(sa.select(sa.func.count()).select_from(PlanOwner))
    response = admin_client.post("/utilisateurs/nouveau", data=data)
    text = shown(response)
    assert response.status_code == 400
    assert message in text
    assert 'value="Mariam Diarra"' in text and f'value="{data["email"]}"' in text
    assert f'value="{data["owner_codes"]}"' in text
    assert TEST_PASSWORD not in text
    assert _user("nouveau@mairie.ml") is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PlanOwner)) == owners_before


# --- editing, deactivating, resetting --------------------------------------------------------------------------

def test_admin_edits_a_planner_into_a_regional_reviewer(admin_client, planner):
    page = shown(admin_client.get(f"/utilisateurs/{planner.id}/modifier"))
    assert 'value="Test planner"' in page and "selected" in page
    mopti = accounts_service.region_by_code(db.session, "ML05")
    # Still attached to Koniakary: refused, with the reason.
    response = admin_client.post(f"/utilisateurs/{planner.id}/modifier", data={
        "full_name": "Awa Traoré", "role": "reviewer", "region": str(mopti.id), "owners": [str(planner.owners[0].id)]})
    assert response.status_code == 400
    assert "Seuls les planificateurs sont rattachés" in shown(response)
    response = admin_client.post(f"/utilisateurs/{planner.id}/modifier", data={
        "full_name": "Awa Traoré", "role": "reviewer", "region": str(mopti.id)})
    assert response.status_code == 302
    user = _user(planner.email)
    assert (user.role, user.full_name, user.owners, user.region.code) == (Role.REVIEWER, "Awa Traoré", [], "ML05")


def test_admin_cannot_demote_or_deactivate_themselves(admin_client, admin):
    response = admin_client.post(f"/utilisateurs/{admin.id}/modifier", data={"role": "planner", "full_name": ""})
    assert response.status_code == 400
    assert "Vous ne pouvez pas retirer votre propre rôle d'administrateur." in shown(response)
    response = admin_client.post(f"/utilisateurs/{admin.id}/desactiver", follow_redirects=True)
    assert "Vous ne pouvez pas désactiver votre propre compte." in shown(response)
    user = _user(admin.email)
    assert user.role is Role.ADMIN and user.active


def test_deactivated_user_is_logged_out_and_cannot_log_in_until_reactivated(app, admin_client, planner,
                                                                           planner_client):
    assert planner_client.get("/").status_code == 200
    response = admin_client.post(f"/utilisateurs/{planner.id}/desactiver", follow_redirects=True)
    assert f"Compte {planner.email} désactivé." in shown(response)
    assert planner_client.get("/").status_code == 302  # the open session ended
    assert login(app.test_client(), planner.email).status_code == 401
    admin_client.post(f"/utilisateurs/{planner.id}/reactiver")
    assert login(app.test_client(), planner.email).status_code == 302


def test_admin_resets_a_password(app, admin_client, planner, planner_client):
    response = admin_client.post(f"/utilisateurs/{planner.id}/mot-de-passe", data={"generate": "y"})
    assert response.status_code == 200
    password = re.search(r"<code[^>]*>([^<]+)</code>", shown(response)).group(1)
    assert planner_client.get("/").status_code == 302
    assert login(app.test_client(), planner.email, TEST_PASSWORD).status_code == 401
    assert login(app.test_client(), planner.email, password).status_code == 302


def test_an_empty_reset_form_changes_nothing(app, admin_client, planner, planner_client):
    response = admin_client.post(f"/utilisateurs/{planner.id}/mot-de-passe", data={})
    assert response.status_code == 400
    assert "Saisissez un mot de passe ou cochez « Générer un mot de passe »." in shown(response)
    assert planner_client.get("/").status_code == 200
    assert login(app.test_client(), planner.email).status_code == 302


def test_admin_password_reset_refuses_a_weak_password(admin_client, planner):
    response = admin_client.post(f"/utilisateurs/{planner.id}/mot-de-passe",
                                 data={"password": "faible", "confirm_password": "faible"})
    assert response.status_code == 400
    assert "au moins 10 caractères" in shown(response)


def test_unknown_user_is_a_french_404(admin_client):
    response = admin_client.get("/utilisateurs/999999/modifier")
    assert response.status_code == 404 and "Ce compte n'existe pas." in shown(response)


# --- every error at once, on its field; collectivités chosen by name ------------------------------------------

def _field_errors(page: str) -> dict[str, list[str]]:
    """field id → the messages shown in that field's block (app/templates/_form.html)."""
    found = {}
    for block in re.findall(r'<div class="field has-error[^"]*">(.*?)</div>', page, re.DOTALL):
        field_id = re.search(r'<(?:input|select|textarea)[^>]* id="([^"]+)"', block).group(1)
        found[field_id] = re.findall(r'<p class="field-error">([^<]+)</p>', block)
    return found


def test_every_error_of_the_creation_form_comes_at_once_under_its_field(admin_client):
    response = admin_client.post("/utilisateurs/nouveau", data=_form(
        email="", full_name="x" * 201, owner_codes="ML999999, ML0101, XX12", password="court",
        confirm_password="autre"))
    assert response.status_code == 400
    page = shown(response)
    assert _field_errors(page) == {
        "email": ["Saisissez l'adresse électronique."],
        "full_name": ["200 caractères au plus."],
        "owner_codes": ["P-codes inconnus : « ML999999 », « XX12 ». Il faut le code d'une commune, d'un cercle ou "
                        "d'une région du Mali, par exemple ML010115 (Koniakary)."],
        "password": ["Le mot de passe doit contenir au moins 10 caractères."],
        "confirm_password": ["Les deux saisies du mot de passe sont différentes."],
    }
    summary = page[page.index('class="card error-summary"'):]
    summary = summary[:summary.index("</div>")]
    assert re.findall(r'<a href="#([^"]+)">', summary) == ["email", "full_name", "owner_codes", "password",
                                                          "confirm_password"]
    assert _user("") is None and db.session.scalar(sa.select(sa.func.count()).select_from(PlanOwner)) == 0


def test_the_service_checks_run_even_when_a_field_is_refused_by_the_form(admin_client, planner):
    """An address already taken and a common password are found in the same post as a role the form refuses."""
    response = admin_client.post("/utilisateurs/nouveau", data=_form(
        email=planner.email, role="maire", password="Azerty2024!", confirm_password="Azerty2024!"))
    assert response.status_code == 400
    errors = _field_errors(shown(response))
    assert errors["email"] == ["Un compte existe déjà avec cette adresse électronique."]
    assert errors["role"] == ["N'est pas un choix valide."]
    assert errors["password"] == ["Ce mot de passe est trop courant : choisissez-en un moins facile à deviner."]


def test_collectivites_chosen_by_name_are_attached_and_kept_when_the_form_comes_back(admin_client):
    page = shown(admin_client.get("/utilisateurs/nouveau"))
    assert 'data-typeahead hidden data-source="/territoire/recherche.json"' in page
    assert 'data-field="owner_code"' in page
    assert '<label for="owner-search">Ajouter une collectivité par son nom' in page

    refused = admin_client.post("/utilisateurs/nouveau", data={
        **_form(email="bintou@mairie.ml", password="court", confirm_password="court"), "owner_code": ["ML010115"]})
    assert refused.status_code == 400
    page = shown(refused)
    assert '<input type="hidden" name="owner_code" value="ML010115">' in page
    assert "Koniakary <span class=\"muted\">· commune, Kayes › Kayes · ML010115" in page

    created = admin_client.post("/utilisateurs/nouveau", data={
        **_form(email="bintou@mairie.ml", owner_codes="ML0101", password=TEST_PASSWORD,
                confirm_password=TEST_PASSWORD), "owner_code": ["ML010115", "ML010115"]})
    assert created.status_code == 302
    assert sorted(o.name for o in _user("bintou@mairie.ml").owners) == ["Kayes", "Koniakary"]
