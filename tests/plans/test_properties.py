"""Properties of the rules in plans/, checked by hypothesis on generated input: amounts read back what was
printed, totals add up in whole francs whatever the actions hold, and the checks never raise on odd figures.

derandomize=True: CI runs the same examples every time, so a failure reproduces on any machine.
"""
from decimal import Decimal

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from plans.core import formatting
from plans.core.money import MAX_FCFA, AmountError, parse_decimal, parse_fcfa, parse_share, round_half_up
from plans.core.vocab import DIASPORA_SOURCES, FUNDING_SOURCES, FUNDING_STATUSES
from plans.planning import completeness, finance
from plans.planning.cofinancing import SCHEMES, check_scheme, scheme_issues
from plans.planning.models import Action, Axis, Finding, FundingLine, Indicator, Objective, Plan, ScheduleEntry

PROPERTIES = settings(max_examples=200, deadline=None, derandomize=True,
                      suppress_health_check=[HealthCheck.too_slow])

amounts = st.integers(min_value=0, max_value=MAX_FCFA)
# Every kind of space a keyboard, a spreadsheet or a word processor puts between groups of digits.
SPACES = [" ", "\u00a0", "\u202f", "\u2009", "\u2007"]


def grouped(n: int, separator: str) -> str:
    return f"{n:,}".replace(",", separator)


# ----- Reading amounts (plans/core/money.py) -------------------------------------------------------------------------

@PROPERTIES
@given(amounts)
def test_an_amount_printed_in_french_reads_back_the_same(n):
    assert parse_fcfa(str(n)) == n
    assert parse_fcfa(formatting.number(n)) == n  # U+202F between groups
    assert parse_fcfa(formatting.number(n, plain=True)) == n
    assert parse_fcfa(formatting.fcfa(n)) == n  # "45 000 000 FCFA" copied from a page or the .docx
    assert parse_fcfa(formatting.fcfa(n, plain=True)) == n


@PROPERTIES
@given(amounts, st.sampled_from(SPACES + [".", ","]), st.sampled_from(["", " FCFA", " F CFA", "\u00a0FCFA", " XOF"]))
@example(1_500_000, " ", "")
@example(1_500_000, ".", "")
@example(1_500_000, "\u00a0", "")
def test_thousands_grouped_with_any_separator_read_the_same(n, separator, currency):
    assert parse_fcfa(grouped(n, separator) + currency) == n
    assert parse_fcfa(f"  {grouped(n, separator)}{currency}  ") == n


@PROPERTIES
@given(st.integers(min_value=1, max_value=MAX_FCFA))
def test_a_negative_amount_is_refused_in_french(n):
    for text in (f"-{n}", f"\u2212{grouped(n, ' ')}", -n):
        try:
            parse_fcfa(text)
        except AmountError as error:
            assert error.message == "Le montant ne peut pas être négatif."
        else:
            raise AssertionError(f"{text!r} accepted")


@PROPERTIES
@given(st.one_of(st.text(), st.text(alphabet="0123456789 .,-+\u00a0\u202fFCAXO€%"), st.integers(), st.none(),
                 st.floats(allow_nan=True), st.decimals(allow_nan=True), st.booleans()))
@example("1.50.000")
@example("\x00")
@example("9" * 400)
def test_reading_any_input_returns_an_amount_in_range_or_says_why(value):
    for required in (True, False):
        try:
            result = parse_fcfa(value, required=required)
        except AmountError as error:
            assert error.message and error.message[0].isupper()
        else:
            assert result is None and not required or isinstance(result, int) and 0 <= result <= MAX_FCFA


@PROPERTIES
@given(st.one_of(st.text(), st.text(alphabet="0123456789 .,-+%\u00a0\u2212"), st.integers(), st.none(),
                 st.floats(allow_nan=True, allow_infinity=True), st.decimals(allow_nan=True, allow_infinity=True)))
@example("Infinity")
@example("1e999")
def test_quantities_and_shares_are_read_or_refused_in_french(value):
    try:
        quantity = parse_decimal(value, required=False, max_decimals=3)
    except AmountError as error:
        assert error.message
    else:
        assert quantity is None or (quantity.is_finite() and 0 <= quantity <= MAX_FCFA)
    try:
        share = parse_share(value, required=False)
    except AmountError as error:
        assert error.message
    else:
        assert share is None or 0 <= share <= 100


@PROPERTIES
@given(st.decimals(min_value=-10**12, max_value=10**12, places=3, allow_nan=False, allow_infinity=False))
def test_a_quantity_printed_in_french_reads_back_the_same(value):
    assert parse_decimal(formatting.number(value), allow_negative=True) == value
    assert parse_decimal(formatting.number(value, plain=True).replace(",", "."), allow_negative=True) == value


@PROPERTIES
@given(st.decimals(min_value=-10**9, max_value=10**9, places=4, allow_nan=False, allow_infinity=False))
def test_rounding_takes_the_nearest_franc_and_halves_away_from_zero(value):
    rounded = round_half_up(value)
    assert abs(rounded - value) <= Decimal("0.5")
    if abs(rounded - value) == Decimal("0.5"):
        assert abs(rounded) > abs(value)


# ----- Finance (plans/planning/finance.py) ---------------------------------------------------------------------------

YEARS = list(range(2025, 2030))
money = st.integers(min_value=0, max_value=10**12)
odd_money = st.one_of(money, st.integers(min_value=-10**9, max_value=-1))  # a corrupt row must not crash a page


@st.composite
def funding_lines(draw, figures=money):
    source = draw(st.sampled_from(list(FUNDING_SOURCES) + ["", "source_inconnue"]))
    kind = draw(st.sampled_from(["amount", "share", "both", "none"]))
    share = draw(st.decimals(min_value=-50, max_value=150, places=2, allow_nan=False, allow_infinity=False))
    return FundingLine(source_type=source, amount=draw(figures) if kind in ("amount", "both") else None,
                       share_pct=share if kind in ("share", "both") else None,
                       status=draw(st.sampled_from(list(FUNDING_STATUSES) + [None])), in_kind=draw(st.booleans()),
                       association_id=1 if source in DIASPORA_SOURCES and draw(st.booleans()) else None)


@st.composite
def actions(draw, figures=money, years=YEARS):
    quantity = draw(st.decimals(min_value=-5, max_value=10**4, places=3, allow_nan=False, allow_infinity=False))
    schedule_years = draw(st.lists(st.sampled_from(years + [2020, 2040]), unique=True, max_size=6))
    return Action(
        title=draw(st.text(max_size=20)), sector=draw(st.sampled_from(["sante", "hydraulique", "", "inconnu"])),
        quantity=draw(st.one_of(st.none(), st.just(quantity))), unit_cost=draw(st.one_of(st.none(), figures)),
        total_override=draw(st.one_of(st.none(), figures)), override_reason=draw(st.sampled_from(["", "devis"])),
        tags=draw(st.sampled_from(["", "diaspora", "diaspora,retour", "inconnu,,"])),
        cofinancing_scheme=draw(st.sampled_from([None, "", "inconnu", *SCHEMES])),
        schedule=[ScheduleEntry(year=y, amount=draw(figures)) for y in schedule_years],
        funding_lines=draw(st.lists(funding_lines(figures), max_size=5)))


def plan_of(action_list, start=2025, end=2029):
    return Plan(title="Plan", period_start=start, period_end=end, facilitators="", actions=action_list)


@PROPERTIES
@given(st.lists(actions(odd_money), max_size=6))
def test_the_plan_total_is_the_sum_of_its_actions_and_the_gap_what_no_line_covers(action_list):
    fin = finance.plan_finance(plan_of(action_list))
    assert fin.total == sum(finance.action_total(a) for a in action_list) == sum(f.total for f in fin.figures)
    assert fin.funded == sum(f.funded for f in fin.figures)
    for f in fin.figures:
        assert f.funded == sum(f.line_amounts) and all(amount >= 0 for amount in f.line_amounts)
        assert f.gap - f.excess == f.total - f.funded and min(f.gap, f.excess) == 0
        assert sum(f.by_source.values()) == f.funded == sum(f.by_status.values())
    assert fin.gap == sum(f.gap for f in fin.figures) and fin.gap >= 0
    assert fin.funded - fin.total == fin.excess - fin.gap
    assert fin.internal + fin.external == fin.funded
    assert sum(fin.by_sector.values()) == fin.total == sum(a.total for a in fin.by_axis)
    assert 0 <= fin.actions_in_error <= len(action_list)


@PROPERTIES
@given(st.lists(actions(odd_money), max_size=6))
def test_the_source_by_year_matrix_adds_up_exactly_to_the_financing(action_list):
    fin = finance.plan_finance(plan_of(action_list))
    for source, amount in fin.by_source.items():
        assert sum(fin.matrix.get(source, {}).values()) == amount, source
    for year in fin.years:
        assert sum(row[year] for row in fin.matrix.values()) == fin.matrix_year_totals[year]
    assert fin.matrix_total == fin.funded
    assert all(value >= 0 for row in fin.matrix.values() for value in row.values())
    assert set(fin.pia_by_source) == set(fin.matrix)


@st.composite
def fully_funded_actions(draw):
    """A valid action: a schedule within the period summing to its cost, lines summing to its cost."""
    total = draw(st.integers(min_value=1, max_value=10**12))
    years = draw(st.lists(st.sampled_from(YEARS), min_size=1, max_size=5, unique=True))
    weights = {y: draw(st.integers(min_value=0, max_value=100)) for y in years}
    schedule = finance.largest_remainder(total, weights)
    lines = finance.largest_remainder(total, {i: draw(st.integers(min_value=1, max_value=100))
                                              for i in range(draw(st.integers(min_value=1, max_value=4)))})
    return Action(title="A", sector="sante", quantity=Decimal(1), unit_cost=total, override_reason="",
                  schedule=[ScheduleEntry(year=y, amount=a) for y, a in schedule.items()],
                  funding_lines=[FundingLine(source_type=source, amount=amount, status="acquis", in_kind=False)
                                 for source, amount in zip(["etat", "ptf", "anict", "ong"], lines.values())])


@PROPERTIES
@given(fully_funded_actions())
def test_a_fully_funded_action_is_spread_over_the_years_exactly_as_scheduled(action):
    fin = finance.plan_finance(plan_of([action]))
    figures = fin.figures[0]
    assert figures.errors == [] and figures.gap == 0
    scheduled = {y: figures.schedule_by_year.get(y, 0) for y in YEARS}
    assert fin.matrix_year_totals == scheduled
    assert sum(fin.by_year.values()) == fin.total == figures.total


@PROPERTIES
@given(st.integers(min_value=-10**15, max_value=10**15),
       st.dictionaries(st.integers(), st.integers(min_value=0, max_value=10**9), min_size=1, max_size=12))
def test_largest_remainders_add_up_exactly_and_stay_within_one_franc_of_the_quota(total, weights):
    split = finance.largest_remainder(total, weights)
    assert list(split) == list(weights)
    assert sum(split.values()) == total
    weight_sum = sum(weights.values())
    if weight_sum:
        for key, value in split.items():
            quota = Decimal(total) * weights[key] / weight_sum
            assert abs(value - quota) < 1


@PROPERTIES
@given(st.integers(min_value=0, max_value=MAX_FCFA), st.integers(min_value=1, max_value=10))
def test_an_even_spread_over_the_plan_years_differs_by_one_franc_at_most_first_years_first(total, n_years):
    split = list(finance.largest_remainder(total, {2025 + i: 1 for i in range(n_years)}).values())
    assert sum(split) == total
    assert max(split) - min(split) <= 1
    assert split == sorted(split, reverse=True)


# ----- Co-financing schemes (plans/planning/cofinancing.py) ----------------------------------------------------------

@PROPERTIES
@given(st.one_of(st.none(), st.sampled_from(["", "inconnu", *SCHEMES]), st.text(max_size=10)),
       st.integers(min_value=-10**16, max_value=10**16),
       st.dictionaries(st.one_of(st.sampled_from(list(FUNDING_SOURCES)), st.text(max_size=8)),
                       st.integers(min_value=-10**16, max_value=10**16), max_size=8))
def test_the_scheme_check_never_raises_and_speaks_french(key, total, by_source):
    issues = scheme_issues(key, total, by_source)
    assert [i.message for i in issues] == check_scheme(key, total, by_source)
    for issue in issues:
        assert issue.message.strip() and issue.message.endswith(".")


@PROPERTIES
@given(st.integers(min_value=2_143, max_value=4_285).map(lambda k: k * 10_000))
def test_an_exact_70_10_20_split_within_the_ceiling_follows_the_diaspora_scheme(total):
    programme, diaspora = total * 7 // 10, total // 10
    by_source = {"programme_codev": programme, "association_diaspora": diaspora,
                 "budget_communal": total - programme - diaspora}
    assert check_scheme("diaspora_ctc", total, by_source) == []


@PROPERTIES
@given(st.integers(min_value=1, max_value=10**12), st.integers(min_value=0, max_value=80))
def test_anict_up_to_80_percent_with_the_rest_from_the_commune_is_accepted(total, anict_pct):
    anict = total * anict_pct // 100
    assert check_scheme("anict", total, {"anict": anict, "budget_communal": total - anict}) == []


# ----- Completeness (plans/planning/completeness.py) -----------------------------------------------------------------

@st.composite
def plans(draw):
    start = draw(st.integers(min_value=2000, max_value=2050))
    plan = plan_of(draw(st.lists(actions(odd_money, list(range(start, start + 5))), max_size=4)), start, start + 4)
    plan.facilitators = draw(st.sampled_from(["", "  ", "ADR Kayes"]))
    if draw(st.booleans()):
        axis = Axis(title=draw(st.text(max_size=10)), position=0)
        if draw(st.booleans()):
            axis.objectives = [Objective(title="O", axis=axis)]
        plan.axes = [axis]
    plan.findings = [Finding(theme=draw(st.sampled_from(["migration", "sante", ""])), text="t")
                     for _ in range(draw(st.integers(0, 2)))]
    plan.indicators = [Indicator(category="c", name="i", baseline_value=draw(st.one_of(st.none(), st.decimals(
        min_value=-10**6, max_value=10**6, places=2, allow_nan=False, allow_infinity=False))))
        for _ in range(draw(st.integers(0, 2)))]
    plan.deliberation_number = draw(st.one_of(st.none(), st.text(max_size=5)))
    return plan


@PROPERTIES
@given(plans())
def test_the_checklist_never_raises_and_flags_every_action_in_error(plan):
    check = completeness.check_plan(plan)
    assert [s.key for s in check.sections] == [s.key for s in completeness.SECTIONS]
    assert 0 <= check.percent <= 100
    assert check.is_complete == (check.percent == 100)
    errors = [(a, message) for a in plan.actions for _, message in finance.action_figures(a, plan.years).errors]
    actions_check = check.by_key("actions")
    assert actions_check.errors == [f"Action « {a.title} » : {message}" for a, message in errors]  # each one named
    in_error = {a.id for a, _ in errors}
    assert (actions_check.status == completeness.ERROR) == bool(in_error)
    for section in check.sections:
        assert all(m.strip() for m in section.missing + section.errors)
