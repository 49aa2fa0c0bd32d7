"""The moves a planner needs, in the browser, on a laptop (1366×768) and a tablet (768×1024): deleting a draft
through its confirmation page (with and without JavaScript), withdrawing a submission from the plan's page (and the
409 when a reviewer took it first), and an administrator creating a planner by typing the commune's name. Every page
touched fits the window (no sideways scroll).

The plans belong to Fatoma (cercle de Mopti) and its own planner, so the plans and accounts other browser tests
count stay as they are. Screenshots: set PDLM_SHOTS=/tmp/shots to save them (never in the repository)."""
from __future__ import annotations

import os
import random
import re

import pytest
from playwright.sync_api import Page, expect

from plans.accounts.models import Role
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import E2E_USERS
from tests.e2e.test_plan_map import _live_app

pytestmark = pytest.mark.e2e

SIZES = {"portable": (1366, 768), "tablette": (768, 1024)}
SHOTS = os.environ.get("PDLM_SHOTS")
FATOMA = "ML050104"
PLANNER_EMAIL = "planificateur@fatoma.ml"


def _sized(page: Page, size: str) -> Page:
    width, height = SIZES[size]
    page.set_viewport_size({"width": width, "height": height})
    return page


def _fits(page: Page, what: str) -> None:
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner, f"{what} : {scroll} px de large pour une fenêtre de {inner} px"


def _shot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def _accept_status(page: Page, status: str) -> None:
    """A refused post answers 400 or 409 (the app's contract), which chromium logs as a console error: that one
    expected message, and only it, is taken off the guarded page's problems (as tests/e2e/test_forms_fit.py)."""
    page.evaluate("0")  # a round trip: the console message has arrived
    expected = f"status of {status} ({page.url.split('#')[0]})"
    page.problems[:] = [p for p in page.problems if not (p.startswith("console : ") and p.endswith(expected))]


@pytest.fixture(scope="module")
def fatoma(live_server):
    """Fatoma's planner (created once for the module's tests)."""
    import sqlalchemy as sa

    from app.extensions import db
    from plans.accounts import service as accounts_service
    from plans.accounts.models import User
    from plans.owners import service as owners_service

    with _live_app().app_context():
        if db.session.scalar(sa.select(User).where(User.email == PLANNER_EMAIL)) is None:
            owner = owners_service.commune_owner(db.session, FATOMA)
            accounts_service.create_user(db.session, email=PLANNER_EMAIL, password=TEST_PASSWORD, role=Role.PLANNER,
                                         full_name="Planificateur de Fatoma", owners=[owner])
            db.session.commit()
        db.session.remove()
    return PLANNER_EMAIL


def fatoma_plan(title: str, *, submitted: bool = False) -> tuple[int, int, str]:
    """The Koniakary test case (every section filled) rebuilt for Fatoma under `title`: (id, actions, total)."""
    import sqlalchemy as sa

    from app.extensions import db
    from plans.accounts.models import User
    from plans.core import formatting
    from plans.demo import data as D
    from plans.demo import seed as demo
    from plans.owners import service as owners_service
    from plans.planning import finance
    from plans.planning.models import Plan, PlanStatus
    from plans.review import workflow

    with _live_app().app_context():
        owner = owners_service.commune_owner(db.session, FATOMA)
        planner = db.session.scalar(sa.select(User).where(User.email == PLANNER_EMAIL))
        spec = {**D.TC1, "uuid": None, "identification": {**D.TC1["identification"], "title": title}}
        seeded = demo.build_plan(db.session, owner, spec, user=planner, rng=random.Random(5))
        db.session.commit()
        plan = db.session.get(Plan, seeded.id)
        if submitted:
            workflow.transition(db.session, plan, planner, PlanStatus.SOUMIS, seen_status=PlanStatus.BROUILLON)
            db.session.commit()
        found = plan.id, len(plan.actions), formatting.fcfa(finance.plan_finance(plan).total)
        db.session.remove()
    return found


def reviewer_takes(plan_id: int) -> None:
    """A DGCT reviewer takes the plan in review, in another request."""
    import sqlalchemy as sa

    from app.extensions import db
    from plans.accounts.models import User
    from plans.planning.models import Plan, PlanStatus
    from plans.review import workflow

    with _live_app().app_context():
        reviewer = db.session.scalar(sa.select(User).where(User.email == E2E_USERS[Role.REVIEWER]))
        workflow.transition(db.session, db.session.get(Plan, plan_id), reviewer, PlanStatus.EN_REVUE,
                            seen_status=PlanStatus.SOUMIS)
        db.session.commit()
        db.session.remove()


def _log_in_as(page: Page, email: str) -> Page:
    page.goto("/compte/connexion")
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    return page


def _delete_through_the_confirmation(page: Page, size: str, plan_id: int, title: str, actions: int,
                                     total: str) -> None:
    page.goto(f"/plans/{plan_id}")
    _fits(page, "vue d'ensemble")
    _shot(page, f"{size}-brouillon")
    page.get_by_role("link", name="Supprimer ce brouillon…").click()
    expect(page).to_have_url(re.compile(rf"/plans/{plan_id}/supprimer$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Supprimer le plan « {title} » ?")
    facts = page.locator(".delete-summary")
    expect(facts).to_contain_text("Fatoma (Commune)")
    expect(page.locator("#delete-actions")).to_have_text(f"{actions} actions")
    expect(page.locator("#delete-total")).to_have_text(total)
    _fits(page, "confirmation de suppression")
    _shot(page, f"{size}-suppression-confirmation")
    page.get_by_role("button", name="Supprimer définitivement ce plan").click()
    expect(page).to_have_url(re.compile(r"/plans/$"))
    expect(page.locator(".flash").first).to_contain_text(f"Plan « {title} » supprimé, avec ses {actions} actions")
    expect(page.get_by_role("link", name=title)).to_have_count(0)
    assert page.request.get(f"/plans/{plan_id}").status == 404


@pytest.mark.parametrize("size", SIZES)
def test_a_planner_deletes_a_draft_after_confirming(guarded_page: Page, fatoma, size):
    title = f"PDESC de Fatoma à supprimer ({size})"
    plan_id, actions, total = fatoma_plan(title)
    page = _log_in_as(_sized(guarded_page, size), fatoma)
    _delete_through_the_confirmation(page, size, plan_id, title, actions, total)


@pytest.mark.browser_context_args(java_script_enabled=False)
def test_the_deletion_works_without_javascript(guarded_page: Page, fatoma):
    title = "PDESC de Fatoma à supprimer (sans JavaScript)"
    plan_id, actions, total = fatoma_plan(title)
    page = _log_in_as(_sized(guarded_page, "portable"), fatoma)
    _delete_through_the_confirmation(page, "sans-js", plan_id, title, actions, total)


@pytest.mark.parametrize("size", SIZES)
def test_a_planner_withdraws_a_submission_before_a_reviewer_takes_it(guarded_page: Page, fatoma, size):
    plan_id, _actions, _total = fatoma_plan(f"PDESC de Fatoma soumis ({size})", submitted=True)
    page = _log_in_as(_sized(guarded_page, size), fatoma)
    page.goto(f"/plans/{plan_id}")
    banner = page.locator(".status-banner")
    expect(banner).to_contain_text("Statut : Soumis")
    expect(banner).to_contain_text("sauf si vous retirez la soumission")
    expect(page.locator(".read-only-banner")).to_contain_text("vous pouvez retirer la soumission pour le modifier")
    withdraw = banner.get_by_role("button", name="Retirer la soumission")
    expect(withdraw).to_be_visible()
    assert withdraw.bounding_box()["y"] < page.viewport_size["height"], "le bouton doit se voir sans défiler"
    _fits(page, "plan soumis")
    _shot(page, f"{size}-plan-soumis-retirer")
    withdraw.click()
    expect(page).to_have_url(re.compile(rf"/plans/{plan_id}$"))
    expect(page.locator(".flash").first).to_have_text(
        "Soumission retirée : le plan est de nouveau un brouillon, modifiable.")
    expect(banner).to_contain_text("Statut : Brouillon")
    expect(page.locator(".read-only-banner")).to_have_count(0)
    expect(page.get_by_role("link", name="Supprimer ce brouillon…")).to_have_count(0)  # it was submitted once
    _fits(page, "plan retiré")


def test_a_withdrawal_after_a_reviewer_took_the_plan_is_refused_in_french(guarded_page: Page, fatoma):
    plan_id, _actions, _total = fatoma_plan("PDESC de Fatoma pris en revue", submitted=True)
    page = _log_in_as(_sized(guarded_page, "portable"), fatoma)
    page.goto(f"/plans/{plan_id}")
    withdraw = page.locator(".status-banner").get_by_role("button", name="Retirer la soumission")
    expect(withdraw).to_be_visible()
    reviewer_takes(plan_id)  # while the planner's page still shows « Soumis »
    withdraw.click()
    _accept_status(page, "409 (CONFLICT)")
    conflict = page.locator(".conflict")
    expect(conflict).to_contain_text("Le statut du plan a changé entre-temps")
    expect(conflict).to_contain_text("Ce plan est « En revue »")
    expect(conflict).to_contain_text("et non plus « Soumis »")
    expect(page.locator("#statut-actuel")).to_have_text("En revue")
    expect(page.get_by_role("button", name="Retirer la soumission")).to_have_count(0)


@pytest.mark.parametrize("size", SIZES)
def test_an_admin_creates_a_planner_by_typing_the_communes_name(guarded_page: Page, log_in, size):
    page = log_in(_sized(guarded_page, size), Role.ADMIN)
    email = f"planificateur-{size}@konna.ml"
    page.goto("/utilisateurs/nouveau")
    search = page.get_by_role("combobox", name="Ajouter une collectivité par son nom")
    search.press_sequentially("konn", delay=60)
    suggestion = page.locator("ul.suggestions li").filter(has_text="ML050105")
    expect(suggestion).to_have_count(1)
    expect(suggestion).to_contain_text("Konna")
    suggestion.click()
    chosen = page.locator("#chosen-owners li")
    expect(chosen).to_have_count(1)
    expect(chosen).to_contain_text("Konna")

    # Every mistake at once: an address left empty, a short password typed differently twice, an unknown P-code.
    page.get_by_label("Nom et prénom").fill("Oumou Konaté")
    page.get_by_label("Ou ajouter une collectivité par son P-code").fill("ML999999")
    page.get_by_label("Mot de passe initial").fill("court")
    page.get_by_label("Confirmez le mot de passe").fill("autre")
    page.get_by_role("button", name="Créer le compte").click()
    _accept_status(page, "400 (BAD REQUEST)")
    errors = page.locator(".field.has-error")
    expect(errors).to_have_count(4)
    expect(page.locator(".field.has-error:has(#email) .field-error")).to_have_text("Saisissez l'adresse électronique.")
    expect(page.locator(".field.has-error:has(#owner_codes) .field-error")).to_contain_text(
        "P-code inconnu : « ML999999 »")
    expect(page.locator(".field.has-error:has(#password) .field-error")).to_have_text(
        "Le mot de passe doit contenir au moins 10 caractères.")
    expect(page.locator(".field.has-error:has(#confirm_password) .field-error")).to_have_text(
        "Les deux saisies du mot de passe sont différentes.")
    expect(page.locator(".error-summary a")).to_have_count(4)
    expect(chosen).to_have_count(1)  # the commune chosen by its name is still there
    expect(chosen).to_contain_text("Konna")
    expect(page.get_by_label("Nom et prénom")).to_have_value("Oumou Konaté")
    _fits(page, "formulaire de compte avec erreurs")
    _shot(page, f"{size}-compte-erreurs")

    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Ou ajouter une collectivité par son P-code").fill("")
    page.get_by_label("Mot de passe initial").fill(TEST_PASSWORD)
    page.get_by_label("Confirmez le mot de passe").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Créer le compte").click()
    expect(page).to_have_url(re.compile(r"/utilisateurs/$"))
    expect(page.locator(".flash").first).to_have_text(f"Compte créé pour {email}.")
    row = page.locator("tr", has_text=email)
    expect(row).to_contain_text("Konna")
    _fits(page, "liste des comptes")
    _shot(page, f"{size}-comptes")

    # « Désactiver » reads as a link: not white on the white of the table.
    button = row.get_by_role("button", name=re.compile("Désactiver"))
    expect(button).to_be_visible()
    color, background = button.evaluate(
        """b => {
             let el = b, bg = "rgba(0, 0, 0, 0)";
             while (el && (bg === "rgba(0, 0, 0, 0)" || bg === "transparent")) {
               bg = getComputedStyle(el).backgroundColor; el = el.parentElement;
             }
             return [getComputedStyle(b).color, bg];
           }""")
    assert color != background and color != "rgb(255, 255, 255)", (color, background)
    _log_out_and_in(page, email)


def _log_out_and_in(page: Page, email: str) -> None:
    """The new planner logs in and finds Konna's space (an empty home: no plan yet)."""
    page.get_by_role("button", name="Se déconnecter").click()
    _log_in_as(page, email)
    page.goto("/plans/nouveau")
    expect(page.get_by_label("Collectivité ou groupement")).to_contain_text("Konna")
