"""The plan file carries the execution (schema_version 2; plans/review/planfile.py, plans/review/planfile_execution.py):
what an export holds, the round trip that keeps every execution figure, the import onto the adopted revision itself,
a file of version 1 still read, and the refusals of the forms' rules with the JSON path and nothing changed."""
from __future__ import annotations

import copy
import io
import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from jsonschema import Draft202012Validator
from PIL import Image

from plans.core.db import Base
from plans.core.errors import ValidationError
from plans.demo import data as D
from plans.demo import execution as demo_execution
from plans.execution import evidence, figures, measures, service
from plans.execution.evidence import ExecutionEvidence
from plans.execution.models import ExecutionChange, ExecutionRecord
from plans.planning import finance
from plans.planning.models import Plan, PlanStatus
from plans.review import planfile, planfile_import
from tests.app.test_input_fuzz import FUZZ, mutated_files

V1_FILE = Path(__file__).parent / "fixtures" / "koniakary-plan-v1.json"  # exported before version 2 existed


def _latest(session, uuid=D.TC1_UUID):
    return session.scalar(sa.select(Plan).where(Plan.uuid == uuid).order_by(Plan.revision.desc()).limit(1))


def _counts(session) -> dict[str, int]:
    return {t.name: session.scalar(sa.select(sa.func.count()).select_from(t)) for t in Base.metadata.sorted_tables}


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (180, 90, 30)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def executed(app, session, demo_cases, tmp_path):
    """Koniakary adopted with the demo's 2025 execution (three records, two measures), a 2026 record of the CSCOM
    and a photo of the CSCOM in 2025."""
    app.config["EVIDENCE_DIR"] = str(tmp_path / "evidence")
    assert demo_execution.seed_koniakary_execution(session)
    plan = _latest(session)
    cscom = next(a for a in plan.actions if a.title == "Extension du CSCOM")
    service.save(session, plan, cscom, 2026, {
        "status": "realise", "progress": "100", "functioning": "fonctionnel", "end_date": "2026-01-20",
        "funding": [{}, {"mobilised": "2 000 000", "paid": "2 000 000"}, {}]}, 0, None)
    evidence.add(session, tmp_path / "evidence", plan, cscom, 2025, "cscom.jpg", _jpeg(), "Le CSCOM achevé", None)
    session.commit()
    return plan


def _figures(session, plan) -> dict:
    """Every execution figure of the plan, year by year (plans/execution/figures.py), and its measures."""
    plan = session.get(Plan, plan.id, options=finance.load_options(), populate_existing=True)
    records = service.records(session, plan)
    out = {}
    for year in plan.years:
        ex = figures.plan_execution(plan, records, year)
        out[year] = (
            ex.planned, ex.mobilised, ex.paid, ex.financial_rate, ex.mobilised_rate, ex.physical_rate,
            ex.pia_planned, ex.pia_paid, ex.pia_rate, ex.status_counts,
            [(a.action.uuid, a.status, a.progress, a.mobilised, a.paid, a.mobilised_year, a.paid_year,
              [(x.state, x.to_receive) for x in a.lines]) for a in ex.actions],
            [(g.label, g.planned, g.mobilised, g.paid, g.physical_rate)  # an axis's key is its row's id
             for g in ex.by_sector + ex.by_axis + ex.by_source],
            [(d.name, d.promised, d.mobilised, d.paid) for d in ex.diaspora])
    stored = {(m.indicator.name, m.year): (m.value, m.breakdown, m.source, m.measured_on)
              for m in measures.measures(session, plan)}
    records = {(r.action.uuid, r.year): (r.status, r.progress, r.start_date, r.end_date, r.contractor,
                                         r.observations, r.functioning) for r in records}
    return {"figures": out, "measures": stored, "records": records}


# ----- What an export holds ---------------------------------------------------------------------------------------

def test_the_export_carries_each_record_measure_and_what_is_known_of_the_evidence(session, executed):
    document = planfile.export_document(session, executed)
    assert document["schema_version"] == 2
    assert list(Draft202012Validator(planfile.schema()).iter_errors(document)) == []
    part = document["plan"]["execution"]
    cscom = next(a for a in document["plan"]["actions"] if a["title"] == "Extension du CSCOM")
    mine = [r for r in part["records"] if r["action"] == cscom["uuid"]]
    assert [(r["year"], r["status"], r["progress"]) for r in mine] == [(2025, "realise", 100), (2026, "realise", 100)]
    # one entry per funding line of the action, in its order: CTC, Enndam Jombuku (2 500 000 received), commune
    assert mine[0]["funding"] == [{"mobilised": 31_500_000, "paid": 31_500_000},
                                  {"mobilised": 2_500_000, "paid": 2_500_000},
                                  {"mobilised": 9_000_000, "paid": 9_000_000}]
    assert (mine[0]["start_date"], mine[0]["functioning"]) == ("2025-02-03", "fonctionnel")
    assert len(part["records"]) == 4 and len(part["measures"]) == 2
    refs = {i["ref"]: i["name"] for i in document["plan"]["sections"]["suivi"]["indicators"]}
    diaspora = next(m for m in part["measures"] if refs[m["indicator"]] == "Montant mobilisé auprès de la diaspora")
    assert (diaspora["year"], diaspora["value"], diaspora["source"]) == (2025, "2500000", "Compte administratif 2025")
    [photo] = part["evidence"]
    assert (photo["action"], photo["year"], photo["kind"], photo["name"], photo["caption"], photo["width"]) == (
        cscom["uuid"], 2025, "jpeg", "cscom.jpg", "Le CSCOM achevé", 64)
    assert set(photo) == {"action", "year", "uuid", "kind", "name", "caption", "size", "width", "height",
                          "added_at"}  # a description, never the file
    text = json.dumps(part)
    assert '"id"' not in text and "_id" not in text  # no database id leaves the server


# ----- Round trips ------------------------------------------------------------------------------------------------

def test_export_then_import_into_a_fresh_plan_keeps_every_execution_figure(session, executed):
    before = _figures(session, executed)
    assert before["figures"][2025][2] == 61_000_000  # paid in 2025: CSCOM 43 M, water 17 M, Tata 1 M
    document = planfile.export_document(session, executed)
    session.delete(executed)
    session.commit()
    assert session.scalar(sa.select(sa.func.count()).select_from(ExecutionRecord)) == 0

    result = planfile_import.import_document(session, planfile.document_bytes(document), None, source="plan.json")
    session.commit()
    plan = result.plan
    assert result.created and plan.status is PlanStatus.ADOPTE
    assert _figures(session, plan) == before
    again = planfile.export_document(session, plan)["plan"]["execution"]
    assert (again["records"], again["measures"]) == (document["plan"]["execution"]["records"],
                                                     document["plan"]["execution"]["measures"])
    assert again["evidence"] == []  # the photo's file was not in the plan file: nothing pretends to hold it


def test_the_adopted_plans_own_file_brings_its_execution_back_without_opening_a_revision(session, executed):
    before = _figures(session, executed)
    document = planfile.export_document(session, executed)
    cscom = next(a for a in executed.actions if a.title == "Extension du CSCOM")
    record = service.record_of(session, cscom, 2026)
    service.save(session, executed, cscom, 2026, {"status": "suspendu", "progress": "60", "funding": []},
                 record.version, None)
    session.commit()
    assert _figures(session, executed) != before

    result = planfile_import.import_document(session, document, None, source="terrain.json")
    session.commit()
    assert (result.plan.id, result.created, result.new_revision) == (executed.id, False, False)
    assert result.plan.status is PlanStatus.ADOPTE and result.warnings == []
    assert _figures(session, executed) == before
    last = session.scalar(sa.select(ExecutionChange).order_by(ExecutionChange.id.desc()).limit(1))
    assert last.summary.startswith("Import du fichier « terrain.json » : exécution 2026")
    assert session.scalar(sa.select(sa.func.count()).select_from(ExecutionEvidence)) == 1  # evidence kept

    changes = session.scalar(sa.select(sa.func.count()).select_from(ExecutionChange))
    planfile_import.import_document(session, document, None, source="terrain.json")
    session.commit()
    assert session.scalar(sa.select(sa.func.count()).select_from(ExecutionChange)) == changes  # nothing rewritten


def test_a_file_whose_execution_has_nowhere_to_go_is_imported_without_it_and_says_so(session, executed, planner):
    document = planfile.export_document(session, executed)
    document["plan"]["title"] = "PDESC de Koniakary — révision du village"
    records = session.scalar(sa.select(sa.func.count()).select_from(ExecutionRecord))
    result = planfile_import.import_document(session, document, planner, source="plan.json")
    session.commit()
    assert result.new_revision and result.plan.status is PlanStatus.BROUILLON
    assert any("L'exécution que porte le fichier (4 enregistrement(s), 2 mesure(s) d'indicateurs) n'est pas "
               "reprise" in w for w in result.warnings)
    assert session.scalar(sa.select(sa.func.count()).select_from(ExecutionRecord)) == records
    assert session.scalar(sa.select(ExecutionRecord.id).where(ExecutionRecord.plan_id == result.plan.id)) is None


# ----- A file of version 1 ----------------------------------------------------------------------------------------

def test_a_file_of_version_1_still_imports(session, demo_cases):
    document = json.loads(V1_FILE.read_text(encoding="utf-8"))
    assert document["schema_version"] == 1 and "execution" not in document["plan"]
    session.delete(_latest(session))
    session.commit()
    result = planfile_import.import_document(session, V1_FILE.read_bytes(), None, source="ancien.json")
    session.commit()
    assert result.created
    again = planfile.export_document(session, result.plan)
    assert again["schema_version"] == 2
    assert again["plan"]["execution"] == {"records": [], "measures": [], "evidence": []}
    # version 2's new text of section 1, the bilan of the previous plan: empty, as version 1 had none
    assert again["plan"]["sections"]["identification"].pop("previous_review") == ""
    for key in ("title", "period", "sections", "diaspora_associations", "actions"):
        assert again["plan"][key] == document["plan"][key], key


# ----- Refusals ---------------------------------------------------------------------------------------------------

def _refused(session, document) -> ValidationError:
    """The refusal, its messages with plain spaces (amounts are written with narrow no-break spaces)."""
    before = _counts(session)
    with pytest.raises(ValidationError) as caught:
        planfile_import.import_document(session, document, None, source="plan.json")
    assert _counts(session) == before
    return ValidationError({path: [m.replace("\u202f", " ").replace("\xa0", " ") for m in messages]
                            for path, messages in caught.value.errors.items()})


def test_execution_breaking_the_forms_rules_is_refused_with_its_path_and_nothing_changes(session, executed):
    document = planfile.export_document(session, executed)
    stored = _figures(session, executed)
    bad = copy.deepcopy(document)
    records = bad["plan"]["execution"]["records"]
    records[0]["funding"][1]["paid"] = 3_000_000  # Enndam Jombuku: 3 000 000 paid of 2 500 000 received
    records[1]["progress"] = 150
    records[2]["start_date"] = "2031-01-05"  # the plan runs 2025–2029
    records[3]["funding"].pop()
    bad["plan"]["execution"]["measures"][0]["source"] = ""
    bad["plan"]["execution"]["measures"][1]["indicator"] = "indicator-99"
    error = _refused(session, bad)
    assert "le payé cumulé à fin 2025 (3 000 000 FCFA) dépasse le mobilisé cumulé (2 500 000 FCFA)" in \
        error.errors["plan.execution.records[0].funding[1].paid"][0]
    assert "entre 0 et 100" in error.errors["plan.execution.records[1].progress"][0]
    assert "hors de la période du plan (2025–2029)" in error.errors["plan.execution.records[2].start_date"][0]
    assert "3 ligne(s) de financement : le fichier en donne 2" in \
        error.errors["plan.execution.records[3].funding"][0]
    assert "Indiquez la source" in error.errors["plan.execution.measures[0].source"][0]
    assert "Indicateur inconnu" in error.errors["plan.execution.measures[1].indicator"][0]
    assert _figures(session, executed) == stored

    # a later year is checked with the earlier ones: 2026 cannot pay what was never received
    later = copy.deepcopy(document)
    cscom_2026 = later["plan"]["execution"]["records"][1]
    assert cscom_2026["year"] == 2026
    cscom_2026["funding"][1] = {"mobilised": 0, "paid": 4_000_001}
    error = _refused(session, later)
    assert "le payé cumulé à fin 2026" in error.errors["plan.execution.records[1].funding[1].paid"][0]

    # more money than the line adopted, and an action this file does not have
    over = copy.deepcopy(document)
    over["plan"]["execution"]["records"][0]["funding"][1]["mobilised"] = 5_000_000  # line: 4 500 000
    over["plan"]["execution"]["records"].append({**over["plan"]["execution"]["records"][0],
                                                 "action": "00000000-0000-4000-8000-000000000000"})
    error = _refused(session, over)
    assert "dépasse le montant prévu de la ligne (4 500 000 FCFA)" in \
        error.errors["plan.execution.records[0].funding[1].mobilised"][0]
    assert "Action inconnue" in error.errors["plan.execution.records[4].action"][0]

    # the schema speaks first: an amount is a whole number of FCFA
    typed = copy.deepcopy(document)
    typed["plan"]["execution"]["records"][0]["funding"][0]["paid"] = "beaucoup"
    error = _refused(session, typed)
    assert "nombre entier" in error.errors["plan.execution.records[0].funding[0].paid"][0]
    assert _figures(session, executed) == stored


def test_a_refused_execution_leaves_a_created_plan_uncreated(session, executed):
    document = planfile.export_document(session, executed)
    session.delete(executed)
    session.commit()
    document["plan"]["execution"]["records"][0]["status"] = "termine"
    error = _refused(session, document)
    assert "Choisissez l'état d'exécution" in error.errors["plan.execution.records[0].status"][0]
    assert _latest(session) is None


def test_the_counts_of_the_execution_are_bounded_before_anything_is_read(session, executed):
    document = planfile.export_document(session, executed)
    record = document["plan"]["execution"]["records"][0]
    document["plan"]["execution"]["records"] = [record] * 5_001
    error = _refused(session, document)
    assert "Trop d'enregistrements d'exécution" in error.errors["plan.execution.records"][0]


def test_an_uppercase_action_uuid_in_the_execution_is_the_same_action(session, executed):
    document = planfile.export_document(session, executed)
    stored = _figures(session, executed)
    cscom = service.record_of(session, next(a for a in executed.actions if a.title == "Extension du CSCOM"), 2026)
    service.save(session, executed, cscom.action, 2026, {"status": "en_cours", "progress": "10", "funding": []},
                 cscom.version, None)
    session.commit()
    for row in document["plan"]["execution"]["records"]:
        row["action"] = row["action"].upper()
    planfile_import.import_document(session, document, None)
    session.commit()
    assert _figures(session, executed) == stored


def test_a_mangled_execution_is_imported_or_refused_never_a_crash(session, executed):
    """Changes anywhere in plan.execution (types, values, rows copied or dropped, bytes cut): the import either
    writes it or refuses it with a ValidationError, on both databases (a value past a column's range would be a
    database error, a 500)."""
    document = planfile.export_document(session, executed)
    outcomes = []

    @settings(FUZZ, max_examples=40)
    @given(mutated_files({"execution": document["plan"]["execution"]}))
    def fuzz(data):
        try:
            part = json.loads(data)
        except ValueError:
            return  # a cut or a splice: the plan file's own fuzz (tests/app/test_input_fuzz.py) covers the bytes
        mangled = copy.deepcopy(document)
        mangled["plan"]["execution"] = part.get("execution", part) if isinstance(part, dict) else part
        try:
            planfile_import.import_document(session, mangled, None, source="plan.json")
            outcomes.append("imported")
        except ValidationError:
            outcomes.append("refused")
        session.rollback()

    fuzz()
    assert "refused" in outcomes and "imported" in outcomes
