"""The planner's first hour, part 1: nothing typed is ever lost.

- Section 3 has one form per page: the diaspora associations are added on a page of their own.
- Leaving a changed form asks first (beforeunload, static/js/unsaved.js); saving it does not.
- Two tabs on one section or one action: the later save gets the 409 screen, field by field in French, and the
  planner's per-field choices are exactly what is stored.
- Without JavaScript a section and an action still save.
Each case but the last runs at a laptop's and a tablet's window size, and no page it opens may be wider than the
window (`sized_page`, tests/e2e/conftest.py).
Screenshots go to /tmp/shots/ (never into the repository).
"""
from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import E2E_USERS

SHOTS = Path("/tmp/shots")
SAVED = re.compile(r"Enregistré à \d\d:\d\d")
_counter = itertools.count(1)
# What the 409 screen must never show: the form's internal names and the codes of its choices.
INTERNAL = ("emigrants_total", "emigrants_international", "remittances_fcfa_per_year", "destinations-",
            "estime", "declaratif", "sante", "hydraulique", "unit_cost", "localities", "None")


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{page.viewport_size['width']}.png"), full_page=True)


def _new_plan(page: Page, label: str) -> str:
    page.goto("/plans/nouveau")
    page.get_by_label("Titre du plan").fill(f"PDESC {label} {next(_counter)}")
    page.get_by_label("Année de début").fill("2025")
    page.get_by_role("button", name="Créer le plan").click()
    expect(page.get_by_role("heading", name="Ce qui reste à faire")).to_be_visible()
    return page.url.rstrip("/")


def _save_section(page: Page) -> None:
    page.get_by_role("button", name="Enregistrer la section").click()
    expect(page.locator(".flash").first).to_contain_text(SAVED)


def _section_link(page: Page, name: str):
    """The link to a section in the plan's menu, opening the menu first where it is folded (on a tablet)."""
    menu = page.get_by_role("navigation", name="Sections du plan")
    button = menu.locator("label.plan-nav-button")
    if button.is_visible():
        button.click()
    return menu.get_by_role("link", name=re.compile(name))


def _dialogs(page: Page, accept: bool = False) -> list[str]:
    """Records the type of every dialog; a beforeunload one is dismissed (stay on the page) unless `accept`."""
    seen: list[str] = []

    def on_dialog(dialog):
        seen.append(dialog.type)
        dialog.accept() if accept else dialog.dismiss()

    page.on("dialog", on_dialog)
    return seen


def _assert_no_internal(page: Page) -> None:
    text = page.locator("main").inner_text()
    for word in INTERNAL:
        assert word not in text, f"« {word} » visible on the 409 screen"


def _accept_status(page: Page, status: str) -> None:
    """A refused (400) or stale (409) form comes back with that status, which chromium logs as a console error:
    that one expected message, and only it, is taken off the guarded page's problems (as test_forms_fit.py)."""
    page.evaluate("0")  # a round trip: the console message has arrived
    expected = f"status of {status} ({page.url.split('#')[0]})"
    page.problems[:] = [p for p in page.problems if not (p.startswith("console : ") and p.endswith(expected))]


def _second_tab(context, url: str, like: Page) -> Page:
    """Another tab of the same session, of the size of `like`, watched like the guarded page (console errors,
    JavaScript errors, a page wider than the window)."""
    tab = context.new_page()
    tab.set_viewport_size(like.viewport_size)
    tab.set_default_timeout(10_000)
    tab.problems = []
    def on_console(message):
        if message.type == "error":
            tab.problems.append(f"console : {message.text} ({message.location.get('url', '')})")

    tab.on("console", on_console)
    tab.on("pageerror", lambda error: tab.problems.append(f"erreur JavaScript : {error}"))
    tab.goto(url)
    return tab


def _choose(page: Page, label: str, choice: str) -> None:
    """Ticks « garder ma saisie » / « reprendre la version enregistrée » on the row named `label`."""
    row = page.locator("tr.conflict-differs").filter(has=page.locator("th", has_text=label))
    expect(row).to_have_count(1)
    row.get_by_label(choice).check()


# ----- Section 3: one form per page --------------------------------------------------------------------------

def test_section_3_association_has_its_own_page_and_the_section_text_survives(sized_page: Page, log_in):
    page = log_in(sized_page)
    plan_url = _new_plan(page, "associations")
    association = f"Amicale Jikké de Montreuil ({page.window_size})"  # the commune's associations serve all its plans
    page.goto(plan_url + "/migration")
    expect(page.locator("#association-form")).to_have_count(0)  # not on the section page
    page.get_by_label("Émigrés (total)").click()
    page.keyboard.type("10 799")
    page.locator('[name="source"]').fill("Monographie communale")
    seen = _dialogs(page)
    # Going to the association page with the section changed: the page asks, and staying keeps the text.
    page.get_by_role("link", name="Ajouter une association").click()
    page.wait_for_timeout(300)
    assert seen == ["beforeunload"]
    assert page.url.endswith("/migration")
    expect(page.get_by_label("Émigrés (total)")).to_have_value("10 799")
    _save_section(page)
    page.get_by_role("link", name="Ajouter une association").click()
    expect(page.locator("#association-form")).to_be_visible()
    assert seen == ["beforeunload"]  # saved: no question
    page.get_by_label("Nom de l'association").fill(association)
    page.get_by_label("Pays du siège").select_option("FR")
    page.get_by_label("Ville du siège").fill("Paris")
    _shot(page, "association_page")
    page.get_by_role("button", name="Enregistrer l'association").click()
    expect(page.locator(".flash").first).to_contain_text(f"Association « {association} » enregistrée.")
    expect(page.get_by_label("Émigrés (total)")).to_have_value(re.compile(r"^10 ?799$"))
    expect(page.locator('[name="source"]')).to_have_value("Monographie communale")
    expect(page.locator("#associations")).to_contain_text(association)
    # Its edit page, from the list; a refused save stays on that page with what was typed.
    # (the commune may hold other associations, made by earlier tests on the same server: pick this one)
    page.get_by_role("link", name=f"Modifier ou supprimer « {association} »").click()
    page.get_by_label("Nom de l'association").fill("")
    page.get_by_role("button", name="Enregistrer l'association").click()
    expect(page.locator("#association-form")).to_contain_text("Donnez le nom")
    _accept_status(page, "400 (BAD REQUEST)")
    expect(page.get_by_label("Ville du siège")).to_have_value("Paris")
    seen.clear()
    page.get_by_role("link", name="← Retour au diagnostic migratoire").click()
    page.wait_for_timeout(300)
    assert seen == ["beforeunload"]  # the refused input is unsaved: leaving asks


# ----- Leaving a changed form asks ---------------------------------------------------------------------------

def test_leaving_a_changed_form_asks_and_saving_does_not(sized_page: Page, log_in):
    page = log_in(sized_page)
    plan_url = _new_plan(page, "départ")
    page.goto(plan_url + "/identification")
    seen = _dialogs(page)
    # Unchanged: leaving asks nothing.
    _section_link(page, "Diagnostic migratoire").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Diagnostic migratoire")
    assert seen == []
    page.get_by_label("Source", exact=True).click()
    page.keyboard.type("Monographie communale")
    _section_link(page, "Situation de référence").click()
    page.wait_for_timeout(300)
    assert seen == ["beforeunload"]
    expect(page.get_by_role("heading", level=1)).to_contain_text("Diagnostic migratoire")  # stayed
    # Closing the tab asks too.
    seen.clear()
    page.close(run_before_unload=True)
    page.wait_for_timeout(300)
    assert seen == ["beforeunload"]


def test_saving_a_changed_form_does_not_ask(sized_page: Page, log_in):
    page = log_in(sized_page)
    plan_url = _new_plan(page, "enregistrer")
    page.goto(plan_url + "/migration")
    seen = _dialogs(page)
    page.get_by_label("Source", exact=True).click()
    page.keyboard.type("Monographie communale")
    _save_section(page)
    _section_link(page, "Situation de référence").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Situation de référence")
    assert seen == []


# ----- Two tabs: the 409 screen -----------------------------------------------------------------------------

def test_two_tabs_on_a_section_resolve_field_by_field(sized_page: Page, log_in, context):
    tab_a = log_in(sized_page)
    plan_url = _new_plan(tab_a, "deux onglets")
    tab_a.goto(plan_url + "/migration")
    tab_b = _second_tab(context, plan_url + "/migration", tab_a)
    _dialogs(tab_a, accept=True), _dialogs(tab_b, accept=True)

    tab_a.get_by_label("Émigrés (total)").fill("10 799")
    tab_a.get_by_label("Fiabilité").select_option("estime")
    tab_a.get_by_label("Transferts reçus, estimation (FCFA par an)").fill("1500000000")
    tab_a.locator('[name="destinations-0-country"]').select_option("FR")
    tab_a.locator('[name="destinations-0-count"]').fill("3 000")
    _save_section(tab_a)

    tab_b.get_by_label("Émigrés (total)").fill("11 000")
    tab_b.get_by_label("Fiabilité").select_option("declaratif")
    tab_b.get_by_label("Transferts reçus, estimation (FCFA par an)").fill("1 500 000 000")  # the same amount
    tab_b.get_by_label("Source").fill("Enquête <b>diaspora</b>")
    tab_b.locator('[name="destinations-0-country"]').select_option("SN")
    tab_b.locator('[name="destinations-0-count"]').fill("500")
    tab_b.get_by_role("button", name="Enregistrer la section").click()

    expect(tab_b.get_by_role("heading", name=re.compile("Quelqu'un a enregistré cette section"))).to_be_visible()
    _accept_status(tab_b, "409 (CONFLICT)")
    _shot(tab_b, "conflict_section")
    main = tab_b.locator("main")
    expect(main).to_contain_text("Émigrés (total)")
    expect(main).to_contain_text("Estimé")
    expect(main).to_contain_text("Déclaratif")
    expect(main).to_contain_text(re.compile(r"10\u202f799"))
    expect(main).to_contain_text(re.compile(r"11\u202f000"))
    expect(main).to_contain_text(re.compile(r"1\u202f500\u202f000\u202f000\u00a0FCFA"))
    expect(main).to_contain_text("Enquête <b>diaspora</b>")  # escaped, shown as typed
    expect(main).to_contain_text("France")
    expect(main).to_contain_text("Sénégal")
    _assert_no_internal(tab_b)
    # The same amount typed two ways is not a difference; the other three are marked.
    expect(tab_b.locator("tr.conflict-same", has_text="Transferts reçus")).to_have_count(1)
    for label in ("Émigrés (total)", "Fiabilité", "Source"):
        expect(tab_b.locator("tr.conflict-differs", has_text=label).first).to_contain_text("Différent")

    _choose(tab_b, "Émigrés (total)", "garder ma saisie")
    _choose(tab_b, "Fiabilité", "reprendre la version enregistrée")
    _choose(tab_b, "Source", "garder ma saisie")
    _choose(tab_b, "Destination 1", "reprendre la version enregistrée")  # France: keep the saved row
    _choose(tab_b, "Destination 2", "garder ma saisie")  # Sénégal: add mine
    tab_b.get_by_role("button", name="Enregistrer avec mes choix").click()
    expect(tab_b.locator(".flash").first).to_contain_text(SAVED)

    tab_b.goto(plan_url + "/migration")
    expect(tab_b.get_by_label("Émigrés (total)")).to_have_value(re.compile(r"^11 ?000$"))
    expect(tab_b.get_by_label("Fiabilité")).to_have_value("estime")
    expect(tab_b.get_by_label("Source")).to_have_value("Enquête <b>diaspora</b>")
    expect(tab_b.get_by_label("Transferts reçus, estimation (FCFA par an)")).to_have_value("1 500 000 000")
    expect(tab_b.locator('[name="destinations-0-country"]')).to_have_value("FR")
    expect(tab_b.locator('[name="destinations-0-count"]')).to_have_value(re.compile(r"^3 ?000$"))
    expect(tab_b.locator('[name="destinations-1-country"]')).to_have_value("SN")
    expect(tab_b.locator('[name="destinations-1-count"]')).to_have_value("500")
    expect(tab_b.locator('[name="destinations-2-country"]')).to_have_value("")
    assert tab_b.problems == []
    tab_b.close()


def _new_action(page: Page, plan_url: str, title: str) -> str:
    page.goto(plan_url + "/actions/nouvelle")
    page.get_by_label("Secteur", exact=True).select_option("sante")
    page.get_by_label("Intitulé de l'action").fill(title)
    page.get_by_label("Localité(s)").fill("Koniakary")
    page.get_by_label("Coût unitaire (FCFA)").fill("45 000 000")
    page.get_by_role("button", name=re.compile("Répartir également")).click()
    page.get_by_role("button", name="Enregistrer l'action").click()
    expect(page.locator(".flash").first).to_contain_text(f"Action « {title} » enregistrée.")
    return _action_url(page)


def _action_url(page: Page) -> str:
    """The URL of the (only) action's form, from the PIP list."""
    href = page.locator('a[href*="/actions/"]').evaluate_all(
        "links => links.map(a => a.href).find(h => /\\/actions\\/\\d+$/.test(h))")
    assert href, "no link to the action's form on the PIP"
    return href


def test_two_tabs_on_an_action_resolve_field_by_field(sized_page: Page, log_in, context):
    tab_a = log_in(sized_page)
    plan_url = _new_plan(tab_a, "action deux onglets")
    url = _new_action(tab_a, plan_url, "Extension du CSCOM")
    tab_a.goto(url)
    tab_b = _second_tab(context, url, tab_a)
    _dialogs(tab_a, accept=True), _dialogs(tab_b, accept=True)

    tab_a.get_by_label("Intitulé de l'action").fill("Extension du CSCOM (onglet A)")
    tab_a.get_by_label("Unité").fill("bâtiment")
    tab_a.get_by_label("Maître d'ouvrage").fill("La commune")
    tab_a.get_by_role("button", name="Enregistrer l'action").click()
    expect(tab_a.locator(".flash").first).to_contain_text("enregistrée")

    tab_b.get_by_label("Intitulé de l'action").fill("Extension du CSCOM (onglet B)")
    tab_b.get_by_label("Résultats attendus").fill("Une maternité de 10 lits")
    tab_b.get_by_label("Maître d'ouvrage").fill("Le conseil de cercle")
    tab_b.get_by_role("button", name="Enregistrer l'action").click()
    expect(tab_b.get_by_role("heading", name=re.compile("Quelqu'un a enregistré cette action"))).to_be_visible()
    _accept_status(tab_b, "409 (CONFLICT)")
    _shot(tab_b, "conflict_action")
    main = tab_b.locator("main")
    for label in ("Intitulé de l'action", "Résultats attendus", "Maître d'ouvrage", "Coût unitaire (FCFA)",
                  "Objectif (section 4)", "Liens avec la migration", "Longitude", "Programmation 2025 (FCFA)"):
        expect(main).to_contain_text(label)  # every field of the form
    expect(main).to_contain_text("Santé")
    expect(main).to_contain_text(re.compile(r"45\u202f000\u202f000\u00a0FCFA"))
    _assert_no_internal(tab_b)

    _choose(tab_b, "Intitulé de l'action", "garder ma saisie")
    _choose(tab_b, "Unité", "reprendre la version enregistrée")
    _choose(tab_b, "Résultats attendus", "garder ma saisie")
    _choose(tab_b, "Maître d'ouvrage", "reprendre la version enregistrée")
    tab_b.get_by_role("button", name="Enregistrer avec mes choix").click()
    expect(tab_b.locator(".flash").first).to_contain_text("Action « Extension du CSCOM (onglet B) » enregistrée.")

    tab_b.goto(url)
    expect(tab_b.get_by_label("Intitulé de l'action")).to_have_value("Extension du CSCOM (onglet B)")
    expect(tab_b.get_by_label("Unité")).to_have_value("bâtiment")
    expect(tab_b.get_by_label("Coût unitaire (FCFA)")).to_have_value("45 000 000")
    expect(tab_b.get_by_label("Résultats attendus")).to_have_value("Une maternité de 10 lits")
    expect(tab_b.get_by_label("Maître d'ouvrage")).to_have_value("La commune")
    expect(tab_b.get_by_label("Localité(s)")).to_have_value("Koniakary")
    assert tab_b.problems == []
    tab_b.close()


# ----- Without JavaScript --------------------------------------------------------------------------------------

@pytest.fixture
def no_js_page(browser, live_server):
    context = browser.new_context(java_script_enabled=False, base_url=live_server)
    page = context.new_page()
    page.set_default_timeout(10_000)
    external: list[str] = []

    def guard(route):
        if route.request.url.startswith(live_server + "/"):
            route.continue_()
        else:
            external.append(route.request.url)
            route.abort()

    context.route(re.compile(r".*"), guard)
    yield page
    context.close()
    assert external == []


def test_without_javascript_a_section_and_an_action_save(no_js_page: Page):
    page = no_js_page
    page.goto("/compte/connexion")
    page.get_by_label("Adresse électronique").fill(E2E_USERS[next(iter(E2E_USERS))])
    page.get_by_label("Mot de passe", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    plan_url = _new_plan(page, "sans JavaScript")
    page.goto(plan_url + "/migration")
    page.get_by_label("Émigrés (total)").fill("10 799")
    _save_section(page)
    expect(page.get_by_label("Émigrés (total)")).to_have_value(re.compile(r"^10 ?799$"))
    url = _new_action(page, plan_url, "AEP de Khasso")
    page.goto(url)
    page.get_by_label("Maître d'ouvrage").fill("La commune")
    page.get_by_role("button", name="Enregistrer l'action").click()
    expect(page.locator(".flash").first).to_contain_text("Action « AEP de Khasso » enregistrée.")
    page.goto(url)
    expect(page.get_by_label("Maître d'ouvrage")).to_have_value("La commune")
