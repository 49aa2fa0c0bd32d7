"""Territory search and hierarchy: what the browser and every picker rely on."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import event

from plans.territory import service as ts
from plans.territory.models import MALI


def codes(units):
    return [u.code for u in units]


def test_segou_finds_region_cercle_and_commune_without_accents(session):
    results = ts.search_units(session, "segou")
    top = results[:3]
    assert [(u.level, u.display_name) for u in top] == [(1, "Ségou"), (2, "Ségou"), (3, "Ségou Commune")]
    assert codes(top) == ["ML04", "ML0402", "ML040224"]


def test_search_ignores_case_and_accents(session):
    assert codes(ts.search_units(session, "SEGOU")) == codes(ts.search_units(session, "ségou"))
    assert codes(ts.search_units(session, "Ségou"))[:3] == ["ML04", "ML0402", "ML040224"]


def test_a_word_prefix_finds_koniakary(session):
    results = ts.search_units(session, "koniak")
    assert results[0].code == "ML010115"
    assert results[0].display_name == "Koniakary"


def test_kirane_with_accent_and_hyphen_finds_kirane_kaniaga(session):
    for query in ("kirane", "Kirané", "KIRANÉ-KANIAGA", "kaniaga kirane"):
        assert ts.search_units(session, query)[0].code == "ML010706", query


def test_alternative_spelling_is_found(session):
    # OCHA spells it "Goudie Sougouna"; geoBoundaries "Gouadie Sougouna"; the decree "Gouadié-Sougouna".
    assert ts.search_units(session, "Gouadié-Sougouna")[0].code == "ML030506"
    assert ts.search_units(session, "goudie")[0].code == "ML030506"


def test_prefix_matches_come_before_substring_matches(session):
    results = ts.search_units(session, "kafo", levels=[3], country=MALI, limit=50)
    names = [u.search_key for u in results]
    first_substring = next(i for i, k in enumerate(names) if not any(w.startswith("kafo") for w in k.split()))
    assert all(any(w.startswith("kafo") for w in k.split()) for k in names[:first_substring])
    assert "diouradougou kafo" in names[:first_substring]
    assert any("jekafo" in k for k in names[first_substring:])


def test_level_and_country_filters(session):
    communes = ts.search_units(session, "segou", levels=[3], country="MLI")
    assert communes and all(u.level == 3 and u.country_iso3 == "MLI" for u in communes)
    foreign = ts.search_units(session, "kenedougou", foreign=True)
    assert foreign and all(u.country_iso3 != "MLI" for u in foreign)
    assert ("BFA", "Kenedougou") in [(u.country_iso3, u.name) for u in foreign]
    assert all(u.country_iso3 == "MLI" for u in ts.search_units(session, "kenedougou", foreign=False))
    senegal = ts.search_units(session, "tambacounda", country="SEN")
    assert senegal and all(u.country_iso3 == "SEN" for u in senegal)


def test_search_by_pcode(session):
    assert ts.search_units(session, "ml010706")[0].display_name == "Kirane Kaniaga"
    assert ts.search_units(session, "ML0107")[0].code == "ML0107"


def test_short_or_empty_queries_find_nothing_and_limit_holds(session):
    assert ts.search_units(session, "") == []
    assert ts.search_units(session, "k") == []
    assert ts.search_units(session, "  é ") == []
    assert len(ts.search_units(session, "ko", limit=20)) == 20
    assert len(ts.search_units(session, "ko", limit=10_000)) == ts.MAX_LIMIT


def test_search_loads_parents_in_a_bounded_number_of_queries(app, session):
    statements = []

    def count(*_args):
        statements.append(1)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        results = ts.search_units(session, "ko", levels=[3], limit=20)
        before = len(statements)
        paths = [ts.unit_summary(u)["path"] for u in results]
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(results) == 20 and all(" › " in p for p in paths)
    assert before <= 3  # units, then cercles, then régions
    assert len(statements) == before  # the summaries needed no further query


def test_unit_summary_of_koniakary(session):
    unit = ts.unit_by_code(session, "ML010115")
    summary = ts.unit_summary(unit)
    assert summary == {"id": unit.id, "code": "ML010115", "name": "Koniakary", "level": 3, "level_label": "commune",
                       "country_iso3": "MLI", "country_name": "Mali", "path": "Kayes › Kayes", "has_geometry": True}


def test_unit_summary_of_a_foreign_unit_names_its_country_in_french(session):
    unit = ts.search_units(session, "tambacounda", country="SEN")[0]
    summary = ts.unit_summary(unit)
    assert summary["country_name"] == "Sénégal"
    assert summary["level_label"].startswith("unité de niveau")
    assert ts.country_name("CIV") == "Côte d’Ivoire"
    assert ("BFA", "Burkina Faso") in ts.neighbour_countries()
    assert all(iso3 != "MLI" for iso3, _ in ts.neighbour_countries())


def test_regions_children_and_breadcrumbs(session):
    regions = ts.regions(session)
    assert len(regions) == 9
    assert {r.display_name for r in regions} >= {"Kayes", "Ségou", "Tombouctou", "Bamako"}
    kayes = ts.unit_by_code(session, "ML01")
    cercles = ts.children(session, kayes)
    assert "Yélimané" in [c.display_name for c in cercles]
    yelimane = ts.unit_by_code(session, "ML0107")
    assert len(ts.children(session, yelimane)) == 11
    koniakary = ts.unit_by_code(session, "ML010115")
    assert [u.code for u in ts.breadcrumbs(koniakary)] == ["ML01", "ML0101", "ML010115"]
    assert ts.breadcrumbs(kayes) == [kayes]


def test_mali_has_701_mapped_and_2_unmapped_communes_in_search_scope(session):
    from plans.territory.models import AdminUnit

    n = session.scalar(sa.select(sa.func.count()).select_from(AdminUnit)
                       .where(AdminUnit.country_iso3 == MALI, AdminUnit.level == 3))
    assert n == 703
    alata = ts.search_units(session, "alata", levels=[3])[0]
    assert alata.code == "ML0704-X-ALATA" and ts.unit_summary(alata)["has_geometry"] is False


def test_area_label_is_french():
    assert ts.area_label(1077.7) == "1\u202f077,7 km²"
    assert ts.area_label(None) == ""


def test_children_labels_are_french_plurals(session):
    assert ts.children_label(ts.unit_by_code(session, "ML01"), 7) == "7 cercles"
    assert ts.children_label(ts.unit_by_code(session, "ML0107"), 11) == "11 communes"
    assert ts.children_label(ts.unit_by_code(session, "ML0901"), 1) == "1 commune"
    burkina_region = ts.top_units(session, "BFA")[0]
    assert ts.children_label(burkina_region, 3) == "3 unités de niveau 2"
