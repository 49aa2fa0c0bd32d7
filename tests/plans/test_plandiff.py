"""The diff of two versions of a plan (plans/review/diff.py), on the Koniakary test case, and the versions of a plan."""
from __future__ import annotations

import random
from datetime import datetime

import pytest

from plans.core.formatting import fcfa, percent, plain
from plans.demo import data as D
from plans.demo import seed as demo
from plans.planning import finance
from plans.planning.models import Action, FundingLine, Plan, PlanStatus, ScheduleEntry
from plans.review import diff as plandiff
from plans.review import planfile
from plans.review.models import PlanSnapshot


@pytest.fixture
def tc1(session, koniakary_owner):
    """The Koniakary test case (plans/demo/data.py TC1), alone."""
    demo.build_plan(session, koniakary_owner, D.TC1, rng=random.Random(1))
    session.commit()
    return session.query(Plan).filter_by(uuid=D.TC1_UUID).one()


def _export(session, plan) -> dict:
    session.flush()
    session.expire_all()
    return planfile.export_document(session, plan)


def _action(plan, title) -> Action:
    return next(a for a in plan.actions if a.title == title)


def _edit_tc1(session, plan) -> None:
    """The six changes the diff must report, and nothing else."""
    plan.title = "PDESC de la commune de Koniakary 2025-2029 (révisé)"
    cscom = _action(plan, "Extension du CSCOM")  # unit cost, schedule kept consistent
    cscom.unit_cost = 47_000_000
    next(e for e in cscom.schedule if e.year == 2026).amount = 32_000_000
    water = _action(plan, "Adduction d'eau potable du quartier Khasso")  # a funding line removed
    population = next(ln for ln in water.funding_lines if ln.source_type == "population")
    water.funding_lines.remove(population)
    tata = _action(plan, "Restauration du Tata")  # one year of its schedule moves
    first = next(e for e in tata.schedule if e.year == 2025)
    tata.schedule.remove(first)
    session.flush()
    tata.schedule.append(ScheduleEntry(year=2026, amount=5_000_000))
    association = cscom.funding_lines[1].association  # a new action with one diaspora line
    plan.actions.append(Action(
        position=len(plan.actions), sector="hydraulique", title="Forage à Diakandapé", quantity=1,
        unit="forage", unit_cost=14_000_000, schedule=[ScheduleEntry(year=2027, amount=14_000_000)],
        funding_lines=[FundingLine(position=0, source_type="association_diaspora", source_name="Enndam Jombuku",
                                   association=association, amount=4_500_000, status="promis")]))
    plan.migration_profile.emigrants_total = 11_200  # a migration-profile figure


def test_the_diff_lists_exactly_what_changed(session, tc1):
    before = _export(session, tc1)
    _edit_tc1(session, tc1)
    after = _export(session, tc1)

    diff = plandiff.diff_documents(before, after)
    lines = [plain(line) for line in diff.lines()]
    assert lines == [
        "Plan : titre « PDESC de la commune de Koniakary 2025-2029 » → "
        "« PDESC de la commune de Koniakary 2025-2029 (révisé) »",
        "Profil migratoire : émigrés (total) 10 799 → 11 200",
        "Action « Extension du CSCOM » : coût unitaire 45 000 000 → 47 000 000 FCFA ; "
        "programmation annuelle 2026 30 000 000 → 32 000 000 FCFA",
        "Ligne de financement supprimée de « Adduction d'eau potable du quartier Khasso » : Population "
        "bénéficiaire (Population de Khasso (travaux en nature)), 10 %, promis, en nature",
        "Action « Restauration du Tata » : programmation annuelle 2025 5 000 000 FCFA → (vide) ; "
        "programmation annuelle 2026 (vide) → 5 000 000 FCFA",
        "Action ajoutée : « Forage à Diakandapé » (Hydraulique (AEP, forages), 14 000 000 FCFA ; financement : "
        "Association de la diaspora (Enndam Jombuku), 4 500 000 FCFA, promis)",
        "Coût total du plan : 160 000 000 → 176 000 000 FCFA",
        "Part de la diaspora : 9,69 → 11,48 %",  # 10 % of the dearer CSCOM, and the new 4 500 000
    ]
    figures = finance.plan_finance(tc1)  # the totals read from the documents are the plan's own
    assert [t.after for t in diff.totals] == [fcfa(figures.total), percent(figures.diaspora_share, 2)]
    assert [s.key for s in diff.sections] == ["identification", "migration", "actions"]
    assert [s.title for s in diff.sections] == ["Identification et démarche", "Diagnostic migratoire",
                                                "Actions (PIP)"]
    assert diff.counts() == {"ajout": 1, "suppression": 1, "modification": 4}
    cscom = diff.sections[2].changes[0]  # a funding line's change follows its action's
    assert [(f.label, plain(f.old), plain(f.new)) for f in cscom.fields] == [
        ("coût unitaire", "45 000 000 FCFA", "47 000 000 FCFA"),
        ("programmation annuelle 2026", "30 000 000 FCFA", "32 000 000 FCFA")]


def test_the_diff_is_symmetric(session, tc1):
    before = _export(session, tc1)
    _edit_tc1(session, tc1)
    after = _export(session, tc1)
    forward, backward = plandiff.diff_documents(before, after), plandiff.diff_documents(after, before)
    assert backward.counts() == {"ajout": forward.counts()["suppression"],
                                 "suppression": forward.counts()["ajout"],
                                 "modification": forward.counts()["modification"]}
    assert [(t.before, t.after) for t in backward.totals] == [(t.after, t.before) for t in forward.totals]
    assert "Action supprimée : « Forage à Diakandapé »" in plain(" | ".join(backward.lines()))
    assert "Ligne de financement ajoutée à « Adduction d'eau potable du quartier Khasso »" \
        in plain(" | ".join(backward.lines()))


def test_two_exports_of_the_same_plan_differ_in_nothing(session, tc1):
    first = _export(session, tc1)
    tc1.status = PlanStatus.SOUMIS  # the status is the workflow's business, not a change of content
    second = _export(session, tc1)
    assert first["exported_at"] is not None
    diff = plandiff.diff_documents(first, second)
    assert diff.empty and diff.lines() == [] and diff.changes == []
    assert diff.counts() == {"ajout": 0, "suppression": 0, "modification": 0}
    assert all(not t.changed for t in diff.totals)


def test_a_reworded_finding_is_one_change_not_a_cascade(session, tc1):
    """Objectives cite findings by ref: the rewording reads once, and the objectives citing it do not move."""
    before = _export(session, tc1)
    finding = next(f for f in tc1.findings if f.theme == "sante")
    finding.text = "Le CSCOM est saturé : la population a plus que doublé depuis 2009."
    axis = tc1.axes[0]
    axis.title = "Services sociaux de base"  # its objectives and the actions under them stay the same
    after = _export(session, tc1)
    lines = [plain(line) for line in plandiff.diff_documents(before, after).lines()]
    assert lines == [
        "Constat clé modifié : « Le CSCOM ne suffit plus à une population qui a plus que doublé depuis 2009. » → "
        "« Le CSCOM est saturé : la population a plus que doublé depuis 2009. »",
        "Axe stratégique modifié : « Accès aux services sociaux de base » → « Services sociaux de base »"]


def test_removing_a_row_reads_as_a_removal_even_when_refs_shift(session, tc1):
    """Refs are numbered by position: deleting the first population figure renumbers the others, which must not
    read as changes."""
    before = _export(session, tc1)
    tc1.population_records.remove(tc1.population_records[0])
    tc1.actions.reverse()  # order alone is not a change
    for position, action in enumerate(tc1.actions):
        action.position = position
    after = _export(session, tc1)
    diff = plandiff.diff_documents(before, after)
    assert [plain(line) for line in diff.lines()] == ["Chiffre de population supprimé : « 1998, RGPH 1998 »"]
    assert diff.changes[0].section == "situation" and diff.changes[0].word == "supprimé"


def test_private_details_are_never_shown(session, tc1):
    before = _export(session, tc1)
    association = _action(tc1, "Extension du CSCOM").funding_lines[1].association
    association.contact_name, association.contact_details = "Mamadou Secret", "+33 6 00 00 00 00"
    association.contact_consent = True
    tata = _action(tc1, "Restauration du Tata")
    tata.lon, tata.lat, tata.location_precision = -10.9, 14.6, "masquee"
    after = _export(session, tc1)
    text = " | ".join(plandiff.diff_documents(before, after).lines())
    assert "Association de la diaspora « Enndam Jombuku » : contact modifié" in text
    assert "Secret" not in text and "+33" not in text
    assert "localisation" in text and "Masquée" in text and "14,6" not in text


# ----- Versions -------------------------------------------------------------------------------------------------

def _snapshot(session, plan, kind, at, user=None) -> PlanSnapshot:
    snapshot = PlanSnapshot(plan_id=plan.id, kind=kind, label=f"{kind} — révision {plan.revision}", at=at,
                            user_id=user.id if user else None, document=_export(session, plan))
    session.add(snapshot)
    session.flush()
    return snapshot


def test_versions_of_a_lineage_and_the_last_adoption(session, tc1, planner):
    assert plandiff.last_adopted_document(session, tc1) is None
    assert plandiff.changes_since_adoption(session, tc1) == []
    submitted = _snapshot(session, tc1, "soumis", datetime(2026, 1, 10), planner)
    adopted = _snapshot(session, tc1, "adopte", datetime(2026, 3, 2))
    tc1.status = PlanStatus.ADOPTE
    revision = Plan(uuid=tc1.uuid, revision=2, owner=tc1.owner, title=tc1.title, period_start=2025,
                    period_end=2029, status=PlanStatus.BROUILLON)
    other = Plan(owner=tc1.owner, title="Un autre plan", period_start=2025, period_end=2029)
    session.add_all([revision, other])
    session.flush()
    _snapshot(session, other, "adopte", datetime(2026, 4, 1))  # another lineage: never listed
    imported = _snapshot(session, revision, "import", datetime(2026, 5, 1))
    session.commit()

    listed = plandiff.versions(session, revision)
    assert [v.key for v in listed] == [plandiff.CURRENT, str(imported.id), str(adopted.id), str(submitted.id)]
    assert [v.kind_label for v in listed] == ["En cours", "Import d'un fichier", "Adopté", "Soumis"]
    assert [v.revision for v in listed] == [2, 2, 1, 1]
    assert listed[-1].user == planner.full_name
    assert plandiff.last_adopted_document(session, revision) == adopted.document
    assert plandiff.snapshot_of(session, revision, submitted.id) is not None
    assert plandiff.snapshot_of(session, revision, other.id + 10_000) is None
    other_snapshot = session.query(PlanSnapshot).filter_by(plan_id=other.id).one()
    assert plandiff.snapshot_of(session, revision, other_snapshot.id) is None
    # The revision holds nothing yet: against the adoption, everything of TC1 went away.
    assert "Action supprimée : « Extension du CSCOM »" in plain(" | ".join(
        plandiff.changes_since_adoption(session, revision)))
    assert plandiff.changes_since_adoption(session, tc1) == []  # the adopted revision is what was adopted
    tc1.deliberation_number = "15/2026"  # the Word annex leaves the deliberation to the document's own page
    session.flush()
    assert plandiff.changes_since_adoption(session, tc1) == []
    assert plain(plandiff.diff_documents(adopted.document, _export(session, tc1)).lines()[0]) == \
        "Adoption : numéro de délibération (vide) → « 15/2026 »"
