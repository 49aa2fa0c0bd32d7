"""What changed between two versions of a plan: a diff of two plan documents (plans/review/planfile.py), grouped by
section, read as French sentences (the version page, and the Word annex "Modifications depuis la dernière
version adoptée").

Rows are compared by what a reader sees, not by their file refs: refs are numbered by position, so deleting the
first finding renumbers every other one. References are resolved before comparing (an action shows the title of
its objective, a funding line the name of its association). Rows are paired in passes: identical rows first, then
rows sharing a natural key (an action's uuid; a population figure's year and source; a funding line's source and
funder; a title…), then, for lists of texts, the most similar of the rows left (a finding reworded stays the same
finding). Whatever is left is added or removed. Positions alone are never a change: moving a row is not reported.

Left out: the export timestamp, the status, the revision and the history (the workflow records those), the owner
(a plan never changes owner). The contact details of a diaspora association are said to have changed, never
shown; the point of a masked site only to a reader who may see it (`diff_documents`' reveal_masked), and for
anyone else not even the point it had before it was masked.

`versions(session, plan)` lists what can be compared for one plan: every snapshot of its lineage (the revisions
sharing its uuid), newest first, and the plan as it is now.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace
from typing import Any, Callable, Iterable, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session

from plans.core import formatting
from plans.core.ids import canonical_uuid
from plans.core.vocab import (
    ACTION_STATUSES,
    CODEV_STATES,
    FINDING_THEMES,
    FUNDING_SOURCES,
    FUNDING_STATUSES,
    GUIDE_VERSIONS,
    INDICATOR_CATEGORIES,
    LOCATION_PRECISIONS,
    MIGRATION_TAGS,
    POPULATION_SOURCES,
    PROCESS_STEPS,
    RELIABILITY,
    SECTORS,
    TRENDS,
    label,
)
from plans.planning import finance, location
from plans.planning.actions import CHANGE_LABELS as ACTION_LABELS
from plans.planning.cofinancing import SCHEMES
from plans.planning.models import Plan, PlanStatus
from plans.planning.sectiondata.adoption import DATE_FIELDS as ADOPTION_DATES
from plans.planning.sectiondata.adoption import FIELDS as ADOPTION_FIELDS
from plans.planning.sectiondata.adoption import LABELS as ADOPTION_LABELS
from plans.planning.sectiondata.identification import FIELD_LABELS as IDENTIFICATION_LABELS
from plans.planning.sectiondata.migration import COUNT_FIELDS, PROFILE_FIELDS, PROFILE_LABELS, SHARE_FIELDS
from plans.planning.sections import SECTIONS
from plans.review import planfile
from plans.review.models import PlanSnapshot

ADDED, REMOVED, CHANGED = "ajout", "suppression", "modification"
KIND_WORDS = {ADDED: "ajouté", REMOVED: "supprimé", CHANGED: "modifié"}
EMPTY = "(vide)"
SHORT = 90  # characters of a long text quoted in a sentence
CURRENT = "courante"  # the key of "la version en cours" among the versions
SNAPSHOT_KIND_LABELS = {"import": "Import d'un fichier"}


# ---------------------------------------------------------------------------------------------------------------
# The result


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str  # formatted for reading; "" when there was nothing
    new: str
    private: bool = False  # say that it changed, not what it was
    came: tuple[str, ...] = ()  # for a list (linked findings, tags): the items added …
    went: tuple[str, ...] = ()  # … and removed

    def text(self, short: bool = True) -> str:
        """"coût unitaire 12 000 → 14 000 FCFA"; a list: "constats liés : « a » ajouté, « b » retiré"."""
        if self.private:
            return f"{self.label} modifié"
        if self.came or self.went:
            shown = _short if short else (lambda t: t)
            return f"{self.label} : " + ", ".join([f"{shown(t)} ajouté" for t in self.came]
                                                  + [f"{shown(t)} retiré" for t in self.went])
        old, new = (_short(self.old), _short(self.new)) if short else (self.old, self.new)
        old, new = old or EMPTY, new or EMPTY
        for unit in (formatting.NBSP + "FCFA", formatting.NBSP + "%"):
            if old.endswith(unit) and new.endswith(unit):
                old = old[:-len(unit)]
        return f"{self.label} {old} → {new}"


@dataclass(frozen=True)
class Change:
    kind: str  # ADDED, REMOVED or CHANGED
    section: str  # key of plans/planning/sections.py SECTIONS
    sentence: str  # the whole change in one French sentence
    subject: str  # what changed: "Action « Forage à Diakandapé »"
    detail: str = ""  # an added or removed row, described
    fields: tuple[FieldChange, ...] = ()

    @property
    def word(self) -> str:
        return KIND_WORDS[self.kind]


@dataclass(frozen=True)
class SectionDiff:
    key: str
    number: int
    title: str
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class Total:
    label: str
    before: str
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def sentence(self) -> str:
        """"Coût total du plan : 160 000 000 → 162 000 000 FCFA"."""
        return f"{self.label} : " + FieldChange("", self.before, self.after).text().strip()


@dataclass(frozen=True)
class PlanDiff:
    sections: tuple[SectionDiff, ...]  # only the sections with a change, in SECTIONS order
    totals: tuple[Total, ...]  # plan total cost and diaspora share, before and after

    @property
    def changes(self) -> list[Change]:
        return [c for s in self.sections for c in s.changes]

    @property
    def empty(self) -> bool:
        return not self.sections

    def counts(self) -> dict[str, int]:
        out = {ADDED: 0, REMOVED: 0, CHANGED: 0}
        for change in self.changes:
            out[change.kind] += 1
        return out

    def lines(self, skip: Iterable[str] = ()) -> list[str]:
        """One French sentence per change (except in the sections named in `skip`), then the totals that moved."""
        return ([c.sentence for c in self.changes if c.section not in skip]
                + [t.sentence() for t in self.totals if t.changed])


# ---------------------------------------------------------------------------------------------------------------
# Formatting values


def _short(text: str) -> str:
    text = re.sub(r"[ \t\r\n]+", " ", text).strip()  # not str.split(): it would eat the non-breaking spaces
    return text if len(text) <= SHORT else text[:SHORT - 1].rstrip() + "…"


def _quoted(value) -> str:
    text = (value or "").strip() if isinstance(value, str) else ("" if value is None else str(value))
    return f"« {text} »" if text else ""


def _int(value) -> str:
    return formatting.number(value) if isinstance(value, int) and not isinstance(value, bool) else _raw(value)


def _year(value) -> str:
    return "" if value in (None, "") else str(value)


def _fcfa(value) -> str:
    return formatting.fcfa(value) if isinstance(value, int) and not isinstance(value, bool) else _raw(value)


def _decimal(value) -> str:
    if value in (None, ""):
        return ""
    try:
        return formatting.number(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return str(value)


def _pct(value) -> str:
    text = _decimal(value)
    return text + formatting.NBSP + "%" if text else ""


def _date(value) -> str:
    if not value:
        return ""
    try:
        return formatting.date_long(date.fromisoformat(str(value)))
    except ValueError:
        return str(value)


def _bool(value) -> str:
    return "oui" if value else "non"


def _vocab(vocabulary: dict[str, str]) -> Callable[[Any], str]:
    return lambda value: label(vocabulary, value) if value else ""


def _raw(value) -> str:
    return "" if value is None else str(value)


def _joined(values: Iterable[str]) -> str:
    return ", ".join(v for v in values if v)


# ---------------------------------------------------------------------------------------------------------------
# What a reader sees of each row


class _Names:
    """ref → what a reader calls the row, for the refs rows use to point at each other."""

    def __init__(self, plan: dict) -> None:
        sections = plan.get("sections") or {}
        self.by_ref: dict[str, str] = {}
        for f in (sections.get("situation") or {}).get("findings") or []:
            self.by_ref[f.get("ref")] = f.get("text") or ""
        for f in (sections.get("migration") or {}).get("findings") or []:
            self.by_ref[f.get("ref")] = f.get("text") or ""
        orientations = sections.get("orientations") or {}
        for a in orientations.get("axes") or []:
            self.by_ref[a.get("ref")] = a.get("title") or ""
            for o in a.get("objectives") or []:
                self.by_ref[o.get("ref")] = o.get("title") or ""
        for c in orientations.get("criteria") or []:
            self.by_ref[c.get("ref")] = c.get("name") or ""
        for a in plan.get("diaspora_associations") or []:
            self.by_ref[a.get("ref")] = a.get("name") or ""
        self.counterpart: Optional[_Names] = None  # the other version's names, for the refs paired below
        self.paired: dict[str, str] = {}  # a ref of this version → the ref of the same row in the other one

    def __call__(self, ref) -> str:
        """What the row `ref` points at is called; for a row paired with one of the other version, the other
        version's name, so that renaming a finding does not read as a change of every objective that cites it."""
        if not ref:
            return ""
        if self.counterpart is not None and ref in self.paired:
            return self.counterpart(self.paired[ref])
        return self.by_ref.get(ref, "")


View = dict  # label → formatted value ("" when empty; a tuple of items for a list), in reading order


@dataclass(frozen=True)
class _Rows:
    """How to compare one list of rows."""
    section: str
    noun: str  # "Étape de la démarche"
    feminine: bool
    rows: Callable[[dict], list]  # plan (or parent row) → rows
    name: Callable[[dict, _Names], str]  # what to call a row, inside « »
    view: Callable[[dict, _Names], View]
    keys: tuple[Callable[[dict, _Names], Any], ...] = ()
    fuzzy: bool = False  # pair the rows left by similarity (lists of texts)
    identical_first: bool = True  # False when a key is the row's identity (an action's uuid)
    describe: Optional[Callable[[dict, _Names], str]] = None  # an added/removed row; default: « name »
    private: frozenset = frozenset()  # labels whose values are never shown
    children: tuple["_Rows", ...] = ()
    parent_phrase: str = "« {} »"  # how a child's sentence names this row: "l'axe « {} »"


def _section_part(plan: dict, key: str) -> dict:
    return (plan.get("sections") or {}).get(key) or {}


def _step_view(r: dict, n: _Names) -> View:
    return {"étape": _vocab(PROCESS_STEPS)(r.get("step")), "date": _date(r.get("date")),
            "lieu": _quoted(r.get("place")),
            "pays": formatting.country_name(r.get("place_country")), "hommes": _int(r.get("men")),
            "femmes": _int(r.get("women")), "jeunes": _int(r.get("youth")), "diaspora": _int(r.get("diaspora"))}


def _step_name(r: dict, n: _Names) -> str:
    return _joined([label(PROCESS_STEPS, r.get("step")), _date(r.get("date"))])


def _population_view(r: dict, n: _Names) -> View:
    return {"année": _year(r.get("year")), "population": _int(r.get("value")),
            "source": _vocab(POPULATION_SOURCES)(r.get("source")), "note": _quoted(r.get("note"))}


def _diagnostic_view(r: dict, n: _Names) -> View:
    return {"secteur": _vocab(SECTORS)(r.get("sector")), "sous-secteur": _quoted(r.get("sub_sector")),
            "constats": _quoted(r.get("findings_text")), "atouts": _quoted(r.get("assets")),
            "contraintes": _quoted(r.get("constraints")), "potentialités": _quoted(r.get("potentials"))}


def _diagnostic_name(r: dict, n: _Names) -> str:
    sub = (r.get("sub_sector") or "").strip()
    return label(SECTORS, r.get("sector")) + (f" — {sub}" if sub else "")


def _finding_view(r: dict, n: _Names) -> View:
    view = {"thème": _vocab(FINDING_THEMES)(r.get("theme"))} if "theme" in r else {}
    return {**view, "texte": _quoted(r.get("text"))}


def _text_name(key: str) -> Callable[[dict, _Names], str]:
    return lambda r, n: (r.get(key) or "").strip()


def _profile_value(name: str, value) -> str:
    if name in COUNT_FIELDS:
        return _int(value)
    if name in SHARE_FIELDS:
        return _pct(value)
    if name == "data_year":
        return _year(value)
    if name == "reliability":
        return _vocab(RELIABILITY)(value)
    if name == "remittances_fcfa_per_year":
        return _fcfa(value)
    return _quoted(value)


def _destination_view(r: dict, n: _Names) -> View:
    return {"pays": formatting.country_name(r.get("country")), "villes": _quoted(r.get("city")),
            "effectif": _int(r.get("count")), "tendance": _vocab(TRENDS)(r.get("trend"))}


def _destination_name(r: dict, n: _Names) -> str:
    city = (r.get("city") or "").strip()
    return formatting.country_name(r.get("country")) + (f" ({city})" if city else "")


def _codev_view(r: dict, n: _Names) -> View:
    return {"intitulé": _quoted(r.get("title")), "localité": _quoted(r.get("locality")),
            "secteur": _vocab(SECTORS)(r.get("sector")), "année": _year(r.get("year")),
            "coût": _fcfa(r.get("cost_fcfa")), "financeurs": _quoted(r.get("funders")),
            "état": _vocab(CODEV_STATES)(r.get("state"))}


def _association_view(r: dict, n: _Names) -> View:
    contact = (r.get("contact_name") or "", r.get("contact_details") or "", bool(r.get("contact_consent")))
    return {"nom": _quoted(r.get("name")), "pays": formatting.country_name(r.get("host_country")),
            "ville": _quoted(r.get("host_city")), "sections": _quoted(r.get("sections")),
            "secteurs": tuple(label(SECTORS, s) for s in r.get("sectors") or []),
            "contact": repr(contact) if any(contact) else ""}


def _axis_view(r: dict, n: _Names) -> View:
    return {"intitulé": _quoted(r.get("title")), "objectif général": _quoted(r.get("general_objective")),
            "migration transversale": _bool(r.get("migration_crosscutting"))}


def _axis_describe(r: dict, n: _Names) -> str:
    objectives = [o.get("title") or "" for o in r.get("objectives") or []]
    text = _quoted(r.get("title"))
    if objectives:
        text += " (objectifs : " + ", ".join(_quoted(_short(t)) for t in objectives) + ")"
    return text


def _objective_view(r: dict, n: _Names) -> View:
    return {"intitulé": _quoted(r.get("title")),
            "constats liés": tuple(_quoted(n(f)) for f in r.get("findings") or [])}


def _criterion_view(r: dict, n: _Names) -> View:
    return {"nom": _quoted(r.get("name")), "poids": _int(r.get("weight"))}


def _priority_view(r: dict, n: _Names) -> View:
    view = {"intitulé": _quoted(r.get("title")), "axe": _quoted(n(r.get("axis")))}
    for ref, score in (r.get("scores") or {}).items():
        view[f"note « {n(ref)} »"] = _int(score)
    return view


def _indicator_view(r: dict, n: _Names) -> View:
    view = {"intitulé": _quoted(r.get("name")), "catégorie": _vocab(INDICATOR_CATEGORIES)(r.get("category")),
            "unité": _quoted(r.get("unit")), "valeur de référence": _decimal(r.get("baseline_value")),
            "année de référence": _year(r.get("baseline_year"))}
    for year in sorted(r.get("targets") or {}):
        view[f"cible {year}"] = _decimal(r["targets"][year])
    view["source"] = _quoted(r.get("source"))
    return view


def _location(r: dict) -> str:
    precision = r.get("location_precision") or "exacte"
    if r.get(planfile.WITHHELD):
        if location.is_masked(precision):
            return label(LOCATION_PRECISIONS, location.MASKED)
        return f"{label(LOCATION_PRECISIONS, precision)} (coordonnées non communiquées : site masqué)"
    if r.get("lon") is None or r.get("lat") is None:
        return ""
    # A masked point reaches here only for a reader who may see it (`diff_documents`' reveal_masked).
    return f"{_decimal(r['lat'])}, {_decimal(r['lon'])} ({label(LOCATION_PRECISIONS, precision).lower()})"


def _withhold_masked_points(*documents: dict) -> list[dict]:
    """The documents with the point of every action masked in any of them left out of all of them: a point that was
    exact before the site was masked is the same sensitive site. The rows say so (planfile.WITHHELD)."""
    masked = {canonical_uuid(r.get("uuid")) for d in documents for r in _plan_of(d).get("actions") or []
              if location.is_masked(r.get("location_precision"))}
    out = []
    for document in documents:
        plan = _plan_of(document)
        actions = [{**r, "lon": None, "lat": None, planfile.WITHHELD: True}
                   if canonical_uuid(r.get("uuid")) in masked or location.is_masked(r.get("location_precision"))
                   else r for r in plan.get("actions") or []]
        out.append({**(document or {}), "plan": {**plan, "actions": actions}})
    return out


def _action_view(r: dict, n: _Names) -> View:
    L = ACTION_LABELS
    view = {L["title"]: _quoted(r.get("title")), L["objective_id"]: _quoted(n(r.get("objective"))),
            L["sector"]: _vocab(SECTORS)(r.get("sector")), L["sub_sector"]: _quoted(r.get("sub_sector")),
            L["expected_results"]: _quoted(r.get("expected_results")), L["localities"]: _quoted(r.get("localities")),
            L["quantity"]: _decimal(r.get("quantity")), L["unit"]: _quoted(r.get("unit")),
            L["unit_cost"]: _fcfa(r.get("unit_cost")), L["total_override"]: _fcfa(r.get("total_override")),
            L["override_reason"]: _quoted(r.get("override_reason")),
            L["maitre_ouvrage"]: _quoted(r.get("maitre_ouvrage")),
            L["tags"]: tuple(label(MIGRATION_TAGS, t) for t in r.get("tags") or []),
            L["status"]: _vocab(ACTION_STATUSES)(r.get("status")),
            L["cofinancing_scheme"]: SCHEMES[r["cofinancing_scheme"]].label_fr
            if r.get("cofinancing_scheme") in SCHEMES else _raw(r.get("cofinancing_scheme")),
            L["location"]: _location(r)}
    for year in sorted(r.get("schedule") or {}):
        view[f"{L['schedule']} {year}"] = _fcfa(r["schedule"][year])
    return view


def _action_describe(r: dict, n: _Names) -> str:
    cost = finance.action_total(_action_shim(r))
    lines = [_line_describe(ln, n) for ln in r.get("funding_lines") or []]
    return (f"{_quoted(r.get('title'))} ({label(SECTORS, r.get('sector'))}, {formatting.fcfa(cost)}"
            + (" ; financement : " + " ; ".join(lines) if lines else "") + ")")


def _funder(r: dict, n: _Names) -> str:
    return n(r.get("association")) or (r.get("source_name") or "").strip()


def _line_name(r: dict, n: _Names) -> str:
    funder = _funder(r, n)
    return label(FUNDING_SOURCES, r.get("source_type")) + (f" — {funder}" if funder else "")


def _line_view(r: dict, n: _Names) -> View:
    return {"source": _vocab(FUNDING_SOURCES)(r.get("source_type")), "financeur": _quoted(r.get("source_name")),
            "association": _quoted(n(r.get("association"))), "montant": _fcfa(r.get("amount")),
            "part": _pct(r.get("share_pct")), "statut": _vocab(FUNDING_STATUSES)(r.get("status")),
            "en nature": _bool(r.get("in_kind"))}


def _line_describe(r: dict, n: _Names) -> str:
    funder = _funder(r, n)
    source = label(FUNDING_SOURCES, r.get("source_type")) + (f" ({funder})" if funder else "")
    figure = _fcfa(r.get("amount")) if r.get("amount") is not None else _pct(r.get("share_pct"))
    return _joined([source, figure, label(FUNDING_STATUSES, r.get("status")).lower(),
                    "en nature" if r.get("in_kind") else ""])


FUNDING_LINES = _Rows(
    "actions", "Ligne de financement", True, lambda action: action.get("funding_lines") or [], _line_name,
    _line_view, keys=(lambda r, n: (r.get("source_type"), _funder(r, n)), lambda r, n: r.get("source_type")),
    describe=_line_describe)
OBJECTIVES = _Rows("orientations", "Objectif", False, lambda axis: axis.get("objectives") or [],
                   _text_name("title"), _objective_view, keys=(lambda r, n: r.get("title"),), fuzzy=True)

LISTS = (
    _Rows("identification", "Étape de la démarche", True,
          lambda p: _section_part(p, "identification").get("process_steps") or [], _step_name, _step_view,
          keys=(lambda r, n: (r.get("step"), r.get("date")), lambda r, n: r.get("step"))),
    _Rows("situation", "Chiffre de population", False,
          lambda p: _section_part(p, "situation").get("population_records") or [],
          lambda r, n: _joined([_year(r.get("year")), label(POPULATION_SOURCES, r.get("source"))]),
          _population_view, keys=(lambda r, n: (r.get("year"), r.get("source")), lambda r, n: r.get("year"))),
    _Rows("situation", "Diagnostic sectoriel", False,
          lambda p: _section_part(p, "situation").get("sector_diagnostics") or [], _diagnostic_name,
          _diagnostic_view, keys=(lambda r, n: (r.get("sector"), r.get("sub_sector")), lambda r, n: r.get("sector"))),
    _Rows("situation", "Constat clé", False, lambda p: _section_part(p, "situation").get("findings") or [],
          _text_name("text"), _finding_view, keys=(lambda r, n: r.get("text"),), fuzzy=True),
    _Rows("migration", "Destination", True, lambda p: _section_part(p, "migration").get("destinations") or [],
          _destination_name, _destination_view,
          keys=(lambda r, n: (r.get("country"), r.get("city")), lambda r, n: r.get("country"))),
    _Rows("migration", "Projet de codéveloppement", False,
          lambda p: _section_part(p, "migration").get("codev_projects") or [], _text_name("title"), _codev_view,
          keys=(lambda r, n: r.get("title"),), fuzzy=True),
    _Rows("migration", "Constat sur la migration", False,
          lambda p: _section_part(p, "migration").get("findings") or [], _text_name("text"), _finding_view,
          keys=(lambda r, n: r.get("text"),), fuzzy=True),
    _Rows("migration", "Association de la diaspora", True, lambda p: p.get("diaspora_associations") or [],
          _text_name("name"), _association_view, keys=(lambda r, n: r.get("name"),), fuzzy=True,
          private=frozenset({"contact"})),
    _Rows("orientations", "Axe stratégique", False, lambda p: _section_part(p, "orientations").get("axes") or [],
          _text_name("title"), _axis_view, keys=(lambda r, n: r.get("title"),), fuzzy=True,
          describe=_axis_describe, children=(OBJECTIVES,), parent_phrase="l'axe « {} »"),
    _Rows("orientations", "Critère de priorisation", False,
          lambda p: _section_part(p, "orientations").get("criteria") or [], _text_name("name"), _criterion_view,
          keys=(lambda r, n: r.get("name"),), fuzzy=True),
    _Rows("orientations", "Priorité", True, lambda p: _section_part(p, "orientations").get("priorities") or [],
          _text_name("title"), _priority_view, keys=(lambda r, n: r.get("title"),), fuzzy=True),
    _Rows("actions", "Action", True, lambda p: p.get("actions") or [], _text_name("title"), _action_view,
          keys=(lambda r, n: canonical_uuid(r.get("uuid")) or r.get("uuid"),), identical_first=False,
          describe=_action_describe,
          children=(FUNDING_LINES,)),
    _Rows("suivi", "Indicateur", False, lambda p: _section_part(p, "suivi").get("indicators") or [],
          _text_name("name"), _indicator_view, keys=(lambda r, n: r.get("name"),), fuzzy=True),
)


@dataclass(frozen=True)
class _Record:
    """Fields of the plan itself, compared one by one: "Plan : titre « A » → « B »"."""
    section: str
    subject: str
    view: Callable[[dict], View]


def _plan_view(p: dict) -> View:
    ident = _section_part(p, "identification")
    period = p.get("period") or {}
    L = IDENTIFICATION_LABELS
    return {L["title"]: _quoted(p.get("title")), L["period_start"]: _year(period.get("start")),
            L["period_end"]: _year(period.get("end")),
            L["guide_version"]: _vocab(GUIDE_VERSIONS)(p.get("guide_version")),
            L["facilitators"]: _quoted(ident.get("facilitators")),
            L["process_funders"]: _quoted(ident.get("process_funders")), L["summary"]: _quoted(ident.get("summary")),
            L["previous_review"]: _quoted(ident.get("previous_review"))}


def _profile_view(p: dict) -> View:
    part = _section_part(p, "migration")
    return {PROFILE_LABELS[name]: _profile_value(name, part.get(name)) for name in PROFILE_FIELDS}


def _adoption_view(p: dict) -> View:
    part = _section_part(p, "adoption")
    return {ADOPTION_LABELS[name]: _date(part.get(name)) if name in ADOPTION_DATES else _quoted(part.get(name))
            for name in ADOPTION_FIELDS}


RECORDS = (
    _Record("identification", "Plan", _plan_view),
    _Record("migration", "Profil migratoire", _profile_view),
    _Record("adoption", "Adoption", _adoption_view),
)


# ---------------------------------------------------------------------------------------------------------------
# Comparing


def _field_change(name: str, old, new, private: bool) -> FieldChange:
    if isinstance(old, tuple) or isinstance(new, tuple):  # a list of items: say which came and which went
        old, new = tuple(old or ()), tuple(new or ())
        return FieldChange(name, " ; ".join(old), " ; ".join(new), private,
                           came=tuple(t for t in new if t not in old), went=tuple(t for t in old if t not in new))
    return FieldChange(name, old, new, private)


def _field_changes(old: View, new: View, private: frozenset = frozenset()) -> tuple[FieldChange, ...]:
    labels = list(old) + [k for k in new if k not in old]
    return tuple(_field_change(k, old.get(k, ""), new.get(k, ""), k in private)
                 for k in labels if _comparable(old.get(k, "")) != _comparable(new.get(k, "")))


def _comparable(value):
    return tuple(value) if isinstance(value, (tuple, list)) else (value or "")


def _flat(view: View) -> str:
    return " ".join(" ".join(v) if isinstance(v, tuple) else v for v in view.values())


def _similarity(a: View, b: View) -> float:
    left, right = _flat(a), _flat(b)
    return max(difflib.SequenceMatcher(None, left, right, autojunk=False).ratio(),
               difflib.SequenceMatcher(None, right, left, autojunk=False).ratio())


FUZZY_THRESHOLD = 0.6


def _pair(spec: _Rows, old: list, new: list, old_names: _Names, new_names: _Names):
    """(pairs of (old index, new index), old indices left, new indices left)."""
    old_views = [spec.view(r, old_names) for r in old]
    new_views = [spec.view(r, new_names) for r in new]
    left_old, left_new = list(range(len(old))), list(range(len(new)))
    pairs: list[tuple[int, int]] = []

    def match(key_old, key_new) -> None:
        waiting: dict[Any, list[int]] = {}
        for j in left_new:
            k = key_new(j)
            if k is not None:
                waiting.setdefault(k, []).append(j)
        for i in list(left_old):
            k = key_old(i)
            if k is not None and waiting.get(k):
                j = waiting[k].pop(0)
                pairs.append((i, j))
                left_old.remove(i)
                left_new.remove(j)

    def hashable(view: View):
        return tuple((k, _comparable(v)) for k, v in view.items())

    if spec.identical_first:
        match(lambda i: hashable(old_views[i]), lambda j: hashable(new_views[j]))
    for key in spec.keys:
        match(lambda i: _blank_none(key(old[i], old_names)), lambda j: _blank_none(key(new[j], new_names)))
    if spec.fuzzy and left_old and left_new:
        scored = sorted(((_similarity(old_views[i], new_views[j]), i, j) for i in left_old for j in left_new),
                        key=lambda s: (-s[0], s[1] + s[2], s[1]))
        for score, i, j in scored:
            if score < FUZZY_THRESHOLD:
                break
            if i in left_old and j in left_new:
                pairs.append((i, j))
                left_old.remove(i)
                left_new.remove(j)
    return sorted(pairs, key=lambda p: p[1]), left_old, left_new, old_views, new_views


def _blank_none(value):
    return None if value in (None, "", (None, None)) else value


def _feminine(word: str, feminine: bool) -> str:
    return word + ("e" if feminine else "")


def _diff_rows(spec: _Rows, old: list, new: list, old_names: _Names, new_names: _Names,
               parent: Optional[str] = None) -> list[Change]:
    """The changes between two lists of rows; `parent`: how to name the row holding them ("« Forage »")."""
    pairs, removed, added, old_views, new_views = _pair(spec, old, new, old_names, new_names)
    for i, j in pairs:
        if old[i].get("ref") and new[j].get("ref"):
            old_names.paired[old[i]["ref"]] = new[j]["ref"]
    describe = spec.describe or (lambda r, n: _quoted(_short(spec.name(r, n))))
    changes: list[Change] = []
    ordered = [(j, "pair", i) for i, j in pairs] + [(j, "added", None) for j in added]
    for j, what, i in sorted(ordered, key=lambda t: t[0]):
        if what == "added":
            row = new[j]
            detail = describe(row, new_names)
            where = f" à {parent}" if parent else ""
            changes.append(Change(ADDED, spec.section, f"{spec.noun} {_feminine('ajouté', spec.feminine)}{where} : "
                                                       f"{detail}", spec.noun, detail))
            continue
        old_row, new_row = old[i], new[j]
        name = spec.name(old_row, old_names)
        subject = f"{spec.noun} « {_short(name)} »" + (f" de {parent}" if parent else "")
        fields = _field_changes(old_views[i], new_views[j], spec.private)
        if len(fields) == 1 and not fields[0].went and fields[0].old == _quoted(name):  # only its name changed
            sentence = (f"{spec.noun}" + (f" de {parent}" if parent else "")
                        + f" {_feminine('modifié', spec.feminine)} : "
                        + fields[0].text().removeprefix(fields[0].label).strip())
            changes.append(Change(CHANGED, spec.section, sentence, subject, fields=fields))
        elif fields:
            changes.append(Change(CHANGED, spec.section, f"{subject} : " + " ; ".join(f.text() for f in fields),
                                  subject, fields=fields))
        for child in spec.children:
            changes += _diff_rows(child, child.rows(old_row), child.rows(new_row), old_names, new_names,
                                  parent=spec.parent_phrase.format(_short(name)))
    for i in removed:
        row = old[i]
        detail = describe(row, old_names)
        where = f" de {parent}" if parent else ""
        changes.append(Change(REMOVED, spec.section, f"{spec.noun} {_feminine('supprimé', spec.feminine)}{where} : "
                                                     f"{detail}", spec.noun, detail))
    return changes


def _diff_record(record: _Record, old: dict, new: dict) -> list[Change]:
    fields = _field_changes(record.view(old), record.view(new))
    if not fields:
        return []
    return [Change(CHANGED, record.section, f"{record.subject} : " + " ; ".join(f.text() for f in fields),
                   record.subject, fields=fields)]


# ---------------------------------------------------------------------------------------------------------------
# Totals, computed by plans/planning/finance.py from the documents' actions


def _action_shim(r: dict) -> SimpleNamespace:
    """A document's action with the attributes plans/planning/finance.py reads."""
    lines = [SimpleNamespace(amount=ln.get("amount"), share_pct=ln.get("share_pct"), status=ln.get("status"),
                             source_type=ln.get("source_type"), in_kind=bool(ln.get("in_kind")),
                             association_id=ln.get("association"))
             for ln in r.get("funding_lines") or []]
    return SimpleNamespace(
        quantity=r.get("quantity"), unit_cost=r.get("unit_cost"), total_override=r.get("total_override"),
        override_reason=r.get("override_reason"), cofinancing_scheme=r.get("cofinancing_scheme"),
        sector=r.get("sector"), tags=",".join(r.get("tags") or []), objective=None, funding_lines=lines,
        schedule=[SimpleNamespace(year=int(y), amount=a) for y, a in (r.get("schedule") or {}).items()])


def _totals(p: dict) -> tuple[int, Decimal]:
    period = p.get("period") or {}
    shim = SimpleNamespace(period_start=period.get("start"), period_end=period.get("end"),
                           actions=[_action_shim(r) for r in p.get("actions") or []])
    shim.years = list(range(shim.period_start, shim.period_end + 1)) \
        if shim.period_start is not None and shim.period_end is not None else []
    figures = finance.plan_finance(shim)
    return figures.total, figures.diaspora_share


def _plan_of(document: dict) -> dict:
    return (document or {}).get("plan") or {}


def diff_documents(old: dict, new: dict, *, reveal_masked: bool = False) -> PlanDiff:
    """What changed from the plan document `old` to `new` (see the module's docstring). `reveal_masked`: the reader
    may see masked sites (plans.accounts.access.can_see_masked_location); by default nobody does, and an action
    masked in either version shows no point in both."""
    if not reveal_masked:
        old, new = _withhold_masked_points(old, new)
    old_plan, new_plan = _plan_of(old), _plan_of(new)
    old_names, new_names = _Names(old_plan), _Names(new_plan)
    old_names.counterpart = new_names
    found: dict[str, list[Change]] = {s.key: [] for s in SECTIONS}
    for record in RECORDS:
        found[record.section] += _diff_record(record, old_plan, new_plan)
    for spec in LISTS:
        found[spec.section] += _diff_rows(spec, spec.rows(old_plan), spec.rows(new_plan), old_names, new_names)
    sections = tuple(SectionDiff(s.key, s.number, s.title, tuple(found[s.key])) for s in SECTIONS if found[s.key])
    (total_before, share_before), (total_after, share_after) = _totals(old_plan), _totals(new_plan)
    totals = (Total("Coût total du plan", formatting.fcfa(total_before), formatting.fcfa(total_after)),
              Total("Part de la diaspora", formatting.percent(share_before, 2), formatting.percent(share_after, 2)))
    return PlanDiff(sections, totals)


# ---------------------------------------------------------------------------------------------------------------
# Versions of a plan


@dataclass(frozen=True)
class Version:
    key: str  # CURRENT, or the snapshot's id as text (what the version page's form sends)
    label: str
    kind: str  # the snapshot's kind ("soumis", "valide", "adopte", "import") or CURRENT
    kind_label: str
    at: Optional[datetime]
    user: str  # who took it, "" when unknown
    revision: int
    snapshot_id: Optional[int] = None


def kind_label(kind: str) -> str:
    if kind == CURRENT:
        return "En cours"
    try:
        return PlanStatus(kind).label
    except ValueError:
        return SNAPSHOT_KIND_LABELS.get(kind, kind)


def _lineage_ids(session: Session, plan: Plan) -> dict[int, int]:
    """plan id → revision, for every revision sharing the plan's uuid."""
    return dict(session.execute(sa.select(Plan.id, Plan.revision).where(Plan.uuid == plan.uuid)).all())


def _user_name(user) -> str:
    return (user.full_name or user.email) if user is not None else ""


def lineage_snapshots(session: Session, plan: Plan) -> list[PlanSnapshot]:
    """Every snapshot of the plan's revisions, newest first."""
    ids = _lineage_ids(session, plan)
    return list(session.scalars(sa.select(PlanSnapshot).where(PlanSnapshot.plan_id.in_(ids))
                                .order_by(PlanSnapshot.at.desc(), PlanSnapshot.id.desc())))


def versions(session: Session, plan: Plan) -> list[Version]:
    """The plan as it is now ("la version en cours"), then every snapshot of its lineage, newest first."""
    revisions = _lineage_ids(session, plan)
    current = Version(CURRENT, f"La version en cours (révision {plan.revision}, {plan.status.label.lower()})", CURRENT,
                      kind_label(CURRENT), plan.updated_at, "", plan.revision)
    return [current] + [
        Version(str(s.id), s.label or f"{kind_label(s.kind)} — révision {revisions.get(s.plan_id, '?')}", s.kind,
                kind_label(s.kind), s.at, _user_name(s.user), revisions.get(s.plan_id, 0), s.id)
        for s in lineage_snapshots(session, plan)]


def snapshot_of(session: Session, plan: Plan, snapshot_id: int) -> Optional[PlanSnapshot]:
    """The snapshot with this id if it belongs to the plan's lineage, else None."""
    snapshot = session.get(PlanSnapshot, snapshot_id)
    if snapshot is None or snapshot.plan_id not in _lineage_ids(session, plan):
        return None
    return snapshot


def version_document(session: Session, plan: Plan, version: Version) -> dict:
    if version.snapshot_id is None:
        return planfile.export_document(session, plan)
    return session.get(PlanSnapshot, version.snapshot_id).document


def last_adopted_snapshot(session: Session, plan: Plan) -> Optional[PlanSnapshot]:
    ids = _lineage_ids(session, plan)
    return session.scalar(sa.select(PlanSnapshot).where(PlanSnapshot.plan_id.in_(ids), PlanSnapshot.kind == "adopte")
                          .order_by(PlanSnapshot.at.desc(), PlanSnapshot.id.desc()).limit(1))


def last_adopted_document(session: Session, plan: Plan) -> Optional[dict]:
    """The document of the latest adoption of the plan's lineage, None if it was never adopted."""
    snapshot = last_adopted_snapshot(session, plan)
    return snapshot.document if snapshot is not None else None


def changes_since_adoption(session: Session, plan: Plan) -> list[str]:
    """The Word annex's lines: what changed in the plan since the last adopted version ([] if never adopted).
    The deliberation is left out: a revision starts without one and gets its own, which the document shows."""
    adopted = last_adopted_document(session, plan)
    if adopted is None:
        return []
    # The council's document is published: no masked point, for anyone (plans.accounts.access, PUBLIC).
    return diff_documents(adopted, planfile.export_document(session, plan),
                          reveal_masked=False).lines(skip=("adoption",))
