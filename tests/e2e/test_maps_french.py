"""The maps speak French and stay readable, on a laptop (1366×768) and on a tablet (768×1024): Leaflet's zoom
buttons say « Zoom avant » / « Zoom arrière », the layers button « Couches »; the legend folds and, at first,
hides no marker; a popup opens clear of the controls; a commune's territory page shows its map, population and
plans. No sideways scroll; guarded_page fails the test on a console error or a request to another host."""
from __future__ import annotations

import os

import pytest
from playwright.sync_api import Page, expect

from plans.accounts.models import Role
from tests.e2e.test_forms_fit import SIZES, _page_width, _sized, demo_plan  # noqa: F401  (demo_plan: a fixture)

pytestmark = pytest.mark.e2e

SHOTS = os.environ.get("PDLM_SHOTS")
OVERLAP = """([a, b]) => { const r = a.getBoundingClientRect(), s = b.getBoundingClientRect();
  return r.left < s.right && s.left < r.right && r.top < s.bottom && s.top < r.bottom; }"""


def _overlaps(page: Page, a, b) -> bool:
    return page.evaluate(OVERLAP, [a.element_handle(), b.element_handle()])


def _zoom_in_french(page: Page, scope: str = "") -> None:
    expect(page.locator(f"{scope} .leaflet-control-zoom-in").first).to_have_attribute("title", "Zoom avant")
    expect(page.locator(f"{scope} .leaflet-control-zoom-out").first).to_have_attribute("title", "Zoom arrière")


@pytest.mark.parametrize("size", SIZES)
def test_the_plan_map_speaks_french_and_its_legend_folds(guarded_page: Page, log_in, demo_plan, size):  # noqa: F811
    page = log_in(_sized(guarded_page, size))
    page.goto(f"/plans/{demo_plan[0]}/carte")
    markers = page.locator("path.action-marker")
    expect(markers.first).to_be_visible()
    _zoom_in_french(page)
    expect(page.locator(".leaflet-control-layers-toggle")).to_have_attribute("title", "Couches")
    assert _page_width(page)[0] <= SIZES[size][0]

    legend = page.locator(".map-legend")
    fold = legend.locator("details")
    if size == "tablette":
        expect(fold).not_to_have_attribute("open", "")  # a small map: folded at first
        legend.locator("summary").click()
    expect(fold).to_have_attribute("open", "")
    expect(legend).to_contain_text("Financé par la diaspora")
    if SHOTS:
        page.locator(".map-box").screenshot(path=f"{SHOTS}/{size}-carte-legende.png")
    if size == "portable":  # open when the map was fitted: the fit left room for it
        for i in range(markers.count()):
            assert not _overlaps(page, markers.nth(i), legend), f"la légende cache le point {i + 1}"
    legend.locator("summary").click()
    expect(fold).not_to_have_attribute("open", "")
    expect(legend).to_contain_text("Légende")
    for i in range(markers.count()):
        assert not _overlaps(page, markers.nth(i), legend), f"la légende repliée cache le point {i + 1}"

    popup = page.locator(".leaflet-popup-content-wrapper")
    for i in range(markers.count()):
        markers.nth(i).click()
        expect(popup).to_be_visible()
        page.wait_for_timeout(400)  # the pan that makes room for the popup
        if SHOTS:
            page.locator(".map-box").screenshot(path=f"{SHOTS}/{size}-carte-bulle-{i + 1}.png")
        for control in (".leaflet-control-zoom", ".leaflet-control-layers"):
            assert not _overlaps(page, popup, page.locator(control)), f"la bulle {i + 1} passe sous {control}"
        page.locator(".folium-map").focus()
        page.keyboard.press("Escape")
        expect(popup).to_have_count(0)


def test_the_location_picker_speaks_french(guarded_page: Page, log_in, demo_plan):  # noqa: F811
    page = log_in(_sized(guarded_page, "tablette"))
    page.goto(f"/plans/{demo_plan[0]}/actions/{demo_plan[1]}")
    expect(page.locator("#location-map path").first).to_be_attached()
    _zoom_in_french(page, "#location-map")
    assert _page_width(page)[0] <= SIZES["tablette"][0]


def test_the_national_map_speaks_french(guarded_page: Page, log_in):
    page = log_in(guarded_page, Role.REVIEWER)
    page.goto("/")
    page.get_by_role("link", name="Carte nationale").first.click()
    expect(page.locator(".leaflet-control-zoom-in")).to_be_visible()
    _zoom_in_french(page)


@pytest.mark.parametrize("size", SIZES)
def test_a_commune_page_shows_its_map_population_and_plans(guarded_page: Page, log_in, demo_plan, size):  # noqa: F811
    page = log_in(_sized(guarded_page, size))
    page.goto("/territoire/ML010115")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Koniakary")
    box = page.locator("#unit-map")
    expect(box).to_be_visible()
    expect(box.locator(".leaflet-overlay-pane path")).to_have_count(1)
    _zoom_in_french(page, "#unit-map")
    expect(box.locator(".leaflet-control-attribution")).to_contain_text("DNCT/OCHA")
    section = page.locator("section", has=page.get_by_role("heading", name="Population et plans"))
    expect(section).to_contain_text("habitants en")
    plan_link = section.get_by_role("link", name="PDESC de la commune de Koniakary 2025-2029").first
    expect(plan_link).to_be_visible()
    assert _page_width(page)[0] <= SIZES[size][0]
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{size}-territoire.png", full_page=True)
    plan_link.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("PDESC de la commune de Koniakary")
