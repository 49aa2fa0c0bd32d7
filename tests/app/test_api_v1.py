"""The partner API: a bearer token reads exactly what its account may read, nothing else, in French JSON errors."""
from __future__ import annotations

import io
import math
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from app.api_v1.routes import PLAN_NOT_FOUND
from plans.accounts import api_tokens as api_tokens_service
from plans.accounts.models import Role
from plans.demo import data as D
from plans.demo import execution as demo_execution
from plans.execution import figures as execution_figures
from plans.execution import service as execution_service
from plans.owners import service as owners_service
from plans.planning import finance
from plans.planning.models import Plan, PlanStatus
from plans.review import planfile, planfile_import
from plans.territory.service import unit_by_code
from tests.conftest import login

UNKNOWN_UUID = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def cases(session, demo_cases):
    """The three test cases of docs/DOMAIN.md §14: Koniakary and the SICM (région de Kayes), GLCT-Kénédougou
    (Sikasso)."""
    session.commit()
    return {"koniakary": D.TC1_UUID, "sicm": D.TC2_UUID, "kenedougou": D.TC3_UUID}


def _plan(session, plan_uuid: str, revision: int = 1) -> Plan:
    from sqlalchemy import select

    return session.scalar(select(Plan).where(Plan.uuid == plan_uuid, Plan.revision == revision))


@pytest.fixture
def bearer(session):
    def issue(user, name: str = "Partenaire X") -> dict:
        issued = api_tokens_service.create_token(session, user, name)
        session.commit()
        return {"Authorization": f"Bearer {issued.secret}"}

    return issue


def _uuids(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [p["uuid"] for p in response.get_json()["plans"]]


def _refused(response, status: int) -> str:
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"erreur"}
    return body["erreur"]


# --- authentication ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/api/v1/plans", f"/api/v1/plans/{D.TC1_UUID}"])
def test_without_a_token_the_api_answers_401_with_a_bearer_challenge(client, cases, path):
    response = client.get(path)
    assert "Authorization: Bearer" in _refused(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer ")


def test_a_wrong_revoked_or_orphaned_token_is_401(client, session, cases, make_user, bearer):
    reviewer = make_user(Role.REVIEWER, email="relecteur-api@dgct.ml")
    good = bearer(reviewer)
    assert client.get("/api/v1/plans", headers=good).status_code == 200

    secret = good["Authorization"].split()[1]
    for header in (f"Bearer {secret[:-2]}", "Bearer ", f"Basic {secret}", secret, f"Bearer {'x' * 5000}"):
        response = client.get("/api/v1/plans", headers={"Authorization": header})
        assert "Jeton" in _refused(response, 401), header
        assert response.headers["WWW-Authenticate"].startswith("Bearer ")

    token = api_tokens_service.authenticate(session, secret)
    api_tokens_service.revoke_token(session, token)
    session.commit()
    response = client.get("/api/v1/plans", headers=good)
    assert "révoqué" in _refused(response, 401)
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]

    other = make_user(Role.ADMIN, email="admin-api@dgct.ml")
    other_headers = bearer(other)
    other.active = False
    session.commit()
    _refused(client.get(f"/api/v1/plans/{D.TC1_UUID}", headers=other_headers), 401)


def test_a_browser_session_cookie_alone_opens_nothing(app, cases, admin_client, planner_client):
    for logged_in in (admin_client, planner_client):
        _refused(logged_in.get("/api/v1/plans"), 401)
        _refused(logged_in.get(f"/api/v1/plans/{D.TC1_UUID}"), 401)


def test_a_request_records_when_the_token_was_last_used(client, session, cases, reviewer, bearer):
    headers = bearer(reviewer)
    client.get("/api/v1/plans", headers=headers)
    session.expire_all()
    [token] = api_tokens_service.list_tokens(session, reviewer)
    assert token.last_used_at is not None


# --- who reads what ----------------------------------------------------------------------------------------------

def test_a_planner_token_never_sees_another_owners_plan(client, session, cases, planner, bearer):
    headers = bearer(planner)  # the planner of Koniakary

    assert _uuids(client.get("/api/v1/plans?per_page=200", headers=headers)) == [cases["koniakary"]]
    assert client.get(f"/api/v1/plans/{cases['koniakary']}", headers=headers).status_code == 200
    unknown = _refused(client.get(f"/api/v1/plans/{UNKNOWN_UUID}", headers=headers), 404)
    for other in (cases["sicm"], cases["kenedougou"]):
        # Same answer as for a plan that does not exist: the token cannot tell that it does.
        assert _refused(client.get(f"/api/v1/plans/{other}", headers=headers), 404) == unknown
        _refused(client.get(f"/api/v1/plans/{other}?revision=1", headers=headers), 404)
    for region in ("ML01", "ML03"):
        assert cases["sicm"] not in _uuids(client.get(f"/api/v1/plans?region={region}", headers=headers))


def test_a_reviewer_limited_to_a_region_reads_only_that_region(client, session, cases, make_user, bearer):
    sikasso = unit_by_code(session, "ML03")
    headers = bearer(make_user(Role.REVIEWER, email="relecteur-sikasso@dgct.ml", region=sikasso))

    assert _uuids(client.get("/api/v1/plans", headers=headers)) == [cases["kenedougou"]]
    assert client.get(f"/api/v1/plans/{cases['kenedougou']}", headers=headers).status_code == 200
    _refused(client.get(f"/api/v1/plans/{cases['koniakary']}", headers=headers), 404)
    assert _uuids(client.get("/api/v1/plans?region=ML01", headers=headers)) == []


def test_a_national_reviewer_reads_every_plan_and_filters_by_region(client, cases, reviewer, bearer):
    headers = bearer(reviewer)
    assert set(_uuids(client.get("/api/v1/plans", headers=headers))) == set(cases.values())
    assert set(_uuids(client.get("/api/v1/plans?region=ML01", headers=headers))) == {cases["koniakary"],
                                                                                      cases["sicm"]}
    assert _uuids(client.get("/api/v1/plans?region=ml03", headers=headers)) == [cases["kenedougou"]]


# --- the list ----------------------------------------------------------------------------------------------------

def test_a_summary_carries_the_figures_of_plans_finance(client, session, cases, reviewer, bearer):
    body = client.get("/api/v1/plans", headers=bearer(reviewer)).get_json()
    summaries = {p["uuid"]: p for p in body["plans"]}

    koniakary = summaries[cases["koniakary"]]
    assert koniakary["owner"] == {"name": "Koniakary", "kind": "commune", "kind_label": "Commune",
                                  "pcodes": ["ML010115"]}
    assert (koniakary["total_cost"], koniakary["diaspora_share"]) == (160_000_000, "9.69")  # docs/DOMAIN.md §14 TC1
    assert koniakary["period"] == {"start": 2025, "end": 2029} and koniakary["status"] == "brouillon"
    assert koniakary["links"]["self"] == f"/api/v1/plans/{cases['koniakary']}"
    assert koniakary["revisions"] == [{"revision": 1, "status": "brouillon"}]
    assert sorted(summaries[cases["sicm"]]["owner"]["pcodes"]) == sorted(D.YELIMANE_CODES)
    for plan_uuid, summary in summaries.items():
        plan = _plan(session, plan_uuid)
        figures = finance.plan_finance(session.get(Plan, plan.id, options=finance.load_options()))
        assert (summary["total_cost"], summary["funded"], summary["diaspora_amount"], summary["diaspora_share"]) == \
            (figures.total, figures.funded, figures.diaspora_amount, str(figures.diaspora_share))
        assert summary["title"] == plan.title and summary["revision"] == plan.revision
        assert datetime.fromisoformat(summary["updated_at"].replace("Z", "+00:00")).replace(tzinfo=None) == \
            plan.updated_at.replace(microsecond=0)


def test_pages_and_their_links_cover_every_plan_once(client, session, cases, admin, koniakary_owner, bearer):
    from plans.planning import service as plan_service

    for year in range(2030, 2034):
        plan_service.create_plan(session, owner=koniakary_owner, title=f"Plan {year}", period_start=year)
    session.commit()
    headers = bearer(admin)

    first = client.get("/api/v1/plans?per_page=2&status=brouillon", headers=headers).get_json()
    total = first["pagination"]["total"]
    assert total == 7 and first["pagination"] == {"page": 1, "per_page": 2, "total": 7, "pages": math.ceil(7 / 2)}
    assert first["links"]["prev"] is None
    seen, page, pages_walked = [], first, 0
    while True:
        pages_walked += 1
        seen += [p["uuid"] for p in page["plans"]]
        if page["links"]["next"] is None:
            break
        query = parse_qs(urlsplit(page["links"]["next"]).query)
        assert query["status"] == ["brouillon"] and query["per_page"] == ["2"]  # the filters travel with the link
        page = client.get(page["links"]["next"], headers=headers).get_json()
    assert pages_walked == 4 and len(seen) == 7 and len(set(seen)) == 7
    assert page["links"]["last"] == page["links"]["self"] and page["links"]["prev"] is not None

    beyond = client.get("/api/v1/plans?per_page=2&page=9", headers=headers).get_json()
    assert beyond["plans"] == [] and beyond["pagination"]["total"] == 7


def test_status_and_since_filter_the_list(client, session, cases, reviewer, bearer):
    sicm = _plan(session, cases["sicm"])
    sicm.status = PlanStatus.VALIDE
    kenedougou = _plan(session, cases["kenedougou"])
    kenedougou.updated_at = datetime(2020, 1, 1, 12, 0)
    session.commit()
    headers = bearer(reviewer)

    assert _uuids(client.get("/api/v1/plans?status=valide", headers=headers)) == [cases["sicm"]]
    assert _uuids(client.get("/api/v1/plans?status=adopte", headers=headers)) == []
    recent = set(_uuids(client.get("/api/v1/plans?since=2024-06-01", headers=headers)))
    assert recent == {cases["koniakary"], cases["sicm"]}
    assert cases["kenedougou"] in _uuids(client.get("/api/v1/plans?since=2020-01-01T11:00:00Z", headers=headers))
    # 12:00 UTC is 13:00 in Lagos: a time with an offset is converted, not read as UTC.
    assert cases["kenedougou"] not in _uuids(
        client.get("/api/v1/plans?since=2020-01-01T13:30:00%2B01:00", headers=headers))


@pytest.mark.parametrize("query, word", [
    ("page=abc", "page"), ("page=0", "page"), ("page=-1", "page"), ("page=1.5", "page"), ("page=" + "9" * 5000, "page"),
    ("per_page=100000", "per_page"), ("per_page=201", "per_page"), ("per_page=0", "per_page"),
    ("status=publie", "Statut inconnu"), ("region=XX99", "région"), ("region=ML010115", "région"),
    ("region=ML01%27%3B--", "région"), ("since=hier", "since"), ("since=2025-13-45", "since"),
    # An offset that carries the instant before year 1 or after 9999 (an OverflowError, a 500, before).
    ("since=0001-01-01T00:00:00%2B05:00", "since"), ("since=9999-12-31T23:59:59-05:00", "since"),
    ("since=0001-01-01T00:00:00%2B23:59:59.999999", "since"),
])
def test_bad_list_parameters_are_400_in_french(client, cases, reviewer, bearer, query, word):
    message = _refused(client.get(f"/api/v1/plans?{query}", headers=bearer(reviewer)), 400)
    assert word in message


def test_a_bad_revision_is_400_and_a_missing_one_404(client, cases, reviewer, bearer):
    headers = bearer(reviewer)
    assert "revision" in _refused(client.get(f"/api/v1/plans/{cases['koniakary']}?revision=abc", headers=headers), 400)
    assert "version" in _refused(client.get(f"/api/v1/plans/{cases['koniakary']}?revision=2", headers=headers), 404)
    _refused(client.get("/api/v1/plans/pas-un-uuid", headers=headers), 404)


def test_other_methods_and_paths_answer_in_french_json(client, cases, reviewer, bearer):
    headers = bearer(reviewer)
    for method in ("post", "put", "patch", "delete"):
        response = getattr(client, method)("/api/v1/plans", headers=headers)
        assert "lecture seule" in _refused(response, 405)
        assert "GET" in response.headers["Allow"]
    assert "n'existe pas" in _refused(client.get("/api/v1/rien", headers=headers), 404)


# --- one plan ----------------------------------------------------------------------------------------------------

def test_the_document_is_the_plan_files_export(client, session, cases, reviewer, bearer):
    headers = bearer(reviewer)
    for plan_uuid in cases.values():
        response = client.get(f"/api/v1/plans/{plan_uuid}", headers=headers)
        assert response.status_code == 200
        # What a token reads depends on the token: a shared cache must not hand it to someone else.
        assert response.headers["Cache-Control"] == "private" and "Authorization" in response.headers["Vary"]
        expected = planfile.export_document(session, _plan(session, plan_uuid))
        assert planfile.without_timestamp(response.get_json()) == planfile.without_timestamp(expected)


def test_the_latest_revision_by_default_an_older_one_on_request(client, session, cases, reviewer, bearer):
    first = _plan(session, cases["koniakary"])
    first.status = PlanStatus.ADOPTE
    second = Plan(uuid=first.uuid, revision=2, owner=first.owner, title=first.title + " (révision)",
                  period_start=first.period_start, period_end=first.period_end, status=PlanStatus.BROUILLON)
    session.add(second)
    session.commit()
    headers = bearer(reviewer)

    latest = client.get(f"/api/v1/plans/{first.uuid}", headers=headers).get_json()
    assert (latest["plan"]["revision"], latest["plan"]["title"]) == (2, second.title)
    older = client.get(f"/api/v1/plans/{first.uuid}?revision=1", headers=headers).get_json()
    assert (older["plan"]["revision"], older["plan"]["status"]) == (1, "adopte")

    [summary] = [p for p in client.get("/api/v1/plans", headers=headers).get_json()["plans"]
                 if p["uuid"] == first.uuid]
    assert summary["revision"] == 2 and summary["revisions"] == [{"revision": 1, "status": "adopte"},
                                                                 {"revision": 2, "status": "brouillon"}]
    assert cases["koniakary"] in _uuids(client.get("/api/v1/plans?status=brouillon", headers=headers))
    assert cases["koniakary"] not in _uuids(client.get("/api/v1/plans?status=adopte", headers=headers))


def test_a_uuid_in_any_case_names_one_plan_that_no_file_can_take_over(app, client, session, cases, reviewer,
                                                                     bearer, make_user):
    """Issue 14, item 4: a planner of Kayes uploaded a file naming Kayes and Koniakary's uuid in upper case; a second
    plan was created, and the API served Koniakary's plan at that plan's link. Now the upload is refused and the
    link, in any case, is Koniakary's plan."""
    koniakary = _plan(session, cases["koniakary"])
    kayes = owners_service.commune_owner(session, "ML010101")
    session.commit()
    planner = make_user(Role.PLANNER, email="planificateur@kayes.ml", owners=[kayes])
    document = planfile.export_document(session, koniakary)
    document["plan"]["uuid"] = koniakary.uuid.upper()
    document["plan"]["owner"] = {"kind": "commune", "name": "Kayes", "pcode": "ML010101",
                                 "territory_edition": document["plan"]["owner"]["territory_edition"]}
    for action in document["plan"]["actions"]:
        action["lon"] = action["lat"] = None
    browser = app.test_client()
    login(browser, planner.email)
    upload = browser.post("/plans/importer", content_type="multipart/form-data",
                          data={"fichier": (io.BytesIO(planfile.document_bytes(document)), "plan.json")})
    assert upload.status_code == 400 and "autre collectivité" in upload.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Plan).where(func.lower(Plan.uuid) == koniakary.uuid)) == 1

    headers = bearer(reviewer)
    for link in (koniakary.uuid, koniakary.uuid.upper()):
        served = client.get(f"/api/v1/plans/{link}", headers=headers).get_json()
        assert served["plan"]["uuid"] == koniakary.uuid and served["plan"]["owner"]["pcode"] == "ML010115"


def test_the_api_shows_a_files_review_history_as_its_claim(client, session, cases, reviewer, bearer):
    koniakary = _plan(session, cases["koniakary"])
    document = planfile.export_document(session, koniakary)
    claim = {"at": "2026-02-01T09:00:00Z", "from": "en_revue", "to": "valide", "user": "relecteur@dgct.ml",
             "reason": "Conforme"}
    document["plan"]["history"]["transitions"].append(claim)
    planfile_import.import_document(session, document, None, source="plan.json")
    session.commit()
    history = client.get(f"/api/v1/plans/{koniakary.uuid}", headers=bearer(reviewer)).get_json()["plan"]["history"]
    assert history["transitions"] == [] and history["claimed"]["transitions"] == [claim]


# --- the description ---------------------------------------------------------------------------------------------

def test_the_openapi_document_is_public_and_describes_the_api(client, session):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.get_json()
    assert doc["openapi"].startswith("3.1")
    assert set(doc["paths"]) == {"/api/v1/plans", "/api/v1/plans/{plan_uuid}", "/api/v1/plans/{plan_uuid}/execution",
                                 "/api/v1/openapi.json"}
    assert doc["components"]["securitySchemes"]["jeton"] == {
        "type": "http", "scheme": "bearer", "description": doc["components"]["securitySchemes"]["jeton"]["description"]}
    region = next(p for p in doc["paths"]["/api/v1/plans"]["get"]["parameters"] if p["name"] == "region")
    assert region["schema"]["enum"][:2] == ["ML01", "ML02"] and len(region["schema"]["enum"]) == 9
    plan_schema = doc["components"]["schemas"]["PlanDocument"]
    assert "$id" not in plan_schema and plan_schema["properties"]["format"]
    refs = _all_refs(doc)
    assert refs and all(_resolves(doc, ref) for ref in refs), [r for r in refs if not _resolves(doc, r)]


def _all_refs(node) -> set[str]:
    if isinstance(node, dict):
        return {v for k, v in node.items() if k == "$ref"} | {r for v in node.values() for r in _all_refs(v)}
    if isinstance(node, list):
        return {r for v in node for r in _all_refs(v)}
    return set()


def _resolves(doc: dict, ref: str) -> bool:
    node = doc
    for part in ref.removeprefix("#/").split("/"):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


# --- the execution (issue 16, item 6) ------------------------------------------------------------------------------

def test_the_api_gives_the_execution_of_each_recorded_year(client, session, cases, reviewer, bearer):
    assert demo_execution.seed_koniakary_execution(session)
    session.commit()
    headers = bearer(reviewer)
    summaries = {p["uuid"]: p for p in client.get("/api/v1/plans", headers=headers).get_json()["plans"]}
    koniakary = summaries[cases["koniakary"]]
    plan = session.get(Plan, _plan(session, cases["koniakary"]).id, options=finance.load_options())
    ex = execution_figures.plan_execution(plan, execution_service.records(session, plan), 2025)
    assert koniakary["execution"]["latest_year"] == 2025
    (year,) = koniakary["execution"]["years"]
    assert (year["year"], year["physical_rate"], year["financial_rate"], year["paid"]) == (
        2025, str(ex.physical_rate), str(ex.financial_rate), ex.paid) == (2025, "38.28", "38.13", 61_000_000)
    assert year["diaspora"] == {"promised": 15_500_000, "mobilised": 2_500_000, "paid": 2_500_000,
                                "mobilised_rate": "16.13"}
    assert summaries[cases["sicm"]]["execution"] is None  # no execution: null, never 0 %

    doc = client.get(f"/api/v1/plans/{cases['koniakary']}/execution", headers=headers).get_json()
    assert doc["years_recorded"] == [2025] and doc["uuid"] == cases["koniakary"]
    (year,) = doc["years"]
    assert year["financial_rate"] == "38.13"
    by_title = {a["title"]: a for a in year["actions"]}
    cscom = by_title["Extension du CSCOM"]
    assert (cscom["status"], cscom["progress"], cscom["paid"], cscom["mobilised_year"], cscom["functioning"]) == (
        "realise", 100, 43_000_000, 43_000_000, "fonctionnel")
    khasso = by_title["Adduction d'eau potable du quartier Khasso"]
    assert (khasso["status"], khasso["progress"], khasso["mobilised"], khasso["paid"]) == (
        "en_cours", 25, 26_000_000, 17_000_000)
    assert [(f["mobilised"], f["paid"]) for f in khasso["funding"]] == [(24_000_000, 15_000_000),
                                                                        (2_000_000, 2_000_000), (0, 0)]
    centre = by_title["Centre de formation des jeunes et des migrants de retour"]
    assert (centre["recorded"], centre["status"], centre["progress"]) == (False, "prevu", 0)

    # One year on request; a year outside the period is a French 400; a plan without execution has no year.
    later = client.get(f"/api/v1/plans/{cases['koniakary']}/execution?year=2026", headers=headers).get_json()
    assert [y["year"] for y in later["years"]] == [2026] and later["years"][0]["paid"] == 61_000_000
    assert "période du plan" in _refused(
        client.get(f"/api/v1/plans/{cases['koniakary']}/execution?year=2040", headers=headers), 400)
    assert client.get(f"/api/v1/plans/{cases['sicm']}/execution", headers=headers).get_json()["years"] == []


def test_the_execution_is_read_only_by_those_who_read_the_plan(client, session, cases, planner, bearer):
    assert demo_execution.seed_koniakary_execution(session)
    session.commit()
    assert "Authorization: Bearer" in _refused(client.get(f"/api/v1/plans/{cases['koniakary']}/execution"), 401)
    response = client.get(f"/api/v1/plans/{cases['sicm']}/execution", headers=bearer(planner))
    assert _refused(response, 404) == PLAN_NOT_FOUND
