"""Changing the period under programmed actions never misplaces money (plans/planning/period.py, app/planning/
period_choice.py): the identification save lists the amounts and asks, « refuser » keeps the old period and what was
typed, « déplacer » moves them; the financing page and the action form show an amount outside the period in its own
year, marked « hors période », and an action's save never drops it."""
import re

import pytest
import sqlalchemy as sa

from plans.core.formatting import plain
from plans.planning.models import Action, FundingLine, PlanChange, ScheduleEntry
from tests.app.test_conflict_rows import _resolution
from tests.app.test_planning import identification_form
from tests.conftest import login

NNBSP = "\u202f"


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", plain(re.sub(r"<[^>]+>", " ", html)))


@pytest.fixture
def programmed(session, plan):
    """The conftest's plan 2025–2029 with two funded actions programmed up to 2029."""
    session.add_all([
        Action(plan=plan, position=0, sector="hydraulique", title="Forage de Khasso", quantity=1, unit_cost=10_000_000,
               schedule=[ScheduleEntry(year=2025, amount=5_000_000), ScheduleEntry(year=2028, amount=1_500_000),
                         ScheduleEntry(year=2029, amount=3_500_000)],
               funding_lines=[FundingLine(position=0, source_type="anict", amount=8_000_000),
                              FundingLine(position=1, source_type="budget_communal", amount=2_000_000)]),
        Action(plan=plan, position=1, sector="education", title="École <b>Sobokou</b>", quantity=1,
               unit_cost=6_000_000, schedule=[ScheduleEntry(year=2029, amount=6_000_000)],
               funding_lines=[FundingLine(position=0, source_type="etat", amount=6_000_000)]),
    ])
    session.commit()
    return plan


def _schedules(session, plan):
    session.expire_all()
    return {a.title: {e.year: e.amount for e in a.schedule} for a in plan.actions}


def _seen(page: str) -> str:
    return re.search(r'name="period_seen" value="([0-9a-f]+)"', page).group(1)


def _shorten(client, plan, **extra):
    return client.post(f"/plans/{plan.id}/identification",
                       data=identification_form(plan, 0, period_end="2027", title="Titre tapé",
                                                facilitators="Bureau d'études Sahel", **extra))


BEFORE = {"Forage de Khasso": {2025: 5_000_000, 2028: 1_500_000, 2029: 3_500_000},
          "École <b>Sobokou</b>": {2029: 6_000_000}}


def test_a_shorter_period_lists_the_amounts_and_asks(planner_client, session, programmed):
    response = _shorten(planner_client, programmed)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    text = _text(page)
    assert "Que faire des montants hors période ?" in text
    assert "Forage de Khasso 2028 hors période 1 500 000 FCFA va en 2027" in text
    assert "Forage de Khasso 2029 hors période 3 500 000 FCFA va en 2027" in text
    assert f"1{NNBSP}500{NNBSP}000\u00a0FCFA" in page  # French thousands separators
    assert "École &lt;b&gt;Sobokou&lt;/b&gt; 2029 hors période 6 000 000 FCFA" in text  # escaped
    assert "laisserait 11 000 000 FCFA hors période" in text
    assert 'value="Titre tapé"' in page and 'value="2027"' in page  # the form as typed
    assert 'value="refuser"' in page and 'value="deplacer"' in page
    # Nothing saved yet.
    session.expire_all()
    assert programmed.period_end == 2029 and programmed.title == "PDESC de Koniakary 2025-2029"
    assert _schedules(session, programmed) == BEFORE
    assert session.scalar(sa.select(sa.func.count()).select_from(PlanChange)) == 0


def test_refusing_keeps_the_old_period_and_what_was_typed(planner_client, session, programmed):
    seen = _seen(_shorten(planner_client, programmed).get_data(as_text=True))
    response = _shorten(planner_client, programmed, period_choice="refuser", period_seen=seen)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "La période reste 2025–2029" in _text(page) and "vous aviez saisi 2025–2027" in _text(page)
    assert 'value="Titre tapé"' in page and "Bureau d&#39;études Sahel" in page and 'value="Villetaneuse"' in page
    assert re.search(r'name="period_end"[^>]*value="2029"', page)  # the saved period, ready to save
    session.expire_all()
    assert (programmed.period_end, programmed.title) == (2029, "PDESC de Koniakary 2025-2029")
    assert _schedules(session, programmed) == BEFORE
    # Saving that form now keeps the old period and the rest of the input, without asking again.
    response = planner_client.post(f"/plans/{programmed.id}/identification",
                                   data=identification_form(programmed, 0, title="Titre tapé"))
    assert response.status_code == 302
    session.expire_all()
    assert (programmed.period_end, programmed.title) == (2029, "Titre tapé")


def test_moving_saves_the_period_and_the_amounts_with_their_history(planner_client, session, programmed):
    seen = _seen(_shorten(planner_client, programmed).get_data(as_text=True))
    response = _shorten(planner_client, programmed, period_choice="deplacer", period_seen=seen)
    assert response.status_code == 302
    session.expire_all()
    assert (programmed.period_start, programmed.period_end, programmed.title) == (2025, 2027, "Titre tapé")
    assert _schedules(session, programmed) == {"Forage de Khasso": {2025: 5_000_000, 2027: 5_000_000},
                                               "École <b>Sobokou</b>": {2027: 6_000_000}}
    history = _text(planner_client.get(f"/plans/{programmed.id}/historique").get_data(as_text=True))
    assert "montants déplacés dans la période 2025–2027 : 3 montants, 2 actions" in history
    assert "Action « Forage de Khasso » : programmation déplacée" in history
    assert "2029 → 2027 : 3 500 000 FCFA" in history
    finance_page = _text(planner_client.get(f"/plans/{programmed.id}/financement").get_data(as_text=True))
    assert "hors période" not in finance_page
    assert "Total 5 000 000 0 11 000 000 16 000 000" in finance_page  # 2025, 2026, 2027, total


@pytest.mark.parametrize("choice", ["supprimer", "deplacer' OR 1=1", "<script>alert(1)</script>", ""])
def test_a_forged_or_missing_choice_is_a_400_in_french(planner_client, session, programmed, choice):
    seen = _seen(_shorten(planner_client, programmed).get_data(as_text=True))
    response = _shorten(planner_client, programmed, period_choice=choice, period_seen=seen)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "montants hors période" in page and "<script>alert(1)</script>" not in page
    assert 'value="Titre tapé"' in page
    session.expire_all()
    assert programmed.period_end == 2029 and _schedules(session, programmed) == BEFORE


def test_a_list_changed_since_it_was_shown_asks_again(planner_client, session, programmed):
    seen = _seen(_shorten(planner_client, programmed).get_data(as_text=True))
    school = session.scalar(sa.select(ScheduleEntry).where(ScheduleEntry.year == 2029,
                                                           ScheduleEntry.amount == 6_000_000))
    school.amount = 6_000_001  # someone changed an amount in between
    session.commit()
    response = _shorten(planner_client, programmed, period_choice="deplacer", period_seen=seen)
    page = _text(response.get_data(as_text=True))
    assert response.status_code == 200 and "La liste des montants concernés a changé" in page
    assert "6 000 001 FCFA" in page
    session.expire_all()
    assert programmed.period_end == 2029
    # A forged fingerprint is the same: the question again, nothing saved.
    response = _shorten(planner_client, programmed, period_choice="deplacer", period_seen="0" * 24)
    assert response.status_code == 200 and programmed.period_end == 2029


def test_the_version_check_still_applies_to_a_move(app, planner, session, programmed):
    first, second = app.test_client(), app.test_client()
    login(first, planner.email), login(second, planner.email)
    seen = _seen(_shorten(second, programmed).get_data(as_text=True))
    assert first.post(f"/plans/{programmed.id}/identification",
                      data=identification_form(programmed, 0, title="Titre de l'onglet 1")).status_code == 302
    response = _shorten(second, programmed, period_choice="deplacer", period_seen=seen)
    assert response.status_code == 409
    session.expire_all()
    assert (programmed.period_end, programmed.title) == (2029, "Titre de l'onglet 1")
    assert _schedules(session, programmed) == BEFORE


def test_the_financing_page_shows_an_amount_outside_the_period_in_its_own_year(planner_client, session, programmed):
    programmed.period_end = 2027  # shortened without moving (a restored version, an imported file)
    session.commit()
    page = planner_client.get(f"/plans/{programmed.id}/financement").get_data(as_text=True)
    text = _text(page)
    assert "Attention : 11 000 000 FCFA sont programmés hors de la période du plan (2025–2027)" in text
    assert "Forage de Khasso : 3 500 000 FCFA en 2029 (hors période)" in text
    matrix = _text(re.search(r'<table class="finance-matrix">.*?</table>', page, re.S).group(0))
    assert "2025 2026 2027 2028 hors période 2029 hors période Total" in matrix
    # ANICT 8 / 10 of the well: 4 000 000 in 2025, 1 200 000 in 2028, 2 800 000 in 2029 — nothing folded into 2025.
    assert "ANICT / FNACT 4 000 000 0 0 1 200 000 2 800 000 8 000 000" in matrix
    assert "Total 5 000 000 0 0 1 500 000 9 500 000 16 000 000" in matrix
    # The PIP table too: the out-of-period years are columns of their own, the row as programmed.
    pip = _text(re.search(r'<table class="pip">.*?</table>', planner_client.get(
        f"/plans/{programmed.id}/actions").get_data(as_text=True), re.S).group(0))
    assert "2025 2026 2027 2028 hors période 2029 hors période" in pip
    assert "10 000 000 5 000 000 1 500 000 3 500 000" in pip


def test_the_action_form_shows_and_keeps_an_amount_outside_the_period(planner_client, session, programmed):
    programmed.period_end = 2027
    session.commit()
    well = programmed.actions[0]
    url = f"/plans/{programmed.id}/actions/{well.id}"
    page = planner_client.get(url).get_data(as_text=True)
    assert re.search(r'name="schedule-2029"[^>]*value="3 500 000"', page)
    assert re.search(r'name="schedule-2028"[^>]*value="1 500 000"', page)
    assert 'aria-label="2029 (hors période)"' in page and "programmés hors de la période du plan" in page

    def post(schedule):
        data = {"version": str(well.version_id), "title": well.title, "sector": "hydraulique", "quantity": "1",
                "unit_cost": "10 000 000", "status": "prevu", "location_precision": "exacte",
                "funding_lines-0-source_type": "anict", "funding_lines-0-amount": "8 000 000",
                "funding_lines-1-source_type": "budget_communal", "funding_lines-1-amount": "2 000 000",
                **{f"schedule-{y}": v for y, v in schedule.items()}}
        return planner_client.post(url, data=data)

    # Saved as shown: refused next to the field, the amount kept in the form and in the database.
    response = post({2025: "5 000 000", 2026: "", 2027: "", 2028: "1 500 000", 2029: "3 500 000"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "L&#39;année 2029 est hors de la période du plan (2025–2027)." in page
    assert re.search(r'name="schedule-2029"[^>]*value="3 500 000"', page)
    assert _schedules(session, programmed)["Forage de Khasso"] == BEFORE["Forage de Khasso"]
    # Moved by the planner into the period: saved, nothing left outside.
    response = post({2025: "5 000 000", 2026: "1 500 000", 2027: "3 500 000", 2028: "", 2029: ""})
    assert response.status_code == 303
    assert _schedules(session, programmed)["Forage de Khasso"] == {2025: 5_000_000, 2026: 1_500_000,
                                                                   2027: 3_500_000}


def test_after_the_409_screen_the_question_comes_again_then_the_move_saves(app, planner, session, programmed):
    first, second = app.test_client(), app.test_client()
    login(first, planner.email), login(second, planner.email)
    seen = _seen(_shorten(second, programmed).get_data(as_text=True))
    assert first.post(f"/plans/{programmed.id}/identification",
                      data=identification_form(programmed, 0, title="Titre de l'onglet 1")).status_code == 302
    conflict = _shorten(second, programmed, period_choice="deplacer", period_seen=seen).get_data(as_text=True)
    keys = set(re.findall(r'name="choice-([^"]+)"', conflict))
    assert "period_end" in keys
    response = second.post(f"/plans/{programmed.id}/identification",
                           data=_resolution(conflict, {key: "mine" for key in keys}))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Que faire des montants hors période ?" in page  # asked again
    session.expire_all()
    assert programmed.period_end == 2029 and _schedules(session, programmed) == BEFORE
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)  # the new one
    response = second.post(f"/plans/{programmed.id}/identification",
                           data=identification_form(programmed, version, period_end="2027", title="Titre tapé",
                                                    period_choice="deplacer", period_seen=_seen(page)))
    assert response.status_code == 302
    session.expire_all()
    assert (programmed.period_end, programmed.title) == (2027, "Titre tapé")
    assert _schedules(session, programmed)["École <b>Sobokou</b>"] == {2027: 6_000_000}
