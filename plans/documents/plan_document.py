"""The council document: the plan as a Word file (.docx) rendered with docxtpl from templates_docx/pdl_m.docx.

    context = build_context(plan, session)        # every value already a French string (or a list of them)
    data = render_docx(plan, session)             # bytes of the .docx
    problems = check_template(path)               # French problems of a replacement model ([] when usable)

Rules (docs/ARCHITECTURE.md, pitfalls 8–10):
- `render(context, autoescape=True)`, always: user text with & < > " is escaped, never parsed as XML, and a user's
  "{{ x }}" or "{% if %}" stays literal text (Jinja renders a value, it never re-reads it as a template).
- Every figure comes from plans.planning.finance (`plan_finance`) and plans.planning.indicators (funding states and
  their labels, `funding_sentence`; the diaspora annex lists indicators.diaspora_lines) and is formatted by
  plans.core.formatting (1 234 567 FCFA, 12 mars 2026, 12,5 %): the template only places strings; it adds up nothing.
- The diaspora associations appear WITHOUT their contact details (the document is public).
- The static map PNG (plans.maps.static_map) is embedded with InlineImage.
- A model uploaded by an administrator (instance folder, see app/planning/export.py) replaces the shipped one once
  `check_template` accepts it.
"""
from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage
from jinja2 import TemplateSyntaxError

from plans.core.formatting import country_name, date_long, fcfa, number, percent
from plans.core.vocab import (
    CODEV_STATES,
    FINDING_THEMES,
    FUNDING_SOURCES,
    GUIDE_VERSIONS,
    INDICATOR_CATEGORIES,
    POPULATION_SOURCES,
    PROCESS_STEPS,
    RELIABILITY,
    SECTORS,
    TRENDS,
    label,
)
from plans.maps.plan_map import territory_shapes
from plans.maps.static_map import build_static_map_png, neighbour_geometries
from plans.owners.service import owner_geometry
from plans.planning import finance, indicators, location
from plans.planning.models import Plan, PlanStatus
from plans.planning.sectiondata import suivi
from plans.planning.sectiondata.migration import associations_of
from plans.planning.sectiondata.orientations import SCORE_MAX, SCORE_MIN, ranked_priorities
from plans.territory.service import country_name as territory_country

ROOT = Path(__file__).resolve().parents[2]  # the repository
SHIPPED_TEMPLATE = ROOT / "templates_docx" / "pdl_m.docx"
TEMPLATE_SUBDIR = "templates_docx"
TEMPLATE_NAME = "pdl_m.docx"
DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MAP_WIDTH_MM = 150
PROJECT_MENTION = "PROJET — document non adopté"
EMPTY = "—"

# Every variable a model may use (templates_docx/README.md documents each one).
VARIABLES = frozenset({
    "actions_diaspora", "adopte", "annees", "associations", "axes", "carte", "carte_legende", "cercle", "codev",
    "collectivite", "constats", "contexte", "criteres", "date_edition", "deliberation", "demarche",
    "demarche_textes", "demarche_totaux", "destinations", "destinations_total", "diagnostics", "diaspora_montant",
    "diaspora_part", "financement", "financement_part", "financement_textes", "financement_total",
    "financement_totaux_annees", "grille_texte", "indicateurs", "membres", "membres_table", "mention_projet",
    "migration_chiffres", "migration_textes", "modifications", "par_axe", "par_secteur", "periode", "pia",
    "pia_annee", "pia_financement_total", "pia_par_source", "pia_texte", "pia_total", "pip", "pip_nombre",
    "pip_total", "pip_totaux_annees", "population", "priorites", "programmation_textes", "region", "resume",
    "resume_chiffres", "sigles", "signataire", "statut", "suivi_texte", "territoire", "titre", "titre_court",
    "version",
})
# A replacement model must at least show these: who, what, when, the PIP and the financing plan.
REQUIRED_VARIABLES = frozenset({"collectivite", "titre", "periode", "annees", "pip", "pip_total", "financement",
                                "diaspora_montant", "mention_projet"})

SIGLES = (
    ("ANICT", "Agence nationale d'investissement des collectivités territoriales"),
    ("CCOCSAD", "Comité communal d'orientation, de coordination et de suivi des actions de développement"),
    ("CPC", "Comité de pilotage communal"),
    ("CREDD", "Cadre stratégique pour la relance économique et le développement durable"),
    ("FCFA", "Franc de la Communauté financière africaine"),
    ("FNACT", "Fonds national d'appui aux collectivités territoriales"),
    ("GLCT", "Groupement local de coopération transfrontalière"),
    ("JMDI", "Initiative conjointe pour la migration et le développement"),
    ("ONG", "Organisation non gouvernementale"),
    ("PDESC", "Plan de développement économique, social et culturel"),
    ("PDI", "Personne déplacée interne"),
    ("PIA", "Plan d'investissement annuel"),
    ("PIP", "Plan d'investissement pluriannuel"),
    ("PTF", "Partenaire technique et financier"),
    ("RGPH", "Recensement général de la population et de l'habitat"),
)


# --- helpers -----------------------------------------------------------------------------------------------

def _text(value) -> str:
    return (value or "").strip()


def _or_dash(value) -> str:
    value = _text(value) if isinstance(value, str) or value is None else value
    return value if value not in ("", None) else EMPTY


def _count(value) -> str:
    return number(value) if value is not None else EMPTY


def _quantity(value) -> str:
    if value is None:
        return "1"
    text = number(value)
    return text.rstrip("0").rstrip(",") if "," in text else text


def _sectors(keys: str) -> str:
    return ", ".join(label(SECTORS, k.strip()) for k in (keys or "").split(",") if k.strip())


def _de(name: str) -> str:
    return ("d'" if name[:1].lower() in "aeiouyéèêâîôûh" else "de ") + name


def owner_label(owner) -> str:
    """"Commune de Koniakary"; a grouping by its name."""
    if owner.is_grouping:
        return owner.name
    return f"{owner.kind.label} {_de(owner.name)}"


def _place(owner) -> tuple[str, str]:
    """(région, cercle) of a collectivité; for a grouping the distinct ones of its Malian members, joined."""
    units = [owner.unit] if owner.unit is not None else [u for u in owner.member_units if not u.is_foreign]
    regions: list[str] = []
    cercles: list[str] = []
    for unit in units:
        for parent in unit.ancestors():
            bucket = {1: regions, 2: cercles}.get(parent.level)
            if bucket is not None and parent.display_name not in bucket:
                bucket.append(parent.display_name)
    return ", ".join(regions), ", ".join(cercles)


# --- the context -------------------------------------------------------------------------------------------

def build_context(plan, session, *, template=None, with_map: bool = True, changes: list[str] | None = None) -> dict:
    """Every value the model shows, as French strings, lists and small dicts of strings.

    `template` (a DocxTemplate) is needed for the map (InlineImage); without it, or with `with_map=False`,
    `carte` is a sentence saying the map is missing. `changes`: the "Modifications depuis la dernière version
    adoptée" lines (the version diff comes later: [] for now)."""
    plan = session.get(Plan, plan.id, options=finance.load_options()) or plan
    pf = finance.plan_finance(plan)
    owner = plan.owner
    years = list(pf.years)
    adopted = plan.status == PlanStatus.ADOPTE
    collectivite = owner_label(owner)
    region, cercle = _place(owner)
    members = sorted(owner.member_units, key=lambda u: (u.is_foreign, u.display_name)) if owner.is_grouping else []

    ctx: dict[str, Any] = {
        "collectivite": collectivite,
        "titre": plan.title,
        "titre_court": f"PDESC {plan.period_start}-{plan.period_end}",
        "periode": f"{plan.period_start}-{plan.period_end}",
        # The columns by year: the plan's years, and any year programmed outside them, marked (finance.table_years).
        "annees": [str(y) if y in years else f"{y} (hors période)" for y in pf.table_years],
        "region": region,
        "cercle": cercle,
        "membres": ", ".join(_member_name(u) for u in members),
        "membres_table": [{"nom": u.display_name, "rattachement": " / ".join(a.display_name for a in u.ancestors())
                           or EMPTY, "pays": territory_country(u.country_iso3)} for u in members],
        "adopte": adopted,
        "mention_projet": "" if adopted else PROJECT_MENTION,
        "statut": plan.status.label,
        "version": str(plan.revision or 1),
        "date_edition": date_long(date.today()),
        "signataire": "Le Maire" if owner.kind.value == "commune" else "Le Président",
        "sigles": [{"sigle": s, "sens": d} for s, d in SIGLES],
        "modifications": list(changes or []),
    }

    # Résumé
    ctx["resume"] = _text(plan.summary)
    ctx["resume_chiffres"] = [
        f"Période : {ctx['periode']} ({len(years)} ans).",
        f"Programme : {len(plan.actions)} actions pour un coût total de {fcfa(pf.total)}.",
        funding_sentence(indicators.funding_states(pf)),
        f"Apport de la diaspora : {fcfa(pf.diaspora_amount)}, soit {percent(pf.diaspora_share, 2)} du coût total.",
        f"Actions liées à la migration : {pf.migration_actions}.",
    ]

    # I Introduction
    guide = label(GUIDE_VERSIONS, plan.guide_version)
    ctx["contexte"] = [
        f"Le présent document est le plan de développement de la collectivité « {collectivite} » pour la période "
        f"{ctx['periode']}. Il intègre la migration dans le diagnostic, les orientations et la programmation.",
        f"Il a été élaboré selon le {guide[:1].lower() + guide[1:]}." if guide else "",
    ]
    ctx["contexte"] = [t for t in ctx["contexte"] if t]
    ctx["demarche_textes"] = [t for t in (
        f"Facilitation : {_text(plan.facilitators)}." if _text(plan.facilitators) else "",
        f"Financement du processus : {_text(plan.process_funders)}." if _text(plan.process_funders) else "",
        "Les participants à chaque étape (hommes, femmes, jeunes, membres de la diaspora) sont les suivants."
        if plan.process_steps else "Aucune étape de la démarche n'est encore renseignée.",
    ) if t]
    steps, totals = [], {"hommes": 0, "femmes": 0, "jeunes": 0, "diaspora": 0}
    for i, s in enumerate(plan.process_steps, 1):
        men, women, youth, diaspora = (s.men or 0), (s.women or 0), (s.youth or 0), (s.diaspora or 0)
        place = _text(s.place)
        if s.place_country and s.place_country != "ML":
            place = f"{place} ({country_name(s.place_country)})" if place else country_name(s.place_country)
        steps.append({"numero": str(i), "etape": label(PROCESS_STEPS, s.step), "date": date_long(s.date) or EMPTY,
                      "lieu": place or EMPTY, "hommes": number(men), "femmes": number(women),
                      "jeunes": number(youth), "diaspora": number(diaspora), "total": number(men + women)})
        totals["hommes"] += men
        totals["femmes"] += women
        totals["jeunes"] += youth
        totals["diaspora"] += diaspora
    ctx["demarche"] = steps
    ctx["demarche_totaux"] = {k: number(v) for k, v in totals.items()} | {
        "total": number(totals["hommes"] + totals["femmes"])}

    # II Territory
    territoire = [f"{collectivite} : {owner.kind_label.lower() if owner.is_grouping else owner.kind.label.lower()}"
                  + (f" de la région de {region}" if region and not owner.is_grouping else "")
                  + (f", cercle de {cercle}" if cercle and not owner.is_grouping else "") + "."]
    if owner.is_grouping:
        territoire.append(f"Le groupement réunit {len(members)} collectivités"
                          + (f" ({len([u for u in members if u.is_foreign])} hors du Mali)"
                             if any(u.is_foreign for u in members) else "") + ".")
        if owner.founding_act_ref:
            territoire.append(f"Acte de création : {owner.founding_act_ref}"
                              + (f" du {date_long(owner.founding_act_date)}" if owner.founding_act_date else "") + ".")
    unit = owner.unit
    if unit is not None and unit.area_km2:
        territoire.append(f"Superficie : {number(round(unit.area_km2))} km².")
    ctx["territoire"] = territoire
    # The actions the map draws: a masked site never, in this public document (plans.accounts.access, PUBLIC).
    located = sum(1 for a in plan.actions if None not in location.visible_point(a, reveal_masked=False))
    ctx["carte_legende"] = (f"Carte du territoire et des actions localisées ({located} sur {len(plan.actions)}). "
                            "Fond : limites administratives.")
    ctx["carte"] = "(carte non disponible)"
    if template is not None and with_map:
        png = map_png(plan, session, pf)
        if png:
            ctx["carte"] = InlineImage(template, io.BytesIO(png), width=Mm(MAP_WIDTH_MM))

    # III Situation
    ctx["population"] = [{"annee": str(r.year), "population": number(r.value),
                          "source": label(POPULATION_SOURCES, r.source), "note": _text(r.note)}
                         for r in plan.population_records]
    ctx["diagnostics"] = [{"titre": label(SECTORS, d.sector) + (f" — {d.sub_sector}" if _text(d.sub_sector) else ""),
                           "constats": _or_dash(d.findings_text), "atouts": _or_dash(d.assets),
                           "contraintes": _or_dash(d.constraints), "potentialites": _or_dash(d.potentials)}
                          for d in plan.sector_diagnostics]
    findings_number = {f.id: i for i, f in enumerate(plan.findings, 1)}
    ctx["constats"] = [{"theme": label(FINDING_THEMES, f.theme), "texte": f"{f.text} (C{i})"}
                       for i, f in enumerate(plan.findings, 1)]
    ctx["migration_chiffres"], ctx["migration_textes"] = _migration(plan.migration_profile)
    destinations = list(plan.destinations)
    ctx["destinations"] = [{"pays": country_name(d.country), "ville": _or_dash(d.city), "effectif": _count(d.count),
                            "tendance": label(TRENDS, d.trend)} for d in destinations]
    ctx["destinations_total"] = number(sum(d.count or 0 for d in destinations))
    ctx["associations"] = [{"nom": a.name, "pays": country_name(a.host_country), "ville": _or_dash(a.host_city),
                            "sections": ", ".join(s.strip() for s in (a.sections or "").splitlines() if s.strip())
                            or EMPTY, "secteurs": _sectors(a.sectors) or EMPTY}
                           for a in associations_of(session, owner)]  # no contact details: a public document
    ctx["codev"] = [{"titre": c.title, "localite": _or_dash(c.locality), "secteur": label(SECTORS, c.sector),
                     "annee": str(c.year) if c.year else EMPTY, "cout": number(c.cost_fcfa) or EMPTY,
                     "financeurs": _or_dash(c.funders), "etat": label(CODEV_STATES, c.state)}
                    for c in plan.codev_projects]

    # IV Orientations
    ctx["axes"] = []
    for i, axis in enumerate(plan.axes, 1):
        objectives = []
        for j, o in enumerate(axis.objectives, 1):
            refs = [f"C{findings_number[f.id]}" for f in o.findings if f.id in findings_number]
            objectives.append({"numero": f"{i}.{j}", "titre": o.title,
                               "constats": f" (répond aux constats {', '.join(refs)})" if refs else ""})
        ctx["axes"].append({"numero": str(i), "titre": axis.title, "objectif_general": _or_dash(axis.general_objective),
                            "migration": bool(axis.migration_crosscutting), "objectifs": objectives})
    criteria = list(plan.criteria)
    ranked = ranked_priorities(plan)
    max_score = ranked[0][3] if ranked else sum(c.weight * SCORE_MAX for c in criteria)
    ctx["criteres"] = [{"nom": c.name, "poids": str(c.weight)} for c in criteria]
    ctx["grille_texte"] = (f"Chaque priorité est notée de {SCORE_MIN} à {SCORE_MAX} sur chaque critère ; la note est "
                           f"multipliée par le poids du critère. Score maximal : {number(max_score)}.")
    axis_number = {a.id: str(i) for i, a in enumerate(plan.axes, 1)}
    ctx["priorites"] = [{"rang": str(rank), "titre": p.title,
                         "axe": f"Axe {axis_number[p.axis_id]}" if p.axis_id in axis_number else EMPTY,
                         "score": f"{number(score)} / {number(top)}",
                         "notes": [str((p.scores or {}).get(str(c.id))) if (p.scores or {}).get(str(c.id)) is not None
                                   else EMPTY for c in criteria]}
                        for rank, p, score, top in ranked]

    # V Programmation
    ctx.update(finance_context(plan, pf))

    # VI Suivi-évaluation
    ctx["suivi_texte"] = ("Le suivi de la mise en œuvre est assuré par le conseil avec le comité de pilotage et le "
                          "CCOCSAD ; les indicateurs ci-dessous, dont ceux de l'intégration de la migration, sont "
                          "renseignés chaque année.")
    ctx["indicateurs"] = [_indicator(i) for i in plan.indicators]

    # Annexes
    ctx["deliberation"] = {
        "numero": _text(plan.deliberation_number) or "………", "date": date_long(plan.deliberation_date) or "………",
        "session": _text(plan.council_session) or "………",
        "texte": (f"Le conseil adopte le « {plan.title} » pour la période {ctx['periode']}." if adopted else
                  "Le plan n'est pas encore adopté : l'extrait sera complété après la délibération du conseil."),
    }
    return ctx


def finance_context(plan, pf) -> dict:
    """The PIP, the PIA, the financing plan and the diaspora actions, formatted from `plan_finance`. Tables by year
    have a column per year of `pf.table_years`: an amount programmed outside the period keeps its own year."""
    years = list(pf.table_years)
    ctx: dict[str, Any] = {}
    pip = []
    for i, f in enumerate(pf.figures, 1):
        a = f.action
        pip.append({"numero": str(i), "secteur": label(SECTORS, a.sector), "action": a.title,
                    "localites": _or_dash(a.localities),
                    "quantite": _quantity(a.quantity) + (f" {a.unit}" if _text(a.unit) else ""),
                    "cout_unitaire": number(a.unit_cost or 0), "total": number(f.total),
                    "annees": [number(f.schedule_by_year[y]) if f.schedule_by_year.get(y) else EMPTY for y in years]})
    ctx["pip"] = pip
    ctx["pip_nombre"] = str(len(pip))
    ctx["pip_total"] = number(pf.total)
    ctx["pip_totaux_annees"] = [number(pf.by_year.get(y, 0)) for y in years]
    ctx["programmation_textes"] = [
        f"Le plan d'investissement pluriannuel (PIP) compte {len(pip)} actions pour un coût total de "
        f"{fcfa(pf.total)}, réparti sur les années {pf.years[0]} à {pf.years[-1]}." if pf.years else
        "Le plan d'investissement pluriannuel (PIP) ne compte encore aucune action.",
        "Le plan de financement répartit chaque source sur les années au prorata de la programmation des actions ; "
        "le plan d'investissement annuel (PIA) reprend la première année.",
    ]
    ctx["par_secteur"] = [{"secteur": label(SECTORS, k), "total": number(v),
                           "part": percent(finance.share_of(v, pf.total), 1)} for k, v in pf.by_sector.items()]
    ctx["par_axe"] = [{"titre": a.title, "nombre": str(a.count), "total": number(a.total)} for a in pf.by_axis]

    ctx["financement"] = [{"source": label(FUNDING_SOURCES, src), "annees": [number(row.get(y, 0)) for y in years],
                           "total": number(pf.by_source.get(src, 0)),
                           "part": percent(finance.share_of(pf.by_source.get(src, 0), pf.total), 2)}
                          for src, row in pf.matrix.items()]
    ctx["financement_totaux_annees"] = [number(pf.matrix_year_totals.get(y, 0)) for y in years]
    ctx["financement_total"] = number(pf.funded)
    ctx["financement_part"] = percent(finance.share_of(pf.funded, pf.total), 2)
    ctx["diaspora_montant"] = number(pf.diaspora_amount)
    ctx["diaspora_part"] = percent(pf.diaspora_share, 2)
    ctx["financement_textes"] = [
        f"Coût total du PIP : {fcfa(pf.total)} ; financements identifiés : {fcfa(pf.funded)} "
        f"({percent(finance.share_of(pf.funded, pf.total), 2)}).",
        f"Ressources internes (budget communal, population) : {fcfa(pf.internal)} ; ressources externes : "
        f"{fcfa(pf.external)}.",
        f"Part de la diaspora : {fcfa(pf.diaspora_amount)}, soit {percent(pf.diaspora_share, 2)} du coût total.",
        funding_sentence(indicators.funding_states(pf)),
    ]

    ctx["pia_annee"] = str(pf.pia_year) if pf.pia_year else EMPTY
    ctx["pia"] = [{"numero": str(pf.figures.index(r.figures) + 1), "action": r.action.title,
                   "secteur": label(SECTORS, r.action.sector), "montant": number(r.amount)} for r in pf.pia]
    ctx["pia_total"] = number(pf.pia_total)
    ctx["pia_par_source"] = [{"source": label(FUNDING_SOURCES, s), "montant": number(v)}
                             for s, v in pf.pia_by_source.items() if v]
    ctx["pia_financement_total"] = number(sum(pf.pia_by_source.values()))
    ctx["pia_texte"] = (f"Le PIA {pf.pia_year} reprend la part des actions programmée la première année du plan : "
                        f"{len(pf.pia)} actions pour {fcfa(pf.pia_total)}, à inscrire au budget." if pf.pia_year else
                        "Pas de PIA : le plan n'a pas d'année.")

    diaspora = []
    for f in pf.figures:
        for line, amount in indicators.diaspora_lines(f):  # the lines that make an action diaspora-funded
            name = line.association.name if line.association is not None else _text(line.source_name)
            diaspora.append({"action": f.action.title, "association": name or EMPTY, "montant": number(amount),
                             "part": percent(finance.share_of(amount, f.total), 2)})
    ctx["actions_diaspora"] = diaspora
    return ctx


def funding_sentence(states: indicators.FundingStates) -> str:
    """« Financement identifié : … (acquis : …, promis : …, à rechercher : …) ; non couvert : … . », the labels of
    plans.planning.indicators.FUNDING_STATES: the résumé and §5.2 say the same thing in the same words."""
    label_of = {k: s.label for k, s in indicators.FUNDING_STATES.items()}
    parts = ", ".join(f"{label_of[k].lower()} : {fcfa(v)}" for k, v in
                      ((indicators.SECURED, states.secured), (indicators.PROMISED, states.promised),
                       (indicators.TO_FIND, states.to_find)))
    return (f"{label_of[indicators.IDENTIFIED]} : {fcfa(states.identified)} ({parts}) ; "
            f"{label_of[indicators.NOT_COVERED].lower()} (part du coût sans aucune ligne de financement) : "
            f"{fcfa(states.not_covered)}.")


def _member_name(unit) -> str:
    return unit.display_name + (f" ({territory_country(unit.country_iso3)})" if unit.is_foreign else "")


def _migration(profile) -> tuple[list[dict], list[dict]]:
    if profile is None:
        return [], [{"libelle": "Profil migratoire", "texte": "non renseigné"}]
    p = profile
    rows = [
        ("Émigrés (total)", _count(p.emigrants_total)),
        ("dont migration interne", _count(p.emigrants_internal)),
        ("dont migration internationale", _count(p.emigrants_international)),
        ("Année et source des données", " — ".join(x for x in (str(p.data_year) if p.data_year else "",
                                                                _text(p.source)) if x) or EMPTY),
        ("Fiabilité", label(RELIABILITY, p.reliability) or EMPTY),
        ("Ménages ayant au moins un émigré", percent(p.households_with_emigrant_pct) or EMPTY),
        ("Ménages recevant des transferts", percent(p.households_receiving_remittances_pct) or EMPTY),
        ("Transferts reçus par an", fcfa(p.remittances_fcfa_per_year) or EMPTY),
        ("Migrants de retour volontaires", _count(p.returnees_voluntary)),
        ("Migrants de retour forcés (expulsés, rapatriés)", _count(p.returnees_forced)),
        ("dont diplômés formés à l'étranger", _count(p.returnee_graduates)),
        ("Personnes déplacées accueillies", _count(p.displaced_hosted)),
        ("Personnes déplacées retournées", _count(p.displaced_returned)),
    ]
    texts = [("Usage des transferts", p.remittance_uses), ("Besoins de réinsertion des migrants de retour",
                                                           p.returnee_skills_needs),
             ("Transit et migrations saisonnières", p.transit_seasonal)]
    return ([{"libelle": k, "valeur": v} for k, v in rows],
            [{"libelle": k, "texte": _text(v)} for k, v in texts if _text(v)])


def _indicator(i) -> dict:
    unit = _text(i.unit)
    def shown(value) -> str:  # « Oui »/« Non » for a oui/non indicator (stored 1/0)
        yes_no = suivi.display_value(i.unit, value)
        return yes_no if yes_no in ("Oui", "Non") else number(value)

    baseline = shown(i.baseline_value) if i.baseline_value is not None else ""
    if baseline and i.baseline_year:
        baseline += f" ({i.baseline_year})"
    targets = "; ".join(f"{y} : {shown(_decimal(v))}" for y, v in sorted((i.targets or {}).items()) if v not in
                        (None, ""))
    return {"categorie": label(INDICATOR_CATEGORIES, i.category), "nom": i.name, "unite": unit or EMPTY,
            "reference": baseline or EMPTY, "cibles": targets or EMPTY, "source": _or_dash(i.source)}


def _decimal(value):
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        return value
    return d.to_integral_value() if d == d.to_integral_value() else d.normalize()


def map_png(plan, session, pf=None) -> bytes | None:
    """The static map of the territory and the actions, as the PNG route draws it; None without a territory."""
    geometry = owner_geometry(plan.owner)
    members = territory_shapes(plan.owner)
    if geometry is None and not any(m.geometry is not None for m in members):
        return None
    return build_static_map_png(plan, geometry, members=members, context=neighbour_geometries(session, geometry),
                                finance=pf)


# --- the model ---------------------------------------------------------------------------------------------

def render_docx(plan, session, template_path=None, *, changes: list[str] | None = None, with_map: bool = True,
                jinja_env=None) -> bytes:
    """The plan as .docx bytes, rendered with autoescape=True from `template_path` (default: the shipped model;
    the web layer passes an administrator's replacement when there is one)."""
    tpl = DocxTemplate(str(template_path or SHIPPED_TEMPLATE))
    context = build_context(plan, session, template=tpl, with_map=with_map, changes=changes)
    tpl.render(context, jinja_env=jinja_env, autoescape=True)
    fit_table_grids(tpl.docx)
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()


def fit_table_grids(document) -> None:
    """Give each table the column grid of its widest row's cell widths (w:tcW).

    A {%tc %} loop makes the number of columns vary (3 or 5 years); docxtpl then adds or drops w:gridCol entries
    of an average width, and LibreOffice lays tables out from the grid: without this the year columns of the PIP
    are squeezed. Tables whose cells carry no width are left alone."""
    for tbl in document.element.body.iter(qn("w:tbl")):
        best = None
        for tr in tbl.iter(qn("w:tr")):
            widths = []
            for tc in tr.findall(qn("w:tc")):
                tcw = tc.find(qn("w:tcPr") + "/" + qn("w:tcW"))
                span = tc.find(qn("w:tcPr") + "/" + qn("w:gridSpan"))
                if tcw is None or tcw.get(qn("w:type"), "dxa") != "dxa" or span is not None:
                    widths = None
                    break
                widths.append(int(tcw.get(qn("w:w"))))
            if widths and (best is None or len(widths) > len(best)):
                best = widths
        grid = tbl.find(qn("w:tblGrid"))
        if not best or grid is None:
            continue
        for col in list(grid):
            grid.remove(col)
        for width in best:
            col = OxmlElement("w:gridCol")
            col.set(qn("w:w"), str(width))
            grid.append(col)


def docx_filename(plan) -> str:
    """PDESC_Koniakary_2025-2029.docx: the owner's name in ASCII-safe characters."""
    name = unicodedata.normalize("NFKD", plan.owner.name).encode("ascii", "ignore").decode()
    name = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-") or "plan"
    return f"PDESC_{name}_{plan.period_start}-{plan.period_end}.docx"


def check_template(path) -> list[str]:
    """The problems of a model in French ([] when it can replace the shipped one): not a .docx, a Jinja syntax
    error, a variable the export does not provide, a required variable the model does not show."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as archive:
            if "word/document.xml" not in archive.namelist():
                return ["Ce fichier n'est pas un document Word (.docx) : word/document.xml est absent."]
            bad = archive.testzip()
            if bad is not None:
                return [f"Le fichier Word est endommagé ({bad})."]
    except (zipfile.BadZipFile, OSError):
        return ["Ce fichier n'est pas un document Word (.docx) lisible : il est endommagé ou d'un autre format."]
    try:
        used = DocxTemplate(str(path)).get_undeclared_template_variables()
    except TemplateSyntaxError as error:
        return [f"Balise mal formée dans le modèle (ligne {error.lineno} du XML) : {error.message}. Tapez chaque "
                "balise d'un seul trait, sans changer de mise en forme au milieu."]
    except Exception as error:  # a corrupt XML part, an unreadable package
        return [f"Le modèle ne peut pas être lu : {error}."]
    problems = []
    unknown = sorted(used - VARIABLES)
    if unknown:
        problems.append("Variables inconnues dans le modèle : " + ", ".join(unknown)
                        + ". Les variables disponibles sont décrites dans templates_docx/README.md.")
    missing = sorted(REQUIRED_VARIABLES - used)
    if missing:
        problems.append("Variables obligatoires absentes du modèle : " + ", ".join(missing) + ".")
    return problems
