"""Figures by territory (plans/reporting/territory_totals.py, the page /revue/territoires): each row adds up the
plans' own figures (fresh from plans.planning.finance and indicators), counts the plans the dashboard's filter on
that territory shows, and drills down (région → its cercles → the dashboard)."""
from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from plans.accounts.models import Role
from plans.demo import data as D
from plans.owners.service import unit_by_code
from plans.planning import finance, indicators
from plans.planning import service as plan_service
from plans.planning import summary as plan_summary
from plans.planning.models import MigrationProfile, Plan, PlanStatus, PopulationRecord
from plans.reporting import desk
from plans.reporting.territory_totals import territory_totals
from tests.conftest import login
from tests.factories import commit_then_read_desk


@pytest.fixture
def seeded(session, demo_cases):
    plan_summary.refresh_stale(session)  # what the desk's pages do first (app/summaries.py)
    session.commit()
    return session


def _plan(session, uuid) -> Plan:
    return session.scalar(sa.select(Plan).where(Plan.uuid == uuid))


def _fresh(session, plan_id):
    plan = session.scalars(sa.select(Plan).where(Plan.id == plan_id).options(*plan_summary.load_options())).one()
    pf = finance.plan_finance(plan)
    return plan, pf, indicators.plan_indicators(plan, pf)


def test_each_region_adds_up_its_plans_own_figures(seeded):
    totals = territory_totals(seeded)
    assert totals.level == "region" and {r.code for r in totals.rows} >= {"ML01", "ML03"}
    kayes = next(r for r in totals.rows if r.code == "ML01")
    tc1, pf1, i1 = _fresh(seeded, _plan(seeded, D.TC1_UUID).id)
    _, pf2, _ = _fresh(seeded, _plan(seeded, D.TC2_UUID).id)
    assert kayes.plans == 2 and kayes.by_status["brouillon"] == 2
    assert kayes.investment == pf1.total + pf2.total == 295_000_000
    assert kayes.diaspora_amount == pf1.diaspora_amount + pf2.diaspora_amount
    assert kayes.diaspora_share == finance.share_of(pf1.diaspora_amount + pf2.diaspora_amount, 295_000_000)
    # Population and ratios: the commune's plan only (the syndicate's population overlaps its communes').
    assert (kayes.population, kayes.per_inhabitant) == (i1.population, i1.cost_per_inhabitant)
    assert kayes.emigrants_per_mille == i1.emigrants_per_thousand
    assert sum(kayes.by_source.values()) == pf1.funded + pf2.funded
    assert totals.total.plans == 3 and totals.total.investment == 387_000_000


def test_every_row_counts_the_plans_its_dashboard_link_shows(seeded):
    for region in ("", "ML01", "ML03"):
        totals = territory_totals(seeded, region_code=region)
        for row in totals.rows:
            area = {"region": row.code} if totals.level == "region" else {"region": region, "cercle": row.code}
            assert row.plans == desk.count(seeded, desk.TableFilters.from_args(area), None), (region, row.code)
        area = {"region": region} if region else {}
        assert totals.total.plans == desk.count(seeded, desk.TableFilters.from_args(area), None)
    by_cercle = territory_totals(seeded, region_code="ML01")
    assert by_cercle.level == "cercle" and by_cercle.region_name == "Kayes"
    assert sum(r.plans for r in by_cercle.rows) >= 2  # Koniakary's cercle and Yélimané (the SICM's)
    assert territory_totals(seeded, region_code="ML99").level == "region"  # unknown: by région


def test_an_older_plan_counts_as_a_plan_but_not_twice_in_the_money(seeded, planner):
    tc1 = _plan(seeded, D.TC1_UUID)
    plan_service.create_plan(seeded, owner=tc1.owner, title="PDESC de Koniakary 2020-2024", period_start=2020,
                             user=planner)
    commit_then_read_desk(seeded)
    kayes = next(r for r in territory_totals(seeded).rows if r.code == "ML01")
    assert kayes.plans == 3 and kayes.investment == 295_000_000


def test_gap_communes_and_a_regional_reviewers_scope(seeded, make_user):
    tc1 = _plan(seeded, D.TC1_UUID)
    tc1.migration_profile.emigrants_total = 20_143  # 1 000 ‰
    for action in tc1.actions:
        for line in action.funding_lines:
            if line.source_type == "association_diaspora":
                line.source_type = "ong"
    commit_then_read_desk(seeded)
    kayes = next(r for r in territory_totals(seeded).rows if r.code == "ML01")
    assert kayes.gap_communes == 1
    gap_plans = desk.plan_records(seeded, desk.TableFilters.from_args({"region": "ML01", "ecart": "oui",
                                                                        "type": "commune"}), None)
    assert [r["plan_id"] for r in gap_plans] == [tc1.id]
    sikasso = make_user(Role.REVIEWER, email="sikasso@dgct.ml", region=unit_by_code(seeded, "ML03"))
    scoped = territory_totals(seeded, regions={sikasso.region_id})
    assert [r.code for r in scoped.rows] == ["ML03"] and scoped.total.plans == 1
    assert territory_totals(seeded, regions={sikasso.region_id}, region_code="ML01").level == "region"


def test_a_plan_without_population_or_emigrants_adds_no_ratio(seeded, planner):
    tc1 = _plan(seeded, D.TC1_UUID)
    seeded.execute(sa.delete(PopulationRecord).where(PopulationRecord.plan_id == tc1.id))
    seeded.execute(sa.delete(MigrationProfile).where(MigrationProfile.plan_id == tc1.id))
    plan_summary.mark(seeded, tc1.id)  # a bulk DELETE bypasses the hook: the one case that must say so
    commit_then_read_desk(seeded)
    kayes = next(r for r in territory_totals(seeded).rows if r.code == "ML01")
    assert (kayes.per_inhabitant, kayes.emigrants_per_mille, kayes.population) == (None, None, 0)
    assert kayes.investment == 295_000_000


def test_the_page_shows_the_table_its_charts_and_the_way_down(seeded, session, app, reviewer):
    _plan(seeded, D.TC2_UUID).status = PlanStatus.VALIDE
    commit_then_read_desk(session)
    client = app.test_client()
    assert login(client, reviewer.email).status_code == 302
    html = client.get("/revue/territoires").get_data(as_text=True)
    kayes = html.split('<tr data-code="ML01">')[1].split("</tr>")[0]
    assert 'href="/revue/territoires?region=ML01"' in kayes
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg"') == 3 and 'role="img"' in html
    assert "Investissement prévu par région" in html and "Plans par statut, par région" in html
    assert "Financement par source" in html and "Les chiffres de ce graphique" in html
    links = [unescape(u) for u in re.findall(r'href="(/revue/plans[^"]*)"', kayes)]
    assert any(parse_qs(urlsplit(u).query) == {"region": ["ML01"], "statut": ["valide"]} for u in links)
    down = client.get("/revue/territoires?region=ML01").get_data(as_text=True)
    assert "région de Kayes" in down and "Plans par statut, par cercle (Kayes)" in down
    cercle_links = {unescape(u) for u in re.findall(r'<th scope="row"><a href="(/revue/plans[^"]*)"', down)}
    assert cercle_links and all(parse_qs(urlsplit(u).query)["region"] == ["ML01"] for u in cercle_links)
    yelimane = next(u for u in cercle_links if parse_qs(urlsplit(u).query)["cercle"] == [D.YELIMANE_CERCLE])
    table = client.get(yelimane).get_data(as_text=True)
    assert f'data-plan="{_plan(seeded, D.TC2_UUID).id}"' in table
