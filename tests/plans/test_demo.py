"""The demo seed (plans/demo/seed.py): the three test cases of docs/DOMAIN.md §14 and random plans on real communes."""
import random
from decimal import Decimal

import sqlalchemy as sa
from shapely.geometry import Point

from plans.core import geo
from plans.demo import data as D
from plans.demo import seed as demo
from plans.owners import service as owners_service
from plans.planning import finance
from plans.planning.models import Action, DiasporaAssociation, Plan, PlanChange, PlanStatus


def _plan(session, uuid):
    plan = session.scalar(sa.select(Plan).where(Plan.uuid == uuid))
    return session.get(Plan, plan.id, options=finance.load_options())


def _count(session, model):
    return session.scalar(sa.select(sa.func.count()).select_from(model))


def test_tc1_koniakary(session):
    report = demo.seed_test_cases(session)
    session.commit()
    assert [p.created for p in report] == [True, True, True]
    plan = _plan(session, D.TC1_UUID)
    assert plan.owner.unit.code == "ML010115" and demo.owner_label(plan.owner) == "Commune de Koniakary"
    assert (plan.period_start, plan.period_end, plan.status) == (2025, 2029, PlanStatus.BROUILLON)
    assert plan.deliberation_number is None and plan.deliberation_date is None  # a draft: adoption left empty

    pf = finance.plan_finance(plan)
    assert pf.total == 160_000_000 and pf.funded == 160_000_000 and pf.gap == 0
    assert pf.diaspora_amount == 15_500_000 and pf.diaspora_share == Decimal("9.69")
    assert [(f.action.title, f.total) for f in pf.figures] == [
        ("Extension du CSCOM", 45_000_000), ("Adduction d'eau potable du quartier Khasso", 60_000_000),
        ("Centre de formation des jeunes et des migrants de retour", 30_000_000), ("Restauration du Tata", 25_000_000)]
    assert pf.actions_in_error == 0  # the CSCOM keeps its 70/10/20 split but no scheme (ceiling of 30 M)
    cscom = pf.figures[0].action
    assert cscom.cofinancing_scheme is None and pf.figures[0].by_source["programme_codev"] == 31_500_000
    assert pf.figures[1].action.cofinancing_scheme == "anict"
    assert all(f.schedule_total == f.total for f in pf.figures)

    geometry = owners_service.owner_geometry(plan.owner)
    assert all(geometry.contains(Point(a.lon, a.lat)) for a in plan.actions)

    assert [(r.year, r.value, r.source) for r in plan.population_records] == [
        (1998, 7023, "rgph_1998"), (2009, 8135, "rgph_2009"), (2020, 20143, "estimation")]
    profile = plan.migration_profile
    assert (profile.emigrants_total, profile.emigrants_internal, profile.emigrants_international) == \
        (10799, 4005, 6794)
    assert [d.country for d in plan.destinations] == ["FR", "GA", "SN", "CG", "CD", "GN", "GQ", "CI", "US", "AO"]
    assert [(c.title, c.year) for c in plan.codev_projects][:3] == [
        ("Maternité", 1972), ("Dispensaire", None), ("Grande mosquée", 1980)]
    villetaneuse = [s for s in plan.process_steps if s.place_country == "FR"]
    assert len(villetaneuse) == 1 and "Villetaneuse" in villetaneuse[0].place and villetaneuse[0].diaspora > 0
    enndam = session.scalar(sa.select(DiasporaAssociation).where(DiasporaAssociation.owner_id == plan.owner_id))
    assert (enndam.name, enndam.host_country, enndam.host_city) == ("Enndam Jombuku", "FR", "Paris")
    assert enndam.sections.splitlines() == ["Gabon", "Sénégal", "Côte d'Ivoire", "Congo", "Angola", "États-Unis"]
    assert {line.association_id for a in plan.actions for line in a.funding_lines
            if line.source_type == "association_diaspora"} == {enndam.id}
    assert [len(a.objectives) for a in plan.axes] == [2, 2] and len(plan.priorities) == 4
    assert all(a.objective is not None for a in plan.actions)
    assert len(plan.indicators) == 8 and all(i.baseline_value is not None for i in plan.indicators)
    # written through the sections' apply(): one history entry per section saved, by the demo planner if any
    changes = session.scalars(sa.select(PlanChange.section).where(PlanChange.plan_id == plan.id)
                              .order_by(PlanChange.id)).all()
    assert changes == ["identification", "situation", "migration", "orientations", "suivi"]


def test_tc2_sicm_and_tc3_glct(session):
    demo.seed_test_cases(session)
    session.commit()
    sicm = _plan(session, D.TC2_UUID)
    assert sicm.owner.name == D.YELIMANE_NAME and len(sicm.owner.members) == 12
    assert {m.unit.code for m in sicm.owner.members} == set(D.YELIMANE_CODES)
    pf = finance.plan_finance(sicm)
    market, observatory = pf.figures
    assert market.total == 120_000_000 and market.line_amounts == [72_000_000, 18_000_000, 18_000_000, 12_000_000]
    assert market.by_source["association_diaspora"] == 18_000_000 and market.gap == 0
    assert observatory.total == 15_000_000 and observatory.gap == 3_000_000  # 20 % still to seek
    assert pf.actions_in_error == 0
    assert {d.country for d in sicm.destinations} >= {"FR", "ES", "US"}

    glct = _plan(session, D.TC3_UUID)
    assert (glct.period_start, glct.period_end, glct.years) == (2025, 2027, [2025, 2026, 2027])
    members = [m.unit for m in glct.owner.members]
    foreign = [u for u in members if u.is_foreign]
    assert len(members) == 13 and len(foreign) == 6
    assert all(not u.has_geometry for u in foreign)
    boreholes = glct.actions[0]
    assert (boreholes.quantity, boreholes.unit_cost, finance.action_total(boreholes)) == (10, 8_000_000, 80_000_000)
    assert finance.plan_finance(glct).actions_in_error == 0
    assert glct.migration_profile.displaced_hosted and "orpaillage" in glct.migration_profile.transit_seasonal


def test_test_cases_are_seeded_once(session):
    demo.seed_test_cases(session)
    session.commit()
    counts = (_count(session, Plan), _count(session, Action), _count(session, DiasporaAssociation))
    again = demo.seed_test_cases(session)
    session.commit()
    assert [p.created for p in again] == [False, False, False]
    assert [p.total for p in again] == [160_000_000, 135_000_000, 92_000_000]
    assert (_count(session, Plan), _count(session, Action), _count(session, DiasporaAssociation)) == counts


def test_the_groupings_of_the_factories_are_reused(session):
    from tests.factories import kenedougou_grouping, yelimane_grouping

    sicm, glct = yelimane_grouping(session), kenedougou_grouping(session)
    demo.seed_test_cases(session)
    assert _plan(session, D.TC2_UUID).owner_id == sicm.id and _plan(session, D.TC3_UUID).owner_id == glct.id


def test_random_plans_follow_the_rules(session):
    seeded = demo.seed_random_plans(session, 3, 15, seed=5)
    assert len(seeded) == 3 and all(p.actions == 15 and p.created for p in seeded)
    for s in seeded:
        plan = session.get(Plan, s.id, options=finance.load_options())
        assert plan.owner.unit is not None and plan.owner.unit.level == 3
        pf = finance.plan_finance(plan)
        assert pf.total == s.total and pf.actions_in_error == 0
        for f in pf.figures:
            assert f.schedule_total == f.total and set(f.schedule_by_year) <= set(plan.years)
            assert f.funded <= f.total and f.excess == 0
            assert 250_000 <= f.total <= 80_000_000
        geometry = geo.from_wkb(plan.owner.unit.geometry)
        inside = sum(geometry.buffer(0.02).contains(Point(a.lon, a.lat)) for a in plan.actions)
        assert inside == len(plan.actions)
        profile = plan.migration_profile
        assert profile.emigrants_internal + profile.emigrants_international <= profile.emigrants_total
        assert sum(d.count for d in plan.destinations) <= profile.emigrants_international
        assert plan.axes and plan.indicators and plan.priorities
    assert len({s.owner for s in seeded}) == 3  # three different communes


def test_random_specs_are_deterministic(session):
    communes = demo.communes(session)
    kayes = next(c for c in communes if c.code == "ML010101")

    def spec(seed):
        data = demo.random_spec(random.Random(seed), kayes, 10)
        data.pop("indicators")  # a function of the plan's figures
        return data

    assert spec(4) == spec(4) and spec(4) != spec(5)
    assert spec(4)["title"].startswith("PDESC de la commune de Bangassi ")
