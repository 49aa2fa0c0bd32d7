"""The plan file in the browser (download, upload page) and on the command line (`plans export`, `plans import`)."""
import copy
import io
import json
import os

import sqlalchemy as sa

from app.extensions import db
from plans.core.db import Base
from plans.demo import data as D
from plans.demo import seed as demo
from plans.planning.models import Plan, PlanChange, PlanStatus
from plans.review import planfile


def _counts() -> dict[str, int]:
    db.session.expire_all()
    return {t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t)) for t in Base.metadata.sorted_tables}


def _koniakary(session) -> Plan:
    demo.seed_test_cases(session)
    session.commit()
    return session.scalar(sa.select(Plan).where(Plan.uuid == D.TC1_UUID))


def _upload(client, data: bytes, name: str = "plan.json"):
    return client.post("/plans/importer", data={"fichier": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


# ----- Download -----------------------------------------------------------------------------------------------------

def test_plan_pages_link_to_the_file_and_the_download_is_the_document(session, planner, planner_client):
    plan = _koniakary(session)
    page = planner_client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert "Télécharger le fichier du plan (.json)" in page and f"/plans/{plan.id}/plan.json" in page

    response = planner_client.get(f"/plans/{plan.id}/plan.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert f"plan-{plan.uuid}-r1.json" in response.headers["Content-Disposition"]
    document = json.loads(response.data)
    planfile.check_schema(document)
    assert planfile.without_timestamp(document) == \
        planfile.without_timestamp(planfile.export_document(session, plan))


def test_import_link_for_planners_and_admins_only(planner_client, reviewer_client, admin_client):
    assert "Importer un fichier de plan" in planner_client.get("/plans/").get_data(as_text=True)
    assert "Importer un fichier de plan" in admin_client.get("/plans/").get_data(as_text=True)
    assert "Importer un fichier de plan" not in reviewer_client.get("/plans/").get_data(as_text=True)
    assert reviewer_client.get("/plans/importer").status_code == 403
    form = planner_client.get("/plans/importer").get_data(as_text=True)
    assert 'type="file"' in form and 'name="csrf_token"' in form


# ----- Upload -------------------------------------------------------------------------------------------------------

def test_upload_updates_the_plan(session, planner, planner_client):
    plan = _koniakary(session)
    document = json.loads(planner_client.get(f"/plans/{plan.id}/plan.json").data)
    document["plan"]["title"] = "PDESC de Koniakary — corrigé au village"
    response = _upload(planner_client, planfile.document_bytes(document), "koniakary.json")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/plans/{plan.id}")
    page = planner_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "mis à jour à partir du fichier koniakary.json" in page
    db.session.expire_all()
    assert db.session.get(Plan, plan.id).title == "PDESC de Koniakary — corrigé au village"
    history = planner_client.get(f"/plans/{plan.id}/historique").get_data(as_text=True)
    assert "Import du fichier « koniakary.json »" in history


def test_upload_over_an_adopted_plan_creates_a_revision(session, planner, planner_client):
    plan = _koniakary(session)
    plan.status = PlanStatus.ADOPTE
    session.commit()
    data = planner_client.get(f"/plans/{plan.id}/plan.json").data
    response = _upload(planner_client, data)
    assert response.status_code == 303
    revision = db.session.scalar(sa.select(Plan).where(Plan.uuid == plan.uuid, Plan.revision == 2))
    assert revision is not None and response.headers["Location"].endswith(f"/plans/{revision.id}")
    assert revision.status is PlanStatus.BROUILLON


def test_truncated_upload_refused_in_french_nothing_changed(session, planner, planner_client):
    plan = _koniakary(session)
    data = planner_client.get(f"/plans/{plan.id}/plan.json").data
    before = _counts()
    response = _upload(planner_client, data[:-200])
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "rien n&#39;a été modifié" in page and "tronqué" in page
    assert _counts() == before


def test_bad_amount_upload_says_where(session, planner, planner_client):
    plan = _koniakary(session)
    document = json.loads(planner_client.get(f"/plans/{plan.id}/plan.json").data)
    document["plan"]["actions"][0]["funding_lines"][0]["amount"] = "<b>beaucoup</b>"
    before = _counts()
    response = _upload(planner_client, json.dumps(document).encode())
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "plan.actions[0].funding_lines[0].amount" in page and "nombre entier" in page
    assert "<b>beaucoup</b>" not in page and "&lt;b&gt;beaucoup&lt;/b&gt;" in page  # escaped
    assert _counts() == before


def test_upload_for_another_owner_refused(session, planner_client, make_user):
    _koniakary(session)
    sicm = session.scalar(sa.select(Plan).where(Plan.uuid == D.TC2_UUID))
    document = planfile.export_document(session, sicm)
    before = _counts()
    response = _upload(planner_client, planfile.document_bytes(document))
    assert response.status_code == 400
    assert "vos collectivités" in response.get_data(as_text=True)
    assert _counts() == before


def test_upload_without_a_file(planner_client):
    response = planner_client.post("/plans/importer", data={})
    assert response.status_code == 400 and "Choisissez le fichier du plan" in response.get_data(as_text=True)


# ----- Command line ---------------------------------------------------------------------------------------------------

def test_cli_export_then_import_round_trip(session, runner, tmp_path):
    plan = _koniakary(session)
    path = tmp_path / "plan.json"
    result = runner.invoke(args=["plans", "export", str(plan.id), "-o", str(path)])
    assert result.exit_code == 0, result.output
    first = json.loads(path.read_text(encoding="utf-8"))
    planfile.check_schema(first)

    result = runner.invoke(args=["plans", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert f"Plan n°{plan.id} mis à jour" in result.stdout
    db.session.expire_all()
    again = planfile.export_document(db.session, db.session.get(Plan, plan.id))
    assert planfile.without_timestamp(again) == planfile.without_timestamp(first)


def test_cli_export_unknown_plan(runner):
    result = runner.invoke(args=["plans", "export", "999999", "-o", "x.json"])
    assert result.exit_code == 1 and "Aucun plan n°999999" in result.stderr


def test_cli_import_refusals_exit_non_zero_and_change_nothing(session, runner, tmp_path):
    plan = _koniakary(session)
    document = planfile.export_document(session, plan)
    data = planfile.document_bytes(document)
    before = _counts()

    truncated = tmp_path / "tronque.json"
    truncated.write_bytes(data[: len(data) // 3])
    result = runner.invoke(args=["plans", "import", str(truncated)])
    assert result.exit_code == 1 and "tronqué" in result.stderr and "rien n'a été modifié" in result.stderr

    unknown = copy.deepcopy(document)
    unknown["plan"]["uuid"] = "00000000-0000-4000-8000-000000000000"
    unknown["plan"]["owner"]["pcode"] = "ML999999"
    path = tmp_path / "inconnue.json"
    path.write_bytes(planfile.document_bytes(unknown))
    result = runner.invoke(args=["plans", "import", str(path)])
    assert result.exit_code == 1 and "plan.owner.pcode : Commune inconnue" in result.stderr

    newer = tmp_path / "v3.json"
    newer.write_bytes(planfile.document_bytes({**document, "schema_version": 3}))
    result = runner.invoke(args=["plans", "import", str(newer)])
    assert result.exit_code == 1 and "Version de format inconnue" in result.stderr

    bad = copy.deepcopy(document)
    bad["plan"]["actions"][3]["funding_lines"][0]["amount"] = -1
    path = tmp_path / "montant.json"
    path.write_bytes(planfile.document_bytes(bad))
    result = runner.invoke(args=["plans", "import", str(path)])
    assert result.exit_code == 1 and "plan.actions[3].funding_lines[0].amount" in result.stderr

    result = runner.invoke(args=["plans", "import", str(tmp_path / "absent.json")])
    assert result.exit_code == 1 and "Fichier introuvable" in result.stderr
    assert _counts() == before


def test_cli_import_as_a_user(session, runner, tmp_path, planner, make_user):
    plan = _koniakary(session)
    path = tmp_path / "plan.json"
    path.write_bytes(planfile.document_bytes(planfile.export_document(session, plan)))
    result = runner.invoke(args=["plans", "import", str(path), "--as", "personne@exemple.ml"])
    assert result.exit_code == 1 and "Aucun compte" in result.stderr
    result = runner.invoke(args=["plans", "import", str(path), "--as", "relecteur@dgct.ml"])
    assert result.exit_code == 1  # no such account yet
    make_user("reviewer", email="relecteur@dgct.ml")
    result = runner.invoke(args=["plans", "import", str(path), "--as", "relecteur@dgct.ml"])
    assert result.exit_code == 1 and "relecteurs" in result.stderr
    result = runner.invoke(args=["plans", "import", str(path), "--as", planner.email])
    assert result.exit_code == 0, result.output


# ----- Text no UTF-8 can hold (issue 14, item 6) ---------------------------------------------------------------------

def _with_lone_surrogates(document: dict) -> bytes:
    """The file with "\\ud800" escapes (what JSON allows and UTF-8 cannot encode): in the title, an action's title, a
    funding line's funder and the name of an unknown key."""
    document = copy.deepcopy(document)
    document["plan"]["title"] = "PDESC \ud800 de Koniakary"
    document["plan"]["actions"][0]["title"] = "Puits \udfff"
    document["plan"]["actions"][0]["funding_lines"][0]["source_name"] = "\udc80"
    return json.dumps(document, ensure_ascii=True).encode("ascii")


def test_a_lone_surrogate_in_an_uploaded_file_is_read_as_a_replacement_character(session, planner, planner_client):
    plan = _koniakary(session)
    data = _with_lone_surrogates(planfile.export_document(session, plan))
    assert b"\\ud800" in data
    response = _upload(planner_client, data)
    assert response.status_code == 303, response.get_data(as_text=True)[-2000:]
    db.session.expire_all()
    assert db.session.get(Plan, plan.id).title == "PDESC \ufffd de Koniakary"
    assert db.session.get(Plan, plan.id).actions[0].title == "Puits \ufffd"
    assert planner_client.get(f"/plans/{plan.id}/actions").status_code == 200
    assert planner_client.get(f"/plans/{plan.id}/plan.json").status_code == 200

    unknown = json.loads(data)
    unknown["plan"]["\ud800champ"] = 1
    refused = _upload(planner_client, json.dumps(unknown, ensure_ascii=True).encode("ascii"))
    assert refused.status_code == 400 and "champ inconnu : « \ufffdchamp »" in refused.get_data(as_text=True)


def test_a_lone_surrogate_on_the_command_line_is_no_traceback(session, runner, tmp_path):
    plan = _koniakary(session)
    # A file name that is not UTF-8 (os.fsdecode gives a surrogate) holding "\ud800" escapes.
    path = tmp_path / os.fsdecode(b"plan-\xff.json")
    path.write_bytes(_with_lone_surrogates(planfile.export_document(session, plan)))
    result = runner.invoke(args=["plans", "import", str(path)])
    assert result.exit_code == 0 and result.exception is None, result.output
    assert "Traceback" not in result.output
    db.session.expire_all()
    assert db.session.get(Plan, plan.id).title == "PDESC \ufffd de Koniakary"
    summaries = db.session.scalars(sa.select(PlanChange.summary).where(PlanChange.plan_id == plan.id)).all()
    assert any("« plan-\ufffd.json »" in s for s in summaries)
