"""A planner logs in, finds Koniakary in the territory browser, and lands on its page (région › cercle › commune).

Contract of the territory browser: a search input name="q" id="territory-search"; with JavaScript, a type-ahead
lists suggestions as `li` items of a `ul.suggestions` listbox (data from /territoire/recherche.json?q=); without
JavaScript, the form submits and the results are links; the page /territoire/<P-code> shows breadcrumbs.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

KONIAKARY = "ML010115"
CERCLE_KAYES = "ML0101"
REGION_KAYES = "ML01"


def _expect_koniakary_page(page: Page) -> None:
    expect(page).to_have_url(re.compile(rf"/territoire/{KONIAKARY}$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Koniakary")
    # The breadcrumbs link the région and the cercle — both called Kayes — to their own pages.
    region = page.locator(f'a[href$="/territoire/{REGION_KAYES}"]').filter(has_text="Kayes")
    cercle = page.locator(f'a[href$="/territoire/{CERCLE_KAYES}"]').filter(has_text="Kayes")
    expect(region.first).to_be_visible()
    expect(cercle.first).to_be_visible()
    crumbs = page.locator(f'nav:has(a[href$="/territoire/{CERCLE_KAYES}"])').first
    expect(crumbs).to_contain_text(re.compile(r"Kayes.*Kayes.*Koniakary", re.DOTALL))


def test_planner_finds_koniakary_with_the_typeahead(guarded_page: Page, log_in):
    page = log_in(guarded_page)
    page.get_by_role("link", name="Territoire").click()
    expect(page).to_have_url(re.compile(r"/territoire/$"))

    search = page.locator("#territory-search")
    expect(search).to_have_attribute("name", "q")
    search.press_sequentially("koniak", delay=60)

    suggestions = page.locator("ul.suggestions li")
    expect(suggestions.filter(has_text="Koniakary")).to_have_count(1)
    suggestions.filter(has_text="Koniakary").click()

    _expect_koniakary_page(page)


@pytest.mark.browser_context_args(java_script_enabled=False)
def test_without_javascript_the_search_form_lists_links(guarded_page: Page, log_in):
    page = log_in(guarded_page)
    page.goto("/territoire/")
    search = page.locator("#territory-search")
    search.fill("koniak")
    search.press("Enter")

    expect(page).to_have_url(re.compile(r"/territoire/.*[?&]q=koniak"))
    result = page.get_by_role("link", name=re.compile("Koniakary"))
    expect(result.first).to_be_visible()
    result.first.click()

    _expect_koniakary_page(page)
