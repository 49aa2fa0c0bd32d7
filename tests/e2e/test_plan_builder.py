"""A planner builds a plan section by section in the browser, leaves, comes back and finds everything."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

SAVED = re.compile(r"Enregistré à \d\d:\d\d")


def _save(page: Page) -> None:
    page.get_by_role("button", name="Enregistrer la section").click()
    expect(page.locator(".flash").first).to_contain_text(SAVED)


def _open_section(page: Page, title: str) -> None:
    page.get_by_role("navigation", name="Sections du plan").get_by_role(
        "link", name=re.compile(re.escape(title))).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(title)


def test_a_planner_fills_a_plan_section_by_section_and_finds_it_again(guarded_page: Page, log_in):
    page = log_in(guarded_page)
    page.get_by_role("link", name="Nouveau plan").first.click()
    page.get_by_label("Titre du plan").fill("PDESC de Koniakary 2025-2029 (navigateur)")
    page.get_by_label("Année de début").fill("2025")
    page.get_by_role("button", name="Créer le plan").click()
    expect(page.get_by_role("heading", name="Ce qui reste à faire")).to_be_visible()
    plan_url = page.url

    _open_section(page, "Identification et démarche")
    page.get_by_label("Facilitateurs (bureau d'études, ADR, PTF…)").fill("ADR Kayes & GRDR <Kayes>")
    page.locator('[name="process_steps-0-step"]').select_option("diagnostic_migratoire")
    page.locator('[name="process_steps-0-place"]').fill("Villetaneuse")
    page.locator('[name="process_steps-0-place_country"]').select_option("FR")
    page.locator('[name="process_steps-0-diaspora"]').fill("1 250")
    _save(page)

    _open_section(page, "Situation de référence")
    page.locator('[name="population_records-0-year"]').fill("2009")
    page.locator('[name="population_records-0-value"]').fill("8 135")
    page.locator('[name="population_records-0-source"]').select_option("rgph_2009")
    page.locator('[name="sector_diagnostics-0-sector"]').select_option("sante")
    page.locator('[name="sector_diagnostics-0-findings_text"]').fill("Le CSCOM est trop petit pour la population.")
    _save(page)

    _open_section(page, "Diagnostic migratoire")
    page.get_by_label("Émigrés (total)").fill("10 799")
    page.get_by_label("dont migrants internes (ailleurs au Mali)").fill("4 005")
    page.get_by_label("dont émigrés internationaux").fill("6 794")
    page.get_by_label("Année des données").fill("2009")
    page.locator('[name="source"]').fill("Monographie communale")
    page.get_by_label("Fiabilité").select_option("estime")
    page.locator('[name="destinations-0-country"]').select_option("FR")
    page.locator('[name="destinations-0-count"]').fill("3 000")
    page.locator('[name="findings-0-text"]').fill("La diaspora finance déjà la santé.")
    _save(page)

    _open_section(page, "Orientations stratégiques")
    page.locator('[name="axes-0-title"]').fill("Améliorer l'accès aux services sociaux de base")
    page.locator('[name="axes-0-objectives-0-title"]').fill("Étendre le CSCOM")
    _save(page)
    expect(page.get_by_role("navigation", name="Sections du plan")).to_contain_text("Complète")

    # Section 5: the AEP of quartier Khasso, ANICT 80 % / commune 10 %, the population's 10 % still sought.
    _open_section(page, "Actions (PIP)")
    page.get_by_role("link", name="Ajouter une action").click()
    page.get_by_label("Secteur", exact=True).select_option("hydraulique")
    page.get_by_label("Intitulé de l'action").fill("AEP du quartier Khasso")
    page.get_by_label("Localité(s)").fill("Khasso")
    page.get_by_label("Coût unitaire (FCFA)").fill("60.000.000")
    page.get_by_role("button", name=re.compile("Répartir également")).click()
    page.locator('[name="funding_lines-0-source_type"]').select_option("anict")
    page.locator('[name="funding_lines-0-share_pct"]').fill("80")
    page.locator('[name="funding_lines-1-source_type"]').select_option("budget_communal")
    page.locator('[name="funding_lines-1-amount"]').fill("6 000 000")
    page.get_by_role("button", name="Enregistrer l'action").click()
    pip = page.locator("#action-list, table").first
    expect(pip).to_contain_text("AEP du quartier Khasso")
    expect(page.locator("body")).to_contain_text(re.compile(r"60\D000\D000"))
    _open_section(page, "Financement")
    summary = page.locator("body")
    expect(summary).to_contain_text(re.compile(r"Non couvert\s*6\D000\D000"))

    # Leave, come back another day: everything is there.
    page.get_by_role("button", name="Se déconnecter").click()
    log_in(page)
    page.get_by_role("link", name="PDESC de Koniakary 2025-2029 (navigateur)").first.click()
    expect(page).to_have_url(plan_url)
    _open_section(page, "Identification et démarche")
    expect(page.get_by_label("Facilitateurs (bureau d'études, ADR, PTF…)")).to_have_value("ADR Kayes & GRDR <Kayes>")
    expect(page.locator('[name="process_steps-0-place"]')).to_have_value("Villetaneuse")
    _open_section(page, "Diagnostic migratoire")
    expect(page.get_by_label("Émigrés (total)")).to_have_value(re.compile(r"^10\D?799$"))
    _open_section(page, "Orientations stratégiques")
    expect(page.locator('[name="axes-0-title"]')).to_have_value("Améliorer l'accès aux services sociaux de base")
