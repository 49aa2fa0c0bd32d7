"""The planner's first hour, on a laptop (1366×768) and on a tablet (768×1024): every page of a plan with content
fits the window (no sideways scroll), the section menu folds on a tablet and opens, a read-only plan says so at the
top, an error summary links to the fields in error, and the priorities can be tied to axes typed on the same visit.

Screenshots: set PDLM_SHOTS=/tmp/shots to save one per page and size (never in the repository)."""
from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_plan_map import _live_app

pytestmark = pytest.mark.e2e

SIZES = {"portable": (1366, 768), "tablette": (768, 1024)}
SHOTS = os.environ.get("PDLM_SHOTS")


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "fr-FR"}  # a Malian planner's browser: dates as jj/mm/aaaa


@pytest.fixture(scope="module")
def demo_plan(live_server):
    """Koniakary's demo plan (docs/DOMAIN.md §14, TC1: every section filled), seeded once: (plan id, action id)."""
    import sqlalchemy as sa

    from app.extensions import db
    from plans.demo import data as D
    from plans.demo import seed
    from plans.planning.models import Action, Plan

    app = _live_app()
    with app.app_context():
        seed.seed_test_cases(db.session)
        db.session.commit()
        plan = db.session.scalar(sa.select(Plan).where(Plan.uuid == D.TC1_UUID))
        action = db.session.scalar(sa.select(Action).where(Action.plan_id == plan.id).order_by(Action.position))
        ids = plan.id, action.id
        db.session.remove()
    return ids


def new_plan(title: str, status=None) -> int:
    """An empty plan of Koniakary (the e2e planner's commune), in `status` if given."""
    import sqlalchemy as sa

    from app.extensions import db
    from plans.accounts.models import User
    from plans.owners import service as owners_service
    from plans.planning import service as plan_service

    app = _live_app()
    with app.app_context():
        owner = owners_service.commune_owner(db.session, "ML010115")
        planner = db.session.scalar(sa.select(User).where(User.email == "planificateur@koniakary.ml"))
        plan = plan_service.create_plan(db.session, owner=owner, title=title, period_start=2026, user=planner)
        if status is not None:
            plan.status = status
        db.session.commit()
        plan_id = plan.id
        db.session.remove()
    return plan_id


def plan_pages(plan_id: int, action_id: int) -> dict[str, str]:
    base = f"/plans/{plan_id}"
    pages = {"vue d'ensemble": base}
    for key in ("identification", "situation", "migration", "orientations", "actions", "financement", "suivi",
                "adoption"):
        pages[key] = f"{base}/{key}"
    pages.update({"fiche action": f"{base}/actions/{action_id}", "nouvelle action": f"{base}/actions/nouvelle",
                  "historique": f"{base}/historique", "carte": f"{base}/carte", "versions": f"{base}/versions"})
    return pages


def _sized(page: Page, size: str) -> Page:
    width, height = SIZES[size]
    page.set_viewport_size({"width": width, "height": height})
    return page


def _accept_the_refusal(page: Page) -> None:
    """A refused form comes back with status 400 (the app's contract), which chromium logs as a console error:
    that one expected message, and only it, is taken off the guarded page's problems (as test_location_picker)."""
    expect(page.locator(".flash-error").first).to_be_visible()
    page.evaluate("0")  # a round trip: the console message has arrived
    expected = f"status of 400 (BAD REQUEST) ({page.url.split('#')[0]})"
    page.problems[:] = [p for p in page.problems if not (p.startswith("console : ") and p.endswith(expected))]


def _page_width(page: Page) -> tuple[int, int]:
    return tuple(page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]"))


@pytest.mark.parametrize("size", SIZES)
def test_every_plan_page_fits_the_window(guarded_page: Page, log_in, demo_plan, size):
    page = log_in(_sized(guarded_page, size))
    too_wide = {}
    for name, url in plan_pages(*demo_plan).items():
        page.goto(url)
        expect(page.locator("h1")).to_be_visible()
        scroll, inner = _page_width(page)
        if SHOTS:
            page.screenshot(path=f"{SHOTS}/{size}-{name.replace(' ', '_')}.png", full_page=True)
        if scroll > inner:
            too_wide[name] = scroll
    assert too_wide == {}, f"pages plus larges que la fenêtre ({SIZES[size][0]} px) : {too_wide}"


@pytest.mark.parametrize("size", SIZES)
def test_orientations_stay_compact_and_wide_tables_scroll_inside(guarded_page: Page, log_in, demo_plan, size):
    page = log_in(_sized(guarded_page, size))
    page.goto(f"/plans/{demo_plan[0]}/orientations")
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 9000, f"la page Orientations fait {height} px de haut"
    picker = page.locator("details.findings-picker").first  # the findings of an objective, folded
    expect(picker.locator("summary")).to_contain_text("constat")
    expect(picker.locator("input[type=checkbox]").first).to_be_hidden()
    picker.locator("summary").click()
    expect(picker.locator("input[type=checkbox]").first).to_be_visible()
    page.goto(f"/plans/{demo_plan[0]}/suivi")
    box = page.locator(".table-scroll").first  # the indicators' table scrolls in its box, the page does not
    assert box.evaluate("b => b.scrollWidth >= b.clientWidth") and _page_width(page)[0] <= SIZES[size][0]
    name = page.locator('[name="indicators-0-name"]')
    assert name.evaluate("i => i.clientWidth") >= 200  # a name can be read as it is typed


def test_the_section_menu_folds_on_a_tablet_and_opens(guarded_page: Page, log_in, demo_plan):
    page = log_in(_sized(guarded_page, "tablette"))
    page.goto(f"/plans/{demo_plan[0]}/situation")
    menu = page.get_by_role("navigation", name="Sections du plan")
    link = menu.get_by_role("link", name=re.compile("Diagnostic migratoire"))
    expect(link).to_be_hidden()
    button = menu.locator("label.plan-nav-button")
    expect(button).to_contain_text("Sections du plan")
    expect(button).to_contain_text("2. Situation de référence")  # where the planner is
    button.click()
    expect(link).to_be_visible()
    link.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Diagnostic migratoire")
    expect(menu.get_by_role("link", name=re.compile("Orientations"))).to_be_hidden()  # folded again

    page.set_viewport_size({"width": 1366, "height": 768})  # on a laptop: always open, no button
    expect(menu.get_by_role("link", name=re.compile("Orientations"))).to_be_visible()
    expect(button).to_be_hidden()


@pytest.mark.parametrize("size", SIZES)
def test_a_submitted_plan_says_it_is_read_only_at_the_top(guarded_page: Page, log_in, size):
    from plans.planning.models import PlanStatus

    plan_id = new_plan(f"Plan soumis ({size})", status=PlanStatus.SOUMIS)
    page = log_in(_sized(guarded_page, size))
    for url in (f"/plans/{plan_id}/identification", f"/plans/{plan_id}/actions", f"/plans/{plan_id}"):
        page.goto(url)
        banner = page.locator(".read-only-banner")
        expect(banner).to_contain_text("Lecture seule")
        expect(banner).to_contain_text("Soumis")
        top = banner.bounding_box()["y"]
        assert top < page.viewport_size["height"], "le bandeau doit se voir sans défiler"
        assert top < page.locator("h1").bounding_box()["y"], url
    expect(page.get_by_role("button", name="Enregistrer la section")).to_have_count(0)


@pytest.mark.parametrize("size", SIZES)
def test_the_error_summary_links_focus_the_fields(guarded_page: Page, log_in, size):
    plan_id = new_plan(f"Plan aux erreurs ({size})")
    page = log_in(_sized(guarded_page, size))
    page.goto(f"/plans/{plan_id}/identification")
    page.get_by_label("Année de début").fill("deux mille")
    page.locator('[name="process_steps-0-date"]').fill("2026-01-15")  # a date without its step
    page.get_by_role("button", name="Enregistrer la section").click()
    _accept_the_refusal(page)
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    assert summary.bounding_box()["y"] < page.locator("fieldset").first.bounding_box()["y"]
    links = summary.locator("a")
    assert links.count() >= 1
    for i in range(links.count()):
        target = links.nth(i).get_attribute("href").lstrip("#")
        links.nth(i).click()
        assert page.evaluate("document.activeElement.id") == target
        expect(page.locator(f"#{target}")).to_be_in_viewport()
    expect(summary).to_contain_text("Année de début")
    assert _page_width(page)[0] <= SIZES[size][0]


def test_priorities_offer_the_axes_typed_on_the_first_visit(guarded_page: Page, log_in):
    plan_id = new_plan("Plan sans axes (première visite)")
    page = log_in(guarded_page)
    page.goto(f"/plans/{plan_id}/orientations")
    axis = page.locator('[name="priorities-0-axis"]')
    expect(axis.locator("option", has_text="Axe 1")).to_have_count(1)  # every axis row, before any is saved
    page.locator('[name="axes-0-title"]').fill("Eau potable pour tous")
    page.locator('[name="axes-1-title"]').fill("Jeunesse et migration")
    expect(axis.locator("option", has_text="Axe 2 — Jeunesse et migration")).to_have_count(1)
    axis.select_option(label="Axe 2 — Jeunesse et migration")
    page.locator('[name="priorities-0-title"]').fill("Centre de formation")
    scores = page.locator('[name^="priorities-0-scores-"]')
    for i in range(scores.count()):
        scores.nth(i).fill("3")
    page.get_by_role("button", name="Enregistrer la section").click()
    expect(page.locator(".error-summary")).to_have_count(0)
    expect(page.locator(".flash").first).to_contain_text(re.compile(r"Enregistré à \d\d:\d\d"))
    expect(page.locator('[name="priorities-0-axis"] option:checked')).to_have_text("Axe 2 — Jeunesse et migration")
    expect(page.locator("table.ranking")).to_contain_text("Jeunesse et migration")


def test_a_page_wider_than_the_window_is_reported_on_a_sized_page(sized_page: Page, live_server):
    """The walks of test_nothing_lost.py and test_period_change.py rely on `sized_page` reporting any page wider
    than the window; a page made too wide on purpose must be reported, at each size."""
    sized_page.route(f"{live_server}/trop-large", lambda route: route.fulfill(
        content_type="text/html", body='<!doctype html><title>x</title><div style="width:3000px">large</div>'))
    sized_page.goto("/trop-large")
    sized_page.evaluate("0")  # a round trip: the console message has arrived
    # 3000 px and the body's margin
    reported = [p for p in sized_page.problems if "page plus large que la fenêtre : 3008 px" in p]
    assert len(reported) == 1, sized_page.problems
    sized_page.problems.remove(reported[0])
