"""Every route of the URL map × every role (and own/other owner) → the expected status.

A route added to the app without a line here fails `test_every_route_is_in_the_table`: nobody can add a page
and forget to decide who may see it.
"""
from __future__ import annotations

import pytest

from plans.accounts import api_tokens as api_tokens_service
from plans.accounts.models import Role
from plans.owners import service as owners_service
from plans.planning import service as plan_service
from tests.conftest import login

ROLES = ("anonymous", "planner", "reviewer", "admin")
LOGIN = 302  # anonymous visitors are sent to the login page

# endpoint → {method: (anonymous, planner, reviewer, admin)} on the planner's OWN owner's objects.
TABLE: dict[str, dict[str, tuple[int, int, int, int]]] = {
    "static": {"GET": (200, 200, 200, 200)},
    "main.home": {"GET": (LOGIN, 200, 200, 200)},
    "auth.login": {"GET": (200, 302, 302, 302), "POST": (400, 302, 302, 302)},
    "auth.logout": {"POST": (LOGIN, 302, 302, 302)},
    "auth.account": {"GET": (LOGIN, 200, 200, 200)},
    "auth.change_password": {"GET": (LOGIN, 200, 200, 200), "POST": (LOGIN, 400, 400, 400)},
    "territory.browse": {"GET": (LOGIN, 200, 200, 200)},
    "territory.unit": {"GET": (LOGIN, 200, 200, 200)},
    "territory.unit_geojson": {"GET": (LOGIN, 200, 200, 200)},
    "territory.search_json": {"GET": (LOGIN, 200, 200, 200)},
    "territory.official_name": {"POST": (LOGIN, 403, 403, 409)},  # administrators; no name seen sent: stale
    # its planners (not the planner's: owner_id is the grouping's) and administrators; nothing to move: 400
    "territory.succession_page": {"GET": (LOGIN, 403, 403, 200), "POST": (LOGIN, 403, 403, 400)},
    "groupings.index": {"GET": (LOGIN, 403, 403, 200)},
    "groupings.detail": {"GET": (LOGIN, 200, 200, 200)},
    "groupings.create": {"GET": (LOGIN, 403, 403, 200), "POST": (LOGIN, 403, 403, 400)},
    "groupings.edit": {"GET": (LOGIN, 403, 403, 200), "POST": (LOGIN, 403, 403, 409)},  # no version: stale
    "groupings.delete": {"GET": (LOGIN, 403, 403, 200), "POST": (LOGIN, 403, 403, 302)},
    "users.index": {"GET": (LOGIN, 403, 403, 200)},
    "users.create": {"GET": (LOGIN, 403, 403, 200), "POST": (LOGIN, 403, 403, 400)},
    "users.edit": {"GET": (LOGIN, 403, 403, 200), "POST": (LOGIN, 403, 403, 400)},
    "users.reset_password": {"GET": (LOGIN, 403, 403, 200), "POST": (LOGIN, 403, 403, 400)},
    "users.deactivate": {"POST": (LOGIN, 403, 403, 302)},
    "users.reactivate": {"POST": (LOGIN, 403, 403, 302)},
    "audit.journal": {"GET": (LOGIN, 403, 403, 200)},
    "planning.index": {"GET": (LOGIN, 200, 200, 200)},
    "planning.new": {"GET": (LOGIN, 200, 403, 403), "POST": (LOGIN, 400, 403, 403)},
    "planning.overview": {"GET": (LOGIN, 200, 200, 200)},
    # Deleting a draft: its planners and the administrators; an empty post confirms nothing (400).
    "planning.delete": {"GET": (LOGIN, 200, 403, 200), "POST": (LOGIN, 400, 403, 400)},
    "planning.section": {"GET": (LOGIN, 200, 200, 200), "POST": (LOGIN, 400, 403, 403)},
    "planning.history": {"GET": (LOGIN, 200, 200, 200)},
    "planning.versions": {"GET": (LOGIN, 200, 200, 200)},  # no snapshot yet: the list and its explanation
    "planning.restore": {"POST": (LOGIN, 302, 403, 403)},
    "planning.transmission": {"POST": (LOGIN, 403, 403, 403)},  # the plan is a draft: nothing to transmit
    "planning.save_association": {"POST": (LOGIN, 400, 403, 403)},
    "planning.association_form_page": {"GET": (LOGIN, 200, 403, 403)},  # the form saved by save_association
    "planning.delete_association": {"POST": (LOGIN, 303, 403, 403)},
    "planning.action_new": {"GET": (LOGIN, 200, 403, 403), "POST": (LOGIN, 400, 403, 403)},
    "planning.action_edit": {"GET": (LOGIN, 200, 200, 200), "POST": (LOGIN, 409, 403, 403)},  # no version: stale
    "planning.action_duplicate": {"POST": (LOGIN, 303, 403, 403)},
    "planning.action_move": {"POST": (LOGIN, 400, 403, 403)},  # no direction given
    "planning.action_delete": {"GET": (LOGIN, 200, 403, 403), "POST": (LOGIN, 303, 403, 403)},
    "planning.territory_geojson": {"GET": (LOGIN, 200, 200, 200)},
    "maps.plan_map": {"GET": (LOGIN, 200, 200, 200)},
    "maps.plan_map_png": {"GET": (LOGIN, 200, 200, 200)},
    "planning.export_docx_file": {"GET": (LOGIN, 200, 200, 200)},
    # the tests run without LibreOffice (tests/conftest.py): every reader gets the French 503 saying why
    "planning.export_pdf_file": {"GET": (LOGIN, 503, 503, 503)},
    "planning.docx_template": {"GET": (LOGIN, 403, 403, 200), "POST": (LOGIN, 403, 403, 400)},  # no file sent
    "planning.docx_template_download": {"GET": (LOGIN, 403, 403, 200)},
    "planning.export_planfile": {"GET": (LOGIN, 200, 200, 200)},
    "planning.import_planfile": {"GET": (LOGIN, 200, 403, 200), "POST": (LOGIN, 400, 403, 400)},  # no file sent
    "maps.national_map": {"GET": (LOGIN, 403, 200, 200)},
    "maps.communes_geojson": {"GET": (LOGIN, 200, 200, 200)},
    "maps.national_indicators": {"GET": (LOGIN, 403, 200, 200)},
    "maps.national_actions": {"GET": (LOGIN, 403, 200, 200)},
    "maps.national_action": {"GET": (LOGIN, 403, 400, 400)},  # no point given: the French 400
    "maps.national_png": {"GET": (LOGIN, 403, 200, 200)},
    "maps.world_geojson": {"GET": (LOGIN, 200, 200, 200)},  # public data (Natural Earth), for the diaspora map
    "maps.compare": {"GET": (LOGIN, 200, 200, 200)},  # no plan given: the selection form
    "maps.diaspora_map": {"GET": (LOGIN, 200, 200, 200)},  # each sees the associations of the owners they read
    "maps.tile": {"GET": (LOGIN, 404, 404, 404)},  # no PDLM_MBTILES in tests: no tile (test_tiles.py has one)
    # The partner API (app/api_v1) opens only with a bearer token: a logged-in session is not enough.
    "api_v1.list_plans": {"GET": (401, 401, 401, 401)},
    "api_v1.get_plan": {"GET": (401, 401, 401, 401)},
    "api_v1.get_plan_execution": {"GET": (401, 401, 401, 401)},
    "api_v1.openapi": {"GET": (200, 200, 200, 200)},
    "api_tokens.index": {"GET": (LOGIN, 403, 403, 200)},
    "api_tokens.create": {"POST": (LOGIN, 403, 403, 400)},  # no name
    "api_tokens.revoke": {"POST": (LOGIN, 403, 403, 302)},
    # The reviewers' dashboard and its exports (app/dashboard): a planner has their home page.
    "dashboard.plans": {"GET": (LOGIN, 403, 200, 200)},
    "dashboard.export_csv": {"GET": (LOGIN, 403, 200, 200)},
    "dashboard.export_xlsx": {"GET": (LOGIN, 403, 200, 200)},
    "dashboard.export_geojson": {"GET": (LOGIN, 403, 200, 200)},
    "dashboard.territories": {"GET": (LOGIN, 403, 200, 200)},  # figures by territory, the same readers
    # The review (app/review): an empty post names no status (400); admins neither comment nor move plans.
    "review.page": {"GET": (LOGIN, 200, 200, 200)},
    "review.transition": {"POST": (LOGIN, 400, 400, 400)},
    "review.start_revision": {"POST": (LOGIN, 400, 403, 403)},  # the plan is a draft: nothing to revise
    "review.add_comment": {"POST": (LOGIN, 400, 400, 403)},  # no text
    "review.resolve_comment": {"POST": (LOGIN, 303, 303, 403)},
    "review.reopen_comment": {"POST": (LOGIN, 303, 303, 403)},
    "review.checklist": {"POST": (LOGIN, 403, 303, 403)},  # the reviewer's own
    # The execution (app/execution): the plan here is a draft, so the page says that its execution opens once it
    # is validated or adopted, and its form refuses everyone (tests/app/test_execution_pages.py: an adopted plan).
    "execution.page": {"GET": (LOGIN, 200, 200, 200)},
    "execution.action_form": {"GET": (LOGIN, 403, 403, 403), "POST": (LOGIN, 403, 403, 403)},
    "execution.restore": {"POST": (LOGIN, 403, 403, 403)},
    "execution.measure_form": {"GET": (LOGIN, 403, 403, 403), "POST": (LOGIN, 403, 403, 403)},
    "execution.sheet_download": {"GET": (LOGIN, 403, 403, 403)},
    "execution.report_download": {"GET": (LOGIN, 403, 403, 403)},
    "execution.sheet_upload": {"POST": (LOGIN, 403, 403, 403)},
    # Evidence (photos, documents): a draft has none (404 for its readers) and nobody adds or deletes any
    # (tests/app/test_execution_evidence_pages.py: an adopted plan).
    "execution.evidence_upload": {"POST": (LOGIN, 403, 403, 403)},
    "execution.evidence_file": {"GET": (LOGIN, 404, 404, 404)},
    "execution.evidence_thumbnail": {"GET": (LOGIN, 404, 404, 404)},
    "execution.evidence_delete": {"POST": (LOGIN, 403, 403, 403)},
    # The next plan carries actions over (app/execution/carry_over.py): read by its readers; the owner's planners
    # carry, and a post without the version its page showed is stale (409); others are refused.
    "execution.carry_over": {"GET": (LOGIN, 200, 200, 200), "POST": (LOGIN, 409, 403, 403)},
}

# Routes on a plan or an association: a planner of ANOTHER owner gets these instead of the planner column.
OTHER_OWNER = {"planning.overview": 403, "planning.delete": 403, "planning.section": 403, "planning.history": 403,
               "planning.versions": 403,
               "planning.restore": 403, "planning.transmission": 403,
               "planning.save_association": 403, "planning.delete_association": 403,
               "planning.association_form_page": 403,
               "planning.action_new": 403, "planning.action_edit": 403, "planning.action_duplicate": 403,
               "planning.action_move": 403, "planning.action_delete": 403, "planning.territory_geojson": 403,
               "planning.export_docx_file": 403, "planning.export_pdf_file": 403, "planning.export_planfile": 403,
               "maps.plan_map": 403, "maps.plan_map_png": 403,
               "review.page": 403, "review.transition": 403, "review.start_revision": 403, "review.add_comment": 403,
               "review.resolve_comment": 403, "review.reopen_comment": 403, "review.checklist": 403,
               "execution.page": 403, "execution.action_form": 403, "execution.restore": 403,
               "execution.measure_form": 403, "execution.sheet_download": 403, "execution.sheet_upload": 403,
               "execution.report_download": 403,
               "execution.evidence_upload": 403, "execution.evidence_file": 403, "execution.evidence_thumbnail": 403,
               "execution.evidence_delete": 403, "execution.carry_over": 403}


@pytest.fixture
def world(session, make_user, planner, koniakary_owner):
    """One object of each kind the URLs name, the planner owning the first plan."""
    from plans.planning.models import Action, DiasporaAssociation, PlanChange
    from plans.review.models import PlanComment

    plan = plan_service.create_plan(session, owner=koniakary_owner, title="PDESC", period_start=2025, user=planner)
    session.flush()
    change = PlanChange(plan_id=plan.id, section="suivi", snapshot={}, summary="")
    association = DiasporaAssociation(owner=koniakary_owner, name="Enndam Jombuku", host_country="FR")
    grouping_owner = owners_service.commune_owner(session, "ML010101")  # any owner page works as a detail target
    from tests.factories import yelimane_grouping

    grouping = yelimane_grouping(session)
    action = Action(plan=plan, sector="sante", title="Extension du CSCOM", unit_cost=45_000_000)
    session.add_all([change, association, action])
    comment = PlanComment(plan_id=plan.id, section="identification", body="Précisez les dates.")
    session.add(comment)
    other_planner = make_user(Role.PLANNER, email="autre@commune.ml", owners=[grouping_owner])
    reviewer = make_user(Role.REVIEWER, email="relecteur-acces@dgct.ml")
    admin = make_user(Role.ADMIN, email="admin-acces@dgct.ml")
    target_user = make_user(Role.PLANNER, email="cible@commune.ml")
    token = api_tokens_service.create_token(session, target_user, "Partenaire").token
    session.commit()
    return {"users": {"planner": planner, "reviewer": reviewer, "admin": admin, "other": other_planner},
            "values": {"plan_id": plan.id, "change_id": change.id, "association_id": association.id,
                       "action_id": action.id, "owner_id": grouping.id, "user_id": target_user.id, "code": "ML010115",
                       "section_key": "identification", "filename": "favicon.svg", "entity": "plans",
                       "comment_id": comment.id,
                       "z": 0, "x": 0, "y": 0, "ext": "png",
                       "plan_uuid": plan.uuid, "token_id": token.id, "year": 2025,
                       "indicator_id": 1, "evidence_id": 1}}


def _url(app, endpoint: str, values: dict) -> str:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint, **{k: values[k] for k in rule.arguments})


def _client(app, world, who: str):
    client = app.test_client()
    if who != "anonymous":
        assert login(client, world["users"][who].email).status_code == 302
    return client


def test_every_route_is_in_the_table(app):
    routes = {(r.endpoint, m) for r in app.url_map.iter_rules() for m in r.methods - {"HEAD", "OPTIONS"}}
    listed = {(e, m) for e, methods in TABLE.items() for m in methods}
    assert routes - listed == set(), "routes without an access decision in TABLE"
    assert listed - routes == set(), "TABLE lists routes the app no longer has"


CASES = [(endpoint, method) for endpoint, methods in TABLE.items() for method in methods]


@pytest.mark.parametrize("endpoint, method", CASES, ids=[f"{e}-{m}" for e, m in CASES])
def test_route_status_per_role(app, world, endpoint, method):
    """One database per route, every role tried on it; all mismatches reported together."""
    url = _url(app, endpoint, world["values"])
    seen = {}
    for role in ROLES:
        seen[role] = _client(app, world, role).open(url, method=method, data={}).status_code
    assert seen == dict(zip(ROLES, TABLE[endpoint][method])), f"{method} {url}"


OTHER_CASES = [(e, m) for e in OTHER_OWNER for m in TABLE[e]]


@pytest.mark.parametrize("endpoint, method", OTHER_CASES, ids=[f"{e}-{m}" for e, m in OTHER_CASES])
def test_a_planner_of_another_owner_is_refused(app, world, endpoint, method):
    client = _client(app, world, "other")
    response = client.open(_url(app, endpoint, world["values"]), method=method, data={})
    assert response.status_code == OTHER_OWNER[endpoint]
