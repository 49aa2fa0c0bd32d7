"""The national map shows the boundaries of the edition chosen (default: the current, newest one), the older
edition's beside it (plans/maps/national.py `communes_layer`, app/maps/national.py)."""
from __future__ import annotations

import json

import pytest

from tests.derived_edition import MERGED_INTO, build_derived, import_derived


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
