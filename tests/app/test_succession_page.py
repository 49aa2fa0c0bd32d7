"""The page that moves a collectivité to its successor units (/territoire/collectivites/<id>/nouvelle-edition)."""
from __future__ import annotations

import pytest

from plans.planning.models import Plan
from tests.derived_edition import SPLIT, SPLIT_INTO, build_derived, import_derived


@pytest.fixture(scope="module")
def derived(tmp_path_factory) -> dict:
    return build_derived(tmp_path_factory.mktemp("edition"))


@pytest.fixture
def new_edition(session, derived):
    import_derived(session, derived, crosswalk=derived["crosswalk"])


def test_a_planner_moves_a_split_commune_to_the_successor_chosen(planner_client, plan, new_edition, session):
    overview = planner_client.get(f"/plans/{plan.id}").get_data(as_text=True)
    url = f"/territoire/collectivites/{plan.owner_id}/nouvelle-edition"
    assert url in overview and "édition plus ancienne des limites" in overview
    page = planner_client.get(url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Koniakary Nord (ML010191)" in html and "Koniakary Sud (ML010192)" in html
    assert "« PDESC de Koniakary 2025-2029 »" in html
    version = str(plan.owner.version_id)
    refused = planner_client.post(url, data={"version": version})
    assert refused.status_code == 400
    assert "Koniakary a été partagée entre plusieurs unités" in refused.get_data(as_text=True)
    moved = planner_client.post(url, data={"version": version, "successor": SPLIT_INTO[0]})
    assert moved.status_code == 303 and moved.headers["Location"].endswith(f"/territoire/{SPLIT_INTO[0]}")
    session.expire_all()
    assert session.get(Plan, plan.id).owner.unit.code == SPLIT_INTO[0]
    again = planner_client.post(url, data={"version": version, "successor": SPLIT_INTO[1]})
    assert again.status_code == 409  # the page was shown before the move
    assert "modifiée entre-temps" in again.get_data(as_text=True)
    assert "déjà sur les unités de l'édition courante" in planner_client.get(url).get_data(as_text=True)
    assert "édition plus ancienne" not in planner_client.get(f"/plans/{plan.id}").get_data(as_text=True)


def test_a_reviewer_may_not_move_an_owner(reviewer_client, plan, new_edition):
    response = reviewer_client.get(f"/territoire/collectivites/{plan.owner_id}/nouvelle-edition")
    assert response.status_code == 403
    assert "Seuls ses planificateurs et les administrateurs" in response.get_data(as_text=True)


def test_a_unit_without_successor_is_refused_above_the_page_not_at_a_hidden_list(planner_client, plan, session,
                                                                                  derived, tmp_path):
    crosswalk = tmp_path / "sans_koniakary.csv"  # Koniakary's code is gone and the table forgets it
    crosswalk.write_text("".join(line + "\n" for line in derived["crosswalk"].read_text(encoding="utf-8")
                                 .splitlines() if SPLIT not in line), encoding="utf-8")
    import_derived(session, derived, crosswalk=crosswalk)
    url = f"/territoire/collectivites/{plan.owner_id}/nouvelle-edition"
    page = planner_client.get(url).get_data(as_text=True)
    assert "Passage impossible : une unité n'a pas de successeur" in page and 'name="successor"' not in page
    refused = planner_client.post(url, data={"version": str(plan.owner.version_id)})  # a page shown before
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert ('<p class="flash flash-error" role="alert">Aucune unité de l&#39;édition derivee-2024 ne succède à '
            'Koniakary') in html
    assert 'href="#successor"' not in html and "error-summary" not in html
    session.expire_all()
    assert session.get(Plan, plan.id).owner.unit.code == SPLIT
