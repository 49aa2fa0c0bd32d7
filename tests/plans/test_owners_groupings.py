"""Groupings (syndicat, GLCT…): the rules of the domain brief, their geometry, nothing half-saved."""
from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from plans.core import geo
from plans.core.errors import ConflictError, ValidationError
from plans.owners import service as svc
from plans.owners.models import GroupingMember, OwnerKind, PlanOwner
from plans.territory.models import AdminUnit, TerritoryEdition
from plans.territory.service import unit_by_code
from tests.factories import (
    KENEDOUGOU_BFA_NAMES,
    KENEDOUGOU_MALI_CODES,
    YELIMANE_CERCLE,
    YELIMANE_CODES,
    YELIMANE_NAME,
    kenedougou_grouping,
    yelimane_grouping,
)

SQUARE = {"type": "Polygon", "coordinates": [[[-4.9, 11.2], [-4.8, 11.2], [-4.8, 11.3], [-4.9, 11.3], [-4.9, 11.2]]]}


def counts(session) -> tuple[int, int, int, int]:
    def n(model):
        return session.scalar(sa.select(sa.func.count()).select_from(model))
    return n(PlanOwner), n(GroupingMember), n(AdminUnit), n(TerritoryEdition)


def full_geometry(session, code):
    unit = session.scalar(sa.select(AdminUnit).where(AdminUnit.code == code)
                          .options(sa.orm.undefer(AdminUnit.geometry)))
    return geo.from_wkb(unit.geometry)


def refused(session, **kwargs) -> svc.GroupingValidationError:
    before = counts(session)
    defaults = dict(kind="syndicat", name="Syndicat de test", member_codes=YELIMANE_CODES[:2])
    defaults.update(kwargs)
    with pytest.raises(ValidationError) as info:
        svc.create_grouping(session, **defaults)
    session.rollback()
    assert counts(session) == before, "nothing may be saved"
    return info.value


# --- TC2: the SICM ------------------------------------------------------------------------------------------------

def test_sicm_has_twelve_malian_communes_and_its_geometry_is_their_union(session):
    owner = yelimane_grouping(session)
    assert owner.kind is OwnerKind.SYNDICAT and owner.name == YELIMANE_NAME
    assert owner.grouping_key == "syndicat intercommunal du cercle de yelimane sicm"
    summary = svc.member_summary(owner)
    assert sorted(u.code for u in summary.malian) == sorted(YELIMANE_CODES)
    assert summary.foreign == [] and summary.without_geometry == [] and summary.mapped_count == 12

    cache = svc.owner_geometry(owner)
    expected = geo.union(full_geometry(session, c) for c in YELIMANE_CODES)
    assert abs(cache.area - expected.area) / expected.area < 1e-9
    assert cache.symmetric_difference(expected).area / expected.area < 1e-9
    cercle = full_geometry(session, YELIMANE_CERCLE)
    assert cache.covers(cercle)  # the 11 communes of ML0107 make the cercle; Konsiga lies beside it


def test_owner_geometry_of_a_collectivite_is_its_unit_geometry(session, koniakary_owner):
    assert svc.owner_geometry(koniakary_owner).equals(full_geometry(session, "ML010115"))


# --- TC3: GLCT-Kénédougou ----------------------------------------------------------------------------------------

def test_kenedougou_has_seven_malian_and_six_burkinabe_members_known_by_name(session):
    owner = kenedougou_grouping(session)
    summary = svc.member_summary(owner)
    assert sorted(u.code for u in summary.malian) == sorted(KENEDOUGOU_MALI_CODES)
    assert sorted(u.name for u in summary.foreign) == sorted(KENEDOUGOU_BFA_NAMES)
    assert all(u.is_manual and u.country_iso3 == "BFA" and u.level == 3 for u in summary.foreign)
    assert sorted(u.name for u in summary.without_geometry) == sorted(KENEDOUGOU_BFA_NAMES)
    assert "BFA-X-N-DOROLA" in {u.code for u in summary.foreign}
    assert {u.edition.key for u in summary.foreign} == {"saisie-manuelle"}

    expected = geo.union(full_geometry(session, c) for c in KENEDOUGOU_MALI_CODES)
    cache = svc.owner_geometry(owner)
    assert abs(cache.area - expected.area) / expected.area < 1e-9


def test_a_foreign_commune_known_by_name_is_reused_ignoring_case_and_accents(session):
    kenedougou_grouping(session)
    units_before = counts(session)[2]
    other = svc.create_grouping(session, kind="union", name="Union de test", member_codes=["ML030711"],
                                foreign_by_name=[("N’DOROLA", "bfa"), ("n dorola", "CIV")])
    session.commit()
    codes = {u.code for u in other.member_units}
    assert {"BFA-X-N-DOROLA", "CIV-X-N-DOROLA"} <= codes
    assert counts(session)[2] == units_before + 1  # only the Ivorian one is new


def test_an_uploaded_polygon_gives_a_foreign_commune_its_geometry(session):
    owner = svc.create_grouping(session, kind="glct", name="GLCT de test", member_codes=["ML030711"],
                                foreign_by_name=[("Koloko", "BFA", json.dumps(SQUARE).encode())])
    session.commit()
    koloko = next(u for u in owner.member_units if u.is_foreign)
    assert koloko.has_geometry and koloko.area_km2 > 100
    assert svc.member_summary(owner).without_geometry == []
    expected = geo.union([full_geometry(session, "ML030711"), geo.from_wkb(koloko.geometry)])
    assert svc.owner_geometry(owner).area == pytest.approx(expected.area, rel=1e-9)


def test_a_polygon_added_later_refreshes_every_grouping_with_that_commune(session):
    first = kenedougou_grouping(session)
    area_before = svc.owner_geometry(first).area
    svc.create_grouping(session, kind="glct", name="Autre GLCT", member_codes=["ML030711"],
                        foreign_by_name=[("Koloko", "BFA", json.dumps(SQUARE))])
    session.commit()
    session.refresh(first)
    assert svc.owner_geometry(first).area > area_before
    assert "Koloko" not in [u.name for u in svc.member_summary(first).without_geometry]


def test_foreign_units_from_the_neighbour_layers_are_members(session):
    kenedougou_bf = session.scalar(sa.select(AdminUnit).where(AdminUnit.country_iso3 == "BFA",
                                                              AdminUnit.name == "Kenedougou"))
    owner = svc.create_grouping(session, kind="union", name="Union Sikasso-Kénédougou",
                                member_codes=["ML030711"], foreign_codes=[kenedougou_bf.code])
    session.commit()
    assert svc.member_summary(owner).foreign == [kenedougou_bf]
    assert svc.owner_geometry(owner).area > full_geometry(session, "ML030711").area


def test_a_commune_without_geometry_is_listed_and_skipped(session):
    owner = svc.create_grouping(session, kind="entente", name="Entente de Ménaka",
                                member_codes=["ML0704-X-ALATA", "ML070401"])
    session.commit()
    summary = svc.member_summary(owner)
    assert [u.code for u in summary.without_geometry] == ["ML0704-X-ALATA"]
    assert svc.owner_geometry(owner).equals(full_geometry(session, "ML070401"))


def test_member_ids_are_accepted(session):
    ids = [unit_by_code(session, c).id for c in YELIMANE_CODES[:3]]
    owner = svc.create_grouping(session, kind="convention", name="Convention", member_unit_ids=ids)
    assert sorted(u.id for u in owner.member_units) == sorted(ids)


# --- refusals ----------------------------------------------------------------------------------------------------

def test_name_is_required(session):
    assert refused(session, name="   ").errors["name"] == ["Le nom du groupement est obligatoire."]


def test_name_is_unique_ignoring_case_accents_and_punctuation(session):
    yelimane_grouping(session)
    error = refused(session, name="SYNDICAT intercommunal du cercle de Yelimane - SICM")
    assert error.name_taken
    assert "Un groupement porte déjà ce nom" in error.errors["name"][0]


def test_an_intercommunal_grouping_needs_two_malian_communes(session):
    error = refused(session, member_codes=["ML010701"])
    assert error.errors["member_codes"] == [
        "Un groupement intercommunal réunit au moins 2 communes maliennes (1 choisie)."]


def test_an_intercommunal_grouping_has_no_foreign_member(session):
    error = refused(session, foreign_by_name=[("Kayan", "BFA")])
    assert "ne réunit que des communes maliennes" in error.errors["foreign"][0]


def test_a_cross_border_grouping_needs_a_foreign_member(session):
    error = refused(session, kind="glct", member_codes=KENEDOUGOU_MALI_CODES)
    assert "au moins une collectivité étrangère" in error.errors["foreign"][0]


def test_a_cross_border_grouping_needs_a_malian_commune(session):
    error = refused(session, kind="glct", member_codes=[], foreign_by_name=[("Kayan", "BFA")])
    assert "au moins une commune malienne" in error.errors["member_codes"][0]


def test_unknown_codes_are_refused(session):
    error = refused(session, member_codes=["ML010701", "ML999999"], foreign_codes=["BFA-NOPE"])
    assert error.errors["member_codes"] == [
        "Code inconnu : « ML999999 ». Exemple de code : ML010706 pour Kirané Kaniaga."]
    assert "BFA-NOPE" in error.errors["foreign_codes"][0]


def test_unknown_unit_ids_are_refused(session):
    assert "Unité inconnue" in refused(session, member_codes=[],
                                       member_unit_ids=[1, 2, 10 ** 9]).errors["member_codes"][0]


def test_a_member_listed_twice_is_refused(session):
    error = refused(session, member_codes=["ML010701", "ml010701 ", "ML010702"])
    assert error.errors["member_codes"] == [
        "« Diafounou Diongaga » (ML010701) figure deux fois dans la liste des membres."]
    error = refused(session, kind="glct", member_codes=["ML030711"],
                    foreign_by_name=[("Kayan", "BFA"), ("KAYAN", "BFA")])
    assert "figure deux fois" in error.errors["foreign_by_name.1"][0]


def test_a_cercle_is_not_a_commune(session):
    error = refused(session, member_codes=["ML0107", "ML010701", "ML01"])
    assert error.errors["member_codes"] == [
        "« Yélimané » (ML0107) est un cercle : seules des communes maliennes peuvent être membres d'un groupement.",
        "« Kayes » (ML01) est une région : seules des communes maliennes peuvent être membres d'un groupement."]


def test_a_foreign_row_needs_a_name_and_a_neighbour_country(session):
    error = refused(session, kind="glct", member_codes=["ML030711"],
                    foreign_by_name=[("", "BFA"), ("Kayan", ""), ("Kati", "MLI"), ("Paris", "FRA")])
    assert error.errors["foreign_by_name.0"] == ["Indiquez le nom de la commune étrangère."]
    assert error.errors["foreign_by_name.1"] == ["Choisissez le pays de cette commune étrangère."]
    assert "liste des communes maliennes" in error.errors["foreign_by_name.2"][0]
    assert error.errors["foreign_by_name.3"] == ["Choisissez le pays de cette commune étrangère."]


def test_a_bad_polygon_is_refused_on_its_row_and_nothing_is_saved(session):
    error = refused(session, kind="glct", member_codes=["ML030711"],
                    foreign_by_name=[("Kayan", "BFA"), ("Koloko", "BFA", b"pas du json")])
    assert "JSON lisible" in error.errors["foreign_by_name.1"][0]
    big = b" " * (geo.MAX_UPLOAD_BYTES + 1)
    error = refused(session, kind="glct", member_codes=["ML030711"], foreign_by_name=[("Koloko", "BFA", big)])
    assert error.too_large


def test_bad_kind_dates_and_long_texts_are_refused(session):
    error = refused(session, kind="commune", founding_act_date=date.today() + timedelta(days=1),
                    founding_act_ref="x" * 201, tutelle_authority="y" * 201)
    assert set(error.errors) == {"kind", "founding_act_date", "founding_act_ref", "tutelle_authority"}
    assert "dans le futur" in error.errors["founding_act_date"][0]
    assert "AAAA-MM-JJ" in refused(session, founding_act_date="15/05/2024").errors["founding_act_date"][0]


def test_every_error_is_reported_at_once(session):
    yelimane_grouping(session)
    error = refused(session, kind="glct", name=YELIMANE_NAME, member_codes=["ML999999"])
    assert {"name", "member_codes", "foreign"} <= set(error.errors)


# --- update and delete -------------------------------------------------------------------------------------------

def test_update_replaces_members_keeps_weights_and_recomputes_geometry(session):
    owner = yelimane_grouping(session)
    owner.members[0].weight = 0.25
    session.commit()
    version = owner.version_id
    kept = owner.members[0].unit.code
    svc.update_grouping(session, owner, version, kind="syndicat", name="SICM", member_codes=[kept, "ML010702"])
    session.commit()
    assert owner.version_id > version and owner.name == "SICM"
    assert sorted(u.code for u in owner.member_units) == sorted([kept, "ML010702"])
    assert next(m for m in owner.members if m.unit.code == kept).weight == 0.25
    expected = geo.union([full_geometry(session, kept), full_geometry(session, "ML010702")])
    assert svc.owner_geometry(owner).area == pytest.approx(expected.area, rel=1e-9)


def test_update_with_only_member_changes_moves_the_version(session):
    owner = yelimane_grouping(session)
    version = owner.version_id
    svc.update_grouping(session, owner, version, kind="syndicat", name=owner.name, member_codes=YELIMANE_CODES[:-1],
                        founding_act_ref=owner.founding_act_ref, founding_act_date=owner.founding_act_date,
                        tutelle_authority=owner.tutelle_authority)
    session.commit()
    assert owner.version_id == version + 1


def test_update_keeps_its_own_name(session):
    owner = yelimane_grouping(session)
    svc.update_grouping(session, owner, owner.version_id, kind="syndicat", name=YELIMANE_NAME.upper(),
                        member_codes=YELIMANE_CODES)
    session.commit()
    assert owner.name == YELIMANE_NAME.upper()


def test_a_stale_version_is_a_conflict_and_changes_nothing(session):
    owner = yelimane_grouping(session)
    with pytest.raises(ConflictError):
        svc.update_grouping(session, owner, owner.version_id - 1, kind="syndicat", name="Autre nom",
                            member_codes=YELIMANE_CODES[:2])
    session.rollback()
    assert owner.name == YELIMANE_NAME and len(owner.members) == 12


def test_a_refused_update_changes_nothing(session):
    owner = yelimane_grouping(session)
    version = owner.version_id
    with pytest.raises(ValidationError):
        svc.update_grouping(session, owner, version, kind="syndicat", name="SICM", member_codes=["ML010701"])
    session.rollback()
    assert owner.version_id == version and len(owner.members) == 12 and owner.name == YELIMANE_NAME


def test_a_grouping_used_by_a_user_cannot_be_deleted(session, make_user):
    owner = yelimane_grouping(session)
    make_user("planner", owners=[owner])
    with pytest.raises(ValidationError) as info:
        svc.delete_grouping(session, owner)
    assert "rattaché à 1 compte utilisateur" in info.value.messages[0]


def test_an_unused_grouping_is_deleted_with_its_members(session):
    owner = kenedougou_grouping(session)
    with pytest.raises(ConflictError):
        svc.delete_grouping(session, owner, expected_version=owner.version_id + 1)
    svc.delete_grouping(session, owner, expected_version=owner.version_id)
    session.commit()
    assert session.scalar(sa.select(sa.func.count()).select_from(GroupingMember)) == 0
    assert svc.groupings(session) == []
    # The Burkinabè communes entered by name stay, to be reused.
    assert session.scalar(sa.select(sa.func.count()).select_from(AdminUnit).where(AdminUnit.is_manual)) == 6


def test_groupings_of_a_commune(session):
    sicm = yelimane_grouping(session)
    glct = kenedougou_grouping(session)
    assert svc.groupings_of_unit(session, unit_by_code(session, "ML010706")) == [sicm]
    assert svc.groupings_of_unit(session, unit_by_code(session, "ML030711")) == [glct]
    assert svc.groupings_of_unit(session, unit_by_code(session, "ML010115")) == []
    assert [g.name for g in svc.groupings(session)] == ["GLCT-Kénédougou", YELIMANE_NAME]


def test_a_name_taken_between_check_and_write_is_still_refused_in_french(session, monkeypatch):
    """Two admins saving the same name at once: the unique index decides, and the refusal is still in French."""
    yelimane_grouping(session)
    validate = svc._validate

    def racing_validate(*args, **kwargs):
        plan = validate(*args, **kwargs)
        plan.grouping_key = "syndicat intercommunal du cercle de yelimane sicm"
        return plan

    monkeypatch.setattr(svc, "_validate", racing_validate)
    before = counts(session)
    with pytest.raises(svc.GroupingValidationError) as info:
        svc.create_grouping(session, kind="syndicat", name="Autre", member_codes=YELIMANE_CODES[:2])
    assert info.value.name_taken
    session.rollback()
    assert counts(session) == before


def test_a_corrected_boundary_reaches_every_grouping_in_one_bulk_refresh(session):
    """`flask geodata load` with corrected boundaries calls `refresh_all_geometries`: each grouping's territory is
    again the union of its members' geometries (one dissolve for all), and an unchanged one is not rewritten."""
    sicm, kenedougou = yelimane_grouping(session), kenedougou_grouping(session)
    blind = svc.create_grouping(session, kind="glct", name="GLCT de Ménaka", member_codes=["ML0704-X-ALATA"],
                                foreign_by_name=[("Tillia", "NER")])
    session.commit()
    assert svc.refresh_all_geometries(session) == 0  # nothing changed since they were saved
    corrected = session.scalar(sa.select(AdminUnit).where(AdminUnit.code == YELIMANE_CODES[0])
                               .options(sa.orm.undefer(AdminUnit.geometry)))
    shrunk = geo.from_wkb(corrected.geometry).buffer(-0.02)  # a corrected, smaller outline
    corrected.geometry = geo.to_wkb(shrunk)
    kenedougou_before = svc.owner_geometry(kenedougou)
    assert svc.refresh_all_geometries(session) == 1
    session.commit()
    session.expire_all()
    expected = geo.union([shrunk, *(full_geometry(session, c) for c in YELIMANE_CODES[1:])])
    assert svc.owner_geometry(sicm).symmetric_difference(expected).area / expected.area < 1e-9
    whole = full_geometry(session, YELIMANE_CODES[0])
    assert svc.owner_geometry(sicm).area < svc.owner_geometry(sicm).union(whole).area
    assert svc.owner_geometry(kenedougou).equals(kenedougou_before)
    assert svc.owner_geometry(blind) is None
