"""plans/territory/places.py and plans/maps/diaspora_map.py: host places, one line per association placed, escaped
text."""
from __future__ import annotations

import gzip
import json

import pytest
import shapely

from plans.accounts.models import Role
from plans.maps.diaspora_map import (
    build_diaspora_map,
    corridor_weight,
    destinations,
    diaspora_links,
    layer_of,
    legend_items,
    owner_origin,
    region_features,
    visible_associations,
    world_countries,
)
from plans.maps.offline import map_components
from plans.planning.models import DiasporaAssociation
from plans.territory import places
from tests.offline import assert_no_external_refs

XSS = "${alert(1)}<img src=x onerror=alert(1)>"


def test_places_city_country_and_unknown():
    assert places.locate("FR", "Paris, Villetaneuse, Montreuil") == places.Place(48.86, 2.35, "Paris", "FR",
                                                                                 places.CITY)
    assert places.locate("fr", "montreuil").city == "Montreuil"
    assert places.locate("CI", "").city == "Abidjan" and places.locate("CI", "").precision == places.COUNTRY
    gabon = places.locate("GA", "Franceville")  # not in the table: the capital stands for the country
    assert (gabon.city, gabon.precision) == ("Libreville", places.COUNTRY)
    assert places.locate("FR", "Dakar").city == "Paris"  # a city of another country is not taken
    unknown = places.locate("ZZ", "Nulle part")
    assert not unknown.known and unknown.city == places.UNKNOWN_LABEL and unknown.lat is None
    for code in ("FR", "ES", "IT", "US", "CI", "SN", "GA", "CG", "CD", "GN", "GQ", "MR", "BF", "NE", "AO", "LR",
                 "GH", "NG", "CM", "DZ", "MA", "BE", "DE", "GB", "CA", "CN", "AE", "SA"):
        place = places.country_place(code)
        assert place.known, code
        assert -90 <= place.lat <= 90 and -180 <= place.lon <= 180
    for cities in places.CITIES.values():
        for lat, lon in cities.values():
            assert round(lat, 2) == lat and round(lon, 2) == lon


def test_sections_are_read_as_cities_or_countries():
    assert places.locate_section("Gabon").city == "Libreville"
    assert places.locate_section("Côte d'Ivoire").city == "Abidjan"
    assert places.locate_section("Congo").country == "CG"
    assert places.locate_section("États-Unis").country == "US"
    assert places.locate_section("Lyon (France)").city == "Lyon"
    assert places.locate_section("Tombouctou-sur-Mer").precision == places.UNKNOWN


@pytest.fixture
def associations(session, koniakary_owner):
    rows = [
        DiasporaAssociation(owner=koniakary_owner, name=XSS, host_country="FR", host_city="Montreuil",
                            sectors="sante,education", sections="Gabon\nSénégal\nAtlantide",
                            contact_name="Moussa Secret", contact_details="+33 6 00 00 00 00"),
        DiasporaAssociation(owner=koniakary_owner, name="Ressortissants à Abidjan", host_country="CI",
                            host_city="Abidjan"),
        DiasporaAssociation(owner=koniakary_owner, name="Inconnue", host_country="ZZ", host_city="?"),
    ]
    session.add_all(rows)
    session.commit()
    return rows


def test_one_line_per_association_with_a_known_place(session, associations, koniakary_owner):
    links = diaspora_links(associations)
    assert owner_origin(koniakary_owner) is not None
    assert [link.drawn for link in links] == [True, True, False]
    m = build_diaspora_map(links, region_features(session))
    layer = layer_of(m)
    assert len(layer.links) == 2 == sum(1 for link in links if link.drawn)
    assert len(layer.sections) == 2  # Gabon and Sénégal; "Atlantide" is nowhere
    assert [link["w"] for link in layer.links] == [corridor_weight(1)] * 2  # one association on each corridor
    hosts = {layer.strings[h["t"]] for h in layer.hosts}
    assert any(h.startswith("Montreuil") for h in hosts) and any(h.startswith("Abidjan") for h in hosts)
    components = map_components(m)
    text = components.html + components.script
    assert_no_external_refs(text, "carte de la diaspora")
    assert "Moussa Secret" not in text and "+33 6" not in text  # never the contact details
    assert XSS not in text and "<img" not in text and "${" not in text
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in components.script
    assert "L.geoJson(" in components.script  # the régions of Mali as context
    assert len(region_features(session)) >= 9  # the régions and the District of Bamako


def test_visible_associations_follow_read_access(session, associations, make_user, koniakary_owner):
    from plans.owners import service as owners_service

    other = owners_service.commune_owner(session, "ML010101")
    session.add(DiasporaAssociation(owner=other, name="Autre commune", host_country="SN", host_city="Dakar"))
    session.commit()
    planner = make_user(Role.PLANNER, email="p-diaspora@commune.ml", owners=[koniakary_owner])
    admin = make_user(Role.ADMIN, email="a-diaspora@dgct.ml")
    reviewer = make_user(Role.REVIEWER, email="r-diaspora@dgct.ml")
    assert "Autre commune" not in {a.name for a in visible_associations(session, planner)}
    assert len(visible_associations(session, planner)) == 3
    assert len(visible_associations(session, admin)) == 4 == len(visible_associations(session, reviewer))


# --- issue 15, item 7: a world basemap, corridors weighted by their associations, labelled destinations ---------

def test_a_corridor_is_one_line_as_thick_as_its_associations(session, koniakary_owner):
    rows = [DiasporaAssociation(owner=koniakary_owner, name=f"Ressortissants {i}", host_country="FR",
                                host_city="Montreuil") for i in range(3)]
    rows.append(DiasporaAssociation(owner=koniakary_owner, name="Seule à Dakar", host_country="SN", host_city="Dakar",
                                    sections="Gabon"))
    session.add_all(rows)
    session.commit()
    layer = layer_of(build_diaspora_map(diaspora_links(rows), world_url="/api/monde.geojson"))
    weights = sorted(link["w"] for link in layer.links)
    assert weights == [corridor_weight(1), corridor_weight(3)] and corridor_weight(3) > corridor_weight(1)
    assert corridor_weight(40) == corridor_weight(5)  # five thicknesses, the legend's
    thick = max(layer.links, key=lambda link: link["w"])
    assert layer.strings[thick["n"]].startswith("Montreuil → Commune de Koniakary : 3 associations")
    labels = {layer.strings[h["l"]] for h in layer.hosts}
    assert labels == {"Montreuil (3)", "Dakar (1)", "Gabon (1)"}  # each place named, with its associations


def test_destinations_list_each_place_with_its_associations_and_sections(session, associations):
    table = destinations(diaspora_links(associations))
    by_label = {d.label: d for d in table}
    assert set(by_label) == {"Montreuil", "Abidjan", "Gabon (pays)", "Sénégal (pays)"}  # Atlantide and "?" are nowhere
    assert by_label["Montreuil"].associations == [XSS] and by_label["Montreuil"].sections == []
    assert by_label["Gabon (pays)"].sections == [XSS] and by_label["Gabon (pays)"].country == "Gabon"
    assert by_label["Abidjan"].origins == ["Commune de Koniakary"]


def test_the_world_basemap_is_natural_earth_without_antarctica():
    payload = world_countries()
    doc = json.loads(payload.body)
    assert len(doc["features"]) == 176 and "010" not in {f["id"] for f in doc["features"]}
    names = {f["properties"]["name"] for f in doc["features"]}
    assert {"Mali", "France", "Gabon", "United States of America", "Côte d'Ivoire"} <= names
    for feature in doc["features"]:
        shape = shapely.geometry.shape(feature["geometry"])
        west, south, east, north = shape.bounds
        assert -180 <= west <= east <= 180 and -60 <= south <= north <= 84
    assert gzip.decompress(payload.gz) == payload.body and len(payload.gz) < 60_000


def test_the_map_fetches_the_world_from_the_app_and_credits_natural_earth(session, associations):
    m = build_diaspora_map(diaspora_links(associations), world_url="/api/monde.geojson")
    components = map_components(m)
    assert_no_external_refs(components.html + components.script, "carte de la diaspora")
    assert 'fetch("/api/monde.geojson"' in components.script and "Natural Earth" in components.script
    assert {item["kind"] for item in legend_items()} >= {"line", "dashed", "dot", "area"}
