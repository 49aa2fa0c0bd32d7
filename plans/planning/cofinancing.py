"""Co-financing schemes as data, and the one check of an action's financing against its scheme (docs/DOMAIN.md §9).

A scheme groups funding sources (FundingLine.source_type keys, plans/core/vocab.py FUNDING_SOURCES) and gives each
group a share of the action's total cost: exact (min = max, within the scheme's tolerance in points), at least,
or at most; it may also bound a group's amount per project (a ceiling). Sources outside every group are
reported. Shares are of the action's total COST (the scheme's percentages are of the project cost), computed
from every funding line whatever its status (acquis, promis, à rechercher).

plans/planning/finance.py calls `scheme_issues` for each action with a scheme; forms call `scheme_choices`. Rates are
stored per scheme here, never in a form or template: when a programme changes its rates, change them here.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from plans.core.formatting import fcfa, percent
from plans.core.vocab import FUNDING_SOURCES, label

# Kinds of issue; finance.py treats BELOW and BELOW_MINIMUM as warnings while part of the cost is unfunded
# (the missing share may be precisely what is still to be sought).
BELOW = "below"
ABOVE = "above"
BELOW_MINIMUM = "below_minimum"  # ceiling: amount under the per-project minimum
ABOVE_MAXIMUM = "above_maximum"  # ceiling: amount over the per-project maximum
UNCOVERED = "uncovered"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Group:
    key: str
    label_fr: str
    source_types: frozenset[str]
    min_pct: Decimal | None = None  # None: no floor
    max_pct: Decimal | None = None  # None: no cap


@dataclass(frozen=True)
class Ceiling:
    """Bounds on a group's amount per project, in FCFA (None: unbounded on that side)."""
    group_key: str
    min_fcfa: int | None = None
    max_fcfa: int | None = None


@dataclass(frozen=True)
class Scheme:
    key: str
    label_fr: str  # as named in messages: … par le dispositif « label_fr »
    choice_label_fr: str  # as offered in a select
    groups: tuple[Group, ...]
    ceilings: tuple[Ceiling, ...] = ()
    tolerance_pct: Decimal = Decimal(0)  # points allowed around min/max (rounding of typed amounts)
    note: str = ""
    sources: tuple[str, ...] = ()  # source keys (docs/DOMAIN.md §16)

    def group(self, key: str) -> Group:
        return next(g for g in self.groups if g.key == key)


@dataclass(frozen=True)
class SchemeIssue:
    kind: str
    group_key: str | None
    message: str


SCHEMES: dict[str, Scheme] = {
    "diaspora_ctc": Scheme(
        key="diaspora_ctc",
        label_fr="Appui aux investissements de la diaspora",
        choice_label_fr="Appui aux investissements de la diaspora (CTC / FFU-UE, AFD) : 70 % programme, "
                        "10 % diaspora, 20 % collectivité",
        groups=(
            Group("programme", "Programme (CTC, PTF)", frozenset({"programme_codev", "ptf"}),
                  Decimal(70), Decimal(70)),
            Group("diaspora", "Diaspora", frozenset({"association_diaspora"}), Decimal(10), Decimal(10)),
            Group("local", "Collectivité, ONG et associations locales",
                  frozenset({"budget_communal", "population", "ong"}), Decimal(20), Decimal(20)),
        ),
        ceilings=(Ceiling("programme", 15_000_000, 30_000_000),),
        tolerance_pct=Decimal("0.5"),
        note="Cellule technique du codéveloppement (CTC), Fonds fiduciaire d'urgence de l'Union européenne et "
             "AFD : le programme apporte 70 % du coût, la diaspora 10 %, la collectivité, les ONG ou "
             "associations locales 20 % ; la part du programme est comprise entre 15 et 30 millions FCFA par "
             "projet. Écart toléré : 0,5 point.",
        sources=("S35", "S36"),
    ),
    "anict": Scheme(
        key="anict",
        label_fr="Droits de tirage ANICT",
        choice_label_fr="Droits de tirage ANICT : 80 % au plus, contrepartie d'au moins 20 %",
        groups=(
            Group("anict", "ANICT / FNACT", frozenset({"anict"}), None, Decimal(80)),
            Group("contrepartie", "Contrepartie (budget communal et population)",
                  frozenset({"budget_communal", "population"}), Decimal(20), None),
        ),
        note="Subvention de l'ANICT sur le FNACT (loi n°00-042 du 7 juillet 2000) à hauteur de 80 % au plus ; "
             "la collectivité et la population apportent au moins 20 %. Taux à confirmer pour chaque "
             "programme de l'ANICT.",
        sources=("S19", "S20", "S4"),
    ),
}


def scheme_choices(blank: str | None = "Aucun dispositif") -> list[tuple[str, str]]:
    """(key, label) pairs for a select; `blank` (default "Aucun dispositif") adds ("", blank) first."""
    items = [(key, s.choice_label_fr) for key, s in SCHEMES.items()]
    return [("", blank)] + items if blank is not None else items


def scheme_label(key: str | None) -> str:
    if not key:
        return ""
    scheme = SCHEMES.get(key)
    return scheme.label_fr if scheme else key


def _pct(value: Decimal) -> str:
    """An expected share as written in rules: "10 %", "12,5 %"."""
    return percent(value, 0 if value == value.to_integral_value() else 1)


def _actual_pct(actual: Decimal, bound: Decimal, tolerance: Decimal) -> str:
    # One decimal, unless rounding to one decimal would make the share look acceptable (10,5 % vs 10 % ± 0,5).
    shown = actual.quantize(Decimal("0.1"))
    digits = 2 if abs(shown - bound) <= tolerance else 1
    return percent(actual, digits)


def scheme_issues(key: str | None, total: int, by_source: dict[str, int]) -> list[SchemeIssue]:
    """Every way the financing `by_source` ({source_type: FCFA}) of an action costing `total` FCFA departs
    from the scheme `key`. No scheme (None/"") or a cost of 0 → nothing to check."""
    if not key:
        return []
    scheme = SCHEMES.get(key)
    if scheme is None:
        return [SchemeIssue(UNKNOWN, None, f"Dispositif de cofinancement inconnu : « {key} ».")]
    if total <= 0:
        return []
    issues: list[SchemeIssue] = []
    name = f"le dispositif « {scheme.label_fr} »"
    tol = scheme.tolerance_pct
    amounts: dict[str, int] = {}
    for group in scheme.groups:
        amount = sum(v for src, v in by_source.items() if src in group.source_types)
        amounts[group.key] = amount
        share = Decimal(amount) * 100 / Decimal(total)
        lo, hi = group.min_pct, group.max_pct
        head = f"{group.label_fr} : "
        if lo is not None and hi is not None and lo == hi:
            if abs(share - lo) > tol:
                kind = BELOW if share < lo else ABOVE
                issues.append(SchemeIssue(kind, group.key,
                    f"{head}{_actual_pct(share, lo, tol)} ({fcfa(amount)}) au lieu de {_pct(lo)} attendus "
                    f"par {name}."))
            continue
        if lo is not None and share < lo - tol:
            issues.append(SchemeIssue(BELOW, group.key,
                f"{head}{_actual_pct(share, lo, tol)} ({fcfa(amount)}) au lieu d'au moins {_pct(lo)} "
                f"exigés par {name}."))
        if hi is not None and share > hi + tol:
            issues.append(SchemeIssue(ABOVE, group.key,
                f"{head}{_actual_pct(share, hi, tol)} ({fcfa(amount)}) au lieu de {_pct(hi)} au plus "
                f"autorisés par {name}."))
    for ceiling in scheme.ceilings:
        group = scheme.group(ceiling.group_key)
        amount = amounts[group.key]
        if ceiling.min_fcfa is not None and amount < ceiling.min_fcfa:
            issues.append(SchemeIssue(BELOW_MINIMUM, group.key,
                f"{group.label_fr} : {fcfa(amount)}, en dessous du minimum de {fcfa(ceiling.min_fcfa)} par "
                f"projet fixé par {name}."))
        if ceiling.max_fcfa is not None and amount > ceiling.max_fcfa:
            issues.append(SchemeIssue(ABOVE_MAXIMUM, group.key,
                f"{group.label_fr} : {fcfa(amount)}, au-dessus du plafond de {fcfa(ceiling.max_fcfa)} par "
                f"projet fixé par {name}."))
    covered = frozenset().union(*(g.source_types for g in scheme.groups))
    for src in sorted(by_source, key=_source_order):
        amount = by_source[src]
        if src not in covered and amount:
            issues.append(SchemeIssue(UNCOVERED, None,
                f"{label(FUNDING_SOURCES, src)} ({fcfa(amount)}) n'est pas une source prévue par {name}."))
    return issues


def check_scheme(key: str | None, total: int, by_source: dict[str, int]) -> list[str]:
    """The French messages of `scheme_issues`: empty when the financing follows the scheme."""
    return [issue.message for issue in scheme_issues(key, total, by_source)]


_ORDER = {k: i for i, k in enumerate(FUNDING_SOURCES)}


def _source_order(src: str):
    return (_ORDER.get(src, len(_ORDER)), src)
