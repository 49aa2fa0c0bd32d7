"""The annual review (plans/documents/execution_report.py) of the demo's Koniakary plan in 2025, read back with
python-docx: its rates right to the franc (against plans/execution/figures.py and against totals computed by hand
from plans/demo/execution.py), French headings, user text kept literal, and the file opened by LibreOffice."""
from __future__ import annotations

import subprocess
from io import BytesIO

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from docx import Document
from PIL import Image

from plans.core.formatting import number, percent, plain
from plans.demo import data as D
from plans.demo import seed as demo
from plans.documents import execution_report
from plans.documents import office as office_module
from plans.execution import evidence, figures, service
from plans.planning import finance
from plans.planning.models import Plan
from tests.conftest import require_tool

HEADINGS = ("1. Synthèse de l'exécution à la fin de 2025", "2. Taux de réalisation", "2.1 Par secteur",
            "2.2 Par axe stratégique", "2.3 Par source de financement", "2.4 État de chaque action",
            "3. Plan d'investissement annuel (PIA) 2025 : réalisé et prévu", "4. Contributions de la diaspora",
            "5. Indicateurs de suivi et cibles 2025", "6. Réalisations en images", "7. Ce qui est reporté sur 2026",
            "Actions abandonnées", "Observations sur les actions")


def _koniakary(session) -> Plan:
    demo.seed_new_install(session)
    session.commit()
    plan_id = session.scalar(sa.select(Plan.id).where(Plan.uuid == D.TC1_UUID))
    return session.get(Plan, plan_id, options=finance.load_options(), populate_existing=True)


def _read(data: bytes):
    document = Document(BytesIO(data))
    paragraphs = [plain(p.text) for p in document.paragraphs]
    tables = [[[plain(c.text) for c in row.cells] for row in t.rows] for t in document.tables]
    return document, paragraphs, tables


def _table(tables, first_header: str, second_header: str):
    return next(t for t in tables if t[0][0] == first_header and t[0][1].startswith(second_header))


def _row(table, first: str) -> list[str]:
    return next(r for r in table if r[0] == first)


def test_koniakary_2025_review_has_the_rates_to_the_franc(session):
    plan = _koniakary(session)
    ex = figures.plan_execution(plan, service.records(session, plan), 2025)
    document, paragraphs, tables = _read(execution_report.render_docx(plan, session, 2025))

    headings = [plain(p.text) for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings == list(HEADINGS)
    assert "Bilan annuel d'exécution 2025" in paragraphs
    assert "Commune de Koniakary" in paragraphs

    summary = {r[0]: r[1] for r in _table(tables, "Donnée", "Valeur")[1:]}
    # By hand (plans/demo/execution.py): paid 43 000 000 (CSCOM) + 17 000 000 (Khasso) + 1 000 000 (Tata);
    # mobilised 43 000 000 + 26 000 000 + 1 000 000; the plan's cost 160 000 000.
    assert summary["Coût prévu du plan (FCFA)"] == "160 000 000" == plain(number(ex.planned))
    assert summary["Payé à la fin de 2025 (FCFA)"] == "61 000 000" == plain(number(ex.paid))
    assert summary["Mobilisé à la fin de 2025 (FCFA)"] == "70 000 000" == plain(number(ex.mobilised))
    assert summary["Taux d'exécution financière (payé ÷ coût prévu)"] == "38,13 %"  # 61 ÷ 160 = 38,125
    assert summary["Taux de réalisation physique"] == "38,28 %"  # (45 M × 100 + 60 M × 25 + 25 M × 5) ÷ 160 M
    assert summary["Taux de mobilisation (mobilisé ÷ coût prévu)"] == "43,75 %"  # 70 ÷ 160
    assert summary["PIA 2025 : programmé (FCFA)"] == plain(number(ex.pia_planned))
    assert summary["PIA 2025 : payé dans l'année (FCFA)"] == "61 000 000"
    assert summary["Taux de réalisation du PIA 2025"] == plain(percent(ex.pia_rate, 2))
    assert summary["Actions"] == "1 prévu, 1 en cours, 1 réalisé, 1 abandonné"

    sectors = _table(tables, "Secteur", "Prévu")
    for g in ex.by_sector:
        assert _row(sectors, g.label)[1:] == [plain(number(g.planned)), plain(number(g.mobilised)),
                                            plain(number(g.paid)), plain(percent(g.physical_rate, 2)),
                                            plain(percent(g.financial_rate, 2))]
    assert sectors[-1] == ["Ensemble du plan", "160 000 000", "70 000 000", "61 000 000", "38,28 %", "38,13 %"]
    axes = _table(tables, "Axe", "Prévu")
    assert [r[0] for r in axes[1:-1]] == [g.label for g in ex.by_axis] and axes[-1][3] == "61 000 000"
    sources = _table(tables, "Source", "Prévu")
    for g in ex.by_source:
        assert _row(sources, g.label)[1:4] == [plain(number(g.planned)), plain(number(g.mobilised)),
                                               plain(number(g.paid))]

    diaspora = _table(tables, "Association", "Promis")
    # Enndam Jombuku's lines in the plan add up to 15 500 000 (tests/plans/test_execution_demo.py); it paid
    # 2 500 000 of them in 2025 (the CSCOM): 2,5 ÷ 15,5 = 16,129 %.
    assert _row(diaspora, "Enndam Jombuku") == ["Enndam Jombuku", "15 500 000", "2 500 000", "2 500 000", "16,13 %",
                                                "16,13 %"]
    assert diaspora[-1][:4] == ["Total", "15 500 000", "2 500 000", "2 500 000"]

    actions = _table(tables, "N°", "Action")
    assert _row(actions, "1")[1:4] == ["Extension du CSCOM", "Réalisé", "100,00 %"]
    assert _row(actions, "1")[-1] == "Fonctionnel"
    assert _row(actions, "4")[1:3] == ["Restauration du Tata", "Abandonné"]

    indicators = _table(tables, "Indicateur", "Unité")
    money = _row(indicators, "Montant mobilisé auprès de la diaspora")
    assert money[2:5] == ["4 500 000", "2 500 000", "Non"]
    assert _row(indicators, "Point focal migration désigné")[3] == "Oui"

    slips = figures.slipping(ex)
    reports = _table(tables, "Action", "État")
    # Only Khasso's water goes on into 2026: in progress (25 %), programmed from 2026 (nothing late), 17 000 000 of
    # its 60 000 000 paid. The CSCOM is realised, the Tata abandoned, the training centre programmed from 2027.
    assert [s.action.title for s in slips] == ["Adduction d'eau potable du quartier Khasso"]
    assert (slips[0].programmed, slips[0].late, slips[0].remaining) == (0, 0, 43_000_000)
    assert reports[1:] == [["Adduction d'eau potable du quartier Khasso", "En cours", "25,00 %", "0", "17 000 000",
                            "0", "43 000 000", "30 000 000"]]
    abandoned = _table(tables, "Action", "Payé")
    assert abandoned[1][:2] == ["Restauration du Tata", "1 000 000"]
    assert "Aucune photo d'ouvrage réalisé n'est jointe à l'exécution de 2025." in paragraphs


def test_user_text_stays_literal(session):
    plan = _koniakary(session)
    plan.title = "Plan <b>test</b> & {{ 7 * 7 }} {% if x %}oui{% endif %}"
    plan.actions[0].title = "CSCOM <i> & {{ titre }}"
    session.commit()
    _, paragraphs, tables = _read(execution_report.render_docx(plan, session, 2025))
    assert "Plan <b>test</b> & {{ 7 * 7 }} {% if x %}oui{% endif %}" in paragraphs
    assert _row(_table(tables, "N°", "Action"), "1")[1] == "CSCOM <i> & {{ titre }}"


def test_no_review_outside_the_period_or_for_a_draft(session):
    plan = _koniakary(session)
    with pytest.raises(execution_report.NotReportable, match="hors de la période"):
        execution_report.render_docx(plan, session, 2031)
    draft = session.scalar(sa.select(Plan).where(Plan.uuid == D.TC2_UUID))
    with pytest.raises(execution_report.NotReportable, match="validé ou adopté|valid"):
        execution_report.render_docx(draft, session, draft.period_start)


def test_cli_writes_the_review(app, session, tmp_path):
    plan = _koniakary(session)
    out = tmp_path / "bilan.docx"
    result = CliRunner().invoke(app.cli, ["plans", "execution-report", str(plan.id), "--year", "2025", "-o",
                                          str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "bilan d'exécution 2025" in result.output
    assert "38,13 %" in "\n".join(_read(out.read_bytes())[1])
    refused = CliRunner().invoke(app.cli, ["plans", "execution-report", str(plan.id), "--year", "2040"])
    assert refused.exit_code == 1 and "hors de la période du plan" in refused.output


def test_libreoffice_opens_the_review(session, tmp_path):
    require_tool("soffice", "libreoffice-writer-nogui")
    require_tool("pdftotext", "poppler-utils")
    office = office_module.Office(soffice="soffice", timeout=300)
    reason = office.unavailable()
    if reason is not None:
        pytest.fail(reason)
    plan = _koniakary(session)
    pdf = tmp_path / "bilan.pdf"
    pdf.write_bytes(office.convert(execution_report.render_docx(plan, session, 2025)).pdf)
    text = plain(subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                                text=True).stdout)
    assert "Bilan annuel d'exécution 2025" in text
    assert "38,13 %" in text and "Enndam Jombuku" in text
    assert "Commune de Koniakary — Bilan d'exécution 2025" in text


def test_a_year_behind_the_programme_shows_what_is_late(session):
    # In 2026 nothing new is recorded: Khasso's water stays « en cours » at 17 000 000 paid while 30 000 000 were
    # programmed for 2026, so 13 000 000 are late and 43 000 000 still to pay; the training centre starts in 2027.
    plan = _koniakary(session)
    ex = figures.plan_execution(plan, service.records(session, plan), 2026)
    slips = figures.slipping(ex)
    assert [(s.action.title, s.programmed, s.late, s.remaining) for s in slips] == [
        ("Adduction d'eau potable du quartier Khasso", 30_000_000, 13_000_000, 43_000_000)]
    _, paragraphs, tables = _read(execution_report.render_docx(plan, session, 2026))
    assert _table(tables, "Action", "État")[1][3:7] == ["30 000 000", "17 000 000", "13 000 000", "43 000 000"]
    assert "7. Ce qui est reporté sur 2027" in paragraphs


def test_the_photos_of_realised_works_are_printed_with_their_caption(session, tmp_path):
    plan = _koniakary(session)
    cscom = next(a for a in plan.actions if a.title == "Extension du CSCOM")  # realised in 2025 (the demo)
    tata = next(a for a in plan.actions if "Tata" in a.title)  # abandoned: its photo is not a realisation
    folder = tmp_path / "evidence"
    image = Image.new("RGB", (800, 600), (40, 120, 200))
    out = BytesIO()
    image.save(out, "JPEG")
    evidence.add(session, folder, plan, cscom, 2025, "cscom.jpg", out.getvalue(), "Le CSCOM <agrandi> & équipé", None)
    evidence.add(session, folder, plan, tata, 2025, "tata.jpg", out.getvalue(), "Chantier arrêté", None)
    session.commit()
    document, paragraphs, _ = _read(execution_report.render_docx(plan, session, 2025, evidence_folder=folder))
    assert len(document.inline_shapes) == 1  # the CSCOM's photo, not the abandoned Tata's
    assert any("Le CSCOM <agrandi> & équipé" in p for p in paragraphs)
    assert not any("Chantier arrêté" in p for p in paragraphs)
    without = Document(BytesIO(execution_report.render_docx(plan, session, 2025)))  # no folder: no photo
    assert len(without.inline_shapes) == 0
