"""The execution's figures on the national desk (plans/execution/desk_summary.py, the exec_* columns of
plans/planning/summary.py): the rates a desk page reads for the demo's Koniakary plan are figures.plan_execution's
for its latest year recorded; an execution save (a record, its money, an indicator measured) counts a change in its
own transaction, and the desk's next reader shows the new figure; a plan without execution has none (not 0 %)."""
from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from plans.demo import data as D
from plans.demo import execution as demo_execution
from plans.execution import figures, measures, service
from plans.maps import national as nm
from plans.planning import finance
from plans.planning import summary as plan_summary
from plans.planning.models import Plan
from plans.planning.summary import PlanSummary


@pytest.fixture
def executed(session, demo_cases):
    """The three test cases, Koniakary's plan adopted with its 2025 execution (what `flask setup` seeds)."""
    assert demo_execution.seed_koniakary_execution(session)
    session.commit()
    nm.clear_caches()
    return session


def _koniakary(session) -> Plan:
    plan_id = session.scalar(sa.select(Plan.id).where(Plan.uuid == D.TC1_UUID))
    return session.get(Plan, plan_id, options=finance.load_options(), populate_existing=True)


def _read(session, plan_id) -> PlanSummary:
    """The summary as a desk page reads it (app/summaries.py: what is behind recomputed first)."""
    session.expire_all()
    plan_summary.refresh_stale(session)
    session.commit()
    return session.get(PlanSummary, plan_id)


def _assert_summary_is(s: PlanSummary, ex: figures.PlanExecution) -> None:
    assert s.exec_year == ex.year
    assert (Decimal(s.exec_physical_rate), Decimal(s.exec_financial_rate), Decimal(s.exec_mobilised_rate)) == (
        ex.physical_rate, ex.financial_rate, ex.mobilised_rate)
    assert (s.exec_paid, s.exec_mobilised, s.exec_weighted_progress) == (ex.paid, ex.mobilised,
                                                                          ex.weighted_progress)
    assert (s.exec_diaspora_promised, s.exec_diaspora_mobilised) == (ex.diaspora_promised, ex.diaspora_mobilised)
    assert Decimal(s.exec_diaspora_rate) == ex.diaspora_mobilised_rate


def test_the_desk_reads_koniakarys_execution_as_figures_computes_it(executed):
    session = executed
    plan = _koniakary(session)
    s = _read(session, plan.id)
    ex = figures.plan_execution(plan, service.records(session, plan), 2025)
    _assert_summary_is(s, ex)
    # The demo's figures (tests/plans/test_execution_demo.py): 61 000 000 paid of 160 000 000; the diaspora's
    # 15 500 000 promised, 2 500 000 received.
    assert (s.exec_year, Decimal(s.exec_financial_rate), Decimal(s.exec_physical_rate)) == (
        2025, Decimal("38.13"), Decimal("38.28"))
    assert Decimal(s.exec_diaspora_rate) == Decimal("16.13")
    # By sector: planned, mobilised, paid and Σ cost × progress as figures' groups.
    assert s.exec_by_sector == {g.key: [g.planned, g.mobilised, g.paid, g.weighted_progress] for g in ex.by_sector}

    # The other demo plans have no execution: nothing, not 0 %.
    others = session.scalars(sa.select(PlanSummary).where(PlanSummary.plan_id != plan.id)).all()
    assert others and all(o.exec_year is None and o.exec_financial_rate is None and o.exec_diaspora_rate is None
                          for o in others)


def test_an_execution_save_changes_the_desks_figure_at_its_next_read(executed):
    session = executed
    plan = _koniakary(session)
    before = _read(session, plan.id)
    changes = before.changes
    plan = _koniakary(session)
    khasso = next(a for a in plan.actions if a.title == "Adduction d'eau potable du quartier Khasso")
    record = service.record_of(session, khasso, 2025)
    data = {**service.dump(khasso, 2025, record), "progress": 60,
            "funding": [{"mobilised": 30_000_000, "paid": 30_000_000}, {"mobilised": 2_000_000, "paid": 2_000_000},
                        {"mobilised": 0, "paid": 0}]}
    service.save(session, plan, khasso, 2025, data, record.version, None)
    session.commit()
    stored = session.scalar(sa.select(PlanSummary.changes).where(PlanSummary.plan_id == plan.id))
    assert stored == changes + 1  # counted in the save's own transaction

    after = _read(session, plan.id)
    # Paid: 61 000 000 − 15 000 000 + 30 000 000 = 76 000 000 of 160 000 000 = 47,50 %.
    assert Decimal(after.exec_financial_rate) == Decimal("47.50")
    plan = _koniakary(session)
    _assert_summary_is(after, figures.plan_execution(plan, service.records(session, plan), 2025))


def test_a_first_record_in_a_later_year_moves_the_desk_to_that_year(executed):
    session = executed
    plan = _koniakary(session)
    cscom = next(a for a in plan.actions if a.title == "Extension du CSCOM")
    data = {**service.dump(cscom, 2026, None),
            "funding": [{"mobilised": 0, "paid": 0}, {"mobilised": 2_000_000, "paid": 2_000_000},
                        {"mobilised": 0, "paid": 0}]}
    data.update(status="realise", progress=100, functioning="fonctionnel")
    service.save(session, plan, cscom, 2026, data, 0, None)
    session.commit()
    s = _read(session, plan.id)
    plan = _koniakary(session)
    ex = figures.plan_execution(plan, service.records(session, plan), 2026)
    _assert_summary_is(s, ex)
    # Cumulated through 2026: the diaspora has now given 4 500 000 of its 15 500 000.
    assert (s.exec_year, s.exec_diaspora_mobilised) == (2026, 4_500_000)


def test_an_indicator_measured_counts_a_change(executed):
    session = executed
    plan = _koniakary(session)
    changes = _read(session, plan.id).changes
    plan = _koniakary(session)
    indicator = next(i for i in plan.indicators if i.name == "Point focal migration désigné")
    row = measures.measure_of(session, indicator, 2025)
    measures.save(session, plan, indicator, 2025, {"value": "Non", "source": "Arrêté",
                                                                  "measured_on": "2025-12-31"}, row.version, None)
    session.commit()
    assert session.scalar(sa.select(PlanSummary.changes).where(PlanSummary.plan_id == plan.id)) == changes + 1


def _national_row(session, indicator: str, **filters) -> nm.Row:
    _read(session, _koniakary(session).id)
    view = nm.national_view(nm.national_base(session), nm.Filters(**filters), indicator)
    return next(r for r in view.communes if r.code == D.KONIAKARY_PCODE)


def _plain(text: str) -> str:
    return text.replace("\u202f", " ").replace("\xa0", " ")


def test_the_national_map_colours_koniakary_by_its_execution_and_the_others_not_at_all(executed):
    session = executed
    row = _national_row(session, "execution_financiere")
    assert (row.exec_year, row.financial_rate, row.physical_rate, row.diaspora_mobilised_rate) == (
        2025, Decimal("38.13"), Decimal("38.28"), Decimal("16.13"))
    doc = nm.view_document(nm.national_base(session), nm.national_view(nm.national_base(session), nm.Filters(),
                                                                         "execution_financiere"))
    colour, text = doc["communes"][D.KONIAKARY_PCODE]
    assert _plain(text) == "38,13 % (fin 2025)" and colour == nm.colour_for("execution_financiere", Decimal("38.13"))
    assert colour != nm.NO_DATA_COLOUR
    # The other plans (the groupings') have no execution: « — », not 0 %, no colour; the legend says why.
    others = [r for r in doc["rows"] if r["code"] != D.KONIAKARY_PCODE]
    assert others and all(r["texts"]["execution_financiere"] == "—" for r in others)
    assert doc["groupings"] and all(g["text"] == "—" for g in doc["groupings"])
    assert nm.colour_for("execution_financiere", None) == nm.NO_DATA_COLOUR
    assert doc["legend"][-1] == {"colour": nm.NO_DATA_COLOUR, "label": "pas d'exécution saisie (ou pas de plan)"}
    assert "dernière année saisie" in doc["note"]
    texts = next(r for r in doc["rows"] if r["code"] == D.KONIAKARY_PCODE)["texts"]
    assert [_plain(texts[k]) for k in ("execution_annee", "execution_physique", "execution_financiere",
                                       "diaspora_mobilisee")] == ["2025", "38,28 %", "38,13 %", "16,13 %"]


def test_a_sector_filter_reads_figures_sector_group(executed):
    session = executed
    plan = _koniakary(session)
    ex = figures.plan_execution(plan, service.records(session, plan), 2025)
    health = next(g for g in ex.by_sector if g.key == plan.actions[0].sector)
    row = _national_row(session, "execution_physique", secteur=health.key)
    assert (row.physical_rate, row.financial_rate) == (health.physical_rate, health.financial_rate)


def test_an_execution_save_changes_the_national_map_at_its_next_read(executed):
    session = executed
    assert _national_row(session, "execution_financiere").financial_rate == Decimal("38.13")
    plan = _koniakary(session)
    khasso = next(a for a in plan.actions if a.title == "Adduction d'eau potable du quartier Khasso")
    record = service.record_of(session, khasso, 2025)
    data = {**service.dump(khasso, 2025, record),
            "funding": [{"mobilised": 30_000_000, "paid": 30_000_000}, {"mobilised": 2_000_000, "paid": 2_000_000},
                        {"mobilised": 0, "paid": 0}]}
    service.save(session, plan, khasso, 2025, data, record.version, None)
    session.commit()
    assert _national_row(session, "execution_financiere").financial_rate == Decimal("47.50")


def test_a_minimum_on_an_execution_rate_is_read_in_percent(executed):
    assert nm.parse_minimum("30 %", "execution_financiere") == Decimal("30")
    _read(executed, _koniakary(executed).id)
    base = nm.national_base(executed)
    kept = nm.national_view(base, nm.Filters(minimum=Decimal("30")), "execution_financiere")
    assert [r.code for r in kept.rows] == [D.KONIAKARY_PCODE]  # 38,13 %; the plans without execution are left out
    assert nm.national_view(base, nm.Filters(minimum=Decimal("40")), "execution_financiere").rows == []
