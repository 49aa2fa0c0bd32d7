"""The plan summaries (plans/planning/summary.py): after every kind of change a user can make — a section, an
action created, changed, duplicated, moved, deleted or restored, a status move, an import, a revision, a
grouping's members, a deletion — the summary a desk page reads (after `refresh_stale`, what app/summaries.py
runs first) is exactly a fresh computation; the save itself only counts its change, in its own transaction, and a
save committed while a reader computes leaves the row behind for the next reader; a comment counts nothing;
missing or outdated summaries are filled."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import orm

from app.extensions import db
from plans.accounts.models import Role
from plans.demo import data as D
from plans.owners.models import GroupingMember
from plans.owners.service import unit_by_code
from plans.planning import actions as action_service
from plans.planning import sections
from plans.planning import service as plan_service
from plans.planning import summary as plan_summary
from plans.planning.models import DiasporaAssociation, Plan, PlanStatus
from plans.planning.sectiondata import migration
from plans.planning.summary import PlanSummary
from plans.review import planfile, planfile_import, workflow
from plans.review.models import PlanComment
from plans.territory.models import AdminUnit
from tests.plans.test_figures_agree import assert_summary_is_fresh


def _tc1(session) -> Plan:
    return session.scalar(sa.select(Plan).where(Plan.uuid == D.TC1_UUID))


def _summary(session, plan_id) -> PlanSummary | None:
    """The summary as a desk page reads it: what is behind recomputed first (app/summaries.py)."""
    session.expire_all()
    plan_summary.refresh_stale(session)
    session.commit()
    return session.get(PlanSummary, plan_id)


def _stored(session, plan_id) -> PlanSummary:
    """The row as it is, without a reader's refresh."""
    session.expire_all()
    return session.get(PlanSummary, plan_id)


@pytest.fixture
def enndam(session, koniakary_owner):
    association = DiasporaAssociation(owner=koniakary_owner, name="Enndam Jombuku", host_country="FR")
    session.add(association)
    session.commit()
    return association


def _well(association, cost: str = "30 000 000", **overrides) -> dict:
    data = {"sector": "hydraulique", "title": "Forage équipé", "quantity": "1", "unit": "forage",
            "unit_cost": cost, "status": "prevu", "schedule": {"2025": cost},
            "funding_lines": [{"source_type": "association_diaspora", "association_id": str(association.id),
                               "share_pct": "20"}, {"source_type": "anict", "share_pct": "30",
                                                    "status": "a_rechercher"}]}
    data.update(overrides)
    return data


def test_a_new_plan_has_its_summary_and_its_place(session, plan):
    s = _summary(session, plan.id)
    assert (s.total_cost, s.actions, s.status, s.cost_per_inhabitant) == (0, 0, "brouillon", None)
    kayes, cercle = unit_by_code(session, "ML01"), unit_by_code(session, "ML0101")
    assert [(p.region_id, p.cercle_id) for p in s.places] == [(kayes.id, cercle.id)]  # Koniakary: Kayes, Kayes
    assert_summary_is_fresh(session, plan.id)


def test_every_action_operation_refreshes_the_summary(session, plan, planner, enndam):
    well = action_service.create_action(session, plan, _well(enndam), planner)
    session.commit()
    s = _summary(session, plan.id)
    assert (s.total_cost, s.diaspora_amount, s.diaspora_actions, s.to_find, s.not_covered) == (
        30_000_000, 6_000_000, 1, 9_000_000, 15_000_000)
    assert_summary_is_fresh(session, plan.id)

    generation = s.generation
    action_service.update_action(session, plan, well, _well(enndam, "40 000 000"), well.version_id, planner)
    session.commit()
    assert _summary(session, plan.id).total_cost == 40_000_000
    assert _summary(session, plan.id).generation == generation + 1
    assert_summary_is_fresh(session, plan.id)

    copy = action_service.duplicate_action(session, plan, well, planner)
    session.commit()
    assert _summary(session, plan.id).total_cost == 80_000_000
    action_service.move_action(session, plan, copy, -1, planner)
    session.commit()
    assert_summary_is_fresh(session, plan.id)

    action_service.delete_action(session, plan, copy, planner)
    session.commit()
    assert (_summary(session, plan.id).total_cost, _summary(session, plan.id).actions) == (40_000_000, 1)
    assert_summary_is_fresh(session, plan.id)

    deleted = sections.history(session, plan, "actions")[0]  # the newest change: the deletion, restored
    action_service.apply(session, plan, deleted.snapshot)
    session.commit()
    assert _summary(session, plan.id).total_cost == 80_000_000
    assert_summary_is_fresh(session, plan.id)


def test_a_section_save_and_a_failed_one(session, demo_cases):
    tc1 = _tc1(session)
    data = migration.dump(tc1)
    data["emigrants_total"] = 15_000
    sections.save_section(session, tc1, "migration", sections.current_version(session, tc1, "migration"), None,
                          apply=lambda: migration.apply(session, tc1, data), snapshot=lambda: migration.dump(tc1))
    session.commit()
    s = _summary(session, tc1.id)
    assert s.emigrants == 15_000 and s.emigrants_per_mille == plan_summary.indicators.per_thousand(15_000, 20_143)
    assert_summary_is_fresh(session, tc1.id)

    tc1 = _tc1(session)
    tc1.migration_profile.emigrants_total = 9_999
    session.flush()
    session.rollback()  # a save that fails: its summary is not written either
    assert _summary(session, tc1.id).emigrants == 15_000


def test_status_moves_revisions_and_imports(session, demo_cases, make_user):
    tc1 = _tc1(session)
    planner = make_user(Role.PLANNER, email="maire@koniakary.ml", owners=[tc1.owner])
    reviewer = make_user(Role.REVIEWER, email="revue@dgct.ml")
    workflow.transition(session, tc1, planner, PlanStatus.SOUMIS, seen_status=tc1.status)
    session.commit()
    assert _summary(session, tc1.id).status == "soumis"  # a status UPDATE, seen through its transition row
    tc1 = _tc1(session)
    workflow.transition(session, tc1, reviewer, PlanStatus.EN_REVUE, seen_status=PlanStatus.SOUMIS)
    workflow.transition(session, tc1, reviewer, PlanStatus.VALIDE, seen_status=PlanStatus.EN_REVUE,
                        confirm_open=True)  # the checklist is not the point here
    session.commit()
    assert _summary(session, tc1.id).status == "valide"
    assert_summary_is_fresh(session, tc1.id)

    document = planfile.export_document(session, _tc1(session))
    document["plan"]["title"] = "PDESC de Koniakary (importé)"
    tc1 = _tc1(session)
    tc1.status = PlanStatus.BROUILLON  # an import writes into a draft
    session.commit()
    document["plan"]["actions"] = document["plan"]["actions"][:2]
    result = planfile_import.import_document(session, document, planner, source="plan.json")
    session.commit()
    assert result.plan.id == tc1.id
    assert _summary(session, tc1.id).actions == 2
    assert_summary_is_fresh(session, tc1.id)

    tc1 = _tc1(session)
    tc1.status = PlanStatus.ADOPTE
    session.commit()
    revision = workflow.start_revision(session, _tc1(session), planner)
    session.commit()
    assert _summary(session, revision.id).revision == 2
    assert_summary_is_fresh(session, revision.id)


def test_a_groupings_members_move_its_plans_places(session, demo_cases):
    sicm = session.scalar(sa.select(Plan).where(Plan.uuid == D.TC2_UUID))
    before = {p.region_id for p in _summary(session, sicm.id).places}
    sikasso = unit_by_code(session, "ML03")
    commune = session.scalar(sa.select(AdminUnit).where(AdminUnit.level == 3, AdminUnit.code.like("ML03%"))
                             .order_by(AdminUnit.code).limit(1))
    session.add(GroupingMember(owner_id=sicm.owner_id, unit_id=commune.id))
    session.commit()
    after = {p.region_id for p in _summary(session, sicm.id).places}
    assert after == before | {sikasso.id}
    assert_summary_is_fresh(session, sicm.id)


def test_a_save_counts_its_change_and_the_next_reader_recomputes_it(session, plan, planner, enndam):
    before = _summary(session, plan.id)
    generation, changes = before.generation, before.changes
    action_service.create_action(session, plan, _well(enndam), planner)
    session.commit()
    stored = _stored(session, plan.id)  # the save computed nothing: the row is behind by one change
    assert (stored.total_cost, stored.generation, stored.changes, stored.computed_changes) == (
        0, generation, changes + 1, changes)
    assert plan_summary.stale_plan_ids(session) == [plan.id]
    read = _summary(session, plan.id)
    assert (read.total_cost, read.generation, read.computed_changes) == (30_000_000, generation + 1, changes + 1)
    assert plan_summary.stale_plan_ids(session) == []
    assert_summary_is_fresh(session, plan.id)


def test_a_save_committed_while_a_reader_computes_leaves_the_summary_behind(app, session, plan, planner, enndam,
                                                                               monkeypatch):
    _summary(session, plan.id)
    action_service.create_action(session, plan, _well(enndam), planner)
    session.commit()
    compute = plan_summary.compute
    other = orm.Session(db.engine)  # another worker's save, committed after the reader read the plan

    def compute_while_a_save_commits(p, s=None, extra=None):
        if not getattr(compute_while_a_save_commits, "done", False):
            compute_while_a_save_commits.done = True
            mine = other.get(Plan, plan.id)
            mine.title = "PDESC de Koniakary 2025-2029 (modifié ailleurs)"
            other.commit()
        return compute(p, s, extra)

    monkeypatch.setattr(plan_summary, "compute", compute_while_a_save_commits)
    assert plan_summary.refresh_stale(session) == 1
    session.commit()
    other.close()
    stored = _stored(session, plan.id)
    assert stored.total_cost == 30_000_000 and stored.computed_changes == stored.changes - 1
    assert plan_summary.stale_plan_ids(session) == [plan.id]  # the next reader computes it again
    monkeypatch.setattr(plan_summary, "compute", compute)
    assert _summary(session, plan.id).computed_changes == _stored(session, plan.id).changes
    assert_summary_is_fresh(session, plan.id)


def test_a_comment_recomputes_nothing_and_a_deleted_plan_takes_its_summary(session, plan):
    generation = _summary(session, plan.id).generation
    session.add(PlanComment(plan_id=plan.id, body="Précisez la source."))
    session.commit()
    assert plan_summary.stale_plan_ids(session) == []
    assert _summary(session, plan.id).generation == generation
    plan_id = plan.id
    session.delete(session.get(Plan, plan_id))
    session.commit()
    assert _summary(session, plan_id) is None
    assert session.scalar(sa.select(sa.func.count()).select_from(plan_summary.PlanSummaryPlace)
                          .where(plan_summary.PlanSummaryPlace.plan_id == plan_id)) == 0


def test_missing_and_outdated_summaries_are_filled(session, demo_cases, monkeypatch):
    ids = sorted(session.scalars(sa.select(Plan.id)))
    session.execute(sa.delete(PlanSummary))  # a database upgraded before the summaries existed
    session.commit()
    assert plan_summary.stale_plan_ids(session) == ids
    assert plan_summary.refresh_stale(session) == len(ids)
    session.commit()
    assert plan_summary.stale_plan_ids(session) == []
    for plan_id in ids:
        assert_summary_is_fresh(session, plan_id)
    monkeypatch.setattr(plan_summary, "FORMULA", plan_summary.FORMULA + 1)  # a figure's rule changed
    assert plan_summary.stale_plan_ids(session) == ids
    plan_summary.refresh_stale(session)
    session.commit()
    assert plan_summary.stale_plan_ids(session) == []


def test_the_command_line_fills_them(app, session, demo_cases):
    session.execute(sa.delete(PlanSummary))
    session.commit()
    result = app.test_cli_runner().invoke(args=["plans", "refresh-summaries"])
    assert result.exit_code == 0 and "3 synthèse(s) de plan calculée(s)" in result.output
    assert plan_summary.stale_plan_ids(session) == []
    result = app.test_cli_runner().invoke(args=["plans", "refresh-summaries", "--all"])
    assert "3 synthèse(s)" in result.output
    session.execute(sa.delete(PlanSummary))  # `make run` on a database upgraded before the summaries existed
    session.commit()
    result = app.test_cli_runner().invoke(args=["setup"])
    assert result.exit_code == 0 and "Synthèses des plans calculées : 3" in result.output
    assert plan_summary.stale_plan_ids(session) == []


def test_a_plan_created_through_the_service_has_its_summary_at_the_next_read(session, planner, koniakary_owner):
    created = plan_service.create_plan(session, owner=koniakary_owner, title="PDESC 2030-2034", period_start=2030,
                                       user=planner)
    session.commit()
    assert _summary(session, created.id).period_start == 2030
