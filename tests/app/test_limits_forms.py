"""The bounds of plans/core/limits.py through the browser (issue 14, item 3): more filled rows than allowed get a
400 with the message in the form and what was typed kept; a post with more rows or fields than any form offers is
refused before it is parsed (a French 413, nothing saved); « Ajouter une ligne » stops at the limit; a full plan
refuses one action more; the upload of a plan file with too many actions is refused whole."""
from __future__ import annotations

import html
import io
import json

import sqlalchemy as sa

from plans.core import limits
from plans.planning import sections
from plans.planning.models import Action, DestinationStock, FundingLine, Plan
from plans.review import planfile
from tests.app.test_section_actions import form_data
from tests.app.test_section_migration import migration_form


def _page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _lines(count: int) -> list[dict]:
    return [{"source_type": "ptf", "source_name": f"Bailleur n°{i}", "amount": "1 000"} for i in range(count)]


def test_thirty_one_funding_lines_are_refused_next_to_the_block_and_kept(plan, planner_client, session):
    data = form_data("Extension du CSCOM", "sante", "45 000 000", {2025: "45 000 000"}, _lines(31))
    response = planner_client.post(f"/plans/{plan.id}/actions/nouvelle", data=data)
    page = _page(response)
    assert response.status_code == 400
    assert "Trop de lignes de financement : 31 ; la limite est de 30 par action." in page
    assert 'value="Bailleur n°30"' in page and 'value="Extension du CSCOM"' in page  # nothing typed lost
    assert session.scalar(sa.select(sa.func.count()).select_from(Action)) == 0
    saved = planner_client.post(f"/plans/{plan.id}/actions/nouvelle",
                                data=form_data("Extension du CSCOM", "sante", "45 000 000", {2025: "45 000 000"},
                                               _lines(30)))
    assert saved.status_code == 303
    assert session.scalar(sa.select(sa.func.count()).select_from(FundingLine)) == 30


def test_a_forged_post_of_9000_funding_lines_is_refused_before_it_is_parsed(plan, planner_client, session):
    data = form_data("Extension du CSCOM", "sante", "45 000 000", {2025: "45 000 000"}, _lines(9_000))
    response = planner_client.post(f"/plans/{plan.id}/actions/nouvelle", data=data)
    assert response.status_code == 413  # 54 000 fields: refused on their count, before any is parsed
    assert "Formulaire refusé : 54\u202f0" in _page(response)
    assert "champs envoyés ; la limite est de 20\u202f000. Rien n'a été enregistré." in _page(response)
    lean = {k: v for k, v in data.items() if not k.startswith("funding_lines-")}
    lean.update({f"funding_lines-{i}-amount": "1" for i in range(1_000)})  # fewer fields, still 1 000 rows
    response = planner_client.post(f"/plans/{plan.id}/actions/nouvelle", data=lean)
    assert response.status_code == 413
    assert ("Trop de lignes de financement : 1\u202f000 ; la limite est de 30 par action. Rien n'a été enregistré."
            in _page(response))
    assert session.scalar(sa.select(sa.func.count()).select_from(Action)) == 0


def test_adding_a_row_stops_at_the_limit(plan, planner_client):
    data = form_data("Extension du CSCOM", "sante", "45 000 000", {2025: "45 000 000"},
                     _lines(limits.FUNDING_LINES_PER_ACTION - 2), add_row="funding_lines")  # 28 filled + 1 blank
    page = _page(planner_client.post(f"/plans/{plan.id}/actions/nouvelle", data=data))
    assert "Pas de ligne de plus" not in page and 'name="funding_lines-29-source_type"' in page
    data = form_data("Extension du CSCOM", "sante", "45 000 000", {2025: "45 000 000"},
                     _lines(limits.FUNDING_LINES_PER_ACTION - 1), add_row="funding_lines")  # 29 filled + 1 blank
    page = _page(planner_client.post(f"/plans/{plan.id}/actions/nouvelle", data=data))
    assert "Pas de ligne de plus : la limite est de 30 lignes de financement par action." in page
    assert 'name="funding_lines-29-source_type"' in page and 'name="funding_lines-30-source_type"' not in page


def test_a_full_plan_refuses_one_action_more_and_keeps_the_form(plan, planner_client, session):
    session.execute(sa.insert(Action), [{"plan_id": plan.id, "uuid": f"00000000-0000-4000-8000-{i:012d}",
                                         "position": i, "sector": "sante", "title": f"Action {i}"}
                                        for i in range(limits.ACTIONS_PER_PLAN)])
    session.commit()
    data = form_data("Une action de plus", "sante", "1 000", {2025: "1 000"}, [])
    response = planner_client.post(f"/plans/{plan.id}/actions/nouvelle", data=data)
    page = _page(response)
    assert response.status_code == 400
    assert "Ce plan compte déjà 500 actions ; la limite est de 500 par plan" in page
    assert 'value="Une action de plus"' in page
    first = session.scalar(sa.select(Action.id).where(Action.plan_id == plan.id).limit(1))
    copy = planner_client.post(f"/plans/{plan.id}/actions/{first}/dupliquer", follow_redirects=True)
    assert "La copie n'a pas été faite : Ce plan compte déjà 500 actions" in _page(copy)
    assert session.scalar(sa.select(sa.func.count()).select_from(Action)) == limits.ACTIONS_PER_PLAN


def _destinations(count: int, lean: bool = False) -> dict:
    data = {k: v for k, v in migration_form(0).items() if not k.startswith("destinations-")}
    for i in range(count):
        data.update({f"destinations-{i}-country": "FR", f"destinations-{i}-city": f"Ville n°{i}"})
        if not lean:
            data.update({f"destinations-{i}-id": "", f"destinations-{i}-count": "",
                         f"destinations-{i}-trend": "inconnue"})
    return data


def test_a_section_list_over_its_limit_is_refused_in_the_summary_and_kept(plan, planner_client, session):
    response = planner_client.post(f"/plans/{plan.id}/migration", data=_destinations(101))
    page = _page(response)
    assert response.status_code == 400
    assert "Trop de destinations : 101 ; la limite est de 100 par plan." in page
    assert 'value="Ville n°100"' in page
    assert session.scalar(sa.select(sa.func.count()).select_from(DestinationStock)) == 0
    assert planner_client.post(f"/plans/{plan.id}/migration", data=_destinations(100)).status_code == 302


def test_a_forged_section_post_is_refused_before_it_is_parsed(plan, planner_client, session):
    response = planner_client.post(f"/plans/{plan.id}/migration", data=_destinations(5_000, lean=True))
    assert response.status_code == 413
    assert "Trop de destinations : 5\u202f000 ; la limite est de 100 par plan." in _page(response)
    assert sections.current_version(session, plan, "migration") == 0


def test_adding_a_row_to_a_full_section_list_is_refused(plan, planner_client):
    data = {**_destinations(100), "add_row": "destinations", "data_year": "19"}  # refused: the form comes back
    page = _page(planner_client.post(f"/plans/{plan.id}/migration", data=data))
    assert "Pas de ligne de plus : la limite est de 100 destinations par plan." in page
    assert 'value="Ville n°99"' in page
    assert 'name="destinations-100-country"' not in page


def test_a_form_of_more_than_20000_fields_is_refused_unread(plan, planner_client):
    body = "&".join(f"champ{i}=x" for i in range(limits.FORM_FIELDS + 1))
    response = planner_client.post(f"/plans/{plan.id}/migration", data=body,
                                   content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert "Formulaire refusé : 20\u202f001 champs envoyés ; la limite est de 20\u202f000." in _page(response)


def test_the_upload_of_a_file_of_501_actions_is_refused_whole(plan, planner_client, session):
    document = planfile.export_document(session, plan)
    document["plan"]["actions"] = [{} for _ in range(501)]
    response = planner_client.post("/plans/importer", content_type="multipart/form-data", data={
        "fichier": (io.BytesIO(json.dumps(document).encode()), "plan.json")})
    page = _page(response)
    assert response.status_code == 400
    assert "plan.actions : Trop d'actions : 501 ; la limite est de 500 par plan." in page
    assert session.scalar(sa.select(sa.func.count()).select_from(Plan)) == 1


def test_a_pruned_version_is_listed_but_not_restorable(plan, planner_client, session):
    url = f"/plans/{plan.id}/identification"
    form = {"title": "", "period_start": "2025", "period_end": "2029", "guide_version": "2018", "summary": "",
            "facilitators": "", "process_funders": ""}
    for i in range(limits.HISTORY_RESTORABLE + 1):
        version = sections.current_version(session, plan, "identification")
        assert planner_client.post(url, data={**form, "title": f"PDESC n°{i}", "version": str(version)}
                                   ).status_code == 302
    page = _page(planner_client.get(f"/plans/{plan.id}/historique"))
    assert page.count("Trop ancienne pour être restaurée") == 1
    oldest = min(c.id for c in sections.history(session, plan, "identification"))
    assert f"/historique/{oldest}/restaurer" not in page
    refused = planner_client.post(f"/plans/{plan.id}/historique/{oldest}/restaurer", follow_redirects=True)
    assert "Cette version est trop ancienne pour être restaurée" in _page(refused)
    session.expire_all()
    assert session.get(Plan, plan.id).title == "PDESC n°30"
