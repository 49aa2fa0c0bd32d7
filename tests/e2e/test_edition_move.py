"""A planner moves Koniakary, split in the newer edition, to the successor that carries on its plan
(/territoire/collectivites/<id>/nouvelle-edition, issue 17), at 1366×768, and finds the plan page updated.

Importing an edition changes the current one for every page, so this test has its own server on its own copy of
the database (the session's live server is shared by the other browser tests), and guards its page as
tests/e2e/conftest.py's `guarded_page` does: console errors, page errors, 5xx and any request to another host fail it.
"""
from __future__ import annotations

import re
import threading

import pytest
from playwright.sync_api import Page, expect
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db
from plans.accounts.models import Role, User
from plans.owners import service as owners_service
from plans.planning import service as plan_service
from tests.conftest import TEST_PASSWORD
from tests.conftest import app_config as config_for
from tests.derived_edition import SPLIT_INTO, build_derived, import_derived
from tests.e2e.conftest import E2E_USERS, PLANNER_COMMUNE, WINDOW_SIZES, _seed_users

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def moved_server(databases, template_database, tmp_path_factory):
    """(url, plan id): a server whose current edition is the derived one, Koniakary's plan still on 2015's."""
    derived = build_derived(tmp_path_factory.mktemp("edition"))
    url = databases.copy_of(template_database)
    app = create_app(config_for(url, WTF_CSRF_ENABLED=True))
    with app.app_context():
        _seed_users()
        planner = db.session.query(User).filter_by(email=E2E_USERS[Role.PLANNER]).one()
        plan = plan_service.create_plan(db.session, owner=owners_service.commune_owner(db.session, PLANNER_COMMUNE),
                                        title="PDESC de Koniakary 2025-2029", period_start=2025, user=planner)
        db.session.commit()
        plan_id = plan.id
        import_derived(db.session, derived, name="Édition dérivée", crosswalk=derived["crosswalk"])
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-edition-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", plan_id
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()
        databases.drop(url)


@pytest.fixture
def moved_page(browser, moved_server):
    origin, _ = moved_server
    width, height = WINDOW_SIZES["portable"]
    context = browser.new_context(base_url=origin, viewport={"width": width, "height": height}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console : {m.text} ({m.location.get('url', '')})")
            if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(f"erreur JavaScript : {error}"))
    page.on("response", lambda r: problems.append(f"erreur serveur {r.status} : {r.url}")
            if r.url.startswith(origin) and r.status >= 500 else None)

    def guard(route):
        if route.request.url.startswith((origin + "/", "data:", "blob:")):
            route.continue_()
        else:
            problems.append(f"requête externe bloquée : {route.request.url}")
            route.abort()

    context.route(re.compile(r".*"), guard)
    page.problems = problems
    yield page
    page.evaluate("0")  # a round trip: events already sent are delivered
    context.close()
    assert not problems, problems


def fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url


def test_a_planner_moves_koniakary_to_its_successor_and_sees_the_plan_page_updated(moved_page: Page, moved_server):
    _, plan_id = moved_server
    page = moved_page
    page.goto("/compte/connexion")
    page.get_by_label("Adresse électronique").fill(E2E_USERS[Role.PLANNER])
    page.get_by_label("Mot de passe", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()

    page.goto(f"/plans/{plan_id}")
    expect(page.get_by_text("Ce plan est fait sur une édition plus ancienne des limites")).to_be_visible()
    page.get_by_role("link", name="Passer Koniakary aux unités de l'édition courante").click()
    expect(page).to_have_url(re.compile(r"/territoire/collectivites/\d+/nouvelle-edition$"))
    expect(page.get_by_role("table", name="Unités d'avant et leurs successeurs")).to_contain_text(
        "Koniakary Nord (ML010191), Koniakary Sud (ML010192)")
    fits(page)

    page.get_by_role("button", name="Passer aux nouvelles unités").click()  # no successor chosen
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    summary.get_by_role("link", name="Unité qui reprend les plans").click()
    expect(page.get_by_text("Koniakary a été partagée entre plusieurs unités")).to_be_visible()
    expected = f"status of 400 (BAD REQUEST) ({page.url.split('#')[0]})"  # the refusal's answer, not a problem
    page.problems[:] = [p for p in page.problems if not (p.startswith("console : ") and p.endswith(expected))]
    fits(page)

    page.get_by_role("radio", name=f"Koniakary Sud ({SPLIT_INTO[1]})").check()
    page.get_by_role("button", name="Passer aux nouvelles unités").click()
    expect(page).to_have_url(re.compile(rf"/territoire/{SPLIT_INTO[1]}$"))
    expect(page.get_by_role("status")).to_contain_text("aux unités de l'édition courante : Koniakary Sud.")

    page.goto(f"/plans/{plan_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("PDESC de Koniakary 2025-2029")
    expect(page.get_by_text("édition plus ancienne des limites")).to_have_count(0)
    expect(page.locator(".facts")).to_contain_text("Koniakary Sud")
    fits(page)
