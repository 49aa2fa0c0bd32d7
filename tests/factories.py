"""Builders of realistic records for tests (the domain brief's test cases TC2 and TC3).

Member lists come from plans/demo/data.py (OCHA COD-AB 2015 P-codes of geodata/mali_communes.csv).
"""
from __future__ import annotations

from datetime import date

# The member lists live in plans/demo/data.py (the demo seed creates the same groupings); re-exported here.
from plans.demo.data import (  # noqa: F401
    KENEDOUGOU_BFA_NAMES,
    KENEDOUGOU_MALI_CODES,
    KENEDOUGOU_NAME,
    YELIMANE_CERCLE,
    YELIMANE_CODES,
    YELIMANE_NAME,
)
from plans.owners import service as owners_service
from plans.owners.models import OwnerKind, PlanOwner
from plans.planning import summary as plan_summary


def yelimane_grouping(session, *, name: str = YELIMANE_NAME, commit: bool = True) -> PlanOwner:
    """The SICM: a syndicat of the 12 communes of the cercle de Yélimané."""
    owner = owners_service.create_grouping(
        session, kind=OwnerKind.SYNDICAT, name=name, founding_act_ref="Arrêté n°0042/CY du 12 mars 2004",
        founding_act_date=date(2004, 3, 12), member_codes=YELIMANE_CODES, tutelle_authority="Préfet de Yélimané")
    if commit:
        session.commit()
    return owner


def kenedougou_grouping(session, *, name: str = KENEDOUGOU_NAME, commit: bool = True) -> PlanOwner:
    """GLCT-Kénédougou: 7 mapped Malian communes and 6 Burkinabè communes known only by name."""
    owner = owners_service.create_grouping(
        session, kind=OwnerKind.GLCT, name=name, founding_act_ref="Convention de création du GLCT-Kénédougou",
        founding_act_date=date(2024, 5, 1), member_codes=KENEDOUGOU_MALI_CODES,
        foreign_by_name=[(n, "BFA") for n in KENEDOUGOU_BFA_NAMES], tutelle_authority="Gouverneur de Sikasso")
    if commit:
        session.commit()
    return owner


def commit_then_read_desk(session) -> None:
    """Commits what the test changed, then brings the plan summaries up to date as every desk page does before it
    reads them (app/summaries.py: a save only counts its change, plans/planning/summary.py)."""
    session.commit()
    plan_summary.refresh_stale(session)
    session.commit()
