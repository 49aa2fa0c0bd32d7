"""plans.reporting.tables (flat, joinable rows per entity, figures from plans.planning.finance) and
plans.reporting.spreadsheet (CSV, XLSX, GeoJSON, formula neutralisation), on the three demo test cases."""
from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
import sqlalchemy as sa

from plans.accounts import access
from plans.accounts.models import Role
from plans.demo import data as D
from plans.maps import national as nm
from plans.owners.service import unit_by_code
from plans.planning import completeness, finance
from plans.planning import summary as plan_summary
from plans.planning.models import Action, DiasporaAssociation, Plan, PlanStatus
from plans.reporting import spreadsheet
from plans.reporting import tables as tabular
from plans.review.models import PlanComment
from tests.factories import commit_then_read_desk


@pytest.fixture
def seeded(session, demo_cases):
    nm.clear_caches()
    plan_summary.refresh_stale(session)  # what the desk's pages do first (app/summaries.py)
    session.commit()
    return session


@pytest.fixture
def admin_user(make_user):
    return make_user(Role.ADMIN, email="admin-tableau@dgct.ml")


def _plan(session, uuid) -> Plan:
    return session.scalar(sa.select(Plan).where(Plan.uuid == uuid))


def _selection(session, user, **args) -> tabular.Selection:
    return tabular.select(session, tabular.TableFilters.from_args(args), access.review_regions(user))


def _tables(session, user, **args) -> dict[str, tabular.Table]:
    return {t.key: t for t in tabular.all_tables(session, _selection(session, user, **args))}


def test_koniakary_row_has_the_figures_of_plans_finance(seeded, admin_user):
    row = next(r for r in tabular.plan_rows(seeded, _selection(seeded, admin_user)) if r["plan_uuid"] == D.TC1_UUID)
    assert row["cout_total_fcfa"] == 160_000_000
    assert row["apport_diaspora_fcfa"] == 15_500_000
    assert row["part_diaspora_pct"] == Decimal("9.69")  # 15,5 / 160 = 9,6875 %
    plan = seeded.get(Plan, _plan(seeded, D.TC1_UUID).id, options=finance.load_options())
    pf = finance.plan_finance(plan)
    assert (row["finance_fcfa"], row["a_rechercher_fcfa"], row["nb_actions_migration"]) == \
        (pf.funded, pf.by_status["a_rechercher"], pf.migration_actions)
    assert row["nb_actions_migration"] == 3 and row["nb_actions"] == 4  # one action (the AEP) has no migration tag
    assert row["population"] == 20143 and row["investissement_par_habitant_fcfa"] == round(160_000_000 / 20143)
    assert row["completude_pct"] == completeness.check_plan(plan).percent
    assert (row["collectivite"], row["type_collectivite"], row["region"], row["cercle"], row["pcodes"]) == \
        ("Koniakary", "commune", "Kayes", "Kayes", D.KONIAKARY_PCODE)
    assert (row["revision"], row["statut"], row["statut_libelle"], row["debut"], row["fin"]) == \
        (1, "brouillon", "Brouillon", 2025, 2029)


def test_action_and_funding_rows_come_from_the_actions_figures(seeded, admin_user):
    tables = _tables(seeded, admin_user)
    plan = seeded.get(Plan, _plan(seeded, D.TC1_UUID).id, options=finance.load_options())
    pf = finance.plan_finance(plan)
    actions = [r for r in tables["actions"].rows if r["plan_uuid"] == D.TC1_UUID]
    assert [r["action_uuid"] for r in actions] == [a.uuid for a in plan.actions]
    assert [r["cout_total_fcfa"] for r in actions] == [f.total for f in pf.figures]
    assert [r["rang"] for r in actions] == [1, 2, 3, 4]
    lines = [r for r in tables["financements"].rows if r["plan_uuid"] == D.TC1_UUID]
    assert [r["montant_fcfa"] for r in lines] == [amount for f in pf.figures for amount in f.line_amounts]
    diaspora = [r for r in lines if r["source"] == "association_diaspora"]
    assert sum(r["montant_fcfa"] for r in diaspora) == 15_500_000
    assert {r["source_libelle"] for r in diaspora} == {"Association de la diaspora"}
    assert all(r["association_id"] is not None for r in diaspora)


def test_every_sheet_joins_on_its_stable_ids(seeded, admin_user):
    tables = _tables(seeded, admin_user)
    plan_keys = {(r["plan_uuid"], r["revision"]) for r in tables["plans"].rows}
    assert len(plan_keys) == len(tables["plans"].rows) == 3
    action_keys = {(r["action_uuid"], r["revision"]) for r in tables["actions"].rows}
    assert len(action_keys) == len(tables["actions"].rows) > 0
    assert {(r["plan_uuid"], r["revision"]) for r in tables["actions"].rows} <= plan_keys
    assert {(r["action_uuid"], r["revision"]) for r in tables["financements"].rows} <= action_keys
    assert {(r["plan_uuid"], r["revision"]) for r in tables["indicateurs"].rows} <= plan_keys
    owners = {r["collectivite_id"] for r in tables["plans"].rows}
    association_ids = {r["association_id"] for r in tables["associations"].rows}
    assert {r["collectivite_id"] for r in tables["associations"].rows} <= owners
    named = {r["association_id"] for r in tables["financements"].rows if r["association_id"] is not None}
    assert named and named <= association_ids
    assert len({r["financement_id"] for r in tables["financements"].rows}) == len(tables["financements"].rows)


def test_a_withheld_location_never_leaves_the_server(seeded, admin_user):
    action = seeded.scalar(sa.select(Action).join(Plan).where(Plan.uuid == D.TC1_UUID).order_by(Action.position))
    assert action.lon is not None
    action.location_precision = "masquee"
    commit_then_read_desk(seeded)
    table = tabular.table(seeded, _selection(seeded, admin_user), "actions")
    row = next(r for r in table.rows if r["action_uuid"] == action.uuid)
    assert (row["lon"], row["lat"], row["localisation_libelle"]) == (None, None, "Masquée (site sensible)")
    located = tabular.located_actions(table.rows)
    assert action.uuid not in {r["action_uuid"] for r in located}
    assert len(located) == len([r for r in table.rows if r["lon"] is not None])
    doc = json.loads(spreadsheet.geojson_bytes(table))
    assert action.uuid not in {f["properties"]["action_uuid"] for f in doc["features"]}
    assert str(action.lon) not in spreadsheet.csv_bytes(table).decode("utf-8")


def test_association_contacts_only_with_consent(seeded, admin_user):
    associations = seeded.scalars(sa.select(DiasporaAssociation).order_by(DiasporaAssociation.id)).all()
    consenting, refusing = associations[0], associations[1]
    consenting.contact_name, consenting.contact_details, consenting.contact_consent = "Awa Diallo", "+33 6 12", True
    # A row written before the consent rule (or by an import) must not leak either.
    refusing.contact_name, refusing.contact_details, refusing.contact_consent = "Moussa Traoré", "+33 7 34", False
    commit_then_read_desk(seeded)
    rows = {r["association_id"]: r for r in tabular.association_rows(seeded, _selection(seeded, admin_user))}
    contact = ("contact_nom", "contact_coordonnees")
    assert tuple(rows[consenting.id][k] for k in contact) == ("Awa Diallo", "+33 6 12")
    assert tuple(rows[refusing.id][k] for k in contact) == ("", "")
    assert rows[refusing.id]["consentement_contact"] is False
    text = spreadsheet.csv_bytes(tabular.Table("associations", "Associations", tabular.ASSOCIATION_COLUMNS,
                                               list(rows.values()))).decode("utf-8")
    assert "Moussa" not in text and "+33 7" not in text
    assert "'+33 6 12" in text  # the consented phone number, neutralised: a spreadsheet would compute "+33 6 12"


def test_a_regional_reviewer_gets_only_their_region(seeded, make_user):
    reviewer = make_user(Role.REVIEWER, email="relecteur-sikasso@dgct.ml", region=unit_by_code(seeded, "ML03"))
    tables = _tables(seeded, reviewer)
    assert [r["plan_uuid"] for r in tables["plans"].rows] == [D.TC3_UUID]
    assert {r["plan_uuid"] for r in tables["actions"].rows} == {D.TC3_UUID}
    assert {r["plan_uuid"] for r in tables["indicateurs"].rows} == {D.TC3_UUID}
    kenedougou = _plan(seeded, D.TC3_UUID).owner_id
    assert {r["collectivite_id"] for r in tables["associations"].rows} <= {kenedougou}
    assert _tables(seeded, reviewer, region="ML01")["plans"].rows == []  # asking for Kayes gives nothing


def test_filters_select_the_national_maps_plans(seeded, admin_user):
    _plan(seeded, D.TC2_UUID).status = PlanStatus.VALIDE
    commit_then_read_desk(seeded)
    base = nm.national_base(seeded)
    for args in ({}, {"region": "ML01"}, {"region": "ML03"}, {"cercle": "ML0107"}, {"statut": "valide"},
                 {"periode": "2029"}, {"periode": "2027", "region": "ML03"}):
        chosen = set(_selection(seeded, admin_user, **args).plan_ids)
        assert chosen == nm.national_view(base, nm.Filters.from_args(args)).plan_ids, args
    ids = {u: _plan(seeded, u).id for u in D.TEST_CASE_UUIDS}
    assert set(_selection(seeded, admin_user, statut="valide").plan_ids) == {ids[D.TC2_UUID]}
    assert set(_selection(seeded, admin_user, periode="2029").plan_ids) == {ids[D.TC1_UUID], ids[D.TC2_UUID]}


def test_owner_type_and_sector_filters(seeded, admin_user):
    assert _selection(seeded, admin_user, type="syndicat").plan_ids == [_plan(seeded, D.TC2_UUID).id]
    assert _selection(seeded, admin_user, type="glct").plan_ids == [_plan(seeded, D.TC3_UUID).id]
    assert _selection(seeded, admin_user, type="inconnu").filters.owner_kind == ""  # ignored, never an error
    selection = _selection(seeded, admin_user, secteur="hydraulique")
    kept = [seeded.get(Plan, i) for i in selection.plan_ids]
    assert D.TC1_UUID in {p.uuid for p in kept}
    assert all(any(a.sector == "hydraulique" for a in p.actions) for p in kept)
    actions = tabular.action_rows(seeded, selection)
    assert actions and {r["secteur"] for r in actions} == {"hydraulique"}
    row = next(r for r in tabular.plan_rows(seeded, selection) if r["plan_uuid"] == D.TC1_UUID)
    assert row["cout_total_fcfa"] == 160_000_000  # the plan's figures stay whole-plan figures …
    tc1 = seeded.get(Plan, row["plan_id"], options=finance.load_options())
    assert row["cout_secteur_fcfa"] == finance.plan_finance(tc1).by_sector["hydraulique"] == 60_000_000


def test_unresolved_comments_are_counted(seeded, admin_user):
    plan = _plan(seeded, D.TC1_UUID)
    seeded.add_all([PlanComment(plan_id=plan.id, section="actions", body="Précisez le coût."),
                    PlanComment(plan_id=plan.id, body="Titre ?", resolved_at=plan.created_at)])
    commit_then_read_desk(seeded)
    rows = {r["plan_uuid"]: r for r in tabular.plan_rows(seeded, _selection(seeded, admin_user))}
    assert rows[D.TC1_UUID]["commentaires_non_resolus"] == 1
    assert rows[D.TC2_UUID]["commentaires_non_resolus"] == 0


def test_sorting_puts_empty_values_last_both_ways(seeded, admin_user):
    selection = _selection(seeded, admin_user)
    by_cost = [r["cout_total_fcfa"] for r in tabular.plan_rows(seeded, selection, "cout", descending=True)]
    assert by_cost == [160_000_000, 135_000_000, 92_000_000]
    assert [r["cout_total_fcfa"] for r in tabular.plan_rows(seeded, selection, "cout")] == by_cost[::-1]
    # GLCT-Kénédougou has no population figure: no investment per inhabitant, listed last either way.
    for descending in (False, True):
        ordered = tabular.plan_rows(seeded, selection, "investissement", descending)
        assert ordered[-1]["plan_uuid"] == D.TC3_UUID and ordered[-1]["investissement_par_habitant_fcfa"] is None
    assert tabular.plan_rows(seeded, selection, "nimporte") == tabular.plan_rows(seeded, selection,
                                                                                 tabular.DEFAULT_SORT)


# --- spreadsheet --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["=1+1", "+33 6 12 34 56 78", "-2", "@SUM(A1:A9)", "\t=1", "\r=1"])
def test_formula_triggers_are_neutralised(text):
    assert spreadsheet.neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["Koniakary", "Écart = 2", "2 - 1", "", "'déjà"])
def test_ordinary_text_is_left_alone(text):
    assert spreadsheet.neutralise(text) == text


def _read_csv(data: bytes, entity: str = "plans") -> list[dict]:
    """The rows keyed by the technical keys (the file's header row is French: the table's columns map it)."""
    assert data.startswith("\ufeff".encode())  # Excel in a French locale reads the accents right
    keys = {c.header: c.key for c in tabular.ENTITIES[entity][1]}
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";")
    header = [keys[h] for h in next(reader)]
    return [dict(zip(header, row)) for row in reader]


def test_csv_neutralises_text_but_keeps_numbers_numeric(seeded, admin_user):
    plan = _plan(seeded, D.TC1_UUID)
    plan.title = "=1+1"
    action = seeded.scalar(sa.select(Action).where(Action.plan_id == plan.id).order_by(Action.position))
    action.title, action.localities, action.unit = "@SUM(A1:A2)", "+33 6", "-2"
    commit_then_read_desk(seeded)
    tables = _tables(seeded, admin_user)
    plans = {r["plan_uuid"]: r for r in _read_csv(spreadsheet.csv_bytes(tables["plans"]))}
    koniakary = plans[D.TC1_UUID]
    assert koniakary["titre"] == "'=1+1"
    assert (koniakary["cout_total_fcfa"], koniakary["part_diaspora_pct"]) == ("160000000", "9,69")
    first = next(r for r in _read_csv(spreadsheet.csv_bytes(tables["actions"]), "actions")
                 if r["action_uuid"] == action.uuid)
    assert (first["titre"], first["localites"], first["unite"]) == ("'@SUM(A1:A2)", "'+33 6", "'-2")
    assert first["lon"].startswith("-10,") and float(first["lon"].replace(",", ".")) == pytest.approx(action.lon)


def test_csv_quotes_separators_quotes_and_line_breaks(seeded, admin_user):
    _plan(seeded, D.TC1_UUID).title = 'PDESC; « Koniakary »\n"2025"'
    commit_then_read_desk(seeded)
    data = spreadsheet.csv_bytes(_tables(seeded, admin_user)["plans"])
    rows = _read_csv(data)
    assert 'PDESC; « Koniakary »\n"2025"' in {r["titre"] for r in rows}
    assert len(rows) == 3 and b"\r\n" in data


def test_xlsx_one_sheet_per_entity_with_numbers_as_numbers(seeded, admin_user):
    plan = _plan(seeded, D.TC1_UUID)
    plan.title = "=HYPERLINK(\"http://x\")\x0b"  # and a control character openpyxl would refuse
    commit_then_read_desk(seeded)
    tables = tabular.all_tables(seeded, _selection(seeded, admin_user))
    book = openpyxl.load_workbook(io.BytesIO(spreadsheet.xlsx_bytes(tables, ["Export du 1er mars"])))
    assert book.sheetnames == ["Plans", "Actions", "Financements", "Indicateurs", "Associations", "Colonnes"]
    sheet = book["Plans"]
    assert [c.value for c in sheet[1]] == [c.header for c in tabular.PLAN_COLUMNS]  # French headers
    header = [c.key for c in tabular.PLAN_COLUMNS]
    assert all(c.font.b for c in sheet[1]) and sheet.freeze_panes == "A2"
    for printed in (book[name] for name in book.sheetnames):  # printed as an analyst expects, header on every page
        assert printed.page_setup.orientation == "landscape", printed.title
        assert printed.sheet_properties.pageSetUpPr.fitToPage and printed.page_setup.fitToWidth == 1
        assert printed.page_setup.fitToHeight == 0
    assert sheet.print_title_rows == "$1:$1"
    assert sheet.column_dimensions["D"].width > sheet.column_dimensions["B"].width  # titre wider than revision
    rows = [dict(zip(header, (c.value for c in r))) for r in sheet.iter_rows(min_row=2)]
    koniakary = next(r for r in rows if r["plan_uuid"] == D.TC1_UUID)
    assert koniakary["titre"] == "'=HYPERLINK(\"http://x\")"
    cells = {c.column_letter: c for c in sheet[2 + rows.index(koniakary)]}
    cost = cells[openpyxl.utils.get_column_letter(header.index("cout_total_fcfa") + 1)]
    assert (cost.value, cost.data_type) == (160_000_000, "n")
    assert koniakary["part_diaspora_pct"] == pytest.approx(9.69)
    assert isinstance(koniakary["mise_a_jour"], (date,))
    lon_index = [c.key for c in tabular.ACTION_COLUMNS].index("lon")
    lons = [r[lon_index].value for r in book["Actions"].iter_rows(min_row=2)]
    assert lons and all(isinstance(v, float) and v < 0 for v in lons)  # Mali is west of Greenwich: negative, numeric
    notes = [r[0] for r in book["Colonnes"].iter_rows(values_only=True)]
    columns = {r[2]: r for r in book["Colonnes"].iter_rows(values_only=True)}  # technical key → its row
    assert notes[0] == "Export du 1er mars"
    assert columns["part_diaspora_pct"][:2] == ("Plans", "Part de la diaspora (%)")


def test_geojson_points_with_safe_properties(seeded, admin_user):
    action = seeded.scalar(sa.select(Action).join(Plan).where(Plan.uuid == D.TC1_UUID).order_by(Action.position))
    action.title = '</script><img src=x onerror="alert(1)"> & co'
    commit_then_read_desk(seeded)
    table = tabular.table(seeded, _selection(seeded, admin_user), "actions")
    data = spreadsheet.geojson_bytes(table)
    assert b"<" not in data and b">" not in data and b"&" not in data
    doc = json.loads(data)
    assert doc["type"] == "FeatureCollection"
    assert len(doc["features"]) == len(tabular.located_actions(table.rows)) > 0
    feature = next(f for f in doc["features"] if f["properties"]["action_uuid"] == action.uuid)
    assert feature["properties"]["titre"] == action.title  # read back unchanged
    assert feature["geometry"] == {"type": "Point", "coordinates": [pytest.approx(action.lon),
                                                                    pytest.approx(action.lat)]}
    assert feature["properties"]["cout_total_fcfa"] == 45_000_000 and "lon" not in feature["properties"]
