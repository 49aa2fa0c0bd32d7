"""A reviewer opens the national map: 701 communes drawn, the diaspora share chosen, région de Kayes filtered,
Koniakary listed at 9,69 % in the table twin, its row opens its plan; no console error, no external request
(guarded_page fails the test on those)."""
from __future__ import annotations

import re
import threading

import pytest
from playwright.sync_api import expect

from plans.accounts import Role

pytestmark = pytest.mark.e2e


def _live_app():
    for thread in threading.enumerate():
        if thread.name == "e2e-live-server":
            return thread._target.__self__.app
    raise RuntimeError("the e2e live server is not running")


@pytest.fixture
def tc1_plan_id(live_server):
    import sqlalchemy as sa

    from app.extensions import db
    from plans import demo
    from plans import demo_data as D
    from plans.plan import Plan

    app = _live_app()
    with app.app_context():
        demo.seed_test_cases(db.session)  # idempotent: fixed uuids
        db.session.commit()
        plan_id = db.session.scalar(sa.select(Plan.id).where(Plan.uuid == D.TC1_UUID))
        db.session.remove()
    return plan_id


def test_reviewer_national_map(guarded_page, log_in, tc1_plan_id):
    page = guarded_page
    log_in(page, Role.REVIEWER)
    page.get_by_role("link", name="Carte nationale").click()
    expect(page.locator("path.commune-shape")).to_have_count(701, timeout=20_000)
    page.get_by_label("Indicateur", exact=True).select_option(label="Part de la diaspora dans le financement")
    expect(page.locator("#nat-legend-title")).to_have_text("Part de la diaspora dans le financement")
    page.get_by_label("Période (année couverte)").select_option("2025")  # TC1 2025-2029 (other tests add 2026 plans)
    page.get_by_label("Région", exact=True).select_option(label="Kayes")
    row = page.locator("#nat-rows tr", has=page.get_by_role("rowheader", name="Koniakary", exact=True))
    expect(row).to_have_count(1)
    expect(row).to_contain_text("9,69")
    expect(page.locator("#nat-rows")).not_to_contain_text("Sikasso")
    assert "region=ML01" in page.url and "indicateur=diaspora" in page.url
    # The polygon shading follows: Koniakary is coloured, and the communes outside the filter are grey.
    fill = page.evaluate("""() => { var s = window.nationalMap.state;
        var out = null; s.communes.eachLayer(l => { if (l.feature.properties.c === 'ML010115') out = l.options.fillColor; });
        return out; }""")
    assert fill and fill != "#f0f0f0"
    row.get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(rf"/plans/{tc1_plan_id}$"))
