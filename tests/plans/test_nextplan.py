"""The next plan starts from the last one (plans/execution/nextplan.py): the demo's Koniakary plan, adopted with its
2025 execution, is followed by a new plan and by a revision; the bilan is pre-filled with its figures to the franc,
and its unrealised actions are carried over with what is still to pay."""
from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from docx import Document

from plans.accounts.models import User
from plans.accounts.service import DEMO_PLANNER_EMAIL
from plans.core.audit import AuditEntry
from plans.core.errors import ConflictError, ValidationError
from plans.core.formatting import plain
from plans.demo import data as D
from plans.demo import seed as demo
from plans.documents import plan_document
from plans.execution import figures, nextplan, service
from plans.planning import finance, sections
from plans.planning import service as plan_service
from plans.planning.models import Plan, PlanChange, PlanStatus
from plans.review import diff as plandiff
from plans.review import planfile, workflow

KHASSO = "Adduction d'eau potable du quartier Khasso"
CENTRE = "Centre de formation des jeunes et des migrants de retour"


@pytest.fixture
def adopted(session):
    demo.seed_new_install(session)
    session.commit()
    return session.scalar(sa.select(Plan).where(Plan.uuid == D.TC1_UUID))


@pytest.fixture
def planner(session, adopted):
    return session.scalar(sa.select(User).where(User.email == DEMO_PLANNER_EMAIL))


def new_plan(session, adopted, planner) -> Plan:
    plan = plan_service.create_plan(session, owner=adopted.owner, title="PDESC de Koniakary 2030-2034",
                                    period_start=2030, user=planner)
    assert nextplan.prefill(session, plan, planner).id == adopted.id
    session.commit()
    return plan


def test_a_new_plan_opens_with_the_bilan_of_koniakary_2025_to_the_franc(session, adopted, planner):
    plan = new_plan(session, adopted, planner)
    text = plain(plan.previous_review)
    assert text.startswith("Bilan du plan précédent « PDESC de la commune de Koniakary 2025-2029 » (2025-2029, "
                           "révision 1, adopté), d'après son exécution enregistrée jusqu'à la fin de 2025.")
    # 61 000 000 paid of 160 000 000 (38,13 %), 70 000 000 mobilised (43,75 %), progress weighted 38,28 %.
    assert ("À la fin de 2025 : réalisation physique 38,28 % ; exécution financière 38,13 % (61 000 000 FCFA payés "
            "sur un coût prévu de 160 000 000 FCFA) ; mobilisation 43,75 % (70 000 000 FCFA mobilisés).") in text
    assert ("Actions réalisées (1) :\n– Extension du CSCOM (Santé) : coût prévu 45 000 000 FCFA, payé "
            "43 000 000 FCFA.") in text
    assert ("– Santé : coût prévu 45 000 000 FCFA, payé 43 000 000 FCFA (exécution financière 95,56 %, "
            "réalisation physique 100,00 %).") in text
    assert ("Actions abandonnées (1) :\n– Restauration du Tata : Travaux arrêtés : désaccord sur l'emprise avec les "
            "familles riveraines. À reprogrammer dans la révision du plan. (payé 1 000 000 FCFA sur "
            "25 000 000 FCFA).") in text
    assert (f"– {KHASSO} : en cours, avancement 25 %, reste à payer 43 000 000 FCFA.\n"
            f"– {CENTRE} : prévu, avancement 0 %, reste à payer 30 000 000 FCFA.") in text
    assert ("– Enndam Jombuku : promis 15 500 000 FCFA, mobilisé 2 500 000 FCFA, payé 2 500 000 FCFA (16,13 % du "
            "promis).") in text
    # The same figures as plans/execution/figures.py's, which the annual review prints.
    loaded = session.get(Plan, adopted.id, options=finance.load_options())
    ex = figures.plan_execution(loaded, service.records(session, loaded), 2025)
    assert (ex.paid, ex.planned, ex.mobilised, ex.diaspora_promised, ex.diaspora_paid) == (
        61_000_000, 160_000_000, 70_000_000, 15_500_000, 2_500_000)
    # Saved as section 1 (its history names it), editable, and in the plan file.
    change = session.scalar(sa.select(PlanChange).where(PlanChange.plan_id == plan.id))
    assert (change.section, change.summary) == ("identification",
                                                "Bilan du plan précédent repris de son exécution à la fin de 2025")
    document = planfile.export_document(session, plan)
    assert document["plan"]["sections"]["identification"]["previous_review"] == plan.previous_review
    planfile.check_schema(document)


def test_a_revision_opens_with_the_bilan_and_has_nothing_to_carry(session, adopted, planner):
    revision = workflow.start_revision(session, adopted, planner)
    assert nextplan.prefill(session, revision, planner).id == adopted.id
    session.commit()
    assert "exécution financière 38,13 % (61 000 000 FCFA payés" in plain(revision.previous_review)
    # The comparison with the adopted version names the bilan among what changed.
    changes = plandiff.diff_documents(planfile.export_document(session, adopted),
                                      planfile.export_document(session, revision))
    assert any("bilan du plan précédent" in plain(line) for line in changes.lines())
    # Its actions are the adopted plan's (same uuids): nothing to carry over.
    view = nextplan.carry_over_view(session, revision)
    assert [(c.action.title, c.already) for c in view.candidates] == [(KHASSO, True), (CENTRE, True)]
    with pytest.raises(ValidationError, match="plus"):
        nextplan.carry_over(session, revision, [view.candidates[0].key], view.version, planner)


def test_a_plan_without_a_previous_execution_is_left_blank(session, planner, adopted):
    other = plan_service.create_plan(session, owner=adopted.owner, title="Autre", period_start=2030, user=planner)
    session.execute(sa.update(Plan).where(Plan.id == adopted.id).values(status=PlanStatus.BROUILLON))
    session.expire_all()
    assert nextplan.prefill(session, other, planner) is None
    assert other.previous_review == ""


def test_two_unrealised_actions_are_carried_with_what_is_left_to_pay(session, adopted, planner):
    plan = new_plan(session, adopted, planner)
    view = nextplan.carry_over_view(session, plan)
    # Realised (CSCOM) and abandoned (Tata) actions are not offered.
    assert [(c.action.title, c.execution.status, c.already) for c in view.candidates] == [
        (KHASSO, "en_cours", False), (CENTRE, "prevu", False)]
    created = nextplan.carry_over(session, plan, [c.key for c in view.candidates], view.version, planner)
    session.commit()
    plan = session.get(Plan, plan.id, options=finance.load_options(), populate_existing=True)
    pf = finance.plan_finance(plan)
    khasso, centre = pf.figures
    # Khasso cost 60 000 000, paid 17 000 000 → 43 000 000 over 2030 and 2031. ANICT 48 M: 24 M received, 15 M
    # paid → 9 M in hand (acquis) + 24 M still promised; commune 6 M: 2 M paid → 4 M; in kind 6 M untouched.
    assert khasso.total == 43_000_000 and khasso.schedule_by_year == {2030: 21_500_000, 2031: 21_500_000}
    assert [(ln.source_type, ln.status, amount) for ln, amount in zip(khasso.action.funding_lines,
                                                                      khasso.line_amounts)] == [
        ("anict", "acquis", 9_000_000), ("anict", "promis", 24_000_000), ("budget_communal", "promis", 4_000_000),
        ("population", "promis", 6_000_000)]
    assert khasso.action.status == "en_cours" and khasso.action.total_override == 43_000_000
    assert plain(khasso.action.override_reason) == ("Reste à payer de l'action du plan précédent à la fin de 2025 : "
                                                    "coût prévu 60 000 000 FCFA, payé 17 000 000 FCFA.")
    # The centre: nothing paid, 30 000 000 as planned; the diaspora's 6 000 000 still promised by its association.
    assert centre.total == 30_000_000 and sum(centre.line_amounts) == 30_000_000
    diaspora = [ln for ln in centre.action.funding_lines if ln.source_type == "association_diaspora"]
    assert [(ln.association.name, ln.amount, ln.status) for ln in diaspora] == [("Enndam Jombuku", 6_000_000, "promis")]
    assert pf.total == 73_000_000 and pf.gap == 0
    # Journaled, in the history; offered no more.
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "plan.carry_over"))
    assert [(a["title"], a["remaining"]) for a in entry.details["actions"]] == [(KHASSO, 43_000_000),
                                                                             (CENTRE, 30_000_000)]
    assert [a.uuid for a in created] == [nextplan.carried_uuid(plan, c.key) for c in view.candidates]
    assert all(c.already for c in nextplan.carry_over_view(session, plan).candidates)


def test_refusals_not_a_draft_stale_nothing_ticked_forged(session, adopted, planner):
    plan = new_plan(session, adopted, planner)
    view = nextplan.carry_over_view(session, plan)
    with pytest.raises(ValidationError, match="Cochez au moins une action"):
        nextplan.carry_over(session, plan, [], view.version, planner)
    with pytest.raises(ValidationError, match="rechargez"):
        nextplan.carry_over(session, plan, ["not-an-action"], view.version, planner)
    realised = next(a for a in adopted.actions if a.title == "Extension du CSCOM")
    with pytest.raises(ValidationError, match="rechargez"):
        nextplan.carry_over(session, plan, [realised.uuid], view.version, planner)
    nextplan.carry_over(session, plan, [view.candidates[0].key], view.version, planner)
    session.commit()
    with pytest.raises(ConflictError):  # the page was loaded before that carry: stale
        nextplan.carry_over(session, plan, [view.candidates[1].key], view.version, planner)
    session.rollback()
    # the adopted plan itself is not a draft
    with pytest.raises(ValidationError, match="« Adopté » : on ne reprend des actions que dans un plan en brouillon"):
        nextplan.carry_over(session, adopted, [view.candidates[1].key],
                            sections.current_version(session, adopted, "actions"), planner)


def test_the_word_document_of_the_new_plan_prints_the_bilan(session, adopted, planner):
    plan = new_plan(session, adopted, planner)
    doc = Document(io.BytesIO(plan_document.render_docx(plan, session, with_map=False)))
    texts = [plain(p.text) for p in doc.paragraphs]
    # the section, after its line in the sommaire
    heading = next(i for i, p in enumerate(doc.paragraphs)
                   if p.text == "1.3 Bilan du plan précédent" and p.style.name == "Heading 2")
    assert texts[heading + 1].startswith("Bilan du plan précédent « PDESC de la commune de Koniakary 2025-2029 »")
    assert ("À la fin de 2025 : réalisation physique 38,28 % ; exécution financière 38,13 % (61 000 000 FCFA payés "
            "sur un coût prévu de 160 000 000 FCFA) ; mobilisation 43,75 % (70 000 000 FCFA mobilisés).") in texts
    assert ("– Enndam Jombuku : promis 15 500 000 FCFA, mobilisé 2 500 000 FCFA, payé 2 500 000 FCFA (16,13 % du "
            "promis).") in texts
    # A plan without a bilan has no section 1.3.
    adopted_doc = Document(io.BytesIO(plan_document.render_docx(adopted, session, with_map=False)))
    assert "1.3 Bilan du plan précédent" not in [p.text for p in adopted_doc.paragraphs]
