"""The « Bilan annuel (Word) » link of the « Exécution » page (app/execution/routes.py, `report_download`): a reader
of an adopted plan downloads the year's review (plans/documents/execution_report.py); a year outside the period is
a French 404."""
from __future__ import annotations

import html
import io

import pytest
import sqlalchemy as sa
from docx import Document

from plans.core.formatting import plain
from plans.demo import data as D
from plans.planning.models import Plan, PlanStatus


@pytest.fixture
def adopted(session, demo_cases, planner):
    plan = session.scalar(sa.select(Plan).where(Plan.uuid == D.TC1_UUID))
    plan.status = PlanStatus.ADOPTE
    session.commit()
    return plan


def test_the_page_links_the_review_and_a_reviewer_downloads_it(planner_client, reviewer_client, adopted):
    page = plain(html.unescape(planner_client.get(f"/plans/{adopted.id}/execution?annee=2025").get_data(as_text=True)))
    assert "Bilan annuel (Word)" in page
    assert f'href="/plans/{adopted.id}/execution/2025/bilan.docx"' in page
    download = reviewer_client.get(f"/plans/{adopted.id}/execution/2025/bilan.docx")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].endswith("Bilan_execution_Koniakary_2025.docx")
    texts = [plain(p.text) for p in Document(io.BytesIO(download.data)).paragraphs]
    assert "Bilan annuel d'exécution 2025" in texts
    outside = reviewer_client.get(f"/plans/{adopted.id}/execution/2031/bilan.docx")
    assert outside.status_code == 404
    assert "hors de la période du plan" in plain(html.unescape(outside.get_data(as_text=True)))
