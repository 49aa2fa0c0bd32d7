"""The largest plan the bounds allow (plans/core/limits.py), as a plan file: every list of every section at its limit,
every long text at its length, 500 actions holding the 5 000 funding lines a plan may have, 200 diaspora
associations, a full history.
`make bench` imports it and exports it as a Word document to measure the worst case a planner can make the server
pay (scripts/bench_limits.py); tests/plans/test_largest_plan.py checks that every rule and the file size accept it
(the bounds agree with one another).

`largest_document(document)` takes any exported plan document (its owner, uuid, period and first action are kept)
and fills the rest. Amounts stay consistent: each action's lines add up to its cost, programmed in the first year.
"""
from __future__ import annotations

import copy
import uuid as uuidlib
from itertools import cycle, islice

from plans.core import limits
from plans.core.formatting import countries
from plans.core.vocab import (
    CODEV_STATES,
    DIASPORA_SOURCES,
    FUNDING_SOURCES,
    FUNDING_STATUSES,
    INDICATOR_CATEGORIES,
    PROCESS_STEPS,
    SECTORS,
    TRENDS,
)

PROSE = ("Les ressortissants de la commune, en France, au Gabon et au Sénégal, financent depuis les années 1970 des "
         "ouvrages que l'assemblée villageoise entretient ; le diagnostic participatif relève leurs atouts, leurs "
         "contraintes et les potentialités d'un appui concerté de la collectivité, de l'État et des partenaires. ")
ACTION_COST = 90_000_000  # FCFA, a large work (docs/DOMAIN.md §13: 9 to 180 million)


def _text(length: int, salt: str = "") -> str:
    """French prose of exactly `length` characters (a salt first, so that texts differ), ending with no space."""
    text = ((f"{salt} " if salt else "") + PROSE * (length // len(PROSE) + 2))[:length]
    return text[:-1] + "." if text.endswith(" ") else text


def _n(key: str) -> int:
    return limits.ROWS[key].limit


def _uuid(i: int) -> str:
    return str(uuidlib.uuid5(uuidlib.NAMESPACE_URL, f"pdl-m/plus-grand-plan/{i}"))


def largest_document(document: dict) -> dict:
    doc = copy.deepcopy(document)
    p = doc["plan"]
    years = [str(y) for y in range(p["period"]["start"], p["period"]["end"] + 1)]
    s = p["sections"]
    sectors = [k for k in SECTORS if k != "migration"]
    country_codes = [code for code, _ in countries() if code != "ML"]

    ident = s["identification"]
    for name in ("facilitators", "process_funders", "summary"):
        ident[name] = _text(limits.TEXT_LONG, name)
    ident["process_steps"] = [
        {"ref": f"step-{i + 1}", "step": step, "date": None, "place": f"Village n°{i + 1}", "place_country": "ML",
         "men": 40, "women": 35, "youth": 20, "diaspora": 2}
        for i, step in enumerate(islice(cycle(PROCESS_STEPS), _n("process_steps")))]

    situation = s["situation"]
    situation["population_records"] = [
        {"ref": f"population-{i + 1}", "year": 1951 + i, "value": 8_000 + 100 * i, "source": "estimation",
         "note": "Estimation de la mairie"} for i in range(_n("population_records"))]
    situation["sector_diagnostics"] = [
        {"ref": f"diagnostic-{i + 1}", "sector": sector, "sub_sector": f"Volet n°{i + 1}",
         **{name: _text(limits.TEXT_LONG, f"{name} {i + 1}")
            for name in ("findings_text", "assets", "constraints", "potentials")}}
        for i, sector in enumerate(islice(cycle(sectors), _n("sector_diagnostics")))]
    situation["findings"] = [{"ref": f"finding-{i + 1}", "theme": theme, "text": _text(limits.TEXT_CELL, str(i))}
                             for i, theme in enumerate(islice(cycle(sectors), _n("findings")))]

    migration = s["migration"]
    for name in ("remittance_uses", "returnee_skills_needs", "transit_seasonal"):
        migration[name] = _text(limits.TEXT_LONG, name)
    migration["destinations"] = [
        {"ref": f"destination-{i + 1}", "country": code, "city": f"Ville n°{i + 1}", "count": None, "trend": trend}
        for i, (code, trend) in enumerate(zip(islice(cycle(country_codes), _n("destinations")), cycle(TRENDS)))]
    migration["codev_projects"] = [
        {"ref": f"codev-{i + 1}", "title": f"Ouvrage financé par la diaspora n°{i + 1}", "locality": "Quartier",
         "sector": sector, "year": 1970 + i % 50, "cost_fcfa": 9_000_000, "funders": "Ressortissants",
         "state": state}
        for i, (sector, state) in enumerate(zip(islice(cycle(sectors), _n("codev_projects")), cycle(CODEV_STATES)))]
    first = len(situation["findings"])
    migration["findings"] = [{"ref": f"finding-{first + i + 1}", "text": _text(limits.TEXT_CELL, f"m{i}")}
                             for i in range(_n("findings"))]
    finding_refs = [f["ref"] for f in situation["findings"] + migration["findings"]]

    criteria = [{"ref": f"criterion-{i + 1}", "name": f"Critère n°{i + 1}", "weight": 1 + i % 5}
                for i in range(_n("criteria"))]
    axes = [{"ref": f"axis-{a + 1}", "title": f"Axe stratégique n°{a + 1}",
             "general_objective": _text(limits.TEXT_CELL, f"axe {a + 1}"), "migration_crosscutting": a % 2 == 0,
             "objectives": [{"ref": f"objective-{a * _n('objectives') + o + 1}",
                             "title": f"Objectif spécifique n°{o + 1} de l'axe {a + 1}",
                             "findings": list(islice(cycle(finding_refs), (a * 7 + o) % len(finding_refs),
                                                     (a * 7 + o) % len(finding_refs) + _n("finding_links")))}
                            for o in range(_n("objectives"))]}
            for a in range(_n("axes"))]
    s["orientations"] = {
        "axes": axes, "criteria": criteria,
        "priorities": [{"ref": f"priority-{i + 1}", "title": f"Priorité n°{i + 1}", "axis": axes[i % len(axes)]["ref"],
                        "scores": {c["ref"]: (i + k) % 6 for k, c in enumerate(criteria)}}
                       for i in range(_n("priorities"))]}
    s["suivi"]["indicators"] = [
        {"ref": f"indicator-{i + 1}", "category": category, "name": f"Indicateur n°{i + 1}", "unit": "nombre",
         "baseline_value": "10", "baseline_year": int(years[0]) - 1, "targets": {y: str(11 + k) for k, y in
                                                                                  enumerate(years)},
         "source": "Registre de la mairie"}
        for i, category in enumerate(islice(cycle(INDICATOR_CATEGORIES), _n("indicators")))]

    associations = p["diaspora_associations"][:1] or [{"ref": "association-1", "name": "Association", "host_country":
                                                        "FR", "host_city": "", "sections": "", "sectors": [],
                                                        "contact_name": "", "contact_details": "",
                                                        "contact_consent": False}]
    template = associations[0]
    p["diaspora_associations"] = [
        {**template, "ref": f"association-{i + 1}",
         "name": template["name"] if i == 0 else f"Association des ressortissants n°{i + 1}",
         "sections": _text(limits.TEXT_CELL, f"section {i + 1}")} for i in range(_n("diaspora_associations"))]

    objectives = [o["ref"] for a in axes for o in a["objectives"]]
    sources = [k for k in FUNDING_SOURCES if k not in DIASPORA_SOURCES]
    lines_per_action = limits.FUNDING_LINES_PER_PLAN // limits.ACTIONS_PER_PLAN  # the plan's lines, spread evenly
    action_template = p["actions"][0]
    actions = []
    for i in range(limits.ACTIONS_PER_PLAN):
        amounts = [ACTION_COST // lines_per_action] * lines_per_action
        amounts[0] += ACTION_COST - sum(amounts)
        lines = [{"source_type": "association_diaspora", "source_name": "",
                  "association": f"association-{i % len(p['diaspora_associations']) + 1}", "amount": amounts[0],
                  "share_pct": None, "status": "promis", "in_kind": False}]
        lines += [{"source_type": source, "source_name": f"Financeur n°{k}", "association": None, "amount": amount,
                   "share_pct": None, "status": status, "in_kind": False}
                  for k, (source, status, amount) in enumerate(zip(cycle(sources), cycle(FUNDING_STATUSES),
                                                                   amounts[1:]), start=1)]
        actions.append({
            **action_template, "uuid": action_template["uuid"] if i == 0 else _uuid(i),
            "objective": objectives[i % len(objectives)], "sector": sectors[i % len(sectors)],
            "title": f"Action n°{i + 1} du programme", "expected_results": _text(limits.TEXT_CELL, f"action {i}"),
            "quantity": "1", "unit_cost": ACTION_COST, "total_override": None, "override_reason": "", "tags": [],
            "status": "prevu", "cofinancing_scheme": None, "schedule": {years[0]: ACTION_COST},
            "funding_lines": lines})
    p["actions"] = actions
    p["history"] = {
        "changes": [{"at": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}T10:{i % 60:02d}:00Z", "section": "actions",
                     "user": None, "summary": f"Enregistrement n°{i + 1}"} for i in range(_n("changes"))],
        "transitions": [{"at": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}T11:{i % 60:02d}:00Z", "from": "brouillon",
                         "to": "soumis", "user": None, "reason": ""} for i in range(_n("transitions"))]}
    return doc
