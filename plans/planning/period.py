"""Changing a plan's period while actions are programmed outside the new one (docs/DOMAIN.md §8).

When the planner shortens or moves the period (section 1, Identification) and amounts of the PIP's schedule
(`ScheduleEntry`) would fall outside the new period, the save asks first what to do (app/planning/period_choice.py):

- **refuse**: nothing changes, the period stays as saved;
- **move** (« déplacer »), by `target_year`:
  * the period is *moved* without changing its length (start and end both shift by N years): every amount of every
    action shifts by N years, so the programme keeps its shape (what was planned for the plan's first year is still
    planned for its first year, the PIA);
  * otherwise (shortened, lengthened, or both ends moved by different amounts): an amount whose year is still in the
    new period stays there; an amount programmed before the new start goes to the new first year, after the new end
    to the new last year;
  * an amount still outside after a shift (it was outside the old period already) goes to the nearest year too.
  Amounts arriving in a year where the action already has one are added to it (one entry per year). Only years
  change: every action's cost, schedule total and funding lines, and so every total of the plan
  (plans/planning/finance.py), stay the same.

Nothing is asked, and nothing moves, when no amount would fall outside the new period. The moves are written in the
same transaction as the section (`apply_identification`, inside `sections.save_section`, so the section's version
check applies); each moved action is recorded in the history as a save of that action (a `PlanChange` of the section
"actions", restorable) and its own version is bumped, so a form still open on it gets the 409 screen.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Optional

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from plans.accounts.models import User
from plans.core.db import utcnow
from plans.core.errors import ConflictError
from plans.core.formatting import fcfa
from plans.planning import actions as actions_service
from plans.planning import sections
from plans.planning import service as plan_service
from plans.planning.models import Action, Plan, ScheduleEntry
from plans.planning.sectiondata import identification

SECTION = "identification"  # the section whose save changes the period
REFUSE, MOVE = "refuser", "deplacer"
CHOICES = (REFUSE, MOVE)


@dataclass(frozen=True)
class Move:
    """One schedule entry whose year changes if the planner chooses to move."""

    action: Action
    year: int  # as programmed
    amount: int  # FCFA
    to_year: int  # where the rule puts it, inside the new period
    outside: bool  # `year` is outside the new period (what makes the save ask)


@dataclass(frozen=True)
class PeriodChange:
    old: tuple[int, int]
    new: tuple[int, int]
    shift: int  # years every amount moves by (0 unless the period keeps its length)
    moves: tuple[Move, ...]  # by action (the PIP's order), then year

    @property
    def outside(self) -> list[Move]:
        return [m for m in self.moves if m.outside]

    @property
    def outside_total(self) -> int:
        """FCFA programmed outside the new period (what would be misplaced)."""
        return sum(m.amount for m in self.outside)

    @property
    def actions(self) -> list[Action]:
        seen: dict[int, Action] = {}
        for m in self.moves:
            seen.setdefault(id(m.action), m.action)
        return list(seen.values())

    @property
    def fingerprint(self) -> str:
        """Names the list shown to the planner: the same period and the same amounts give the same string."""
        text = repr((self.old, self.new, [(m.action.uuid, m.year, m.amount, m.to_year) for m in self.moves]))
        return hashlib.sha256(text.encode()).hexdigest()[:24]

    def explanation(self) -> str:
        """What « déplacer » does here, in French, to follow « Si vous déplacez : »."""
        (old_start, old_end), (start, end) = self.old, self.new
        unchanged = "le coût des actions et les totaux du plan ne changent pas."
        if self.shift:
            years = abs(self.shift)
            way = "plus tard" if self.shift > 0 else "plus tôt"
            return (f"la période garde sa durée, donc toute la programmation est décalée de {years} "
                    f"an{'s' if years > 1 else ''} {way} ({old_start} → {start}, …, {old_end} → {end}) ; {unchanged}")
        parts = []
        if any(m.year < start for m in self.moves):
            parts.append(f"les montants programmés avant {start} vont en {start}")
        if any(m.year > end for m in self.moves):
            parts.append(f"{'ceux' if parts else 'les montants'} programmés après {end} vont en {end}")
        return (" et ".join(parts) + ", ajoutés aux montants déjà programmés cette année-là ; les autres montants "
                f"restent dans leur année ; {unchanged}")


def target_year(year: int, old: tuple[int, int], new: tuple[int, int]) -> int:
    """The year an amount programmed in `year` goes to when the period `old` becomes `new` (module docstring)."""
    (old_start, old_end), (start, end) = old, new
    if end - start == old_end - old_start:
        year += start - old_start
    return min(max(year, start), end)


def period_change(plan: Plan, start: int | None, end: int | None) -> Optional[PeriodChange]:
    """What changing `plan`'s period to start–end would do to its schedule: None when the new period is not valid,
    is the saved one, or leaves no amount outside; else every entry whose year the rule changes."""
    if plan_service.period_problems(start, end) or plan.period_start is None or plan.period_end is None:
        return None
    old, new = (plan.period_start, plan.period_end), (start, end)
    if old == new:
        return None
    entries = [(a, e) for a in sorted(plan.actions, key=lambda a: (a.position or 0, a.id or 0))
               for e in sorted(a.schedule, key=lambda e: e.year)]
    if not any(not start <= e.year <= end for _, e in entries):
        return None
    moves = tuple(Move(a, e.year, int(e.amount or 0), target_year(e.year, old, new), not start <= e.year <= end)
                  for a, e in entries if target_year(e.year, old, new) != e.year)
    shift = start - old[0] if end - start == old[1] - old[0] else 0
    return PeriodChange(old=old, new=new, shift=shift, moves=moves)


def rescheduled(action: Action, change: PeriodChange) -> dict[int, int]:
    """The action's schedule once moved: year → FCFA, amounts meeting in one year added up."""
    to = {m.year: m.to_year for m in change.moves if m.action is action}
    out: dict[int, int] = {}
    for entry in action.schedule:
        year = to.get(entry.year, entry.year)
        out[year] = out.get(year, 0) + int(entry.amount or 0)
    return dict(sorted(out.items()))


def apply_identification(session: Session, plan: Plan, data: dict, change: Optional[PeriodChange],
                         user: Optional[User] = None) -> str:
    """Section 1 saved with the new period, and the amounts of `change` moved into it (the planner chose « déplacer »).
    Meant as the `apply` of `sections.save_section(…, "identification", …)`: one transaction, the caller commits.
    ConflictError when the plan's period or one of the actions changed since `change` was computed."""
    if change is not None and (change.old != (plan.period_start, plan.period_end)
                               or change.new != (data.get("period_start"), data.get("period_end"))):
        raise ConflictError(SECTION)
    summary = identification.apply(session, plan, data)
    if change is None or not change.moves:
        return summary
    for action in change.actions:
        _move_action(session, plan, action, change, user)
    count = len(change.actions)
    return (f"{summary} ; montants déplacés dans la période {change.new[0]}–{change.new[1]} : {len(change.moves)} "
            f"montant{'s' if len(change.moves) > 1 else ''}, {count} action{'s' if count > 1 else ''}")


def _move_action(session: Session, plan: Plan, action: Action, change: PeriodChange, user: Optional[User]) -> None:
    schedule = rescheduled(action, change)
    mine = [m for m in change.moves if m.action is action]

    def apply() -> str:
        existing = {e.year: e for e in action.schedule}
        kept = []
        for year, amount in schedule.items():  # a year without an entry gets a new one: no key is reused
            entry = existing.pop(year, None) or ScheduleEntry(year=year)
            entry.amount = amount
            kept.append(entry)
        action.schedule[:] = kept  # the entries left in `existing` are deleted (delete-orphan)
        action.updated_at = utcnow()  # an UPDATE of the row: its version is checked and bumped
        try:
            session.flush()
        except StaleDataError:
            raise ConflictError(actions_service.SECTION) from None
        details = ", ".join(f"{m.year} → {m.to_year} : {fcfa(m.amount)}" for m in mine)
        return (f"Action « {action.title} » : programmation déplacée avec la période "
                f"{change.old[0]}–{change.old[1]} → {change.new[0]}–{change.new[1]} ({details})")

    sections.save_section(session, plan, actions_service.SECTION,
                          sections.current_version(session, plan, actions_service.SECTION), user, apply=apply,
                          snapshot=lambda: {**actions_service.dump_action(action), "operation": "update"})
