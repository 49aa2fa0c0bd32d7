"""Editions side by side: the crosswalk stored with an edition, and a collectivité or a grouping moved to its
successor units in one step (plans/territory/crosswalk.py, plans/planning/succession.py)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from plans.core.audit import AuditEntry
from plans.core.errors import ValidationError
from plans.owners import service as owners_service
from plans.owners.models import PlanOwner
from plans.planning import service as plan_service
from plans.planning import succession
from plans.planning.models import Plan
from plans.territory import editions
from plans.territory.crosswalk import successors
from plans.territory.edition_files import EditionFileError
from plans.territory.service import unit_by_code
from tests.derived_edition import MERGED, MERGED_INTO, SPLIT, SPLIT_INTO, build_derived, edition_units, import_derived

OLD = "ocha-cod-ab-2015"


@pytest.fixture(scope="module")
def derived(tmp_path_factory) -> dict:
    return build_derived(tmp_path_factory.mktemp("edition"))


def old_unit(session, code):
    return edition_units(session, OLD)[code]


def owner_with_plan(session, code, user, title):
    owner = owners_service.collectivite_owner(session, old_unit(session, code))
    user.owners.append(owner)
    plan = plan_service.create_plan(session, owner=owner, title=title, period_start=2025, user=user)
    session.commit()
    return owner, plan


def test_the_crosswalk_is_stored_and_followed_to_the_newest_edition(session, derived):
    report = import_derived(session, derived, crosswalk=derived["crosswalk"])
    assert "correspondances avec l'édition précédente" in report.summary()
    assert [u.code for u in successors(session, old_unit(session, SPLIT))] == list(SPLIT_INTO)
    assert [u.code for u in successors(session, old_unit(session, MERGED[1]))] == [MERGED_INTO]
    kept = successors(session, old_unit(session, "ML010101"))  # not listed, same code: its own successor
    assert [(u.code, u.edition.key) for u in kept] == [("ML010101", "derivee-2024")]
    assert successors(session, old_unit(session, "ML010304")) == []  # Diéma: outside the derived edition
    again = import_derived(session, derived, crosswalk=derived["crosswalk"])
    assert again.successions == 0


@pytest.mark.parametrize("content, words", [
    ("ancien_code;nouveau_code\nML019999;ML010190\n", "l'ancien code ML019999 n'est pas une unité"),
    ("ancien_code;nouveau_code\nML010102;ML019999\n", "le nouveau code ML019999 n'est dans aucun des fichiers"),
    ("ancien_code;nouveau_code\nML0101;ML010190\n", "ne sont pas du même niveau"),
    ("avant;apres\nML010102;ML010190\n", "doit nommer les colonnes ancien_code et nouveau_code"),
])
def test_a_crosswalk_naming_what_the_editions_lack_is_refused(session, derived, tmp_path, content, words):
    path = tmp_path / "correspondance.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(EditionFileError) as info:
        import_derived(session, derived, crosswalk=path)
    session.rollback()
    assert words in "\n".join(info.value.messages)
    assert editions.find_edition(session, "derivee-2024") is None


def test_a_split_commune_moves_its_plans_to_the_successor_chosen_in_one_step(session, derived, plan, planner):
    import_derived(session, derived, crosswalk=derived["crosswalk"])
    owner = plan.owner
    assert owner.unit.edition.key == OLD  # a plan keeps the edition it was made on
    found = succession.succession(session, owner)
    assert found.needed and [u.code for u in found.choices] == list(SPLIT_INTO)
    with pytest.raises(ValidationError) as info:
        succession.move_owner(session, owner, planner)
    assert "Koniakary a été partagée entre plusieurs unités" in info.value.errors["successor"][0]
    session.rollback()
    moved = succession.move_owner(session, owner, planner, successor_code=SPLIT_INTO[1],
                                  expected_version=owner.version_id)
    session.commit()
    assert moved.id == owner.id and moved.unit.code == SPLIT_INTO[1] and moved.unit.edition.key == "derivee-2024"
    assert moved.name == "Koniakary Sud" and moved in planner.owners
    assert session.get(Plan, plan.id).owner.unit.code == SPLIT_INTO[1]
    entries = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "owner.succession")).all()
    by_target = {e.target: e.details for e in entries}
    assert by_target[f"plan:{plan.id}"]["to_units"] == f"Koniakary Sud ({SPLIT_INTO[1]}, derivee-2024)"
    assert by_target[f"plan:{plan.id}"]["from_units"] == f"Koniakary ({SPLIT}, {OLD})"
    with pytest.raises(ValidationError) as info:
        succession.move_owner(session, moved, planner)
    assert "déjà sur les unités de l'édition courante" in info.value.errors["successor"][0]


def test_two_merged_communes_end_with_their_plans_on_one_collectivite(session, derived, make_user):
    first_planner = make_user("planner", email="p1@colimbine.ml")
    second_planner = make_user("planner", email="p2@diamou.ml")
    first, first_plan = owner_with_plan(session, MERGED[0], first_planner, "PDESC de Colimbine")
    second, second_plan = owner_with_plan(session, MERGED[1], second_planner, "PDESC de Diamou")
    import_derived(session, derived, crosswalk=derived["crosswalk"])
    kept = succession.move_owner(session, first, first_planner)
    joined = succession.move_owner(session, second, second_planner)
    session.commit()
    assert kept.id == joined.id == first.id and kept.unit.code == MERGED_INTO
    assert {p.owner_id for p in session.scalars(sa.select(Plan))} == {first.id}
    assert kept in second_planner.owners  # Diamou's planner writes the merged commune's plans
    assert session.get(PlanOwner, second.id).unit.code == MERGED[1]  # the old row stays, empty
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.target == "Diamou"))
    assert entry.details["merged_into"] == "Colimbine-Diamou"


def test_a_grouping_is_re_expressed_in_the_new_units(session, derived):
    grouping = owners_service.create_grouping(session, kind="syndicat", name="Syndicat de Koniakary",
                                              member_codes=[SPLIT, MERGED[0], "ML010101"])
    session.commit()
    import_derived(session, derived, crosswalk=derived["crosswalk"])
    moved = succession.move_owner(session, grouping, None)
    session.commit()
    assert sorted(u.code for u in moved.member_units) == sorted(["ML010101", MERGED_INTO, *SPLIT_INTO])
    assert {u.edition.key for u in moved.member_units} == {"derivee-2024"}
    assert moved.geometry_cache is not None
    assert unit_by_code(session, SPLIT_INTO[0]).code == SPLIT_INTO[0]


def test_a_unit_no_crosswalk_leads_from_cannot_be_moved(session, derived, make_user):
    owner = owners_service.collectivite_owner(session, old_unit(session, "ML010304"))
    session.commit()
    import_derived(session, derived, crosswalk=derived["crosswalk"])
    with pytest.raises(ValidationError) as info:
        succession.move_owner(session, owner, None)
    assert "Aucune unité de l'édition derivee-2024 ne succède à" in info.value.errors["successor"][0]
