"""A derived edition of the territory for tests: the shipped 2015 cercle of Kayes with two communes merged and one
split, written as the State's files come (GeoJSON, GeoPackage in EPSG:3857, a zipped shapefile in UTM 30N with
OCHA's column names, a GeoPackage layer with other names, a file geodatabase), with its crosswalk."""
from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import sqlalchemy as sa
from shapely.geometry import box

from plans.territory import editions
from plans.territory.edition_files import Source
from plans.territory.models import AdminUnit, TerritoryEdition

GEODATA = Path(__file__).resolve().parents[1] / "geodata"
MERGED = ("ML010102", "ML010103")  # Colimbine + Diamou → ML010190
MERGED_INTO = "ML010190"
SPLIT = "ML010115"  # Koniakary → ML010191 (north), ML010192 (south)
SPLIT_INTO = ("ML010191", "ML010192")


# --- the derived edition: the cercle of Kayes, two communes merged and one split -------------------------------

def derived_frames() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    regions = gpd.read_file(GEODATA / "mali_regions.geojson")
    cercles = gpd.read_file(GEODATA / "mali_cercles.geojson")
    communes = gpd.read_file(GEODATA / "mali_communes.geojson")
    regions = regions[regions.region_pcode == "ML01"]
    cercles = cercles[cercles.cercle_pcode == "ML0101"]
    communes = communes[communes.cercle_pcode == "ML0101"][["commune_pcode", "commune_name", "cercle_pcode",
                                                           "geometry"]]
    kept = communes[~communes.commune_pcode.isin((*MERGED, SPLIT))]
    merged = communes[communes.commune_pcode.isin(MERGED)].union_all()
    split = communes[communes.commune_pcode == SPLIT].geometry.iloc[0]
    minx, miny, maxx, maxy = split.bounds
    middle = split.centroid.y
    north, south = split.intersection(box(minx, middle, maxx, maxy)), split.intersection(box(minx, miny, maxx, middle))
    new = gpd.GeoDataFrame({"commune_pcode": [MERGED_INTO, *SPLIT_INTO],
                            "commune_name": ["Colimbine-Diamou", "Koniakary Nord", "Koniakary Sud"],
                            "cercle_pcode": ["ML0101"] * 3}, geometry=[merged, north, south], crs="EPSG:4326")
    communes = gpd.GeoDataFrame(pd.concat([kept, new], ignore_index=True), crs="EPSG:4326")
    return regions, cercles, communes


def _ocha(frame: gpd.GeoDataFrame, level: int) -> gpd.GeoDataFrame:
    """The OCHA COD-AB column names (ADM3_PCODE, ADM3_FR, ADM2_PCODE), as the State's files use them."""
    word = {1: "region", 2: "cercle", 3: "commune"}[level]
    columns = {f"{word}_pcode": f"ADM{level}_PCODE", f"{word}_name": f"ADM{level}_FR"}
    if level > 1:
        columns[f"{ {2: 'region', 3: 'cercle'}[level]}_pcode"] = f"ADM{level - 1}_PCODE"
    return frame[[*columns, "geometry"]].rename(columns=columns)


def zipped_shapefile(frame: gpd.GeoDataFrame, path: Path, *, crs: str = "EPSG:32630", prj: bool = True) -> Path:
    folder = path.with_suffix("")
    folder.mkdir(parents=True, exist_ok=True)
    frame.to_crs(crs).to_file(folder / f"{path.stem}.shp", engine="pyogrio")
    with zipfile.ZipFile(path, "w") as zf:
        for part in sorted(folder.iterdir()):
            if prj or part.suffix != ".prj":
                zf.write(part, part.name)
    return path


def build_derived(folder: Path) -> dict:
    """The derived edition in several formats, in `folder` (a test module builds it once)."""
    regions, cercles, communes = derived_frames()
    files = {"regions": folder / "regions.geojson", "gpkg": folder / "limites.gpkg",
             "communes_shp": folder / "communes_2024.zip", "gdb": folder / "limites.gdb"}
    regions.to_file(files["regions"], engine="pyogrio")
    _ocha(cercles, 2).to_crs("EPSG:3857").to_file(files["gpkg"], layer="adm2", engine="pyogrio")
    other_names = communes.rename(columns={"commune_pcode": "code_com", "commune_name": "nom_com",
                                           "cercle_pcode": "cercle"})
    other_names.to_file(files["gpkg"], layer="communes_2024", engine="pyogrio")
    zipped_shapefile(_ocha(communes, 3), files["communes_shp"])
    _ocha(communes, 3).to_file(files["gdb"], layer="adm3", driver="OpenFileGDB", engine="pyogrio")
    files["crosswalk"] = folder / "correspondance.csv"
    files["crosswalk"].write_text("ancien_code;nouveau_code\n" + "".join(
        f"{old};{new}\n" for old, new in ((MERGED[0], MERGED_INTO), (MERGED[1], MERGED_INTO),
                                          (SPLIT, SPLIT_INTO[0]), (SPLIT, SPLIT_INTO[1]))), encoding="utf-8")
    files["frames"] = (regions, cercles, communes)
    return files


def import_derived(session, derived, key="derivee-2024", **kwargs):
    sources = {1: Source(derived["regions"]), 2: Source(derived["gpkg"], "adm2"),
               3: Source(derived["communes_shp"])}
    report = editions.import_edition(session, key, sources, valid_on="2024-09-24", **kwargs)
    session.commit()
    return report


def edition_units(session, key: str) -> dict[str, AdminUnit]:
    rows = session.scalars(sa.select(AdminUnit).join(TerritoryEdition).where(TerritoryEdition.key == key))
    return {u.code: u for u in rows}


def ocha_communes(derived) -> gpd.GeoDataFrame:
    return _ocha(derived["frames"][2], 3)
