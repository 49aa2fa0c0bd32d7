import pytest

from plans.core.errors import ValidationError
from plans.planning import service as plan_service
from plans.planning.models import Action, Finding
from plans.planning.sectiondata import orientations


@pytest.fixture
def plan(session, planner, koniakary_owner):
    plan = plan_service.create_plan(session, owner=koniakary_owner, title="PDESC de Koniakary", period_start=2025,
                                    user=planner)
    plan.findings.append(Finding(theme="hydraulique", text="Accès à l'eau insuffisant", position=0))
    plan.findings.append(Finding(theme="migration", text="Forte émigration des jeunes", position=1))
    session.flush()
    return plan


def ids(plan):
    return {f.theme: f.id for f in plan.findings}


def data(plan, **overrides):
    f = ids(plan)
    value = {
        "axes": [
            {"title": "Accès aux services sociaux de base", "general_objective": "Améliorer l'accès à l'eau",
             "migration_crosscutting": False,
             "objectives": [{"title": "Réhabiliter les forages", "finding_ids": [f["hydraulique"]]},
                            {"title": "", "finding_ids": []}]},
            {},
            {"title": "Migration et développement", "general_objective": "", "migration_crosscutting": True,
             "objectives": [{"title": "Mobiliser la diaspora", "finding_ids": [f["migration"], f["hydraulique"]]}]},
        ],
        "criteria": [{"name": "Urgence du besoin", "weight": 3}, {"name": "", "weight": None},
                     {"name": "Mobilisation possible de la diaspora", "weight": 2}],
        "priorities": [
            {"title": "Forages", "axis": 0, "scores": [5, None, 2]},       # 19
            {"title": "Maison de la diaspora", "axis": 2, "scores": [3, None, 5]},  # 19
            {"title": "Piste rurale", "axis": None, "scores": [2, None, 1]},  # 8
            {"title": "", "axis": None, "scores": [None, None, None]},
        ],
    }
    value.update(overrides)
    return value


def test_apply_then_dump_reads_back(session, plan):
    summary = orientations.apply(session, plan, data(plan))
    session.flush()
    assert "Axes stratégiques : 0 → 2" in summary
    dumped = orientations.dump(plan)
    f = ids(plan)
    assert [a["title"] for a in dumped["axes"]] == ["Accès aux services sociaux de base", "Migration et développement"]
    assert dumped["axes"][1]["migration_crosscutting"] is True
    assert dumped["axes"][1]["objectives"][0]["finding_ids"] == [f["migration"], f["hydraulique"]]
    assert [(c["name"], c["weight"]) for c in dumped["criteria"]] == [
        ("Urgence du besoin", 3), ("Mobilisation possible de la diaspora", 2)]
    assert [(p["title"], p["axis"], p["scores"]) for p in dumped["priorities"]] == [
        ("Forages", 0, [5, 2]), ("Maison de la diaspora", 1, [3, 5]), ("Piste rurale", None, [2, 1])]
    assert plan.priorities[1].axis is plan.axes[1]
    assert plan.priorities[0].scores == {str(plan.criteria[0].id): 5, str(plan.criteria[1].id): 2}


def test_ranking_is_computed_with_ties(session, plan):
    orientations.apply(session, plan, data(plan))
    session.flush()
    ranking = [(rank, p.title, score, top) for rank, p, score, top in orientations.ranked_priorities(plan)]
    assert ranking == [(1, "Forages", 19, 25), (1, "Maison de la diaspora", 19, 25), (3, "Piste rurale", 8, 25)]


def test_dump_can_be_applied_again_and_ids_stay(session, plan):
    orientations.apply(session, plan, data(plan))
    session.flush()
    objective_ids = [o.id for a in plan.axes for o in a.objectives]
    axis_ids = [a.id for a in plan.axes]
    criterion_ids = [c.id for c in plan.criteria]
    again = orientations.dump(plan)
    again["axes"][0]["objectives"][0]["title"] = "Réhabiliter 3 forages"
    orientations.apply(session, plan, again)
    session.flush()
    assert [a.id for a in plan.axes] == axis_ids
    assert [o.id for a in plan.axes for o in a.objectives] == objective_ids
    assert [c.id for c in plan.criteria] == criterion_ids
    assert plan.axes[0].objectives[0].title == "Réhabiliter 3 forages"


@pytest.mark.parametrize("change, key", [
    (lambda d: d["axes"][0].update(title=""), "axes-0-title"),
    (lambda d: d["axes"][0]["objectives"][1].update(finding_ids=[999999]), "axes-0-objectives-1-title"),
    (lambda d: d["axes"][0]["objectives"][0].update(finding_ids=[999999]), "axes-0-objectives-0-findings"),
    (lambda d: d["criteria"][0].update(weight=6), "criteria-0-weight"),
    (lambda d: d["criteria"][1].update(name="Coût"), "criteria-1-weight"),
    (lambda d: d["priorities"][0]["scores"].__setitem__(2, 7), "priorities-0-scores-2"),
    (lambda d: d["priorities"][0]["scores"].__setitem__(0, None), "priorities-0-scores-0"),
    (lambda d: d["priorities"][2].update(title=""), "priorities-2-title"),
    (lambda d: d["priorities"][2].update(axis=1), "priorities-2-axis"),
])
def test_rules_are_keyed_by_field(session, plan, change, key):
    value = data(plan)
    change(value)
    with pytest.raises(ValidationError) as raised:
        orientations.apply(session, plan, value)
    assert key in raised.value.errors


def test_a_finding_of_another_plan_is_refused(session, plan, planner, koniakary_owner):
    other = plan_service.create_plan(session, owner=koniakary_owner, title="Autre plan", period_start=2030,
                                     user=planner)
    other.findings.append(Finding(theme="sante", text="Pas de CSCOM", position=0))
    session.flush()
    value = data(plan)
    value["axes"][0]["objectives"][0]["finding_ids"] = [other.findings[0].id]
    with pytest.raises(ValidationError) as raised:
        orientations.apply(session, plan, value)
    assert "axes-0-objectives-0-findings" in raised.value.errors


def test_an_objective_with_actions_cannot_be_removed(session, plan):
    orientations.apply(session, plan, data(plan))
    session.flush()
    plan.actions.append(Action(title="Forage de Kanaga", sector="hydraulique",
                               objective_id=plan.axes[0].objectives[0].id))
    session.flush()
    value = orientations.dump(plan)
    value["axes"][0]["objectives"] = []
    with pytest.raises(ValidationError, match="Forage de Kanaga"):
        orientations.apply(session, plan, value)
