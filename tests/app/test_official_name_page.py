"""« Nom officiel » on a unit's page: administrators set or clear it; everyone else sees the name it gives."""
from __future__ import annotations

import re

import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from plans.core.audit import AuditEntry
from plans.owners import service as owners_service
from plans.territory import service as ts
from tests.app.test_form_fuzz import FUZZ, assert_answer, mutated, post, posted_fields
from tests.conftest import csrf_token_from

BAROUELI = "ML040101"  # "Baraoueli" in the boundary files
URL = f"/territoire/{BAROUELI}"
POST_URL = f"{URL}/nom-officiel"


def text(response) -> str:
    return response.get_data(as_text=True)


def h1(html: str) -> str:
    return re.search(r"<h1>(.*?) <small", html, re.S).group(1)


def stored(session, code: str = BAROUELI):
    session.expire_all()
    return ts.unit_by_code(session, code)


def test_only_administrators_see_the_form(admin_client, planner_client, reviewer_client, session):
    assert f'action="{POST_URL}"' in text(admin_client.get(URL))
    for client in (planner_client, reviewer_client):
        html = text(client.get(URL))
        assert "nom-officiel" not in html and "Baraoueli" in h1(html)
    # Not on a foreign unit's page: its country's spelling stays.
    foreign = ts.search_units(session, "tambacounda", country="SEN")[0]
    response = admin_client.get(f"/territoire/{foreign.code}")
    assert response.status_code == 200 and "/nom-officiel" not in text(response)


def test_an_administrator_sets_the_name_and_every_page_shows_it(admin_client, planner_client, session):
    response = admin_client.post(POST_URL, data={"official_name": "Barouéli", "seen": ""})
    assert response.status_code == 303 and response.headers["Location"].endswith(URL)
    html = text(admin_client.get(URL))
    assert "Nom officiel enregistré : Barouéli." in html
    assert h1(html) == "Barouéli"
    assert re.search(r"<dt>Nom dans la source</dt><dd>Baraoueli</dd>", html)
    assert 'value="Barouéli"' in html  # the form shows the stored name
    # For everyone: the page, the type-ahead under both spellings, the cercle's list of communes.
    assert h1(text(planner_client.get(URL))) == "Barouéli"
    for query in ("baroueli", "Baraoueli"):
        results = planner_client.get(f"/territoire/recherche.json?q={query}&level=3").get_json()["results"]
        assert results[0]["code"] == BAROUELI and results[0]["name"] == "Barouéli", query
    assert f'href="/territoire/{BAROUELI}">Barouéli</a>' in text(planner_client.get("/territoire/ML0401"))
    assert stored(session).official_name == "Barouéli"


def test_the_change_is_in_the_journal(admin_client, admin, session):
    admin_client.post(POST_URL, data={"official_name": "Barouéli", "seen": ""})
    entry = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "territory.official_name")).one()
    assert (entry.user_id, entry.target) == (admin.id, BAROUELI)
    html = text(admin_client.get("/journal?action=territory.official_name"))
    assert "Nom officiel d&#39;une unité territoriale" in html or "Nom officiel d'une unité territoriale" in html
    assert "— → Barouéli" in html and BAROUELI in html


def test_clearing_returns_to_the_source_name(admin_client, session):
    admin_client.post(POST_URL, data={"official_name": "Barouéli", "seen": ""})
    response = admin_client.post(POST_URL, data={"official_name": "", "seen": "Barouéli"}, follow_redirects=True)
    html = text(response)
    assert "Nom officiel retiré" in html and h1(html) == "Baraoueli"
    assert stored(session).official_name is None


def test_others_are_refused(client, planner_client, reviewer_client, session):
    data = {"official_name": "Barouéli", "seen": ""}
    assert client.post(POST_URL, data=data).status_code == 302  # to the login page
    assert planner_client.post(POST_URL, data=data).status_code == 403
    response = reviewer_client.post(POST_URL, data=data)
    assert response.status_code == 403 and "réservée aux administrateurs" in text(response)
    assert stored(session).official_name is None


def test_a_too_long_name_is_a_400_that_keeps_the_typed_text(admin_client, session):
    typed = "Barouéli " + "x" * 200
    response = admin_client.post(POST_URL, data={"official_name": typed, "seen": ""})
    html = text(response)
    assert response.status_code == 400
    assert "Le nom officiel compte au plus 200 caractères" in html and typed in html
    assert stored(session).official_name is None


def test_a_name_without_letters_and_a_foreign_unit_are_400s(admin_client, session):
    assert admin_client.post(POST_URL, data={"official_name": "-- 12 --", "seen": ""}).status_code == 400
    foreign = ts.search_units(session, "tambacounda", country="SEN")[0]
    response = admin_client.post(f"/territoire/{foreign.code}/nom-officiel", data={"official_name": "X", "seen": ""})
    assert response.status_code == 400 and "unités maliennes" in text(response)
    assert admin_client.post("/territoire/ML999999/nom-officiel", data={"official_name": "X"}).status_code == 404


def test_a_stale_form_is_a_409_that_shows_the_current_name(admin_client, session):
    admin_client.post(POST_URL, data={"official_name": "Barouéli", "seen": ""})
    response = admin_client.post(POST_URL, data={"official_name": "Baroueli-Ville", "seen": ""})
    html = text(response)
    assert response.status_code == 409 and "modifié par quelqu'un d'autre" in html
    assert 'value="Baroueli-Ville"' in html and 'name="seen" type="hidden" value="Barouéli"' in html
    assert stored(session).official_name == "Barouéli"
    assert admin_client.post(POST_URL, data={"official_name": "Baroueli-Ville"}).status_code == 409  # no seen


def test_control_characters_are_dropped(admin_client, session):
    admin_client.post(POST_URL, data={"official_name": "Baro\x00ué\x1bli", "seen": ""})
    assert stored(session).official_name == "Barouéli"


def test_the_collectivite_and_its_plans_take_the_name(admin_client, session):
    owner = owners_service.commune_owner(session, BAROUELI)
    session.commit()
    admin_client.post(POST_URL, data={"official_name": "Barouéli", "seen": ""})
    session.expire_all()
    assert owner.name == "Barouéli"


def test_the_form_is_protected_against_csrf(app, admin_client, session):
    app.config["WTF_CSRF_ENABLED"] = True
    assert admin_client.post(POST_URL, data={"official_name": "Barouéli", "seen": ""}).status_code == 400
    assert stored(session).official_name is None
    token = csrf_token_from(text(admin_client.get(URL)))
    response = admin_client.post(POST_URL, data={"official_name": "Barouéli", "seen": "", "csrf_token": token})
    assert response.status_code == 303 and stored(session).official_name == "Barouéli"


def test_geodata_load_keeps_the_name_and_renames_outdated_collectivites(runner, admin_client, session):
    admin_client.post(POST_URL, data={"official_name": "Barouéli", "seen": ""})
    owner = owners_service.commune_owner(session, "ML010304")  # Diéma (shipped correction)
    owner.name = "Diema"  # as a collectivité created before the correction was loaded
    session.commit()
    result = runner.invoke(args=["geodata", "load"])
    assert result.exit_code == 0, result.output
    assert "(0 créées, 0 mises à jour)" in result.output
    assert "10 noms corrigés selon name_corrections.csv" in result.output
    assert "Collectivités renommées d'après le territoire : 1" in result.output
    session.expire_all()
    assert owner.name == "Diéma" and stored(session).display_name == "Barouéli"


@FUZZ
@given(data=st.data())
def test_whatever_is_posted_the_answer_is_never_a_500(admin_client, data):
    fields = posted_fields(admin_client, URL, POST_URL)
    pairs, typed = data.draw(mutated(fields, "official_name"))
    response = post(admin_client, POST_URL, pairs)
    assert response.status_code in (303, 400, 409), response.status_code
    assert_answer(response, typed, strip=False)
