"""An administrator builds a grouping with the member picker, by keyboard, as on a tablet with a keyboard cover.

Contract of the picker (app/static/js/typeahead.js): with JavaScript the textarea of codes gives way to a combobox
whose suggestions (ARIA listbox) come from /territoire/recherche.json; arrows move, Enter adds the commune to a list
of hidden inputs `member_codes`, "Retirer" takes it out; Enter never submits the form from the picker.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from plans.accounts.models import Role

pytestmark = pytest.mark.e2e


def test_admin_builds_a_syndicat_with_the_keyboard(guarded_page: Page, log_in):
    page = log_in(guarded_page, Role.ADMIN)
    page.goto("/groupements/nouveau")
    expect(page.locator("#member-codes-text-wrapper")).to_be_hidden()
    page.get_by_label("Nom du groupement").fill("Entente de test Diafounou")
    page.get_by_label("Type de groupement").select_option("entente")

    search = page.locator("#member-search")
    expect(search).to_have_attribute("role", "combobox")
    search.press_sequentially("kirané", delay=40)
    listbox = page.get_by_role("listbox")
    expect(listbox.get_by_role("option").first).to_contain_text("Kirane Kaniaga")
    search.press("ArrowDown")
    expect(search).to_have_attribute("aria-activedescendant", re.compile(r"-option-0$"))
    expect(listbox.get_by_role("option").first).to_have_attribute("aria-selected", "true")
    search.press("Enter")
    chosen = page.locator("#chosen-members")
    expect(chosen.locator('input[name="member_codes"][value="ML010706"]')).to_have_count(1)
    expect(search).to_have_value("")
    expect(page).to_have_url(re.compile(r"/groupements/nouveau$"))  # Enter did not submit

    search.press_sequentially("diafounou", delay=40)
    expect(listbox.get_by_role("option")).to_have_count(2)
    search.press("ArrowDown")
    search.press("ArrowDown")
    search.press("Enter")
    expect(chosen.locator('input[name="member_codes"][value="ML010702"]')).to_have_count(1)

    search.press_sequentially("fanga", delay=40)
    expect(listbox.get_by_role("option").first).to_contain_text("Fanga")
    search.press("Escape")
    expect(listbox).to_be_hidden()
    search.fill("")

    search.press_sequentially("toya", delay=40)
    listbox.get_by_role("option").filter(has_text="Toya").click()
    chosen.get_by_role("button", name="Retirer Toya").click()
    expect(chosen.locator('input[value="ML010710"]')).to_have_count(0)

    page.get_by_role("button", name="Enregistrer le groupement").click()
    expect(page).to_have_url(re.compile(r"/groupements/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Entente de test Diafounou")
    members = page.locator("#membres-maliens").locator("xpath=..")
    expect(members).to_contain_text("Kirane Kaniaga")
    expect(members).to_contain_text("Diafounou Gory")
    expect(members).not_to_contain_text("Toya")


def test_the_edit_page_moves_the_codes_into_the_picker_list(guarded_page: Page, log_in):
    page = log_in(guarded_page, Role.ADMIN)
    page.goto("/groupements/nouveau")
    page.get_by_label("Nom du groupement").fill("GLCT de test")
    page.get_by_label("Type de groupement").select_option("glct")
    page.locator("#member-search").press_sequentially("finkolo", delay=40)
    page.get_by_role("listbox").get_by_role("option").filter(has_text=re.compile(r"^Finkolo —")).click()
    page.locator("#foreign-country").select_option("BFA")
    page.locator("#foreign-search").press_sequentially("kenedougou", delay=40)
    option = page.get_by_role("listbox").get_by_role("option").filter(has_text="Burkina Faso").first
    expect(option).to_be_visible()
    option.click()
    page.locator("#foreign_name-0").fill("N'Dorola")
    page.locator("#foreign_country-0").select_option("BFA")
    page.get_by_role("button", name="Enregistrer le groupement").click()
    expect(page).to_have_url(re.compile(r"/groupements/\d+$"))
    expect(page.locator("body")).to_contain_text("Sans géométrie : N'Dorola (BFA).")

    page.get_by_role("link", name="Modifier").click()
    expect(page.locator("#member-codes-text-wrapper")).to_be_hidden()
    expect(page.locator('#chosen-members input[name="member_codes"][value="ML030711"]')).to_have_count(1)
    expect(page.locator("#chosen-foreign input[name=foreign_codes]")).to_have_count(1)
    expect(page.locator("#foreign_name-0")).to_have_value("N'Dorola")
    page.get_by_label("Nom du groupement").fill("GLCT de test (modifié)")
    page.get_by_role("button", name="Enregistrer le groupement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("GLCT de test (modifié)")
    expect(page.locator("body")).to_contain_text("Finkolo")
