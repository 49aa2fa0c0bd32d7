"""The audit log: every admin action is journaled (who, what, on what, from where) in the same transaction as the
change, and administrators read it at /journal in French, filtered by action, 50 entries a page."""
from __future__ import annotations

import html
import io

from docx import Document

from plans.accounts import service as accounts_service
from plans.core import audit as audit_service
from plans.core.audit import AuditEntry
from plans.documents import plan_document as export_docx
from plans.reporting import journal as audit_journal
from tests.conftest import TEST_PASSWORD
from tests.factories import YELIMANE_CODES, yelimane_grouping


def shown(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def entries(session, action=None) -> list[AuditEntry]:
    session.rollback()  # see what the requests committed
    return list(reversed(audit_service.recent(session, action=action)))


def test_account_administration_is_journaled(session, admin, admin_client):
    form = {"email": "awa@koniakary.ml", "full_name": "Awa", "role": "planner", "owner_codes": "ML010115",
            "region": "", "password": TEST_PASSWORD, "confirm_password": TEST_PASSWORD}
    assert admin_client.post("/utilisateurs/nouveau", data=form).status_code == 302
    created = entries(session, "user.create")
    assert [(e.target, e.user_id, e.details["role"], e.details["owners"]) for e in created] == [
        ("awa@koniakary.ml", admin.id, "planner", ["Koniakary"])]
    assert created[0].ip == "127.0.0.1"
    user_id = accounts_service.user_by_email(session, "awa@koniakary.ml").id

    edit = {"full_name": "Awa Traoré", "role": "reviewer", "owner_codes": "", "region": ""}
    assert admin_client.post(f"/utilisateurs/{user_id}/modifier", data=edit).status_code == 302
    [updated] = entries(session, "user.update")
    assert updated.details == {"role": {"before": "planner", "after": "reviewer"},
                               "full_name": {"before": "Awa", "after": "Awa Traoré"},
                               "owners": {"before": ["Koniakary"], "after": []}}

    assert admin_client.post(f"/utilisateurs/{user_id}/mot-de-passe", data={"generate": "y"}).status_code == 200
    assert admin_client.post(f"/utilisateurs/{user_id}/desactiver").status_code == 302
    assert admin_client.post(f"/utilisateurs/{user_id}/reactiver").status_code == 302
    assert [(e.action, e.target) for e in entries(session)] == [
        ("user.create", "awa@koniakary.ml"), ("user.update", "awa@koniakary.ml"),
        ("user.password_reset", "awa@koniakary.ml"), ("user.deactivate", "awa@koniakary.ml"),
        ("user.reactivate", "awa@koniakary.ml")]
    assert entries(session, "user.password_reset")[0].details == {"generated": True}


def test_a_refused_change_leaves_no_entry(session, admin, admin_client):
    response = admin_client.post("/utilisateurs/nouveau", data={
        "email": "faible@mairie.ml", "role": "planner", "password": "azerty2024", "confirm_password": "azerty2024"})
    assert response.status_code == 400
    assert admin_client.post(f"/utilisateurs/{admin.id}/desactiver").status_code == 302  # refused: own account
    assert entries(session) == []


def test_grouping_changes_are_journaled(session, admin_client):
    data = {"name": "SICM", "kind": "syndicat", "member_codes_text": "\n".join(YELIMANE_CODES[:3])}
    assert admin_client.post("/groupements/nouveau", data=data, content_type="multipart/form-data").status_code == 302
    owner = yelimane_grouping(session, name="Syndicat à modifier")
    edit = {"name": "Syndicat modifié", "kind": "syndicat", "member_codes_text": "\n".join(YELIMANE_CODES[:2]),
            "version_id": str(owner.version_id)}
    assert admin_client.post(f"/groupements/{owner.id}/modifier", data=edit,
                             content_type="multipart/form-data").status_code == 302
    session.rollback()
    assert admin_client.post(f"/groupements/{owner.id}/supprimer",
                             data={"version_id": str(owner.version_id)}).status_code == 302
    assert [(e.action, e.target, e.details) for e in entries(session)] == [
        ("grouping.create", "SICM", {"kind": "Syndicat intercommunal"}),
        ("grouping.update", "Syndicat modifié", {"kind": "Syndicat intercommunal"}),
        ("grouping.delete", "Syndicat modifié", {})]


def test_word_model_changes_are_journaled(app, session, admin_client, tmp_path):
    app.config["DOCX_TEMPLATE_DIR"] = str(tmp_path / "modeles")
    out = io.BytesIO()
    Document(str(export_docx.SHIPPED_TEMPLATE)).save(out)
    response = admin_client.post("/plans/modele-word", data={"action": "upload",
                                                             "modele": (io.BytesIO(out.getvalue()), "dgct.docx")},
                                 content_type="multipart/form-data")
    assert response.status_code == 303
    assert admin_client.post("/plans/modele-word", data={"action": "reset"}).status_code == 303
    assert [(e.action, e.target) for e in entries(session)] == [("docx_template.upload", "dgct.docx"),
                                                                 ("docx_template.reset", "")]


def test_the_journal_shows_entries_in_french_newest_first(session, admin, admin_client, plan):
    audit_service.record(session, admin, "user.deactivate", "awa@mairie.ml", {}, "10.0.0.1")
    audit_service.record(session, admin, "plan.transition", f"plan:{plan.id}",  # as plans/review/workflow.py writes it
                         {"plan_uuid": plan.uuid, "revision": 1, "from": "soumis", "to": "a_reviser",
                          "reason": "Budget incomplet"}, "10.0.0.2")
    audit_service.record(session, None, "token.create", "relecteur@dgct.ml",
                         {"token_id": 3, "name": "Tableau de bord PTF", "via": "cli"}, "")
    session.commit()
    page = shown(admin_client.get("/journal"))
    for text in ("Journal des actions", "Compte désactivé", "Changement de statut d'un plan", "Jeton d'API créé",
                 "De : Soumis", "À : À réviser", "Motif : Budget incomplet", "Révision : 1", "10.0.0.2",
                 admin.email, f'<a href="/plans/{plan.id}">Plan n°{plan.id}</a>', "Nom : Tableau de bord PTF",
                 "Par : la ligne de commande"):
        assert text in page, text
    table = page.split("<table", 1)[1]
    assert table.index("Jeton d'API créé") < table.index("Changement de statut") < table.index("Compte désactivé")
    assert "token.create" not in table and "plan.transition" not in table  # codes are never shown


def test_the_journal_filters_by_action(session, admin, admin_client):
    audit_service.record(session, admin, "user.create", "a@mairie.ml")
    audit_service.record(session, admin, "grouping.delete", "SICM")
    session.commit()
    page = shown(admin_client.get("/journal?action=grouping.delete"))
    table = page.split("<table", 1)[1]
    assert "SICM" in table and "a@mairie.ml" not in table
    assert '<option value="grouping.delete" selected>Groupement supprimé</option>' in page
    empty = admin_client.get("/journal?action=inconnue")
    assert empty.status_code == 200 and "Aucune entrée" in shown(empty)


def test_the_journal_is_paginated(session, admin, admin_client):
    for i in range(audit_journal.PER_PAGE + 5):
        audit_service.record(session, admin, "user.update", f"compte{i:03d}@mairie.ml")
    session.commit()
    first = shown(admin_client.get("/journal"))
    assert "compte054@mairie.ml" in first and "compte004@mairie.ml" not in first
    assert "page 1 sur 2" in first and 'href="/journal?page=2"' in first
    second = shown(admin_client.get("/journal?page=2"))
    assert "compte004@mairie.ml" in second and "compte005@mairie.ml" not in second
    assert "compte000@mairie.ml" in second
    for bad in ("/journal?page=abc", "/journal?page=-3", "/journal?page=999"):
        assert admin_client.get(bad).status_code == 200, bad


def test_user_text_in_the_journal_is_escaped(session, admin, admin_client):
    audit_service.record(session, admin, "grouping.create", "<script>alert(1)</script>",
                         {"kind": "<img src=x onerror=alert(2)>"})
    session.commit()
    raw = admin_client.get("/journal").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in raw and "&lt;script&gt;alert(1)&lt;/script&gt;" in raw
    assert "<img src=x" not in raw


def test_only_administrators_read_the_journal(client, planner_client, reviewer_client):
    assert planner_client.get("/journal").status_code == 403
    assert "réservée aux administrateurs" in shown(reviewer_client.get("/journal"))
    assert client.get("/journal").status_code == 302


def test_the_admin_menu_links_to_the_journal(admin_client, planner_client):
    assert 'href="/journal"' in admin_client.get("/").get_data(as_text=True)
    assert 'href="/journal"' not in planner_client.get("/").get_data(as_text=True)


def test_every_known_action_has_a_french_label():
    assert all(label and label[0].isupper() for label in audit_journal.ACTION_LABELS.values())
    assert audit_journal.action_label("action.inconnue") == "action.inconnue"
