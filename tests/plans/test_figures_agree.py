"""One figure, one value, everywhere: for the three demo test cases and for edge cases, the national map's row,
the dashboard row and its CSV and XLSX cells, the comparison cell, the plan map's table, the partner API's summary
and the Word document (read back with python-docx) give the same investment per inhabitant, diaspora amount and
share, funding states and set of diaspora-funded actions — all from plans/planning/indicators.py."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
import sqlalchemy as sa
from docx import Document

from plans.accounts import access
from plans.accounts.models import Role
from plans.core.formatting import fcfa, number, percent, plain
from plans.demo import data as D
from plans.documents import plan_document
from plans.maps import national as nm
from plans.maps.compare import comparison_rows
from plans.maps.plan_map import map_actions
from plans.planning import finance
from plans.planning import indicators as ind
from plans.planning import summary as plan_summary
from plans.planning.models import Action, DiasporaAssociation, FundingLine, Plan, PopulationRecord, ScheduleEntry
from plans.reporting import api, spreadsheet
from plans.reporting import tables as tabular


def _loaded(session, plan_id) -> Plan:
    return session.get(Plan, plan_id, options=(*finance.load_options(), sa.orm.selectinload(Plan.population_records)))


def _outputs(session, user, plan: Plan) -> dict:
    """Every output's view of one plan, read back from what each produces (the desk's after its pages' first
    step, app/summaries.py: the summaries behind recomputed)."""
    plan_summary.refresh_stale(session)
    session.commit()
    nm.clear_caches()
    base = nm.national_base(session)
    national = next(r for r in nm.national_view(base, nm.Filters()).rows if r.plan_id == plan.id)
    selection = tabular.select(session, tabular.TableFilters(), access.review_regions(user))
    plans_table = tabular.table(session, selection, "plans")
    actions_table = tabular.table(session, selection, "actions")
    row = next(r for r in plans_table.rows if r["plan_id"] == plan.id)
    keys = {c.header: c.key for c in tabular.PLAN_COLUMNS}  # the files' headers are French
    reader = csv.reader(io.StringIO(spreadsheet.csv_bytes(plans_table).decode("utf-8-sig")), delimiter=";")
    header = [keys[h] for h in next(reader)]
    csv_row = next(r for r in (dict(zip(header, cells)) for cells in reader) if r["plan_id"] == str(plan.id))
    book = openpyxl.load_workbook(io.BytesIO(spreadsheet.xlsx_bytes([plans_table])), read_only=True)
    sheet = list(book["Plans"].iter_rows(values_only=True))
    header = [keys[h] for h in sheet[0]]
    xlsx_row = next(dict(zip(header, r)) for r in sheet[1:] if r[header.index("plan_id")] == plan.id)
    csv_actions = [r for r in actions_table.rows if r["plan_id"] == plan.id]
    return {"national": national, "row": row, "csv": csv_row, "xlsx": xlsx_row, "action_rows": csv_actions}


def _docx(session, plan: Plan):
    doc = Document(io.BytesIO(plan_document.render_docx(plan, session, with_map=False)))
    paragraphs = [plain(p.text) for p in doc.paragraphs]
    annex = next(t for t in doc.tables if [c.text for c in t.rows[0].cells][:2] == ["Action", "Association ou source"])
    annex_rows = [[plain(c.text) for c in r.cells] for r in annex.rows[1:]]
    return paragraphs, annex_rows


def check_every_output_agrees(session, user, plan_id: int) -> ind.PlanIndicators:
    plan = _loaded(session, plan_id)
    pf = finance.plan_finance(plan)
    i = ind.plan_indicators(plan, pf)
    states = ind.funding_states(pf)
    diaspora_actions = {a.uuid for a in ind.diaspora_funded_actions(pf)}
    out = _outputs(session, user, plan)

    # Investment per inhabitant.
    assert out["national"].investment_per_inhabitant == i.cost_per_inhabitant
    assert out["national"].population == i.population
    assert out["row"]["investissement_par_habitant_fcfa"] == i.cost_per_inhabitant
    assert out["row"]["population"] == i.population and out["row"]["annee_population"] == i.population_year
    expected_csv = "" if i.cost_per_inhabitant is None else str(i.cost_per_inhabitant)
    assert out["csv"]["investissement_par_habitant_fcfa"] == expected_csv
    assert out["xlsx"]["investissement_par_habitant_fcfa"] == i.cost_per_inhabitant
    cells = {label: cells[0] for label, cells, _ in comparison_rows([i])}
    assert cells["Coût par habitant"] == ("non disponible" if i.cost_per_inhabitant is None
                                          else fcfa(i.cost_per_inhabitant))
    summary = api.plan_summary(plan, pf, [plan])
    assert summary["investment_per_inhabitant"] == i.cost_per_inhabitant

    # Diaspora amount and share.
    assert out["national"].diaspora_share == (pf.diaspora_share if pf.total else None)
    assert (out["row"]["apport_diaspora_fcfa"], out["row"]["part_diaspora_pct"]) == (pf.diaspora_amount,
                                                                                    pf.diaspora_share)
    assert out["csv"]["apport_diaspora_fcfa"] == str(pf.diaspora_amount)
    assert Decimal(out["csv"]["part_diaspora_pct"].replace(",", ".")) == pf.diaspora_share
    assert out["xlsx"]["apport_diaspora_fcfa"] == pf.diaspora_amount
    assert Decimal(str(out["xlsx"]["part_diaspora_pct"])) == pf.diaspora_share
    assert cells["Apport de la diaspora"] == fcfa(pf.diaspora_amount)
    assert (summary["diaspora_amount"], summary["diaspora_share"]) == (pf.diaspora_amount, str(pf.diaspora_share))
    paragraphs, annex = _docx(session, plan)
    diaspora_text = plain(f"Apport de la diaspora : {fcfa(pf.diaspora_amount)}, soit {percent(pf.diaspora_share, 2)}")
    assert any(diaspora_text in p for p in paragraphs)

    # Each funding state.
    by_key = states.by_key()
    for key, column in tabular.STATE_COLUMNS.items():
        assert out["row"][column] == by_key[key], column
        assert out["csv"][column] == str(by_key[key]), column
        assert out["xlsx"][column] == by_key[key], column
        assert cells[ind.FUNDING_STATES[key].label] == fcfa(by_key[key]), key
    assert summary["funding_states"] == {"identified": states.identified, "secured": states.secured,
                                         "promised": states.promised, "to_find": states.to_find,
                                         "not_covered": states.not_covered}
    sentence = plain(plan_document.funding_sentence(states))
    assert sum(1 for p in paragraphs if sentence in p) == 2  # the résumé and §5.2, in the same words
    assert f"{plain(fcfa(states.to_find))}" in sentence and f"{plain(fcfa(states.not_covered))}" in sentence
    entries = map_actions(plan, pf)
    assert sum(e.gap for e in entries) == states.not_covered
    for entry, action_row in zip(entries, out["action_rows"]):
        f = pf.figures_for(entry.action)
        assert entry.gap == action_row["non_couvert_fcfa"] == ind.funding_states(f).not_covered
        assert action_row["a_rechercher_fcfa"] == ind.funding_states(f).to_find

    # The set of diaspora-funded actions.
    assert {e.action.uuid for e in entries if e.diaspora} == diaspora_actions
    assert {r["action_uuid"] for r in out["action_rows"] if "diaspora" in r["etiquettes"].split(",")} == \
        diaspora_actions
    assert set(summary["diaspora_funded_actions"]) == diaspora_actions
    titles = {a.uuid: plain(a.title) for a in plan.actions}
    lines = [r for r in annex if r[0] != "Total"]
    assert {r[0] for r in lines} == {titles[u] for u in diaspora_actions}
    assert sum(int(r[2].replace(" ", "")) for r in lines) == pf.diaspora_amount
    assert all(r[2] == plain(number(pf.diaspora_amount)) for r in annex if r[0] == "Total")
    located = {e.action.uuid for e in entries if e.placed and e.action.location_precision != "masquee"}
    points = [p for p in nm.national_base(session).points if p[0] == plan.id]
    assert {bool(p[4]) for p in points} <= {True, False}
    assert sum(1 for p in points if p[4]) == len(located & diaspora_actions)
    assert out["national"].gap == ind.emigration_gap(i.emigrants_per_thousand, bool(diaspora_actions))

    # Emigrants per 1 000 and the gap flag in the table and its files.
    assert (out["row"]["emigres_pour_1000"], out["row"]["ecart"]) == (i.emigrants_per_thousand, i.emigration_gap)
    assert out["xlsx"]["ecart"] == ({True: "oui", False: "non"}.get(i.emigration_gap))
    # Every row reads as a sum: cost = identified + not covered (− excess), identified = the three « dont ».
    for name, r in (("row", out["row"]), ("xlsx", out["xlsx"]), ("csv", {k: int(v) for k, v in out["csv"].items()
                                                                      if k.endswith("_fcfa") and v})):
        assert r["cout_total_fcfa"] == r["finance_fcfa"] + r["non_couvert_fcfa"] - r["excedent_fcfa"], name
        assert r["finance_fcfa"] == r["acquis_fcfa"] + r["promis_fcfa"] + r["a_rechercher_fcfa"], name
    for r in out["action_rows"]:
        assert r["cout_total_fcfa"] == r["finance_fcfa"] + r["non_couvert_fcfa"] - r["excedent_fcfa"]

    # The stored summary is what a fresh computation gives now.
    assert_summary_is_fresh(session, plan.id)
    return i


SUMMARY_FIELDS = [c.key for c in plan_summary.PlanSummary.__table__.columns
                  if c.key not in ("generation", "refreshed_at", "changes", "computed_changes")]


def assert_summary_is_fresh(session, plan_id: int) -> None:
    """The plan's summary as the desk reads it (what is behind recomputed first, app/summaries.py) equals
    plans.planning.summary.compute on the plan as saved, field by field."""
    session.expire_all()
    plan_summary.refresh_stale(session)
    session.commit()
    stored = session.get(plan_summary.PlanSummary, plan_id)
    assert stored is not None, "every saved plan has its summary"
    plan = session.scalars(sa.select(Plan).where(Plan.id == plan_id).options(*plan_summary.load_options())).one()
    fresh = plan_summary.compute(plan)
    for name in SUMMARY_FIELDS:
        assert getattr(stored, name) == getattr(fresh, name), name
    assert [(p.region_id, p.cercle_id) for p in stored.places] == [(p.region_id, p.cercle_id) for p in fresh.places]


@pytest.fixture
def admin_user(make_user):
    return make_user(Role.ADMIN, email="admin-chiffres@dgct.ml")


@pytest.mark.parametrize("uuid", D.TEST_CASE_UUIDS)
def test_the_demo_cases_agree_everywhere(session, demo_cases, admin_user, uuid):
    plan_id = session.scalar(sa.select(Plan.id).where(Plan.uuid == uuid))
    i = check_every_output_agrees(session, admin_user, plan_id)
    if uuid == D.TC1_UUID:  # Koniakary
        states = i.funding
        assert (i.total, i.diaspora_amount, i.diaspora_share) == (160_000_000, 15_500_000, Decimal("9.69"))
        assert (states.identified, states.to_find, states.not_covered) == (160_000_000, 21_000_000, 0)
        assert states.secured + states.promised == 139_000_000
        assert i.cost_per_inhabitant == 7943  # 160 000 000 / 20 143


def _line(position, source, amount, status, association=None):
    return FundingLine(position=position, source_type=source, amount=amount, status=status, association=association)


def test_edge_cases_agree_everywhere(session, plan, admin_user, koniakary_owner):
    """Two population records of one year, a diaspora-funded action without the tag, unfunded and promised lines."""
    enndam = DiasporaAssociation(owner=koniakary_owner, name="Enndam Jombuku", host_country="FR")
    session.add(enndam)
    plan.population_records = [PopulationRecord(year=2020, value=10_000, source="estimation"),
                               PopulationRecord(year=2020, value=12_000, source="rgph_2022")]  # entered last
    session.flush()
    plan.actions = [
        Action(position=0, title="Puits", sector="hydraulique", quantity=Decimal(1), unit_cost=30_000_000, tags="",
               schedule=[ScheduleEntry(year=2025, amount=30_000_000)],
               funding_lines=[_line(0, "association_diaspora", 6_000_000, "promis", enndam),
                              _line(1, "budget_communal", 4_000_000, "acquis")]),  # 20 000 000 not covered
        Action(position=1, title="Marché", sector="commerce", quantity=Decimal(1), unit_cost=20_000_000,
               tags="diaspora,retour",  # tagged by hand, no diaspora money: not diaspora-funded
               schedule=[ScheduleEntry(year=2026, amount=20_000_000)],
               funding_lines=[_line(0, "ptf", 15_000_000, "a_rechercher"), _line(1, "etat", 5_000_000, "promis")]),
    ]
    session.commit()
    i = check_every_output_agrees(session, admin_user, plan.id)
    assert (i.population, i.population_year) == (12_000, 2020)
    assert i.cost_per_inhabitant == round(50_000_000 / 12_000)
    assert i.funding == ind.FundingStates(identified=30_000_000, secured=4_000_000, promised=11_000_000,
                                          to_find=15_000_000, not_covered=20_000_000)
    assert [a.title for a in i.diaspora_funded_actions] == ["Puits"]
    assert i.migration_actions == 2  # Puits (derived tag), Marché (« retour »)
    assert number(i.funding.to_find) == number(15_000_000)
