"""Issue 12's speed budgets, held by what is deterministic: the SQL a plan's pages and an action save issue. A page
of a plan of 40 actions reads the database as many times as one of 8 actions (no query per action, per funding line,
per objective: the N+1 that made a 150-action plan's pages slow), and no more than the counts measured when the
budgets were met (scripts/bench_pages.py times them; no timing is asserted here). The counts include the login's
own queries (the session and the user)."""
import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from app.extensions import db
from plans.accounts.models import Role
from plans.demo import seed as demo
from plans.planning.models import Action, Plan, PlanStatus
from tests.conftest import login
from tests.system.html_forms import FormFields

PAGES = {"": 23, "/actions": 21, "/financement": 18, "/carte": 19}  # overview, PIP, section 6, map
ACTION_SAVE = 19


class Statements:
    """The statements sent to the database while the block runs."""

    def __init__(self):
        self.sql: list[str] = []

    def __enter__(self):
        sa.event.listen(db.engine, "before_cursor_execute", self._note)
        return self

    def __exit__(self, *exc):
        sa.event.remove(db.engine, "before_cursor_execute", self._note)

    def _note(self, _conn, _cursor, statement, *_args):
        self.sql.append(statement)

    def __len__(self):
        return len(self.sql)


@pytest.fixture
def small_and_large(session):
    small = demo.seed_random_plans(session, 1, actions=8, seed=5)[0]  # both with diaspora lines (fixed seeds)
    large = demo.seed_random_plans(session, 1, actions=40, seed=6)[0]
    for seeded in (small, large):  # the same status: a page shows more of a submitted or adopted plan
        session.get(Plan, seeded.id).status = PlanStatus.BROUILLON
    session.commit()
    session.remove()
    return small.id, large.id


def _queries(client, url: str) -> Statements:
    client.get(url)  # warm: what a first request of the process loads once (the territory's caches) is not counted
    with Statements() as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return statements


@pytest.mark.parametrize("suffix", list(PAGES))
def test_a_plan_page_reads_the_database_as_often_for_40_actions_as_for_8(admin_client, small_and_large, suffix):
    small, large = (_queries(admin_client, f"/plans/{pid}{suffix}") for pid in small_and_large)
    assert len(large) == len(small), "\n".join(large.sql) + "\n-------- small:\n" + "\n".join(small.sql)
    assert len(large) <= PAGES[suffix], "\n".join(large.sql)


def _action_save(app, make_user, plan_id: int) -> Statements:
    plan = db.session.get(Plan, plan_id)
    email = make_user(Role.PLANNER, owners=[plan.owner]).email
    action_id = db.session.scalar(sa.select(sa.func.min(Action.id)).where(Action.plan_id == plan_id))
    db.session.remove()
    client = app.test_client()
    assert login(client, email).status_code == 302
    url = f"/plans/{plan_id}/actions/{action_id}"
    for text in ("Deux salles de classe.", "Deux salles de classe équipées, ouvertes à la rentrée."):
        # The second save is counted: the first of a section creates its state row (three statements more, once).
        parser = FormFields()
        parser.feed(client.get(url).get_data(as_text=True))
        fields = [(k, v) for k, v in parser.forms[""] if k != "expected_results"] + [("expected_results", text)]
        with Statements() as statements:
            response = client.post(url, data=MultiDict(fields))
        assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    assert db.session.get(Action, action_id).expected_results == text
    db.session.remove()
    return statements


def test_an_action_save_reads_the_database_as_often_in_a_plan_of_40_actions_as_of_8(app, make_user,
                                                                                    small_and_large):
    small, large = (_action_save(app, make_user, pid) for pid in small_and_large)
    assert len(large) == len(small), "\n".join(large.sql)
    assert len(large) <= ACTION_SAVE, "\n".join(large.sql)
