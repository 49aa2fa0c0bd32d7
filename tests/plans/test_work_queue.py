"""The reviewer's work queue (plans/reporting/work_queue.py) and home page: what waits for them, per role and
région, with the time each plan has waited; then the other plans, a page at a time."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from plans.accounts.models import Role
from plans.core.formatting import since
from plans.demo import data as D
from plans.owners.service import unit_by_code
from plans.planning import service as plan_service
from plans.planning import summary as plan_summary
from plans.planning.models import Plan, PlanStatus
from plans.reporting import work_queue as wq
from plans.review.models import PlanComment, PlanTransition
from tests.conftest import login
from tests.factories import commit_then_read_desk

NOW = datetime(2026, 3, 20, 9, 0)


def _plan(session, uuid) -> Plan:
    return session.scalar(sa.select(Plan).where(Plan.uuid == uuid))


def _moves(session, plan: Plan, steps) -> None:
    """Records the status changes (from, to, who, days before NOW) and leaves the plan at the last one."""
    for source, target, user, days in steps:
        session.add(PlanTransition(plan_id=plan.id, from_status=source, to_status=target,
                                   user_id=user.id if user else None, at=NOW - timedelta(days=days)))
        plan.status = PlanStatus(target)
    session.commit()


@pytest.fixture
def desk(session, demo_cases, make_user, planner):
    """TC1 Koniakary (Kayes) submitted 3 days ago; TC2 SICM (Kayes) sent back then corrected and submitted again
    yesterday; TC3 GLCT-Kénédougou (Sikasso) taken in review by Awa 5 days ago; a draft of Koniakary."""
    awa = make_user(Role.REVIEWER, email="awa@dgct.ml")
    tc1, tc2, tc3 = (_plan(session, u) for u in D.TEST_CASE_UUIDS)
    _moves(session, tc1, [("brouillon", "soumis", planner, 3)])
    _moves(session, tc2, [("brouillon", "soumis", planner, 20), ("soumis", "en_revue", awa, 15),
                          ("en_revue", "a_reviser", awa, 10), ("a_reviser", "soumis", planner, 1)])
    _moves(session, tc3, [("brouillon", "soumis", planner, 9), ("soumis", "en_revue", awa, 5)])
    draft = plan_service.create_plan(session, owner=tc1.owner, title="PDESC de Koniakary 2030-2034",
                                     period_start=2030, user=planner)
    session.add(PlanComment(plan_id=tc1.id, body="Le coût du forage ?"))
    plan_summary.refresh_stale(session)  # what the reviewer's home does first (app/summaries.py)
    session.commit()
    return {"awa": awa, "tc1": tc1.id, "tc2": tc2.id, "tc3": tc3.id, "draft": draft.id}


def _ids(queue: wq.WorkQueue) -> dict[str, list[int]]:
    return {key: [i.plan_id for i in items] for key, items in queue.groups.items()}


def test_the_reviewer_who_took_a_plan_finds_it_under_their_name(session, desk):
    queue = wq.work_queue(session, desk["awa"], now=NOW)
    assert _ids(queue) == {wq.TO_TAKE: [desk["tc1"]], wq.RESUBMITTED: [desk["tc2"]], wq.MINE: [desk["tc3"]],
                           wq.OTHERS: []}
    (first,) = queue.groups[wq.TO_TAKE]
    assert first.waited == "depuis 3 jours" and first.unresolved_comments == 1
    assert queue.groups[wq.RESUBMITTED][0].waited == "depuis hier"
    assert queue.groups[wq.MINE][0].reviewer == "Test reviewer"
    assert queue.waiting == 3
    assert [r["plan_id"] for r in queue.rest.rows] == [desk["draft"]] and queue.rest.total == 1


def test_another_reviewer_sees_it_in_review_elsewhere(session, desk, make_user):
    other = make_user(Role.REVIEWER, email="binta@dgct.ml")
    queue = wq.work_queue(session, other, now=NOW)
    assert _ids(queue)[wq.MINE] == [] and _ids(queue)[wq.OTHERS] == [desk["tc3"]]
    assert queue.waiting == 2


def test_a_regional_reviewer_sees_their_region_only(session, desk, make_user):
    kayes = make_user(Role.REVIEWER, email="kayes@dgct.ml", region=unit_by_code(session, "ML01"))
    queue = wq.work_queue(session, kayes, now=NOW)
    assert _ids(queue) == {wq.TO_TAKE: [desk["tc1"]], wq.RESUBMITTED: [desk["tc2"]], wq.MINE: [], wq.OTHERS: []}
    sikasso = make_user(Role.REVIEWER, email="sikasso@dgct.ml", region=unit_by_code(session, "ML03"))
    queue = wq.work_queue(session, sikasso, now=NOW)
    assert _ids(queue) == {wq.TO_TAKE: [], wq.RESUBMITTED: [], wq.MINE: [], wq.OTHERS: [desk["tc3"]]}
    assert queue.rest.total == 0


def test_the_longest_waiting_comes_first(session, desk, planner):
    tc2 = session.get(Plan, desk["tc2"])
    session.add(PlanTransition(plan_id=tc2.id, from_status="soumis", to_status="en_revue", at=NOW))
    tc2.status = PlanStatus.EN_REVUE
    commit_then_read_desk(session)
    queue = wq.work_queue(session, desk["awa"], now=NOW)
    assert _ids(queue)[wq.OTHERS] == [desk["tc2"]]  # taken by nobody known: not under Awa's name
    tc3 = session.get(Plan, desk["tc3"])
    _moves(session, tc3, [("en_revue", "a_reviser", desk["awa"], 4), ("a_reviser", "soumis", planner, 2)])
    _moves(session, tc2, [("en_revue", "a_reviser", desk["awa"], 0), ("a_reviser", "soumis", planner, 0)])
    commit_then_read_desk(session)
    queue = wq.work_queue(session, desk["awa"], now=NOW)
    assert _ids(queue)[wq.RESUBMITTED] == [desk["tc3"], desk["tc2"]]


def test_days_read_in_french():
    assert since(NOW, NOW) == "depuis aujourd'hui"
    assert since(NOW - timedelta(hours=20), NOW) == "depuis hier"
    assert since(NOW - timedelta(days=12), NOW) == "depuis 12 jours"
    assert since(None, NOW) == ""


def test_the_home_page_shows_the_queue_then_the_other_plans(session, desk, app):
    client = app.test_client()
    assert login(client, desk["awa"].email).status_code == 302
    html = client.get("/").get_data(as_text=True)
    assert "Ce qui vous attend" in html
    for key in wq.GROUP_TITLES:
        assert f'data-group="{key}"' in html or f'id="{key}"' in html
    to_take = html.split('data-group="a_prendre"')[1].split("</table>")[0]
    assert f'data-plan="{desk["tc1"]}"' in to_take and "Soumis depuis" in to_take
    assert f'href="/plans/{desk["tc1"]}/revue"' in to_take
    rest = html.split('id="rest"')[1].split("</table>")[0]
    assert f'data-plan="{desk["draft"]}"' in rest and f'data-plan="{desk["tc1"]}"' not in rest


def test_the_other_plans_come_a_page_at_a_time(session, desk, app, planner, monkeypatch):
    owner = session.get(Plan, desk["tc1"]).owner
    for year in range(2000, 2004):
        plan_service.create_plan(session, owner=owner, title=f"Ancien plan {year}", period_start=year, user=planner)
    commit_then_read_desk(session)
    monkeypatch.setattr(wq, "PAGE_SIZE", 2)
    first = wq.work_queue(session, desk["awa"], page=1, now=NOW).rest
    second = wq.work_queue(session, desk["awa"], page=2, now=NOW).rest
    assert (first.total, first.count, len(first.rows), len(second.rows)) == (5, 3, 2, 2)
    assert not {r["plan_id"] for r in first.rows} & {r["plan_id"] for r in second.rows}
    assert wq.work_queue(session, desk["awa"], page=99, now=NOW).rest.number == 3  # past the end: the last page
    client = app.test_client()
    assert login(client, desk["awa"].email).status_code == 302
    html = client.get("/?page=2").get_data(as_text=True)
    assert 'aria-label="Pages des autres plans"' in html and 'aria-current="page">2<' in html
    assert client.get("/?page=abc").status_code == 200


def test_replies_and_resolved_threads_do_not_count_as_open(session, desk, app):
    """The queue and the dashboard count open threads: a reply is part of its thread, a resolved thread is not open."""
    thread = session.scalar(sa.select(PlanComment).where(PlanComment.plan_id == desk["tc1"]))
    session.add_all([PlanComment(plan_id=desk["tc1"], parent_id=thread.id, body="Devis joint."),
                     PlanComment(plan_id=desk["tc1"], parent_id=thread.id, body="Merci."),
                     PlanComment(plan_id=desk["tc1"], body="Résolu depuis.", resolved_at=NOW)])
    session.commit()
    (first,) = wq.work_queue(session, desk["awa"], now=NOW).groups[wq.TO_TAKE]
    assert first.unresolved_comments == 1
    client = app.test_client()
    login(client, "awa@dgct.ml")
    page = client.get("/revue/plans").get_data(as_text=True)
    row = page[page.index(f'<tr data-plan="{desk["tc1"]}">'):]
    row = row[:row.index("</tr>")]
    assert row.rstrip().endswith('<td class="num">1</td>')
