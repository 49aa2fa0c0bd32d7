"""A planner shortens the period under programmed actions: the save lists the amounts that would fall outside and
asks; choosing « déplacer » saves the period with the amounts moved, and the financing plan shows each of them in the
year it now belongs to (plans/planning/period.py), at a laptop's and a tablet's window size with no page wider than
the window (`sized_page`). Screenshots go to /tmp/shots/ (never into the repository)."""
from __future__ import annotations

import itertools
import re
from pathlib import Path

from playwright.sync_api import Page, expect

SHOTS = Path("/tmp/shots")
SAVED = re.compile(r"Enregistré à \d\d:\d\d")
_counter = itertools.count(1)


def _cells(row) -> list[str]:
    return [re.sub(r"[ \t\n]+", " ", t).strip() for t in row.locator("th, td").all_inner_texts()]  # keeps U+202F


def test_shortening_the_period_lists_the_amounts_and_moves_them_into_the_new_years(sized_page: Page, log_in):
    page = log_in(sized_page)
    page.goto("/plans/nouveau")
    page.get_by_label("Titre du plan").fill(f"PDESC période raccourcie {next(_counter)}")
    page.get_by_label("Année de début").fill("2025")  # five years: 2025–2029
    page.get_by_role("button", name="Créer le plan").click()
    expect(page.get_by_role("heading", name="Ce qui reste à faire")).to_be_visible()
    plan_url = page.url.rstrip("/")

    # An action of 10 000 000 FCFA programmed in 2025 and 2029, funded by the State.
    page.goto(plan_url + "/actions/nouvelle")
    page.get_by_label("Secteur", exact=True).select_option("hydraulique")
    page.get_by_label("Intitulé de l'action").fill("Forage de Khasso")
    page.get_by_label("Coût unitaire (FCFA)").fill("10 000 000")
    page.locator('[name="schedule-2025"]').fill("4 000 000")
    page.locator('[name="schedule-2029"]').fill("6 000 000")
    page.locator('[name="funding_lines-0-source_type"]').select_option("etat")
    page.locator('[name="funding_lines-0-amount"]').fill("10 000 000")
    page.get_by_role("button", name="Enregistrer l'action").click()
    expect(page.locator(".flash").first).to_contain_text("Action « Forage de Khasso » enregistrée.")

    # The period shortened to 2025–2027: nothing saved yet, the amount concerned listed, a question asked.
    page.goto(plan_url + "/identification")
    page.get_by_label("Année de fin").fill("2027")
    page.get_by_label("Résumé et contexte").fill("Plan ramené à trois ans par le conseil.")
    page.get_by_role("button", name="Enregistrer la section").click()
    question = page.locator("#periode-hors")
    expect(question).to_be_visible()
    expect(question.get_by_role("heading")).to_contain_text("hors de la nouvelle période 2025–2027")
    row = question.locator("tbody tr")
    expect(row).to_have_count(1)
    assert _cells(row) == ["Forage de Khasso", "2029 hors période", "6\u202f000\u202f000\u00a0FCFA", "va en 2027"]
    expect(page.get_by_label("Résumé et contexte")).to_have_value("Plan ramené à trois ans par le conseil.")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"period_question-{page.viewport_size['width']}.png"), full_page=True)

    question.get_by_label(re.compile("Déplacer les montants dans la période 2025–2027")).check()
    question.get_by_role("button", name="Confirmer mon choix").click()
    expect(page.locator(".flash").first).to_contain_text(SAVED)
    expect(page.get_by_label("Année de fin")).to_have_value("2027")
    expect(page.get_by_label("Résumé et contexte")).to_have_value("Plan ramené à trois ans par le conseil.")

    # The financing plan: 4 000 000 in 2025, the 6 000 000 of 2029 now in 2027, nothing « hors période ».
    page.goto(plan_url + "/financement")
    matrix = page.locator("table.finance-matrix")
    expect(matrix.locator("thead tr")).to_have_count(1)
    assert _cells(matrix.locator("thead tr")) == ["Source", "2025", "2026", "2027", "Total"]
    state = matrix.locator("tbody tr", has=page.locator("th", has_text="État"))
    assert _cells(state) == ["État", "4\u202f000\u202f000", "0", "6\u202f000\u202f000", "10\u202f000\u202f000"]
    expect(page.locator("main")).not_to_contain_text("hors période")
    page.screenshot(path=str(SHOTS / f"period_moved_financement-{page.viewport_size['width']}.png"), full_page=True)

    # The action's form has the amount in its new year.
    page.goto(plan_url + "/actions")
    page.get_by_role("link", name="Forage de Khasso").first.click()
    expect(page.locator('[name="schedule-2027"]')).to_have_value("6 000 000")
    expect(page.locator('[name="schedule-2029"]')).to_have_count(0)
