"""Changing a plan's period under programmed actions: plans/planning/period.py (docs/DOMAIN.md §8).

The rule on plans built in memory first (where each amount goes), then the save through the database: the period,
the schedules, the history and the versions, and every total of plans/planning/finance.py unchanged by a move.
"""
from decimal import Decimal

import pytest
import sqlalchemy as sa

from plans.core.errors import ConflictError
from plans.core.formatting import plain
from plans.documents import plan_document
from plans.planning import finance, period, sections
from plans.planning import service as plan_service
from plans.planning.models import Action, FundingLine, Plan, PlanChange, ScheduleEntry
from plans.planning.sectiondata import identification


def action(title, schedule, cost=None, uuid=None, position=0, lines=()):
    cost = sum(schedule.values()) if cost is None else cost
    return Action(title=title, uuid=uuid or title, position=position, sector="sante", quantity=Decimal(1),
                  unit_cost=cost, schedule=[ScheduleEntry(year=y, amount=a) for y, a in schedule.items()],
                  funding_lines=list(lines))


def memory_plan(*actions, start=2025, end=2029):
    return Plan(title="PDESC", period_start=start, period_end=end, actions=list(actions))


# --- where each amount goes -----------------------------------------------------------------------------------

def test_shortened_amounts_after_the_new_end_go_to_its_last_year_and_add_up():
    well = action("Forage", {2025: 1_000_000, 2027: 2_000_000, 2028: 1_500_000, 2029: 500_000})
    change = period.period_change(memory_plan(well), 2025, 2027)
    assert change is not None and change.shift == 0
    assert [(m.year, m.amount, m.to_year, m.outside) for m in change.moves] == [
        (2028, 1_500_000, 2027, True), (2029, 500_000, 2027, True)]
    assert change.outside_total == 2_000_000
    assert period.rescheduled(well, change) == {2025: 1_000_000, 2027: 4_000_000}


def test_a_later_start_brings_earlier_amounts_to_the_new_first_year():
    school = action("École", {2025: 3_000_000, 2026: 1_000_000, 2029: 2_000_000})
    change = period.period_change(memory_plan(school), 2026, 2029)
    assert [(m.year, m.to_year) for m in change.moves] == [(2025, 2026)]
    assert period.rescheduled(school, change) == {2026: 4_000_000, 2029: 2_000_000}
    assert "avant 2026 vont en 2026" in change.explanation()


def test_a_moved_period_of_the_same_length_shifts_the_whole_programme():
    market = action("Marché", {2025: 10_000_000, 2026: 5_000_000, 2029: 7_000_000})
    other = action("Piste", {2027: 4_000_000}, position=1)
    change = period.period_change(memory_plan(market, other), 2026, 2030)
    assert change.shift == 1
    assert period.rescheduled(market, change) == {2026: 10_000_000, 2027: 5_000_000, 2030: 7_000_000}
    assert period.rescheduled(other, change) == {2028: 4_000_000}  # inside both periods, shifted all the same
    assert [m.outside for m in change.moves] == [True, False, False, False]  # only 2025 leaves 2026–2030
    assert "décalée de 1 an plus tard" in change.explanation()


def test_an_amount_already_outside_the_old_period_lands_in_the_nearest_year_after_a_shift():
    stray = action("Étude", {2025: 1_000, 2030: 2_000})  # 2030: outside 2025–2029 already
    change = period.period_change(memory_plan(stray), 2026, 2030)
    assert period.rescheduled(stray, change) == {2026: 1_000, 2030: 2_000}  # 2030 + 1 → 2031 → 2030


@pytest.mark.parametrize("start, end", [(2025, 2029), (2025, 2030), (2024, 2029), (2027, 2025), (None, 2029)])
def test_nothing_is_asked_when_no_amount_would_leave_the_period(start, end):
    plan = memory_plan(action("Forage", {2025: 1_000_000, 2029: 2_000_000}))
    assert period.period_change(plan, start, end) is None  # unchanged, lengthened, or refused by period_problems


def test_lengthened_and_moved_keeps_what_still_fits():
    well = action("Forage", {2025: 1, 2026: 2, 2029: 3})
    change = period.period_change(memory_plan(well), 2026, 2032)  # 7 years: not a shift
    assert change.shift == 0 and period.rescheduled(well, change) == {2026: 3, 2029: 3}


def test_the_fingerprint_names_the_list_shown():
    plan = memory_plan(action("Forage", {2028: 1_000, 2029: 2_000}))
    first = period.period_change(plan, 2025, 2027).fingerprint
    assert first == period.period_change(plan, 2025, 2027).fingerprint
    assert first != period.period_change(plan, 2025, 2026).fingerprint
    plan.actions[0].schedule[1].amount = 2_001
    assert first != period.period_change(plan, 2025, 2027).fingerprint


# --- the save, through the database ----------------------------------------------------------------------------

@pytest.fixture
def plan(session, planner, koniakary_owner):
    plan = plan_service.create_plan(session, owner=koniakary_owner, title="PDESC de Koniakary", period_start=2025,
                                    user=planner)
    well = action("Forage de Khasso", {2025: 5_000_000, 2028: 1_500_000, 2029: 3_500_000}, uuid="u-forage",
                  lines=[FundingLine(position=0, source_type="anict", amount=8_000_000),
                         FundingLine(position=1, source_type="budget_communal", amount=2_000_000)])
    school = action("École de Sobokou", {2027: 4_000_000, 2029: 6_000_000}, uuid="u-ecole", position=1,
                    lines=[FundingLine(position=0, source_type="etat", share_pct=Decimal(100))])
    plan.actions.extend([well, school])
    session.commit()
    return plan


def identification_data(plan, **overrides):
    return {**identification.dump(plan), **overrides}


def save(session, plan, data, change, user):
    sections.save_section(session, plan, "identification", sections.current_version(session, plan, "identification"),
                          user, apply=lambda: period.apply_identification(session, plan, data, change, user),
                          snapshot=lambda: identification.dump(plan))
    session.commit()


def schedules(plan):
    return {a.title: {e.year: e.amount for e in a.schedule} for a in plan.actions}


def test_moving_keeps_every_total_and_records_each_action(session, plan, planner):
    before = finance.plan_finance(plan)
    versions = {a.uuid: a.version_id for a in plan.actions}
    data = identification_data(plan, period_end=2027)
    change = period.period_change(plan, 2025, 2027)
    save(session, plan, data, change, planner)

    session.expire_all()
    assert (plan.period_start, plan.period_end) == (2025, 2027)
    assert schedules(plan) == {"Forage de Khasso": {2025: 5_000_000, 2027: 5_000_000},
                               "École de Sobokou": {2027: 10_000_000}}
    after = finance.plan_finance(plan)
    assert (after.total, after.funded, after.gap, after.by_source, after.by_sector, after.diaspora_amount) == \
        (before.total, before.funded, before.gap, before.by_source, before.by_sector, before.diaspora_amount)
    assert sum(after.by_year.values()) == sum(before.by_year.values()) == 20_000_000
    assert after.out_of_period == [] and after.actions_in_error == 0
    assert all(a.version_id == versions[a.uuid] + 1 for a in plan.actions)  # a form open on them gets a 409

    history = list(session.scalars(sa.select(PlanChange).where(PlanChange.plan_id == plan.id)
                                   .order_by(PlanChange.id)))
    assert [c.section for c in history] == ["actions", "actions", "identification"]
    assert history[0].snapshot["action_uuid"] == "u-forage"
    assert history[0].snapshot["schedule"] == {"2025": 5_000_000, "2027": 5_000_000}
    assert "2028 → 2027" in history[0].summary and "2029 → 2027" in history[0].summary
    assert "Modifié : année de fin" in history[2].summary and "3 montants, 2 actions" in history[2].summary


def test_a_shift_moves_the_whole_programme_by_the_same_offset(session, plan, planner):
    change = period.period_change(plan, 2027, 2031)
    save(session, plan, identification_data(plan, period_start=2027, period_end=2031), change, planner)
    session.expire_all()
    assert schedules(plan) == {"Forage de Khasso": {2027: 5_000_000, 2030: 1_500_000, 2031: 3_500_000},
                               "École de Sobokou": {2029: 4_000_000, 2031: 6_000_000}}
    assert finance.plan_finance(plan).pia_total == 5_000_000  # the first year is still the first year


def test_refusing_changes_nothing(session, plan):
    # « refuser » is not a save: the caller saves nothing. The rule itself writes nothing while asking.
    before = schedules(plan)
    assert period.period_change(plan, 2025, 2026) is not None
    session.commit()
    session.expire_all()
    assert (plan.period_start, plan.period_end) == (2025, 2029) and schedules(plan) == before
    assert session.scalar(sa.select(sa.func.count()).select_from(PlanChange)) == 0


def test_a_change_computed_for_another_period_is_refused(session, plan, planner):
    change = period.period_change(plan, 2025, 2027)
    with pytest.raises(ConflictError):
        save(session, plan, identification_data(plan, period_end=2026), change, planner)
    session.rollback()
    session.expire_all()
    assert plan.period_end == 2029 and schedules(plan)["Forage de Khasso"] == {2025: 5_000_000, 2028: 1_500_000,
                                                                               2029: 3_500_000}


def test_out_of_period_amounts_keep_their_year_in_the_figures(session, plan, planner):
    # Shortened WITHOUT moving (e.g. a restored version): the amounts stay in their years, marked out of period.
    save(session, plan, identification_data(plan, period_end=2027), None, planner)
    session.expire_all()
    fin = finance.plan_finance(plan)
    assert fin.years == [2025, 2026, 2027] and fin.out_of_period_years == [2028, 2029]
    assert fin.table_years == [2025, 2026, 2027, 2028, 2029]
    assert [(r.figures.action.title, r.year, r.amount) for r in fin.out_of_period] == [
        ("Forage de Khasso", 2028, 1_500_000), ("Forage de Khasso", 2029, 3_500_000),
        ("École de Sobokou", 2029, 6_000_000)]
    assert fin.out_of_period_total == 11_000_000
    assert fin.matrix_year_totals == {2025: 5_000_000, 2026: 0, 2027: 4_000_000, 2028: 1_500_000, 2029: 9_500_000}
    assert fin.matrix["anict"] == {2025: 4_000_000, 2026: 0, 2027: 0, 2028: 1_200_000, 2029: 2_800_000}
    assert fin.matrix_total == fin.funded == 20_000_000


def test_the_word_document_keeps_an_out_of_period_amount_in_its_own_column(session, plan, planner):
    save(session, plan, identification_data(plan, period_end=2027), None, planner)
    session.expire_all()
    ctx = plan_document.finance_context(plan, finance.plan_finance(plan))
    anict = next(row for row in ctx["financement"] if row["source"] == "ANICT / FNACT")
    assert [plain(v) for v in anict["annees"]] == ["4 000 000", "0", "0", "1 200 000", "2 800 000"]
    assert [plain(v) for v in ctx["financement_totaux_annees"]] == ["5 000 000", "0", "4 000 000", "1 500 000",
                                                                     "9 500 000"]
