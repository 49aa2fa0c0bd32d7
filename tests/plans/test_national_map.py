"""plans.maps.national: the indicators per commune (from plans.planning.finance), the filters, groupings, the layer."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest
import sqlalchemy as sa

from plans.accounts.models import Role
from plans.core.errors import ValidationError
from plans.demo import data as D
from plans.demo import seed as demo
from plans.maps import national as nm
from plans.owners import service as owners_service
from plans.owners.models import PlanOwner
from plans.planning import finance
from plans.planning import service as plan_service
from plans.planning import summary as plan_summary
from plans.planning.models import Plan
from plans.review import deletion
from tests.factories import commit_then_read_desk


@pytest.fixture
def seeded(session, demo_cases):
    nm.clear_caches()
    plan_summary.refresh_stale(session)  # what the desk's pages do first (app/summaries.py)
    session.commit()
    return session


def _tc1(session) -> Plan:
    return session.scalar(sa.select(Plan).where(Plan.uuid == D.TC1_UUID))


def test_koniakary_indicators_come_from_plans_finance(seeded):
    view = nm.national_view(nm.national_base(seeded), nm.Filters(), "diaspora")
    row = next(r for r in view.communes if r.code == D.KONIAKARY_PCODE)
    plan = seeded.get(Plan, _tc1(seeded).id, options=finance.load_options())
    pf = finance.plan_finance(plan)
    assert row.diaspora_share == pf.diaspora_share == Decimal("9.69")
    assert row.texts()["diaspora"].replace("\u202f", " ").replace("\xa0", " ") == "9,69 %"
    assert row.total == pf.total == 160_000_000
    latest = max(plan.population_records, key=lambda p: p.year)
    assert row.population == latest.value == 20143
    assert row.investment_per_inhabitant == round(160_000_000 / 20143)
    assert row.actions == len(plan.actions)
    assert row.plan_id == plan.id and row.status == plan.status.value
    assert row.region == "Kayes"
    emigrants = plan.migration_profile.emigrants_total
    assert row.emigrants_per_mille == (Decimal(emigrants) * 1000 / Decimal(20143)).quantize(Decimal("0.1"))
    assert row.gap is False  # it has diaspora-funded actions


def test_the_gap_flag_needs_strong_emigration_and_no_diaspora_action(seeded):
    tc1 = seeded.get(Plan, _tc1(seeded).id, options=finance.load_options())
    tc1.migration_profile.emigrants_total = 20143  # its population: 1 000 ‰
    for action in tc1.actions:  # no diaspora money left
        for line in action.funding_lines:
            if line.source_type == "association_diaspora":
                line.source_type = "ong"
    commit_then_read_desk(seeded)  # the save, then the desk's refresh of the plan's summary the map reads

    def koniakary():
        return next(r for r in nm.national_view(nm.national_base(seeded), nm.Filters()).communes
                    if r.code == D.KONIAKARY_PCODE)

    assert koniakary().gap is True and koniakary().value("ecart") == "oui"
    tc1.migration_profile.emigrants_total = 20143 // 20  # 50 ‰: below the threshold
    commit_then_read_desk(seeded)
    assert koniakary().gap is False


def test_groupings_are_separate_rows_with_an_outline(seeded):
    base = nm.national_base(seeded)
    view = nm.national_view(base, nm.Filters())
    groupings = [r for r in view.others if r.kind == "groupement"]
    assert {r.name for r in groupings} >= {D.YELIMANE_NAME}
    # The SICM's plan does not count in its member communes: they have no commune row (no plan of their own).
    assert not set(D.YELIMANE_CODES) & {r.code for r in view.communes}
    doc = nm.view_document(base, view)
    assert any(g["name"] == D.YELIMANE_NAME and g["geometry"]["type"] in ("Polygon", "MultiPolygon")
               for g in doc["groupings"])


def test_filters(seeded):
    base = nm.national_base(seeded)
    kayes = nm.national_view(base, nm.Filters(region="ML01"))
    assert kayes.communes and all(r.region == "Kayes" for r in kayes.rows)
    assert D.KENEDOUGOU_NAME not in {r.name for r in kayes.rows}  # Sikasso
    sikasso = nm.national_view(base, nm.Filters(region="ML03"))
    assert D.KONIAKARY_PCODE not in {r.code for r in sikasso.communes}
    tc1 = _tc1(seeded)
    assert nm.national_view(base, nm.Filters(periode=tc1.period_start)).communes
    assert not nm.national_view(base, nm.Filters(periode=1990)).rows
    other = "adopte" if tc1.status.value != "adopte" else "brouillon"
    assert D.KONIAKARY_PCODE not in {r.code for r in nm.national_view(base, nm.Filters(statut=other)).communes}
    sante = next(r for r in nm.national_view(base, nm.Filters(secteur="sante")).communes
                 if r.code == D.KONIAKARY_PCODE)
    all_actions = next(r for r in nm.national_view(base, nm.Filters()).communes if r.code == D.KONIAKARY_PCODE)
    assert 0 < sante.actions < all_actions.actions


def test_points_never_carry_masked_locations(seeded):
    tc1 = seeded.get(Plan, _tc1(seeded).id)
    tc1.actions[0].lat, tc1.actions[0].lon, tc1.actions[0].location_precision = 14.5, -10.9, "masquee"
    commit_then_read_desk(seeded)
    base = nm.national_base(seeded)  # the fingerprint changed: reloaded
    doc = nm.points_document(base, nm.national_view(base, nm.Filters()))
    points = nm.decoded_points(doc)
    assert (14.5, -10.9) not in {(p[0], p[1]) for p in points}
    assert len(doc["points"]) == 5 * len(points) and points


def test_base_loads_in_a_fixed_number_of_queries(seeded):
    demo.seed_random_plans(seeded, 6, actions=4, seed=3)
    counter = {"n": 0}
    engine = seeded.get_bind()

    def count(*args, **kwargs):
        counter["n"] += 1

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        nm.load_base(seeded)
        few = counter["n"]
        demo.seed_random_plans(seeded, 6, actions=4, seed=4)
        counter["n"] = 0
        nm.load_base(seeded)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert counter["n"] == few  # twice the plans, the same number of queries


def test_communes_layer_is_light_and_cached(seeded):
    layer = nm.communes_layer(seeded)
    doc = json.loads(layer.body)
    assert layer.count == len(doc["features"]) >= 700
    coords = json.dumps(doc["features"][0]["geometry"]["coordinates"])
    assert all(len(x.split(".")[1]) <= nm.COORD_DECIMALS for x in coords.replace("[", "").replace("]", "").split(",")
               if "." in x)
    assert nm.communes_layer(seeded) is layer
    assert len(layer.gz) < 200 * 1024


def test_legend_colours_match_values():
    assert nm.colour_for("diaspora", Decimal("9.69")) == nm.STEP_COLOURS[2]
    assert nm.colour_for("diaspora", None) == nm.NO_DATA_COLOUR
    assert nm.colour_for("statut", "adopte") == nm.STATUS_COLOURS["adopte"]
    assert len(nm.legend("diaspora")) == len(nm.STEP_COLOURS) + 1


def test_a_minimum_keeps_the_communes_whose_indicator_reaches_it(seeded):
    base = nm.national_base(seeded)
    codes = lambda view: {r.code for r in view.communes}  # noqa: E731
    assert D.KONIAKARY_PCODE in codes(nm.national_view(base, nm.Filters(minimum=Decimal("9.69")), "diaspora"))
    above = nm.national_view(base, nm.Filters(minimum=Decimal("9.7")), "diaspora")
    assert D.KONIAKARY_PCODE not in codes(above) and _tc1(seeded).id not in above.plan_ids
    # The status and the gap flag have no minimum: it is ignored for them.
    assert D.KONIAKARY_PCODE in codes(nm.national_view(base, nm.Filters(minimum=Decimal(1000)), "statut"))


@pytest.mark.parametrize("typed, indicator, expected", [
    ("20", "diaspora", Decimal(20)), ("20 %", "diaspora", Decimal(20)), ("20%", "diaspora", Decimal(20)),
    ("20,5", "diaspora", Decimal("20.5")), ("20.5", "emigres", Decimal("20.5")), ("150 ‰", "emigres", Decimal(150)),
    ("1 000", "investissement", Decimal(1000)), ("25\u202f000 FCFA", "investissement", Decimal(25000)),
    ("12", "actions", Decimal(12)), ("", "statut", None), ("  ", "diaspora", None)])
def test_the_minimum_is_read_as_typed_in_french(typed, indicator, expected):
    """One parser (parse_minimum) for the map and the dashboard: « 20 », « 20 % », « 20,5 », thousands spaced."""
    assert nm.Filters.from_args({"min": typed, "indicateur": indicator}).minimum == expected


@pytest.mark.parametrize("typed, indicator, message", [
    ("vingt", "diaspora", "« vingt » n'est pas un nombre lisible"), ("abc", "investissement", "n'est pas un nombre"),
    ("NaN", "diaspora", "n'est pas un nombre"), ("1e400", "diaspora", "n'est pas un nombre"),
    ("-5", "actions", "ne peut pas être négative"), ("20 %", "emigres", "l'unité ne convient pas"),
    ("20 %", "actions", "sans unité"), ("5", "statut", "n'a pas de valeur minimale"),
    ("9" * 50, "diaspora", "trop longue")])
def test_an_unreadable_minimum_is_refused_in_french(typed, indicator, message):
    """Never silently ignored (the map used to show every plan as if all reached « 20 % »): ValidationError under
    « min », which the pages answer with a 400 and the message beside the field."""
    with pytest.raises(ValidationError) as refused:
        nm.Filters.from_args({"min": typed, "indicateur": indicator})
    assert list(refused.value.errors) == ["min"] and message in refused.value.errors["min"][0]


@pytest.mark.parametrize("typed", ["²⁰²⁵", "9" * 5000, "٢٠٢٥x", "-2025"])
def test_a_strange_period_is_ignored_not_an_error(typed):
    assert nm.Filters.from_args({"periode": typed}).periode is None


# --- issue 15: after a save, the base reads again only the plans whose summary changed ---------------------------

def _same_as_a_full_load(session, base: nm.NationalBase) -> None:
    full = nm.load_base(session)
    assert base.plans == full.plans and base.points == full.points
    assert [p.id for p in base.plans] == sorted(p.id for p in base.plans)


def test_a_save_reloads_that_plan_only(seeded):
    before = nm.national_base(seeded)
    tc1 = seeded.get(Plan, _tc1(seeded).id, options=finance.load_options())
    old_total = next(p for p in before.plans if p.id == tc1.id).total
    tc1.actions[0].unit_cost += 1_000_000
    added = finance.plan_finance(tc1).total - old_total
    commit_then_read_desk(seeded)

    after = nm.national_base(seeded)
    assert after is not before and after.fingerprint != before.fingerprint
    row = next(r for r in nm.national_view(after, nm.Filters()).communes if r.code == D.KONIAKARY_PCODE)
    assert row.total == old_total + added and added > 0
    old = {p.id: p for p in before.plans}
    new = {p.id: p for p in after.plans}
    assert new.keys() == old.keys()
    assert new[tc1.id] is not old[tc1.id] and old[tc1.id].total == old_total  # the old base is left as it was
    assert all(new[i] is old[i] for i in new if i != tc1.id)  # the other plans were not read again
    assert after.units is before.units and after.owners is before.owners
    _same_as_a_full_load(seeded, after)


def test_a_new_plan_appears_and_a_deleted_one_vanishes(seeded, make_user):
    tc1 = _tc1(seeded)
    before = nm.national_base(seeded)
    plan = plan_service.create_plan(seeded, owner=tc1.owner, title="PDESC suivant de Koniakary",
                                    period_start=tc1.period_end + 1)
    commit_then_read_desk(seeded)
    added = nm.national_base(seeded)
    assert added.owners is before.owners  # the same frame: only the new plan's row was read
    assert all(p is q for p, q in zip(before.plans, added.plans)) and added.plans[-1].id == plan.id
    row = next(r for r in nm.national_view(added, nm.Filters()).communes if r.code == D.KONIAKARY_PCODE)
    assert row.plan_title == "PDESC suivant de Koniakary"  # the commune's latest plan
    _same_as_a_full_load(seeded, added)

    # Deleted, and another created at once (SQLite may give it the same id, its summary the same generation).
    admin = make_user(Role.ADMIN, email="admin-carte@dgct.ml")
    deletion.delete_plan(seeded, plan, admin, seen_actions=0, seen_total=0)
    other = plan_service.create_plan(seeded, owner=tc1.owner, title="Autre plan de Koniakary",
                                     period_start=tc1.period_end + 1)
    commit_then_read_desk(seeded)
    replaced = nm.national_base(seeded)
    titles = {p.id: p.title for p in replaced.plans}
    assert titles[other.id] == "Autre plan de Koniakary" and "PDESC suivant de Koniakary" not in titles.values()
    assert all(p is q for p, q in zip(before.plans, replaced.plans))
    _same_as_a_full_load(seeded, replaced)


def test_an_owner_change_reloads_everything(seeded):
    before = nm.national_base(seeded)
    sicm = seeded.scalar(sa.select(PlanOwner).where(PlanOwner.name == D.YELIMANE_NAME))
    sicm.name = "SICM renommé"
    seeded.commit()
    after = nm.national_base(seeded)
    assert after.frame != before.frame and after.owners is not before.owners
    assert not any(p is q for p, q in zip(before.plans, after.plans))
    groupings = [r.name for r in nm.national_view(after, nm.Filters()).others if r.kind == "groupement"]
    assert "SICM renommé" in groupings and D.YELIMANE_NAME not in groupings


def test_a_groupings_first_plan_brings_its_outline(seeded):
    grouping = owners_service.create_grouping(seeded, kind="syndicat", name="Syndicat de la carte",
                                              member_codes=D.YELIMANE_CODES[:2])
    seeded.commit()
    before = nm.national_base(seeded)  # a new owner: everything read; the grouping has no plan, no outline
    assert before.owners[grouping.id].outline is None
    plan_service.create_plan(seeded, owner=grouping, title="Plan du syndicat de la carte", period_start=2026)
    commit_then_read_desk(seeded)
    after = nm.national_base(seeded)
    assert after.owners[grouping.id].outline is not None and before.owners[grouping.id].outline is None
    assert all(after.owners[i] is o for i, o in before.owners.items() if i != grouping.id)
    doc = nm.view_document(after, nm.national_view(after, nm.Filters()))
    assert any(g["name"] == "Syndicat de la carte" and g["geometry"]["type"] in ("Polygon", "MultiPolygon")
               for g in doc["groupings"])
