"""plans.core.geo: the polygon a user uploads for a foreign commune, and unions of members."""
from __future__ import annotations

import json
import math

import pytest
from shapely.geometry import MultiPolygon, Polygon, box

from plans.core import geo
from plans.core.errors import ValidationError

SQUARE = [[[-5.0, 11.0], [-4.9, 11.0], [-4.9, 11.1], [-5.0, 11.1], [-5.0, 11.0]]]


def feature(geometry, **props):
    return {"type": "Feature", "properties": props, "geometry": geometry}


def dumps(obj) -> bytes:
    return json.dumps(obj).encode()


def refused(data, **kwargs) -> geo.GeoJSONError:
    with pytest.raises(ValidationError) as info:
        geo.parse_uploaded_polygon(data, **kwargs)
    assert isinstance(info.value, geo.GeoJSONError)
    return info.value


def test_a_polygon_geometry_feature_or_collection_is_accepted():
    polygon = {"type": "Polygon", "coordinates": SQUARE}
    for document in (polygon, feature(polygon), {"type": "FeatureCollection", "features": [feature(polygon)]}):
        geom = geo.parse_uploaded_polygon(dumps(document))
        assert isinstance(geom, Polygon)
        assert geom.bounds == pytest.approx((-5.0, 11.0, -4.9, 11.1))


def test_several_features_are_united_and_points_ignored():
    other = [[[-4.0, 11.0], [-3.9, 11.0], [-3.9, 11.1], [-4.0, 11.0]]]
    document = {"type": "FeatureCollection", "features": [
        feature({"type": "Polygon", "coordinates": SQUARE}), feature({"type": "Polygon", "coordinates": other}),
        feature({"type": "Point", "coordinates": [-4.5, 11.5]}), feature(None)]}
    geom = geo.parse_uploaded_polygon(dumps(document))
    assert isinstance(geom, MultiPolygon) and len(geom.geoms) == 2


def test_a_utf8_bom_and_a_crs84_declaration_are_accepted():
    document = {"type": "Polygon", "coordinates": SQUARE,
                "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}}
    assert geo.parse_uploaded_polygon(b"\xef\xbb\xbf" + dumps(document)).area > 0


def test_a_self_intersecting_polygon_is_repaired():
    bowtie = [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]
    geom = geo.parse_uploaded_polygon(dumps({"type": "Polygon", "coordinates": bowtie}))
    assert geom.is_valid and geom.area == pytest.approx(0.5)


@pytest.mark.parametrize("data, words", [
    (b"ceci n'est pas du JSON", "JSON lisible"),
    (b"\xff\xfe\x00garbage", "JSON lisible"),
    (b"", "vide"),
    (dumps([1, 2, 3]), "pas un GeoJSON"),
    (dumps({"type": "Topology", "objects": {}}), "pas un GeoJSON"),
    (dumps({"type": "FeatureCollection"}), "features"),
    (dumps(feature({"type": "LineString", "coordinates": [[0, 0], [1, 1]]})), "aucun polygone"),
    (dumps({"type": "FeatureCollection", "features": []}), "aucun polygone"),
    (dumps({"type": "Polygon", "coordinates": [[[0, 0], [1]]]}), "mal formées"),
    (dumps({"type": "Polygon", "coordinates": [[[500000, 1200000], [510000, 1200000], [510000, 1210000],
                                                 [500000, 1200000]]]}), "hors des limites"),
    (dumps({"type": "Polygon", "coordinates": SQUARE,
            "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32630"}}}), "projection"),
    (dumps({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [2, 0], [0, 0]]]}), "invalide"),
    ("[" * 100_000 + "]" * 100_000, "JSON lisible"),
])
def test_bad_files_are_refused_in_french(data, words):
    error = refused(data)
    assert words in " ".join(error.messages)
    assert not error.too_large


def test_a_file_over_the_size_limit_is_refused_as_too_large():
    big = dumps({"type": "Polygon", "coordinates": SQUARE}) + b" " * (2 * 1024 * 1024)
    error = refused(big)
    assert error.too_large and "trop volumineux" in error.messages[0] and "2,0 Mo" in error.messages[0]


def test_too_many_vertices_are_refused():
    n = 60_000  # a fine circle of 60 000 vertices, well under 2 MiB
    ring = [[round(math.cos(2 * math.pi * i / n), 4), round(math.sin(2 * math.pi * i / n), 4)] for i in range(n)]
    data = json.dumps({"type": "Polygon", "coordinates": [ring + [ring[0]]]}, separators=(",", ":")).encode()
    assert len(data) < geo.MAX_UPLOAD_BYTES
    error = refused(data)
    assert "trop de sommets" in error.messages[0]


def test_the_field_key_can_be_chosen():
    error = refused(b"{}", field="foreign_by_name.2")
    assert list(error.errors) == ["foreign_by_name.2"]


def test_union_skips_missing_geometries_and_wkb_round_trips():
    a, b = box(0, 0, 1, 1), box(1, 0, 2, 1)
    united = geo.union([a, None, b])
    assert united.area == pytest.approx(2.0)
    assert geo.from_wkb(geo.to_wkb(united)).equals(united)
    assert geo.union([None]) is None and geo.to_wkb(None) is None and geo.from_wkb(None) is None


def test_area_in_square_kilometres_uses_an_equal_area_grid():
    # One degree square near Sikasso: about 12 000 km².
    assert geo.area_km2(box(-8, 12, -7, 13)) == pytest.approx(12_024.7, abs=0.1)
