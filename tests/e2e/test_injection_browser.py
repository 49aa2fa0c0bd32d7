"""The injection corpus in the browser: a whole plan with a payload in every free-text field (tests/security), its
pages and maps opened by a reviewer, every map popup and tooltip opened — no script runs (`window.__pwned` stays
unset), no dialog opens, the text is shown literally; no console error, no external request (guarded_page)."""
from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Page, expect

from plans.accounts.models import Role
from tests.e2e.test_plan_map import _live_app

pytestmark = pytest.mark.e2e

DJELEBOU = "ML010104"


@pytest.fixture
def poisoned_plan_id(live_server):
    """The Koniakary test case's content, imported as a new plan of Djelebou (its points moved there), then a
    payload written into every free-text field."""
    import sqlalchemy as sa

    from app.extensions import db
    from plans.accounts.models import User
    from plans.demo import data as D
    from plans.demo import seed as demo
    from plans.owners import service as owners_service
    from plans.planning.models import Plan
    from plans.review import planfile, planfile_import
    from tests.security.test_injection import _poison

    app = _live_app()
    with app.app_context():
        demo.seed_test_cases(db.session)
        db.session.commit()
        document = planfile.export_document(db.session, db.session.scalar(sa.select(Plan).where(
            Plan.uuid == D.TC1_UUID)))
        owner = owners_service.commune_owner(db.session, DJELEBOU)
        point = owners_service.owner_geometry(owner).representative_point()
        document["plan"]["uuid"] = str(uuid.uuid4())
        document["plan"]["owner"] = {**document["plan"]["owner"], "pcode": DJELEBOU, "name": "Djelebou"}
        for association in document["plan"]["diaspora_associations"]:  # other tests insert some without consent
            if not association.get("contact_consent"):
                association["contact_name"] = association["contact_details"] = ""
        for action in document["plan"]["actions"]:
            if action.get("lon") is not None:
                action["lon"], action["lat"] = round(point.x, 5), round(point.y, 5)
        plan = planfile_import.import_document(db.session, document, None).plan
        db.session.commit()
        reviewer = db.session.scalar(sa.select(User).where(User.email == "relecteur@dgct.ml"))
        _poison(db.session, plan, reviewer)
        plan_id = plan.id
        db.session.remove()
    return plan_id


def _open_every_popup_and_tooltip(page: Page) -> int:
    return page.evaluate("""() => {
        let opened = 0;
        for (const value of Object.values(window)) {
            if (!(value instanceof L.Map)) continue;
            value.eachLayer(layer => {
                if (layer.getPopup && layer.getPopup()) { layer.openPopup(); opened++; }
                if (layer.getTooltip && layer.getTooltip()) { layer.openTooltip(); }
            });
        }
        return opened;
    }""")


def test_no_payload_runs_in_any_page_or_map(guarded_page: Page, log_in, poisoned_plan_id):
    dialogs = []
    guarded_page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page = log_in(guarded_page, Role.REVIEWER)
    pages = [f"/plans/{poisoned_plan_id}", f"/plans/{poisoned_plan_id}/identification",
             f"/plans/{poisoned_plan_id}/migration", f"/plans/{poisoned_plan_id}/orientations",
             f"/plans/{poisoned_plan_id}/actions", f"/plans/{poisoned_plan_id}/suivi",
             f"/plans/{poisoned_plan_id}/revue", f"/plans/{poisoned_plan_id}/versions",
             f"/plans/{poisoned_plan_id}/historique", "/revue/plans"]
    for url in pages:
        page.goto(url)
        assert page.evaluate("window.__pwned") is None, url
    page.goto(f"/plans/{poisoned_plan_id}")
    expect(page.locator("h1")).to_contain_text("<script>window.__pwned=1;alert(1)</script>")  # literally

    page.goto(f"/plans/{poisoned_plan_id}/carte")
    expect(page.locator("path.action-marker").first).to_be_visible()
    assert _open_every_popup_and_tooltip(page) >= 1
    expect(page.locator(".leaflet-popup-content")).to_have_count(1)
    page.locator(".map-filter summary").click()  # the axis filter lists the axes' titles, as text
    assert page.locator(".map-filter script, .map-filter img, .map-filter svg").count() == 0
    assert page.evaluate("window.__pwned") is None

    page.goto("/carte-diaspora")
    _open_every_popup_and_tooltip(page)
    assert page.evaluate("window.__pwned") is None

    page.goto("/carte-nationale?region=ML01")
    expect(page.locator("path.commune-shape")).to_have_count(701, timeout=20_000)
    expect(page.locator("#nat-rows")).to_contain_text("Djelebou")
    # A block, returning nothing: eachLayer returns the layer group, which Playwright would serialise whole (the
    # map, 701 polygons and their DOM nodes: 45 s of a 2-core machine) only to throw it away.
    page.evaluate("""code => { window.nationalMap.state.communes.eachLayer(l => {
        if (l.feature.properties.c === code) { l.fire("mouseover"); l.openTooltip && l.openTooltip(); } }); }""",
                  DJELEBOU)
    assert page.evaluate("window.__pwned") is None

    page.evaluate("0")
    assert dialogs == []
