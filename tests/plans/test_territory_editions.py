"""Editions of the territory loaded from files as the State publishes them (plans/territory/edition_files.py,
plans/territory/editions.py): the shipped 2015 edition through the same path, a derived edition in other formats,
projections and column names, and the refusals of files that cannot be used, nothing half-loaded."""
from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely
import sqlalchemy as sa

from plans.maps import national
from plans.territory import editions
from plans.territory.edition_files import EditionFileError, Source, parse_columns, read_edition
from plans.territory.loader import MALI_EDITION, REFORM_LIST_EDITION, load_geodata
from plans.territory.models import AdminUnit
from plans.territory.service import unit_by_code
from tests.derived_edition import (
    GEODATA,
    MERGED,
    MERGED_INTO,
    SPLIT,
    SPLIT_INTO,
    build_derived,
    derived_frames,
    edition_units,
    import_derived,
    ocha_communes,
    zipped_shapefile,
)

# Measured on the pre-simplified files the app shipped before (topojson, 0.001°): the maps may not grow.
BEFORE_VERTICES = {1: 6532, 2: 11649, 3: 32146}
BEFORE_NATIONAL_LAYER = 662_969  # characters of the national map's communes layer


@pytest.fixture(scope="module")
def derived(tmp_path_factory) -> dict:
    return build_derived(tmp_path_factory.mktemp("edition"))


# --- the shipped edition through the new path ------------------------------------------------------------------

def test_the_shipped_edition_loads_through_the_edition_path_with_its_counts(session):
    (shipped,) = [e for e in editions.list_editions(session) if e.key == MALI_EDITION["key"]]
    assert shipped.is_current
    assert shipped.counts == {"régions": 9, "cercles": 50, "communes": 701, "communes sans géométrie": 2}
    report = load_geodata(session, GEODATA)  # again: the same files write nothing
    assert (report.created, report.updated) == (0, 0)


def test_the_2023_reform_is_listed_without_boundaries_and_never_offered_as_current(session):
    (reform,) = [e for e in editions.list_editions(session) if e.key == REFORM_LIST_EDITION["key"]]
    assert not reform.is_current and reform.counts == {"régions": 20, "cercles": 0, "communes": 0}
    units = edition_units(session, REFORM_LIST_EDITION["key"])
    assert {u.display_name for u in units.values()} == {
        "District de Bamako", "Kayes", "Koulikoro", "Sikasso", "Ségou", "Mopti", "Tombouctou", "Gao", "Kidal",
        "Taoudénit", "Ménaka", "Nioro", "Kita", "Dioïla", "Nara", "Bougouni", "Koutiala", "San", "Douentza",
        "Bandiagara"}
    assert not any(u.has_geometry for u in units.values())
    assert [e.key for e in editions.mali_editions(session, mapped=True)] == [MALI_EDITION["key"]]
    assert unit_by_code(session, "ML01").edition.key == MALI_EDITION["key"]


def test_the_maps_layers_are_no_larger_than_before_and_neighbours_share_their_borders(session):
    for level, before in BEFORE_VERTICES.items():
        blobs = session.scalars(sa.select(AdminUnit.geometry_simplified).where(
            AdminUnit.country_iso3 == "MLI", AdminUnit.level == level, AdminUnit.has_geometry)).all()
        simplified = shapely.from_wkb(blobs)
        assert int(shapely.get_num_coordinates(simplified).sum()) <= before, level
        assert shapely.is_valid(simplified).all()
        assert shapely.coverage_is_valid(simplified)  # no overlap between neighbours
    text, count = national.build_communes_geojson(session)
    assert count == 701 and len(text) <= BEFORE_NATIONAL_LAYER


def test_areas_are_computed_on_an_equal_area_grid_and_agree_with_the_shipped_superficie(session):
    shipped = gpd.read_file(GEODATA / "mali_communes.geojson").set_index("commune_pcode")["area_km2"]
    stored = dict(session.execute(sa.select(AdminUnit.code, AdminUnit.area_km2).where(
        AdminUnit.country_iso3 == "MLI", AdminUnit.level == 3, AdminUnit.has_geometry)).all())
    assert len(stored) == 701
    # the file's areas were measured before its coordinates were rounded to 1e-6°: at most 0.1 km² apart
    assert max(abs(stored[code] - area) for code, area in shipped.items()) <= 0.1 + 1e-9
    assert unit_by_code(session, "ML0101").area_km2 == pytest.approx(22730.0, abs=0.1)


# --- a derived edition in the formats of the State's files -----------------------------------------------------

def test_a_derived_edition_in_other_projections_and_formats_is_imported_beside_the_shipped_one(session, derived):
    report = import_derived(session, derived, name="Édition dérivée")
    assert report.counts == {"régions": 1, "cercles": 1, "communes": 29}
    units = edition_units(session, "derivee-2024")
    assert {MERGED_INTO, *SPLIT_INTO} <= set(units) and not set(MERGED) & set(units)
    north = units[SPLIT_INTO[0]]
    assert north.name == "Koniakary Nord" and north.parent.code == "ML0101" and north.parent.parent.code == "ML01"
    # reprojected back from UTM 30N: the merged commune's area is its two communes'
    before = edition_units(session, MALI_EDITION["key"])
    assert units[MERGED_INTO].area_km2 == pytest.approx(sum(before[c].area_km2 for c in MERGED), abs=0.3)
    assert -12.5 < north.label_lon < -10 and 14 < north.label_lat < 15.5
    # the newest edition is the current one; the 2015 units stay, for the plans made on them
    summaries = {e.key: e for e in editions.list_editions(session)}
    assert summaries["derivee-2024"].is_current and not summaries[MALI_EDITION["key"]].is_current
    assert before[SPLIT].display_name == "Koniakary"
    assert unit_by_code(session, MERGED_INTO).edition.key == "derivee-2024"
    # the same files again: nothing written
    again = import_derived(session, derived)
    assert (again.created, again.updated) == (0, 0)


@pytest.mark.parametrize("communes, columns", [
    ("gpkg:communes_2024", ["communes.code=code_com", "communes.name=nom_com", "communes.parent=cercle"]),
    ("gdb:adm3", []),
])
def test_a_geopackage_with_other_column_names_and_a_file_geodatabase_are_read(session, derived, communes, columns):
    name, layer = communes.split(":")
    sources = {1: Source(derived["regions"]), 2: Source(derived["gpkg"], "adm2"), 3: Source(derived[name], layer)}
    report = editions.import_edition(session, "derivee-2024", sources, parse_columns(columns))
    assert report.counts["communes"] == 29
    assert edition_units(session, "derivee-2024")[SPLIT_INTO[1]].name == "Koniakary Sud"


# --- refusals: each says what to fix, and nothing is written ---------------------------------------------------

def refused(session, derived, tmp_path, communes: Path | Source, columns=(), cercles=None) -> str:
    sources = {1: Source(derived["regions"]), 2: cercles or Source(derived["gpkg"], "adm2"),
               3: communes if isinstance(communes, Source) else Source(communes)}
    units_before = session.scalar(sa.select(sa.func.count()).select_from(AdminUnit))
    with pytest.raises(EditionFileError) as info:
        editions.import_edition(session, "refusee", sources, parse_columns(list(columns)))
    session.rollback()
    assert editions.find_edition(session, "refusee") is None
    assert session.scalar(sa.select(sa.func.count()).select_from(AdminUnit)) == units_before
    return "\n".join(info.value.messages)


def test_a_file_without_geometry_is_refused(session, derived, tmp_path):
    table = tmp_path / "communes.csv"
    ocha_communes(derived).drop(columns="geometry").to_csv(table, index=False)
    message = refused(session, derived, tmp_path, table)
    assert "aucune géométrie" in message and "polygones des communes" in message


def test_a_shapefile_without_its_projection_is_refused(session, derived, tmp_path):
    message = refused(session, derived, tmp_path, zipped_shapefile(ocha_communes(derived), tmp_path / "c.zip",
                                                                   prj=False))
    assert "projection inconnue" in message and ".prj" in message


def test_a_missing_column_is_refused_with_the_columns_the_file_has(session, derived, tmp_path):
    frame = ocha_communes(derived).drop(columns="ADM2_PCODE")
    message = refused(session, derived, tmp_path, zipped_shapefile(frame, tmp_path / "c.zip"))
    assert "aucune colonne pour le code du parent" in message and "ADM3_PCODE" in message
    assert "--column communes.parent=COLONNE" in message
    message = refused(session, derived, tmp_path, zipped_shapefile(ocha_communes(derived), tmp_path / "d.zip"),
                      columns=["communes.name=NOM_OFFICIEL"])
    assert "la colonne « NOM_OFFICIEL » (le nom) est absente" in message


def test_a_code_twice_is_refused(session, derived, tmp_path):
    frame = ocha_communes(derived)
    frame.loc[frame.index[1], "ADM3_PCODE"] = frame.loc[frame.index[0], "ADM3_PCODE"]
    message = refused(session, derived, tmp_path, zipped_shapefile(frame, tmp_path / "c.zip"))
    assert f"le code {frame.iloc[0]['ADM3_PCODE']} figure 2 fois" in message


def test_a_commune_outside_its_cercle_or_with_an_unknown_cercle_is_refused(session, derived, tmp_path):
    frame = ocha_communes(derived)
    moved = frame.index[frame.ADM3_PCODE == MERGED_INTO][0]
    frame.loc[moved, "geometry"] = shapely.affinity.translate(frame.loc[moved, "geometry"], xoff=3)
    frame.loc[frame.index[0], "ADM2_PCODE"] = "ML9999"
    message = refused(session, derived, tmp_path, zipped_shapefile(frame, tmp_path / "c.zip"))
    assert f"commune {MERGED_INTO} (Colimbine-Diamou) : 100 % de sa surface hors de son cercle ML0101" in message
    assert "cercle parent « ML9999 » absent" in message


def test_an_unreadable_file_or_a_layer_not_chosen_is_refused(session, derived, tmp_path):
    junk = tmp_path / "communes.zip"
    junk.write_bytes(b"pas un zip")
    assert "fichier illisible" in refused(session, derived, tmp_path, junk)
    message = refused(session, derived, tmp_path, derived["gpkg"])
    assert "plusieurs couches (adm2, communes_2024)" in message and "limites.gpkg:adm2" in message
    message = refused(session, derived, tmp_path, Source(derived["gpkg"], "adm3"))
    assert "la couche « adm3 » n'existe pas" in message


def test_column_options_are_checked():
    assert parse_columns(["code=ADM3_PCODE", "communes.name=ADM3_FR"]) == {None: {"code": "ADM3_PCODE"},
                                                                          3: {"name": "ADM3_FR"}}
    with pytest.raises(EditionFileError) as info:
        parse_columns(["villages.code=X", "couleur=Y"])
    assert len(info.value.messages) == 2 and "champ=COLONNE" in info.value.messages[0]


def test_a_repaired_geometry_is_kept_valid(tmp_path):
    regions, cercles, communes = derived_frames()
    point = communes.geometry.iloc[0].representative_point()
    x, y, d = point.x, point.y, 0.005
    bowtie = shapely.Polygon([(x - d, y - d), (x + d, y + d), (x + d, y - d), (x - d, y + d)])  # self-intersecting
    assert not bowtie.is_valid
    communes.loc[communes.index[0], "geometry"] = bowtie
    communes.loc[communes.index[0], "commune_pcode"] = "ML010199"
    for name, frame in (("r", regions), ("c", cercles), ("m", communes)):
        frame.to_file(tmp_path / f"{name}.geojson", engine="pyogrio")
    read = read_edition({1: Source(tmp_path / "r.geojson"), 2: Source(tmp_path / "c.geojson"),
                         3: Source(tmp_path / "m.geojson")})
    assert shapely.is_valid(read.layers[3].frame.geometry.values).all()
