"""The charts of the figures by territory (plans/reporting/territory_totals.py) as SVG (plans/reporting/charts.py):
investment by territory, plans by status and territory (stacked), funding of the current plans by source. The
page shows each with the table of the same numbers."""
from __future__ import annotations

from dataclasses import dataclass

from plans.core.formatting import fcfa, number
from plans.core.vocab import FUNDING_SOURCES
from plans.maps.national import STATUS_COLOURS
from plans.planning.models import PlanStatus
from plans.reporting import charts as svg
from plans.reporting.territory_totals import TerritoryTotals


@dataclass
class Chart:
    id: str
    title: str
    svg: str  # safe: every label escaped by plans/reporting/charts.py


def charts(totals: TerritoryTotals) -> list[Chart]:
    where = "par région" if totals.level == "region" else f"par cercle ({totals.region_name})"
    investment = svg.bar_chart("graphe-investissement", f"Investissement prévu {where}",
                               [svg.Bar(r.name, r.investment, fcfa(r.investment)) for r in totals.rows])
    labels = {s.value: s.label for s in PlanStatus}
    statuses = svg.stacked_chart(
        "graphe-statuts", f"Plans par statut, {where}",
        [svg.StackedBar(r.name, [svg.Segment(k, v) for k, v in r.by_status.items()], number(r.plans))
         for r in totals.rows], dict(STATUS_COLOURS), labels)
    by_source = svg.bar_chart(
        "graphe-sources", f"Financement par source ({totals.total.name})",
        [svg.Bar(FUNDING_SOURCES[k], v, fcfa(v)) for k, v in totals.total.by_source.items()],
        svg.SOURCE_COLOUR) if totals.total.by_source else ""
    return [Chart("graphe-investissement", f"Investissement prévu {where}", investment),
            Chart("graphe-statuts", f"Plans par statut, {where}", statuses),
            Chart("graphe-sources", f"Financement par source ({totals.total.name})", by_source)]
