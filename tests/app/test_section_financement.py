"""Section 6 — Financement: computed from the actions (plans.planning.finance), shown read-only, never typed."""
import re
from decimal import Decimal

import pytest

from plans.core.formatting import plain
from plans.planning.finance import plan_finance
from plans.planning.models import Action, DiasporaAssociation, FundingLine, ScheduleEntry


def _schedule(**amounts):
    return [ScheduleEntry(year=int(y[1:]), amount=a) for y, a in amounts.items()]


def _lines(*lines, association=None):
    out = []
    for i, (source, pct) in enumerate(lines):
        out.append(FundingLine(position=i, source_type=source, share_pct=Decimal(pct),
                               association=association if source == "association_diaspora" else None))
    return out


@pytest.fixture
def koniakary_actions(session, plan, koniakary_owner):
    """docs/DOMAIN.md §14 TC1: the four invented actions of Koniakary's 2025-2029 plan."""
    enndam = DiasporaAssociation(owner=koniakary_owner, name="Enndam Jombuku", host_country="FR")
    session.add(enndam)
    session.add_all([
        Action(plan=plan, position=0, sector="sante", title="Extension du CSCOM", quantity=1,
               unit_cost=45_000_000, cofinancing_scheme="diaspora_ctc",
               schedule=_schedule(y2025=20_000_000, y2026=25_000_000),
               funding_lines=_lines(("programme_codev", "70"), ("association_diaspora", "10"),
                                    ("budget_communal", "20"), association=enndam)),
        Action(plan=plan, position=1, sector="hydraulique", title="AEP du quartier Khasso", quantity=1,
               unit_cost=60_000_000, cofinancing_scheme="anict",
               schedule=_schedule(y2025=10_000_000, y2026=30_000_000, y2027=20_000_000),
               funding_lines=_lines(("anict", "80"), ("budget_communal", "10"), ("population", "10"))),
        Action(plan=plan, position=2, sector="emploi", title="Centre de formation des jeunes et des retournés",
               quantity=1, unit_cost=30_000_000, schedule=_schedule(y2027=15_000_000, y2028=15_000_000),
               funding_lines=_lines(("ptf", "70"), ("association_diaspora", "20"), ("budget_communal", "10"),
                                    association=enndam)),
        Action(plan=plan, position=3, sector="culture_jeunesse", title="Restauration du Tata", quantity=1,
               unit_cost=25_000_000, schedule=_schedule(y2028=10_000_000, y2029=15_000_000),
               funding_lines=_lines(("etat", "50"), ("cooperation_decentralisee", "30"),
                                    ("association_diaspora", "20"), association=enndam)),
    ])
    session.commit()
    return plan


def _text(html: str) -> str:
    """The page's text with tags dropped and French spaces made plain, for assertions."""
    return re.sub(r"\s+", " ", plain(re.sub(r"<[^>]+>", " ", html)))


def test_koniakary_financing_is_shown_in_french(planner_client, koniakary_actions):
    plan = koniakary_actions
    response = planner_client.get(f"/plans/{plan.id}/financement")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    text = _text(html)
    assert "6. Financement" in text
    assert "Coût total du PIP 160 000 000 FCFA" in text
    assert "15 500 000 FCFA, soit 9,69 % du coût total" in text
    assert "À rechercher 0 FCFA" in text and "Non couvert 0 FCFA" in text  # every line of this fixture is promised
    # Internal: budget communal 9 000 000 + 6 000 000 + 3 000 000, population 6 000 000.
    assert "Ressources internes 24 000 000 FCFA" in text and "Ressources externes 136 000 000 FCFA" in text
    # Source × year table: the matrix's grand total and the year totals come from plan_finance.
    fin = plan_finance(plan)
    assert fin.matrix_total == 160_000_000
    matrix = re.search(r'<table class="finance-matrix">.*?</table>', html, re.S).group(0)
    matrix_text = _text(matrix)
    assert "2025 2026 2027 2028 2029 Total" in matrix_text
    assert "Association de la diaspora" in matrix_text and "Programme de codéveloppement" in matrix_text
    assert "<tfoot>" in matrix and "160 000 000" in _text(matrix.split("<tfoot>")[1])
    year_totals = " ".join(f"{v:,}".replace(",", " ") for v in fin.matrix_year_totals.values())
    assert f"Total {year_totals} 160 000 000" in matrix_text
    # By sector, by axis.
    assert "Santé 45 000 000" in text and "Hydraulique (AEP, forages) 60 000 000" in text
    assert "Sans axe 4 160 000 000" in text
    # PIA 2025: the CSCOM's and the AEP's first-year amounts.
    assert "Plan d'investissement annuel (PIA) 2025" in text
    assert "Extension du CSCOM Santé 20 000 000" in text and "AEP du quartier Khasso" in text
    assert "Total du PIA 30 000 000" in text
    assert "Financement du PIA 2025 par source" in text
    # Accessible tables.
    assert html.count("<caption>") >= 6 and 'scope="col"' in html and 'scope="row"' in html
    # Nothing to type: the only form is the review comments' (anchored to this section), no figure is posted.
    main = html.split('<div class="plan-main">')[1]
    assert re.findall(r'<form[^>]*action="([^"]*)"', main) == [f"/plans/{plan.id}/commentaires"]


def test_actions_in_error_are_listed_with_a_link_to_the_actions_section(planner_client, koniakary_actions, session):
    plan = koniakary_actions
    fin = plan_finance(plan)
    in_error = [f for f in fin.figures if f.errors]
    # Break one more action: its schedule no longer matches its cost.
    tata = next(a for a in plan.actions if a.title == "Restauration du Tata")
    tata.schedule[0].amount = 5_000_000
    session.commit()
    html = planner_client.get(f"/plans/{plan.id}/financement").get_data(as_text=True)
    text = _text(html)
    assert "Actions à corriger" in text
    assert "Programmation annuelle : La programmation annuelle (20 000 000 FCFA) ne correspond pas au coût " \
           "total (25 000 000 FCFA)" in text
    assert f'href="/plans/{plan.id}/actions#action-{tata.id}"' in html
    for f in in_error:  # those already in error before (if any) are listed too
        assert f'href="/plans/{plan.id}/actions#action-{f.action.id}"' in html


def test_a_clean_plan_lists_no_action_in_error(planner_client, plan, session):
    session.add(Action(plan=plan, sector="sante", title="Forage", quantity=2, unit_cost=4_000_000,
                       schedule=_schedule(y2025=8_000_000),
                       funding_lines=_lines(("anict", "80"), ("budget_communal", "20"))))
    session.commit()
    html = planner_client.get(f"/plans/{plan.id}/financement").get_data(as_text=True)
    text = _text(html)
    assert "Actions à corriger" not in text
    assert "Coût total du PIP 8 000 000 FCFA" in text and "0 FCFA, soit 0,00 % du coût total" in text


def test_a_reviewer_can_read_it(reviewer_client, koniakary_actions):
    response = reviewer_client.get(f"/plans/{koniakary_actions.id}/financement")
    assert response.status_code == 200
    assert "Coût total du PIP 160 000 000 FCFA" in _text(response.get_data(as_text=True))


def test_nothing_is_posted(planner_client, koniakary_actions):
    response = planner_client.post(f"/plans/{koniakary_actions.id}/financement", data={"version": "0"})
    assert response.status_code == 405
    assert "ne se saisit pas" in response.get_data(as_text=True)


def test_empty_state_without_actions(planner_client, plan):
    response = planner_client.get(f"/plans/{plan.id}/financement")
    assert response.status_code == 200
    text = _text(response.get_data(as_text=True))
    assert "Aucune action pour l'instant" in text
    assert "Saisir les actions du PIP" in text
    assert "Plan de financement par source" not in text
