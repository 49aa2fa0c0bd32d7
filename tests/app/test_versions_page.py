"""The versions page (/plans/<id>/versions) and the Word annex "Modifications depuis la dernière version adoptée"."""
from __future__ import annotations

import io
import random
from datetime import datetime

import pytest
from docx import Document

from plans.core.formatting import plain
from plans.demo import data as D
from plans.demo import seed as demo
from plans.planning.models import Plan, PlanStatus
from plans.review import planfile
from plans.review.models import PlanSnapshot

ANNEX = "Modifications depuis la dernière version adoptée"
SCRIPT = "<script>alert('x')</script>"


@pytest.fixture(autouse=True)
def model_dir(app, tmp_path):
    """The Word export reads the shipped model; no uploaded model from the real instance folder."""
    app.config["DOCX_TEMPLATE_DIR"] = str(tmp_path / "modeles")


@pytest.fixture
def tc1(session, koniakary_owner, planner):
    """Koniakary's plan (TC1), owned by the `planner`."""
    demo.build_plan(session, koniakary_owner, D.TC1, user=planner, rng=random.Random(1))
    session.commit()
    return session.query(Plan).filter_by(uuid=D.TC1_UUID).one()


def _snapshot(session, plan, kind, at, user=None) -> PlanSnapshot:
    session.expire_all()
    snapshot = PlanSnapshot(plan_id=plan.id, kind=kind, label=f"{kind.capitalize()} — révision {plan.revision}",
                            at=at, user_id=user.id if user else None, document=planfile.export_document(session, plan))
    session.add(snapshot)
    session.commit()
    return snapshot


@pytest.fixture
def adopted_then_edited(session, tc1, planner):
    """TC1 submitted, adopted, then (as a revision would) edited: a dearer CSCOM and a hostile action title."""
    submitted = _snapshot(session, tc1, "soumis", datetime(2026, 1, 10, 9, 0), planner)
    adopted = _snapshot(session, tc1, "adopte", datetime(2026, 3, 2, 10, 0))
    cscom = next(a for a in tc1.actions if a.title == "Extension du CSCOM")
    cscom.unit_cost = 47_000_000
    next(e for e in cscom.schedule if e.year == 2026).amount = 32_000_000
    tata = next(a for a in tc1.actions if a.title == "Restauration du Tata")
    tata.title = "Restauration du Tata " + SCRIPT
    session.commit()
    return {"plan": tc1, "submitted": submitted, "adopted": adopted}


def _page(client, plan_id, **args):
    return client.get(f"/plans/{plan_id}/versions", query_string=args)


def test_default_comparison_is_last_adoption_to_current(planner_client, adopted_then_edited):
    plan = adopted_then_edited["plan"]
    response = _page(planner_client, plan.id)
    assert response.status_code == 200
    html = plain(response.get_data(as_text=True))
    assert "Adopte — révision 1" in html and "Soumis — révision 1" in html and "La version en cours" in html
    assert "Modifications de « Adopte — révision 1 » à « La version en cours" in html
    assert "0 ajout, 0 suppression, 2 modifications." in html
    assert "<h3>5. Actions (PIP)</h3>" in html
    assert "Action « Extension du CSCOM »" in html
    assert 'avant : </span>45 000 000 FCFA</del> → <ins><span class="visually-hidden">après : </span>47 000 000 FCFA' \
        in html
    assert 'class="diff-word">modifié<' in html  # said in words, not only in colour
    assert "Coût total du plan" in html and "162 000 000 FCFA" in html
    assert f'<option value="{adopted_then_edited["adopted"].id}" selected>' in html


def test_a_hostile_title_is_escaped(reviewer_client, adopted_then_edited):
    plan = adopted_then_edited["plan"]
    html = _page(reviewer_client, plan.id).get_data(as_text=True)  # reviewers read it too
    assert SCRIPT not in html
    assert "Restauration du Tata &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html


def test_choosing_two_snapshots(planner_client, adopted_then_edited):
    plan, submitted, adopted = (adopted_then_edited[k] for k in ("plan", "submitted", "adopted"))
    response = _page(planner_client, plan.id, avant=submitted.id, apres=adopted.id)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Aucune différence de contenu entre ces deux versions." in html
    backwards = plain(_page(planner_client, plan.id, avant="courante", apres=submitted.id).get_data(as_text=True))
    assert "Action « Extension du CSCOM »" in backwards and "47 000 000 FCFA" in backwards


def test_unknown_snapshot_is_404(app, planner_client, adopted_then_edited, session, make_user):
    plan = adopted_then_edited["plan"]
    assert _page(planner_client, plan.id, avant=999_999, apres="courante").status_code == 404
    other = Plan(owner=plan.owner, title="Un autre plan", period_start=2025, period_end=2029)
    session.add(other)
    session.commit()
    elsewhere = _snapshot(session, other, "adopte", datetime(2026, 4, 1))
    response = _page(planner_client, plan.id, avant=elsewhere.id, apres="courante")
    assert response.status_code == 404  # a snapshot of another plan is not a version of this one
    assert "Cette version n&#39;existe pas pour ce plan." in response.get_data(as_text=True)
    assert _page(planner_client, 999_999).status_code == 404


@pytest.mark.parametrize("args, message", [
    ({"avant": "hier", "apres": "courante"}, "Version de départ non reconnue : « hier »"),
    ({"avant": "courante", "apres": "courante"}, "Choisissez deux versions différentes à comparer."),
    ({"avant": "", "apres": "courante"}, "Choisissez la version de départ."),
    ({"apres": "courante"}, "Choisissez la version de départ."),
])
def test_a_bad_choice_is_400_in_french(planner_client, adopted_then_edited, args, message):
    response = _page(planner_client, adopted_then_edited["plan"].id, **args)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message.replace("'", "&#39;") in html
    assert 'id="diff-titre"' not in html  # no half-made comparison
    if args.get("apres") == "courante" and args.get("avant") != "courante":
        assert '<option value="courante" selected>' in html  # what was chosen stays chosen


def test_another_owners_planner_is_refused(app, adopted_then_edited, make_user, session):
    from plans.accounts.models import Role
    from plans.owners import service as owners_service
    from tests.conftest import login

    owner = owners_service.commune_owner(session, "ML010101")
    session.commit()
    other = make_user(Role.PLANNER, email="autre@commune.ml", owners=[owner])
    client = app.test_client()
    login(client, other.email)
    assert _page(client, adopted_then_edited["plan"].id).status_code == 403


def test_no_snapshot_yet(planner_client, tc1):
    response = _page(planner_client, tc1.id)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "pas encore de version enregistrée" in html and 'id="diff-titre"' not in html


def test_the_nav_links_to_the_versions(planner_client, tc1):
    for path in (f"/plans/{tc1.id}", f"/plans/{tc1.id}/historique"):
        assert f'href="/plans/{tc1.id}/versions"' in planner_client.get(path).get_data(as_text=True)


# ----- The Word annex -------------------------------------------------------------------------------------------

def _annex(doc) -> list[str]:
    texts = [plain(p.text) for p in doc.paragraphs]
    if ANNEX not in texts:
        return []
    start = len(texts) - texts[::-1].index(ANNEX)  # the annex's heading, after its line in the sommaire
    return [t for t in texts[start:start + 20] if t]


def test_word_export_lists_the_changes_since_adoption(planner_client, adopted_then_edited):
    plan = adopted_then_edited["plan"]
    response = planner_client.get(f"/plans/{plan.id}/export.docx")
    assert response.status_code == 200
    annex = _annex(Document(io.BytesIO(response.data)))
    assert annex == [  # the diaspora share stays 9,69 % (15 700 000 of 162 000 000): not listed
        "Action « Extension du CSCOM » : coût unitaire 45 000 000 → 47 000 000 FCFA ; "
        "programmation annuelle 2026 30 000 000 → 32 000 000 FCFA",
        f"Action modifiée : « Restauration du Tata » → « Restauration du Tata {SCRIPT} »",
        "Coût total du plan : 160 000 000 → 162 000 000 FCFA",
    ]


def test_word_export_without_adoption_has_no_annex(planner_client, tc1, session):
    _snapshot(session, tc1, "soumis", datetime(2026, 1, 10))  # submitted only: nothing was adopted
    tc1.actions[0].unit_cost = 47_000_000
    session.commit()
    doc = Document(io.BytesIO(planner_client.get(f"/plans/{tc1.id}/export.docx").data))
    assert ANNEX not in [p.text for p in doc.paragraphs]


def test_cli_docx_carries_the_annex(runner, adopted_then_edited, tmp_path):
    plan = adopted_then_edited["plan"]
    plan.status = PlanStatus.ADOPTE
    out = tmp_path / "plan.docx"
    result = runner.invoke(args=["plans", "docx", str(plan.id), "-o", str(out)])
    assert result.exit_code == 0, result.output
    annex = _annex(Document(str(out)))
    assert annex[0].startswith("Action « Extension du CSCOM » : coût unitaire 45 000 000 → 47 000 000 FCFA")


def test_default_comparison_after_a_resubmission_is_previous_to_latest_submission(planner_client, session, tc1,
                                                                                  planner):
    first = _snapshot(session, tc1, "soumis", datetime(2026, 1, 10, 9, 0), planner)
    cscom = next(a for a in tc1.actions if a.title == "Extension du CSCOM")
    cscom.unit_cost = 47_000_000
    session.commit()
    second = _snapshot(session, tc1, "soumis", datetime(2026, 2, 10, 9, 0), planner)
    next(a for a in tc1.actions if a.title == "Extension du CSCOM").title = "Extension du CSCOM (après)"
    session.commit()  # edited since the latest submission: not in the default comparison
    html = plain(_page(planner_client, tc1.id).get_data(as_text=True))
    assert f'<option value="{first.id}" selected>' in html and f'<option value="{second.id}" selected>' in html
    assert "0 ajout, 0 suppression, 1 modification." in html
    assert "47 000 000 FCFA" in html and "(après)" not in html
