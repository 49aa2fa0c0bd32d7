"""Official names with their accents: the shipped corrections, the administrators' official name, and the one
expression every reader of a unit's name goes through (AdminUnit.display_name)."""
from __future__ import annotations

import csv
import unicodedata
from pathlib import Path

import pytest
import sqlalchemy as sa

from plans.core.audit import AuditEntry
from plans.core.errors import ConflictError, ValidationError
from plans.demo import seed as demo
from plans.documents import plan_document
from plans.maps import national
from plans.owners import service as owners_service
from plans.planning import service as plan_service
from plans.reporting import journal
from plans.territory import service as ts
from plans.territory.loader import NAME_CORRECTIONS_FILE, load_geodata, read_name_corrections
from plans.territory.models import OFFICIAL_NAME_MAX, AdminUnit, unit_search_key

GEODATA = Path(__file__).resolve().parents[2] / "geodata"
BAROUELI = "ML040101"  # OCHA writes the commune "Baraoueli"; no shipped correction: the administrators' case
DIEMA = "ML010304"


def unit(session, code: str) -> AdminUnit:
    return ts.unit_by_code(session, code)


def set_name(session, code: str, name: str | None, **kwargs) -> AdminUnit:
    found = unit(session, code)
    ts.set_official_name(session, found, name, found.official_name or "", **kwargs)
    owners_service.sync_collectivite_names(session, [found])
    session.commit()
    return found


def _bare(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


# --- the shipped corrections ------------------------------------------------------------------------------------

def test_the_corrections_file_only_adds_accents_to_the_source_names_it_names():
    with (GEODATA / NAME_CORRECTIONS_FILE).open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    with (GEODATA / "mali_communes.csv").open(encoding="utf-8", newline="") as fh:
        communes = {r["commune_pcode"]: r for r in csv.DictReader(fh)}
    assert rows and len({r["pcode"] for r in rows}) == len(rows)
    for row in rows:
        assert communes[row["pcode"]]["commune_name"] == row["source_name"], row
        assert _bare(row["corrected_name"]) == row["source_name"] != row["corrected_name"], row
        assert row["source"].strip(), row


def test_corrections_are_loaded_into_name_fr_and_shown(session):
    diema = unit(session, DIEMA)
    assert (diema.name, diema.name_fr, diema.display_name) == ("Diema", "Diéma", "Diéma")
    corrections = read_name_corrections(GEODATA)
    for code, correction in corrections.items():
        assert unit(session, code).display_name == correction.corrected_name
    assert unit(session, "ML040224").display_name == "Ségou Commune"


def test_a_correction_whose_source_name_changed_is_not_applied_and_reported(session, tmp_path):
    for path in GEODATA.iterdir():
        if path.name != NAME_CORRECTIONS_FILE:
            (tmp_path / path.name).symlink_to(path)
    (tmp_path / NAME_CORRECTIONS_FILE).write_text(
        "pcode,source_name,corrected_name,source\n"
        f"{DIEMA},Diema Ancien,Diéma,essai\n"
        "ML999999,Nulle Part,Nulle Part,essai\n"
        "ML010409,Kenieba,Kéniéba,essai\n", encoding="utf-8")
    report = load_geodata(session, tmp_path)
    assert report.corrections == 1 and report.stale_corrections == [DIEMA, "ML999999"]
    assert "ML010409" not in report.summary() and DIEMA in report.summary()
    assert unit(session, DIEMA).display_name == "Diema"  # the file's own name again
    assert unit(session, "ML010409").display_name == "Kéniéba"
    assert unit(session, "ML010201").display_name == "Bafoulabe"  # not in this folder's corrections


# --- the official name ------------------------------------------------------------------------------------------

def test_the_official_name_is_shown_and_searchable_by_both_spellings(session):
    found = set_name(session, BAROUELI, "Barouéli")
    assert found.display_name == "Barouéli" and found.name == "Baraoueli"
    for query in ("Barouéli", "baroueli", "Baraoueli", "baraouéli"):
        assert ts.search_units(session, query, levels=[3])[0].code == BAROUELI, query
    assert ts.unit_summary(found)["name"] == "Barouéli"
    # The accented and bare spellings of the corrected commune both find it.
    for query in ("Diéma", "diema", "DIEMA"):
        assert DIEMA in [u.code for u in ts.search_units(session, query)[:3]], query


def test_the_official_name_survives_a_load_which_then_writes_nothing(session):
    set_name(session, BAROUELI, "Barouéli")
    set_name(session, DIEMA, "Diéma (Commune urbaine)")
    report = load_geodata(session, GEODATA)
    session.commit()
    assert (report.created, report.updated) == (0, 0)
    session.expire_all()
    assert unit(session, BAROUELI).official_name == "Barouéli"
    assert unit(session, BAROUELI).display_name == "Barouéli"
    assert unit(session, DIEMA).display_name == "Diéma (Commune urbaine)"
    assert unit(session, DIEMA).name_fr == "Diéma"  # the correction beneath it, still applied
    assert ts.search_units(session, "baroueli", levels=[3])[0].code == BAROUELI
    assert ts.search_units(session, "commune urbaine diema")[0].code == DIEMA


def test_clearing_the_official_name_returns_to_the_source_name(session):
    set_name(session, BAROUELI, "Barouéli")
    found = set_name(session, BAROUELI, "   ")
    assert found.official_name is None and found.display_name == "Baraoueli"
    assert found.search_key == unit_search_key(None, found.name_fr, found.name, found.alt_names) == "baraoueli"
    assert found.official_name_set_at is not None  # cleared is a change too: caches compare it
    found = set_name(session, DIEMA, "Diéma officielle")
    found = set_name(session, DIEMA, "")
    assert found.display_name == "Diéma"  # back to the corrected name of the shipped data


def test_every_reader_goes_through_the_one_expression(session):
    owner = owners_service.commune_owner(session, BAROUELI)
    plan = plan_service.create_plan(session, owner=owner, title="PDESC de Barouéli", period_start=2025, user=None)
    session.commit()
    assert owner.name == "Baraoueli"
    set_name(session, BAROUELI, "Barouéli")

    assert session.scalar(sa.select(AdminUnit.display_name).where(AdminUnit.code == BAROUELI)) == "Barouéli"
    assert session.scalar(sa.select(AdminUnit.code).where(AdminUnit.display_name == "Barouéli",
                                                      AdminUnit.level == 3)) == BAROUELI
    assert owner.name == "Barouéli"  # the collectivité that owns plans on it, renamed
    assert plan_document.owner_label(owner) == "Commune de Barouéli"
    layer = national.build_communes_geojson(session)[0]
    assert '"n":"Barouéli"' in layer and '"n":"Diéma"' in layer and '"n":"Baraoueli"' not in layer
    base = national.load_base(session)
    assert base.units[owner.unit_id].name == "Barouéli"
    assert {c.code: c.name for c in demo.communes(session)}[BAROUELI] == "Barouéli"
    assert plan.owner.name == "Barouéli"


def test_setting_the_name_changes_what_the_map_caches_compare(session):
    before = (national._territory_key(session), national.data_fingerprint(session))
    set_name(session, BAROUELI, "Barouéli")
    after = (national._territory_key(session), national.data_fingerprint(session))
    assert before[0] != after[0] and before[1] != after[1]


def test_the_audit_log_records_before_and_after(session, make_user):
    from plans.accounts.models import Role

    admin = make_user(Role.ADMIN, email="admin-nom@dgct.ml")
    set_name(session, BAROUELI, "Barouéli", acting_user=admin, ip="10.0.0.7")
    set_name(session, BAROUELI, "", acting_user=admin)
    entries = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "territory.official_name")
                              .order_by(AuditEntry.id)).all()
    assert [(e.target, e.user_id) for e in entries] == [(BAROUELI, admin.id)] * 2
    assert entries[0].ip == "10.0.0.7"
    assert journal.describe_details(entries[0].details) == [("Nom officiel", "— → Barouéli"),
                                                            ("Nom des fichiers de limites", "Baraoueli")]
    assert journal.describe_details(entries[1].details)[0] == ("Nom officiel", "Barouéli → —")
    assert journal.action_label("territory.official_name") == "Nom officiel d'une unité territoriale"


def test_an_unchanged_name_records_nothing(session):
    set_name(session, BAROUELI, "Barouéli")
    found = unit(session, BAROUELI)
    assert ts.set_official_name(session, found, " Barouéli ", "Barouéli") is False
    count = session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                           .where(AuditEntry.action == "territory.official_name"))
    assert count == 1


def test_typed_text_is_cleaned(session):
    found = set_name(session, BAROUELI, "  Baro\x00uéli \t\n Commune\x07 ")
    assert found.official_name == "Barouéli Commune"


@pytest.mark.parametrize("name, words", [
    ("x" * (OFFICIAL_NAME_MAX + 1), "au plus 200 caractères"),
    ("1234 - 56", "au moins une lettre"),
])
def test_refused_names_say_why_in_french(session, name, words):
    found = unit(session, BAROUELI)
    with pytest.raises(ValidationError) as error:
        ts.set_official_name(session, found, name, "")
    assert words in error.value.errors["official_name"][0]
    assert found.official_name is None


def test_a_stale_or_missing_seen_name_is_a_conflict(session):
    set_name(session, BAROUELI, "Barouéli")
    found = unit(session, BAROUELI)
    for seen in ("", "Autre", None):
        with pytest.raises(ConflictError):
            ts.set_official_name(session, found, "Barouéli II", seen)
    assert found.official_name == "Barouéli"


def test_foreign_and_hand_typed_units_keep_their_names(session):
    foreign = ts.search_units(session, "tambacounda", country="SEN")[0]
    with pytest.raises(ValidationError):
        ts.set_official_name(session, foreign, "Tambacounda", "")
    assert not ts.can_have_official_name(foreign)
    assert ts.can_have_official_name(unit(session, "ML01"))


def test_unit_search_key_puts_the_shown_name_first_and_each_name_once():
    assert unit_search_key(None, "Ségou", "Segou", None) == "segou"
    assert unit_search_key("Barouéli", None, "Baraoueli", None) == "baroueli baraoueli"
    assert unit_search_key(None, "Koulikoro", "Koulikouro", None) == "koulikoro koulikouro"
    assert unit_search_key(None, None, "Kankossa", None, "Mauritanie") == "kankossa mauritanie"
