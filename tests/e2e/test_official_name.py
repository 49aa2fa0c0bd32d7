"""An administrator gives a commune its official name, with its accents, on the commune's page; the page and the
territory type-ahead then show it, and clearing it brings back the name of the boundary files.

The boundary files write the commune ML040101 "Baraoueli" (chef-lieu of the cercle of Barouéli); the shipped
corrections (geodata/name_corrections.csv) leave it to the administrators. The test clears the name at the end:
the live server's database is shared by the session's browser tests.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from plans.accounts.models import Role

pytestmark = pytest.mark.e2e

CODE = "ML040101"


def test_the_admin_sets_an_official_name_that_the_typeahead_shows(guarded_page: Page, log_in):
    page = log_in(guarded_page, Role.ADMIN)
    page.goto(f"/territoire/{CODE}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Baraoueli")

    page.get_by_role("textbox", name="Nom officiel").fill("Barouéli")
    page.get_by_role("button", name="Enregistrer le nom officiel").click()
    try:
        expect(page).to_have_url(re.compile(rf"/territoire/{CODE}$"))
        expect(page.get_by_role("status")).to_contain_text("Nom officiel enregistré : Barouéli.")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Barouéli")
        expect(page.locator(".facts").first).to_contain_text(re.compile(r"Nom dans la source\s*Baraoueli"))

        page.goto("/territoire/")
        page.locator("#territory-search").press_sequentially("baroueli", delay=40)
        commune = page.locator("ul.suggestions li").filter(has_text=re.compile(r"Barouéli.*commune"))
        expect(commune).to_have_count(1)
        expect(page.locator("ul.suggestions")).not_to_contain_text("Baraoueli")
        commune.click()
        expect(page).to_have_url(re.compile(rf"/territoire/{CODE}$"))
        expect(page.get_by_role("heading", level=1)).to_contain_text("Barouéli")
    finally:
        page.goto(f"/territoire/{CODE}")
        page.get_by_role("textbox", name="Nom officiel").fill("")
        page.get_by_role("button", name="Enregistrer le nom officiel").click()
    expect(page.get_by_role("status")).to_contain_text("Nom officiel retiré")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Baraoueli")
