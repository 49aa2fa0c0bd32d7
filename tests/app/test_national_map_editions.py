"""The national map shows the boundaries of the edition chosen (default: the current, newest one), the older
edition's beside it (plans/maps/national.py `communes_layer`, app/maps/national.py)."""
from __future__ import annotations

import json

import pytest

from plans.owners import service as owners_service
from plans.planning import service as plan_service
from tests.derived_edition import MERGED, MERGED_INTO, SPLIT, SPLIT_INTO, build_derived, import_derived


@pytest.fixture(scope="module")
def derived(tmp_path_factory) -> dict:
    return build_derived(tmp_path_factory.mktemp("edition"))


def codes(response) -> set[str]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return {f["properties"]["c"] for f in json.loads(response.get_data())["features"]}


def test_both_editions_are_drawn_on_the_national_map(reviewer_client, session, derived):
    assert len(codes(reviewer_client.get("/api/communes.geojson"))) == 701
    import_derived(session, derived, name="Édition dérivée", crosswalk=derived["crosswalk"])
    newest = codes(reviewer_client.get("/api/communes.geojson"))  # the new current edition, at once
    assert len(newest) == 29 and MERGED_INTO in newest
    older = codes(reviewer_client.get("/api/communes.geojson?edition=ocha-cod-ab-2015"))
    assert len(older) == 701 and MERGED_INTO not in older
    page = reviewer_client.get("/carte-nationale?edition=ocha-cod-ab-2015").get_data(as_text=True)
    assert 'data-communes-url="/api/communes.geojson?edition=ocha-cod-ab-2015"' in page
    assert "Édition dérivée (2024-09-24), courante</a>" in page
    assert 'href="/carte-nationale?edition=ocha-cod-ab-2015" aria-current="true"' in page
    missing = reviewer_client.get("/api/communes.geojson?edition=inconnue")
    assert missing.status_code == 404 and missing.get_json()["error"] == "Édition des limites inconnue : « inconnue »."


def test_the_dashboard_offers_the_regions_of_the_edition_chosen(reviewer_client, session, derived):
    import_derived(session, derived, name="Édition dérivée", crosswalk=derived["crosswalk"])
    newest = reviewer_client.get("/revue/plans").get_data(as_text=True)
    assert '<option value="ML0101">' in newest and '<option value="ML0102">' not in newest  # one cercle now
    older = reviewer_client.get("/revue/plans?edition=ocha-cod-ab-2015").get_data(as_text=True)
    assert '<option value="ML0102">' in older
    assert '<input type="hidden" name="edition" value="ocha-cod-ab-2015">' in older
    reform = reviewer_client.get("/revue/plans?edition=reforme-2023-regions").get_data(as_text=True)
    assert '<option value="dioila">Dioïla</option>' in reform
    assert reviewer_client.get("/revue/plans?edition=inconnue").status_code == 404


def test_done_when_a_plan_moved_through_the_crosswalk_and_one_left_behind_are_drawn_on_both_editions(
        planner_client, reviewer_client, session, plan, derived):
    """Issue 17's « Done when »: the derived edition (Colimbine and Diamou merged, Koniakary split) is imported with
    its crosswalk, Koniakary's plan is moved to its southern successor on the move page, and the national map shows
    both editions — each layer with its own units, each plan on the boundaries of its own edition."""
    behind = plan_service.create_plan(session, owner=owners_service.commune_owner(session, MERGED[0]),
                                      title="PDESC de Colimbine", period_start=2025, user=None)
    session.commit()
    import_derived(session, derived, name="Édition dérivée", crosswalk=derived["crosswalk"])
    url = f"/territoire/collectivites/{plan.owner_id}/nouvelle-edition"
    moved = planner_client.post(url, data={"version": str(plan.owner.version_id), "successor": SPLIT_INTO[1]})
    assert moved.status_code == 303, moved.get_data(as_text=True)[:300]

    page = reviewer_client.get("/carte-nationale").get_data(as_text=True)
    assert 'href="/carte-nationale?edition=derivee-2024" aria-current="true">Édition dérivée (2024-09-24), courante' \
        in page
    assert 'href="/carte-nationale?edition=ocha-cod-ab-2015">OCHA COD-AB 2015' in page
    newest = codes(reviewer_client.get("/api/communes.geojson?edition=derivee-2024"))
    assert {MERGED_INTO, *SPLIT_INTO} <= newest and not {*MERGED, SPLIT} & newest
    assert newest == codes(reviewer_client.get("/api/communes.geojson"))  # the current one by default
    older = codes(reviewer_client.get("/api/communes.geojson?edition=ocha-cod-ab-2015"))
    assert {*MERGED, SPLIT} <= older and not {MERGED_INTO, *SPLIT_INTO} & older
    coloured = reviewer_client.get("/api/carte-nationale/indicateurs.json").get_json()["communes"]
    assert SPLIT_INTO[1] in coloured and SPLIT not in coloured  # the moved plan, on its successor
    assert MERGED[0] in coloured and MERGED[0] in older  # the plan left behind, on its own edition's commune
    rows = {r["plan"]: r["code"] for r in reviewer_client.get("/api/carte-nationale/indicateurs.json").get_json()[
        "rows"]}
    assert rows[plan.id] == SPLIT_INTO[1] and rows[behind.id] == MERGED[0]
