"""The council document: the plan as a Word file (.docx) rendered with docxtpl from templates_docx/pdl_m.docx.

    context = build_context(plan, session)        # every value already a French string (or a list of them)
    data = render_docx(plan, session)             # bytes of the .docx, sommaire filled with the headings
    data = set_toc_pages(data, converted.toc)     # the same, with LibreOffice's page numbers (plans/documents/office)

Rules (docs/ARCHITECTURE.md, pitfalls 8–10):
- Every model, shipped or uploaded, is opened and rendered through plans/documents/template_safety.py: package
  bounds, every tag checked against this context's shape, Jinja's sandbox with StrictUndefined and autoescape.
  User text with & < > " is escaped, never parsed as XML, and a user's "{{ x }}" or "{% if %}" stays literal text
  (Jinja renders a value, it never re-reads it as a template).
- Every figure comes from plans.planning.finance (`plan_finance`) and plans.planning.indicators (funding states and
  their labels, `funding_sentence`; the diaspora annex lists indicators.diaspora_lines) and is formatted by
  plans.core.formatting (1 234 567 FCFA, 12 mars 2026, 9,69 %): the template only places strings; it adds up
  nothing. The résumé's funding table and chapter V's are the SAME list (`etats_financement`). Shares have
  SHARE_DIGITS decimals everywhere, as on the web pages; years and codes are printed as typed (2019, never
  « 2 019 »); an indicator « oui/non » prints Oui or Non.
- The diaspora associations appear WITHOUT their contact details, and an action whose location is masked
  (« masquee ») WITHOUT its coordinates: the document is public (plans.maps.plan_map decides what is placed).
- The static map PNG (plans.maps.static_map) is embedded with InlineImage.
- After rendering (`finish`): the sommaire is filled with the headings of levels 1–2 (page numbers come from
  LibreOffice, `set_toc_pages`); every data table's columns are laid out from what its cells hold (no word of a
  header or a cell is broken: widths measured with plans/documents/metrics.py); small tables are kept on one
  page and a long one never leaves its last row alone; the document properties carry the plan's title.
- A model uploaded by an administrator (instance folder, see app/planning/export.py) replaces the shipped one once
  plans/documents/template_check.py accepts it.
"""
from __future__ import annotations

import io
import re
import unicodedata
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm
from docxtpl import InlineImage

from plans.core.formatting import country_name, date_long, fcfa, number, percent
from plans.core.vocab import (
    ACTION_STATUSES,
    CODEV_STATES,
    FINDING_THEMES,
    FUNDING_SOURCES,
    FUNDING_STATUSES,
    GUIDE_VERSIONS,
    INDICATOR_CATEGORIES,
    MIGRATION_TAGS,
    POPULATION_SOURCES,
    PROCESS_STEPS,
    RELIABILITY,
    SECTORS,
    TRENDS,
    label,
)
from plans.documents import template_safety
from plans.documents.metrics import text_width
from plans.maps.plan_map import MASKED, NOT_LOCATED, map_actions, territory_shapes
from plans.maps.static_map import build_static_map_png, neighbour_geometries
from plans.owners.service import owner_geometry
from plans.planning import finance, indicators
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
BLANK = "…………………"  # a dotted blank the secretary fills by hand (the deliberation)
SHARE_DIGITS = 2  # every share of the document, as on the web pages (finance.share_of keeps 2 decimals)
TOC_LEVELS = 2  # the sommaire lists chapters (Heading 1) and sections (Heading 2)
TOC_NOTE = ("Numéros de page : ils s'inscrivent quand le sommaire est mis à jour (Word le propose à l'ouverture ; "
            "LibreOffice : Outils › Mettre à jour › Tout mettre à jour).")
LEGAL_BASIS = "Vu la loi n° 2017-051 du 2 octobre 2017 portant Code des collectivités territoriales ;"

# Every variable a model may use (templates_docx/README.md documents each one).
VARIABLES = frozenset({
    "actions_diaspora", "adopte", "annees", "associations", "axes", "bilan_precedent", "carte", "carte_legende",
    "cercle", "chiffres_cles", "codev", "collectivite", "constats", "contexte", "criteres", "date_edition",
    "deliberation", "demarche", "demarche_textes", "demarche_totaux", "destinations", "destinations_total",
    "diagnostics", "diaspora_montant", "diaspora_part", "etats_financement", "fiches", "fiches_texte", "financement",
    "financement_part", "financement_textes", "financement_total", "financement_totaux_annees", "grille_texte",
    "indicateurs", "localites_textes", "membres", "membres_table", "mention_projet", "migration_chiffres",
    "migration_textes", "modifications", "par_axe", "par_secteur", "par_secteur_part_totale", "participants_texte",
    "periode", "pia", "pia_annee", "pia_financement_total", "pia_par_source", "pia_texte", "pia_total", "pip",
    "pip_nombre", "pip_total", "pip_totaux_annees", "population", "population_textes", "priorites",
    "programmation_textes", "region", "resume", "resume_chiffres", "sigles", "signataire", "statut", "suivi_texte",
    "territoire", "territoire_fiche", "titre", "titre_court", "version",
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


def _share(value) -> str:
    return percent(value, SHARE_DIGITS)


def _year(value) -> str:
    """A year as written, never grouped like an amount (2019, not « 2 019 »)."""
    return str(int(value)) if value is not None else EMPTY


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


def _degrees(value: float, positive: str, negative: str) -> str:
    """14.5869 → « 14° 35′ N »: a location as an atlas writes it."""
    hemisphere = positive if value >= 0 else negative
    minutes = round(abs(value) * 60)
    return f"{minutes // 60}° {minutes % 60:02d}′ {hemisphere}"


_UNITS = ("", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix", "onze", "douze",
          "treize", "quatorze", "quinze", "seize", "dix-sept", "dix-huit", "dix-neuf")
_TENS = {2: "vingt", 3: "trente", 4: "quarante", 5: "cinquante", 6: "soixante", 8: "quatre-vingt"}


def _below_hundred(n: int) -> str:
    if n < 20:
        return _UNITS[n]
    tens, unit = divmod(n, 10)
    if tens in (7, 9):  # soixante-dix…, quatre-vingt-dix…
        return f"{_TENS[tens - 1]}{'-et-' if n == 71 else '-'}{_UNITS[10 + unit]}"
    if unit == 0:
        return _TENS[tens] + ("s" if tens == 8 else "")
    return f"{_TENS[tens]}{'-et-' if unit == 1 and tens != 8 else '-'}{_UNITS[unit]}"


def year_in_words(year: int) -> str:
    """2025 → « deux mille vingt-cinq », as the deliberation writes the year (2000–2099; others as figures)."""
    if not 2000 <= year <= 2099:
        return str(year)
    rest = year - 2000
    return "deux mille" + (f" {_below_hundred(rest)}" if rest else "")


# --- the context -------------------------------------------------------------------------------------------

def build_context(plan, session, *, template=None, with_map: bool = True, changes: list[str] | None = None) -> dict:
    """Every value the model shows, as French strings, lists and small dicts of strings.

    `template` (a DocxTemplate) is needed for the map (InlineImage); without it, or with `with_map=False`,
    `carte` is a sentence saying the map is missing. `changes`: the "Modifications depuis la dernière version
    adoptée" lines (plans/review/diff.py)."""
    # The actions, their lines and schedules in a few queries, even when the plan was loaded without them (a
    # plan already in the session ignores loader options unless its rows are read again).
    plan = session.get(Plan, plan.id, options=finance.load_options(), populate_existing=True) or plan
    pf = finance.plan_finance(plan)
    owner = plan.owner
    years = list(pf.years)
    adopted = plan.status == PlanStatus.ADOPTE
    collectivite = owner_label(owner)
    region, cercle = _place(owner)
    members = sorted(owner.member_units, key=lambda u: (u.is_foreign, u.display_name)) if owner.is_grouping else []
    entries = map_actions(plan, pf)  # where each action goes: a masked one has no coordinates here

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
    states = indicators.funding_states(pf)

    # Résumé: the key figures and the funding states, the same rows as chapter V's (one figure per fact)
    ctx["resume"] = _text(plan.summary)
    population, population_year = indicators.latest_population(plan)
    profile = plan.migration_profile
    ctx["chiffres_cles"] = [{"libelle": k, "valeur": v} for k, v in (
        ("Période", f"{ctx['periode']} ({len(years)} ans)"),
        ("Population (dernier chiffre connu)",
         f"{number(population)} habitants ({population_year})" if population else EMPTY),
        ("Émigrés", _count(profile.emigrants_total) if profile is not None else EMPTY),
        ("Actions du PIP", str(len(plan.actions))),
        ("Coût total du PIP", fcfa(pf.total)),
        ("Apport de la diaspora", f"{fcfa(pf.diaspora_amount)} ({_share(pf.diaspora_share)} du coût total)"),
        ("Actions liées à la migration", str(pf.migration_actions)),
        (f"PIA {pf.pia_year}" if pf.pia_year else "PIA", fcfa(pf.pia_total)),
    )]
    ctx["etats_financement"] = [
        {"etat": state.label, "montant": number(amount), "part": _share(finance.share_of(amount, pf.total)),
         "sens": state.meaning[:1].upper() + state.meaning[1:] + "."}
        for state, amount in states.rows()]
    ctx["resume_chiffres"] = [
        f"Programme : {len(plan.actions)} actions pour un coût total de {fcfa(pf.total)}.",
        funding_sentence(states),
        f"Apport de la diaspora : {fcfa(pf.diaspora_amount)}, soit {_share(pf.diaspora_share)} du coût total.",
    ]

    # I Introduction
    guide = label(GUIDE_VERSIONS, plan.guide_version)
    ctx["contexte"] = [t for t in (
        f"Le présent document est le plan de développement de la collectivité « {collectivite} » pour la période "
        f"{ctx['periode']}. Il intègre la migration dans le diagnostic, les orientations et la programmation.",
        f"Il a été élaboré selon le {guide[:1].lower() + guide[1:]}." if guide else "",
    ) if t]
    ctx["demarche_textes"] = [t for t in (
        f"Facilitation : {_text(plan.facilitators)}." if _text(plan.facilitators) else "",
        f"Financement du processus : {_text(plan.process_funders)}." if _text(plan.process_funders) else "",
        "Les étapes de l'élaboration sont les suivantes ; l'annexe 2 détaille leurs participants (hommes, "
        "femmes, jeunes, membres de la diaspora)." if plan.process_steps else
        "Aucune étape de la démarche n'est encore renseignée.",
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
        for key, value in (("hommes", men), ("femmes", women), ("jeunes", youth), ("diaspora", diaspora)):
            totals[key] += value
    ctx["demarche"] = steps
    # The review of the previous plan as typed (pre-filled by plans/execution/nextplan.py): one paragraph per line
    ctx["bilan_precedent"] = [line.strip() for line in (plan.previous_review or "").splitlines() if line.strip()]
    ctx["demarche_totaux"] = {k: number(v) for k, v in totals.items()} | {
        "total": number(totals["hommes"] + totals["femmes"])}
    ctx["participants_texte"] = (
        f"{number(totals['hommes'] + totals['femmes'])} participations aux {len(steps)} étapes, dont "
        f"{number(totals['femmes'])} de femmes, {number(totals['jeunes'])} de jeunes et {number(totals['diaspora'])} "
        "de membres de la diaspora (une même personne est comptée à chaque étape où elle était présente ; jeunes "
        "et diaspora sont compris dans les hommes et les femmes)." if steps else
        "Aucune étape de la démarche n'est encore renseignée.")

    # II Territory
    ctx.update(_territory(owner, collectivite, region, cercle, members, plan, population, population_year))
    placed = sum(1 for e in entries if e.placed)
    masked = sum(1 for e in entries if e.location == MASKED)
    ctx["carte_legende"] = (f"Carte du territoire et des actions localisées ({placed} sur {len(plan.actions)}"
                            + (f" ; {masked} à localisation masquée, non représentée{'s' if masked > 1 else ''}"
                               if masked else "") + "). Fond : limites administratives.")
    ctx["carte"] = "(carte non disponible)"
    if template is not None and with_map:
        png = map_png(plan, session, pf)
        if png:
            ctx["carte"] = InlineImage(template, io.BytesIO(png), width=Mm(MAP_WIDTH_MM))

    # III Situation
    ctx["diagnostics"] = [{"titre": label(SECTORS, d.sector) + (f" — {d.sub_sector}" if _text(d.sub_sector) else ""),
                           "constats": _or_dash(d.findings_text), "atouts": _or_dash(d.assets),
                           "contraintes": _or_dash(d.constraints), "potentialites": _or_dash(d.potentials)}
                          for d in plan.sector_diagnostics]
    findings_number = {f.id: i for i, f in enumerate(plan.findings, 1)}
    ctx["constats"] = [{"theme": label(FINDING_THEMES, f.theme), "texte": f"{f.text} (C{i})"}
                       for i, f in enumerate(plan.findings, 1)]
    ctx["migration_chiffres"], ctx["migration_textes"] = _migration(profile)
    destinations = list(plan.destinations)
    ctx["destinations"] = [{"pays": country_name(d.country), "ville": _or_dash(d.city), "effectif": _count(d.count),
                            "tendance": label(TRENDS, d.trend)} for d in destinations]
    ctx["destinations_total"] = number(sum(d.count or 0 for d in destinations))
    ctx["associations"] = [{"nom": a.name, "pays": country_name(a.host_country), "ville": _or_dash(a.host_city),
                            "sections": ", ".join(s.strip() for s in (a.sections or "").splitlines() if s.strip())
                            or EMPTY, "secteurs": _sectors(a.sectors) or EMPTY}
                           for a in associations_of(session, owner)]  # no contact details: a public document
    ctx["codev"] = [{"titre": c.title, "localite": _or_dash(c.locality), "secteur": label(SECTORS, c.sector),
                     "annee": _year(c.year), "cout": number(c.cost_fcfa) or EMPTY,
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
    # The ranking table has one narrow column per criterion: headed by a code (K1, K2…), named in the criteria table
    ctx["criteres"] = [{"code": f"K{n}", "nom": c.name, "poids": str(c.weight)} for n, c in enumerate(criteria, 1)]
    ctx["grille_texte"] = (f"Chaque priorité est notée de {SCORE_MIN} à {SCORE_MAX} sur chaque critère ; la note est "
                           f"multipliée par le poids du critère. Score maximal : {number(max_score)}. Les colonnes "
                           "K1, K2… du classement sont les critères du tableau ci-dessous.")
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
    ctx["deliberation"] = _deliberation(plan, owner, collectivite, cercle, ctx, pf, adopted)
    ctx["fiches"] = [_fiche(plan, f, entry, n) for n, (f, entry) in enumerate(zip(pf.figures, entries), 1)]
    ctx["fiches_texte"] = (f"Une fiche par action du PIP ({len(pf.figures)} actions), dans l'ordre du PIP : ce que "
                           "demande un partenaire financier pour instruire une demande de financement.")
    return ctx


def _territory(owner, collectivite, region, cercle, members, plan, population, population_year) -> dict:
    """Chapter II: where the collectivité lies, its codes and area, its population by source and year, the
    localities the plan names; for a grouping its members and their countries."""
    unit = owner.unit
    kind = owner.kind_label.lower() if owner.is_grouping else owner.kind.label.lower()
    if unit is not None and unit.kind:
        kind += f" {unit.kind}"
    texts = []
    if owner.is_grouping:
        foreign = [u for u in members if u.is_foreign]
        countries = sorted({territory_country(u.country_iso3) for u in members})
        texts.append(f"{collectivite} est un {kind} qui réunit {len(members)} collectivités"
                     + (f" de {len(countries)} pays ({', '.join(countries)})" if foreign else "")
                     + (f", situées dans la région de {region}" + (f" (cercle de {cercle})" if cercle else "")
                        if region and not foreign else "") + ".")
    else:
        texts.append(f"La {kind} de {owner.name} est située dans la région de {region}"
                     + (f", cercle de {cercle}" if cercle else "") + "." if region else
                     f"{collectivite} : {kind}.")
    rows = [("Type de collectivité", kind[:1].upper() + kind[1:])]
    if region:
        rows.append(("Région" + ("s" if "," in region else ""), region))
    if cercle:
        rows.append(("Cercle" + ("s" if "," in cercle else ""), cercle))
    if unit is not None:
        rows.append(("Code (P-code OCHA)", unit.code))
        if unit.area_km2:
            rows.append(("Superficie", f"{number(round(unit.area_km2))} km²"))
        if unit.label_lat is not None and unit.label_lon is not None:
            rows.append(("Situation (centre du territoire)",
                         f"{_degrees(unit.label_lat, 'N', 'S')}, {_degrees(unit.label_lon, 'E', 'O')}"))
    if owner.is_grouping:
        rows.append(("Collectivités membres", str(len(members))))
        if owner.founding_act_ref:
            rows.append(("Acte de création", owner.founding_act_ref
                         + (f" du {date_long(owner.founding_act_date)}" if owner.founding_act_date else "")))
    if population:
        rows.append(("Population (dernier chiffre connu)", f"{number(population)} habitants ({population_year})"))

    records = list(plan.population_records)
    population_texts = [
        f"La population est connue par {len(records)} chiffre{'s' if len(records) > 1 else ''}, de sources et "
        f"d'années différentes ; le plus récent, {number(population)} habitants ({population_year}), sert aux "
        "ratios du plan (coût par habitant, émigrés pour 1 000 habitants)." if population else
        "Aucun chiffre de population n'est encore renseigné."]
    localities: list[str] = []
    for text in [a.localities for a in plan.actions] + [c.locality for c in plan.codev_projects]:
        for name in re.split(r"[,;\n]", text or ""):
            name = name.strip()
            if name and name.casefold() not in {n.casefold() for n in localities}:
                localities.append(name)
    locality_texts = [
        "Localités où le plan prévoit des actions ou a recensé des projets de codéveloppement : "
        + ", ".join(localities) + "." if localities else
        "Le plan ne nomme encore aucune localité (village, quartier ou fraction).",
        f"Liste complète des villages, quartiers et fractions de la collectivité : {BLANK}"]
    return {"territoire": texts, "territoire_fiche": [{"libelle": k, "valeur": v} for k, v in rows],
            "population": [{"annee": _year(r.year), "population": number(r.value),
                            "source": label(POPULATION_SOURCES, r.source), "note": _or_dash(r.note)}
                           for r in records],
            "population_textes": population_texts, "localites_textes": locality_texts}


def _deliberation(plan, owner, collectivite, cercle, ctx, pf, adopted) -> dict:
    """The extract of the deliberation in the Malian administrative form; a dotted blank wherever the plan does not
    hold the fact (date, convocation, members present and represented, votes, the signatory's name)."""
    commune = owner.kind.value == "commune"
    organ = (f"le conseil communal de {owner.name}" if commune else
             f"le conseil de cercle de {owner.name}" if owner.kind.value == "cercle" else
             f"le conseil régional de {owner.name}" if owner.kind.value == "region" else
             f"l'organe délibérant de « {owner.name} »")
    registre = ("DU CONSEIL COMMUNAL" if commune else "DU CONSEIL DE CERCLE" if owner.kind.value == "cercle" else
                "DU CONSEIL RÉGIONAL" if owner.kind.value == "region" else "DE L'ORGANE DÉLIBÉRANT")
    when = plan.deliberation_date
    session_name = _text(plan.council_session) or f"session {BLANK}"
    day = (f"L'an {year_in_words(when.year)}, le {date_long(when)}" if when else
           f"L'an {BLANK}, le {BLANK}")
    chair = "du Maire" if commune else "du Président"
    restitution = [s for s in plan.process_steps if s.step == "restitution" and s.date]
    visas = [LEGAL_BASIS]
    guide = label(GUIDE_VERSIONS, plan.guide_version)
    if guide:
        visas.append(f"Vu le {guide[:1].lower() + guide[1:]} ;")
    if restitution:
        visas.append(f"Vu les résultats de la restitution publique du {date_long(restitution[-1].date)} ;")
    visas.append(f"Vu la convocation n° {BLANK} du {BLANK} ;")
    object_line = (f"portant adoption du Plan de développement économique, social et culturel (PDESC) intégrant "
                   f"la migration, période {ctx['periode']}")
    authority = _text(plan.transmission_authority) or (f"Préfet du cercle de {cercle}" if commune and cercle else
                                                        "Représentant de l'État (tutelle)")
    ampliations = [authority, "Direction générale des collectivités territoriales (DGCT)",
                   "Agence nationale d'investissement des collectivités territoriales (ANICT)",
                   "Archives", "Affichage"]
    header_lines = [line.upper() for line in (
        [f"Région de {ctx['region']}"] if ctx["region"] and "," not in ctx["region"] else []) + (
        [f"Cercle de {cercle}"] if cercle and "," not in cercle else []) + [collectivite]]
    return {
        "numero": _text(plan.deliberation_number) or BLANK, "date": date_long(when) or BLANK,
        "session": _text(plan.council_session) or BLANK,
        "autorite": "\n".join(header_lines),
        "organe_registre": registre,
        "objet": object_line,
        "preambule": [
            f"{day}, {organ}, régulièrement convoqué le {BLANK}, s'est réuni en {session_name} dans la salle "
            f"de délibérations, sous la présidence {chair}, {BLANK}.",
            f"Membres en exercice : {BLANK} ; présents : {BLANK} ; représentés : {BLANK} ; absents : {BLANK}.",
            f"Secrétaire de séance : {BLANK}.",
        ],
        "visas": visas,
        "decision": "ADOPTE",
        "articles": [
            {"numero": "1", "texte": f"Est adopté le PDESC «\u00a0{plan.title}\u00a0» de la collectivité "
                                     f"«\u00a0{collectivite}\u00a0» "
                                     f"pour la période {ctx['periode']}, d'un coût total de {fcfa(pf.total)}, "
                                     f"annexé à la présente délibération."},
            {"numero": "2", "texte": f"{ctx['signataire']} est chargé de sa mise en œuvre et de son suivi, avec "
                                     "le comité de pilotage et le CCOCSAD, et de l'inscription de chaque plan "
                                     "d'investissement annuel (PIA) au budget."},
            {"numero": "3", "texte": "La présente délibération sera transmise au représentant de l'État et "
                                     "publiée partout où besoin sera."},
        ],
        "votes": f"Votants : {BLANK} ; pour : {BLANK} ; contre : {BLANK} ; abstentions : {BLANK}.",
        "lieu_date": f"Ont signé au registre les membres présents. Pour extrait certifié conforme, "
                     f"{owner.name}, le {BLANK}",
        "ampliations": ampliations,
        "ampliations_texte": "\n".join(f"{a} : 1" for a in ampliations),
        "signataire_nom": BLANK,
        "texte": ("" if adopted else "Le plan n'est pas encore adopté : l'extrait est complété à la main après la "
                  "délibération du conseil."),
    }


def _fiche(plan, f, entry, n) -> dict:
    """One action's sheet (docs/DOMAIN.md §12): every figure from its finance.ActionFigures."""
    a = f.action
    objective = getattr(a, "objective", None)
    axis = getattr(objective, "axis", None) if objective is not None else None
    tags = indicators.migration_tags(f)
    served = suivi.indicators_served(plan.indicators, tags)
    unit = _text(a.unit)
    quantity = _quantity(a.quantity) + (f" {unit}" if unit else "")
    cost = f"{quantity} × {fcfa(a.unit_cost or 0)} = {fcfa(f.computed_total)}"
    if a.total_override is not None and f.total != f.computed_total:
        cost += f" ; coût retenu : {fcfa(f.total)} ({_text(a.override_reason) or 'motif non précisé'})"
    if entry.location == MASKED:
        where = "Localisation masquée (site sensible) : les coordonnées ne sont pas publiées."
    elif entry.location == NOT_LOCATED:
        where = "Non localisée sur la carte."
    else:
        where = f"{_degrees(entry.lat, 'N', 'S')}, {_degrees(entry.lon, 'E', 'O')} ({entry.location_label})"
    rows = [
        ("Secteur", label(SECTORS, a.sector) + (f" — {a.sub_sector}" if _text(a.sub_sector) else "")),
        ("Axe stratégique", axis.title if axis is not None else EMPTY),
        ("Objectif spécifique", objective.title if objective is not None else EMPTY),
        ("Description", a.title),
        ("Résultats attendus", _or_dash(a.expected_results)),
        ("Localité(s)", _or_dash(a.localities)),
        ("Point sur la carte", where),
        ("Maître d'ouvrage", _or_dash(a.maitre_ouvrage)),
        ("Statut", label(ACTION_STATUSES, a.status or "prevu")),
        ("Quantité × coût unitaire", cost),
        ("Liens avec la migration", ", ".join(label(MIGRATION_TAGS, t) for t in tags) or "Aucun"),
    ]
    lines = []
    for line, amount in zip(a.funding_lines, f.line_amounts):
        association = getattr(line, "association", None)
        funder = association.name if association is not None else _text(line.source_name)
        lines.append({"source": label(FUNDING_SOURCES, line.source_type), "financeur": funder or EMPTY,
                      "statut": label(FUNDING_STATUSES, line.status or finance.DEFAULT_STATUS),
                      "montant": number(amount), "part": _share(finance.share_of(amount, f.total))})
    return {
        "numero": str(n), "titre": a.title, "lignes": [{"libelle": k, "valeur": v} for k, v in rows],
        "programmation": [{"annee": _year(y), "montant": number(v)} for y, v in f.schedule_by_year.items()],
        "cout_total": number(f.total), "financements": lines, "finance_total": number(f.funded),
        "finance_part": _share(finance.share_of(f.funded, f.total)),
        "financement_texte": funding_sentence(indicators.funding_states(f)),
        "indicateurs": " ; ".join(i.name for i in served) if served else
        "aucun indicateur du chapitre VI ne suit spécifiquement cette action.",
    }


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
        "le plan d'investissement annuel (PIA) reprend la première année. Chaque action a sa fiche en annexe 4.",
    ]
    ctx["par_secteur"] = [{"secteur": label(SECTORS, k), "total": number(v),
                           "part": _share(finance.share_of(v, pf.total))} for k, v in pf.by_sector.items()]
    ctx["par_secteur_part_totale"] = _share(finance.share_of(pf.total, pf.total) if pf.total else 0)
    ctx["par_axe"] = [{"titre": a.title, "nombre": str(a.count), "total": number(a.total)} for a in pf.by_axis]

    ctx["financement"] = [{"source": label(FUNDING_SOURCES, src), "annees": [number(row.get(y, 0)) for y in years],
                           "total": number(pf.by_source.get(src, 0)),
                           "part": _share(finance.share_of(pf.by_source.get(src, 0), pf.total))}
                          for src, row in pf.matrix.items()]
    ctx["financement_totaux_annees"] = [number(pf.matrix_year_totals.get(y, 0)) for y in years]
    ctx["financement_total"] = number(pf.funded)
    ctx["financement_part"] = _share(finance.share_of(pf.funded, pf.total))
    ctx["diaspora_montant"] = number(pf.diaspora_amount)
    ctx["diaspora_part"] = _share(pf.diaspora_share)
    ctx["financement_textes"] = [
        f"Coût total du PIP : {fcfa(pf.total)} ; financements identifiés : {fcfa(pf.funded)} "
        f"({_share(finance.share_of(pf.funded, pf.total))}).",
        f"Ressources internes (budget communal, population) : {fcfa(pf.internal)} ; ressources externes : "
        f"{fcfa(pf.external)}.",
        f"Part de la diaspora : {fcfa(pf.diaspora_amount)}, soit {_share(pf.diaspora_share)} du coût total.",
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
                             "part": _share(finance.share_of(amount, f.total))})
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
        ("Année et source des données", " — ".join(x for x in (_year(p.data_year) if p.data_year else "",
                                                                _text(p.source)) if x) or EMPTY),
        ("Fiabilité", label(RELIABILITY, p.reliability) or EMPTY),
        ("Ménages ayant au moins un émigré", _share(p.households_with_emigrant_pct) or EMPTY),
        ("Ménages recevant des transferts", _share(p.households_receiving_remittances_pct) or EMPTY),
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


YEAR_UNITS = frozenset({"annee", "année", "an", "annees", "années"})


def _indicator(i) -> dict:
    unit = _text(i.unit)
    is_year = unit.casefold() in YEAR_UNITS

    def shown(value) -> str:  # « Oui »/« Non » for a oui/non indicator (stored 1/0); a year as written
        yes_no = suivi.display_value(i.unit, value)
        if yes_no in ("Oui", "Non"):
            return yes_no
        if is_year and value is not None and Decimal(str(value)) == int(Decimal(str(value))):
            return _year(int(Decimal(str(value))))
        return number(value)

    baseline = shown(_decimal(i.baseline_value)) if i.baseline_value is not None else ""
    if baseline and i.baseline_year:
        baseline += f" ({_year(i.baseline_year)})"
    targets = "\n".join(f"{y}\u00a0:\u00a0{shown(_decimal(v))}"  # one target a line, never split
                         for y, v in sorted((i.targets or {}).items()) if v not in (None, ""))
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
                toc_note: bool = True) -> bytes:
    """The plan as .docx bytes, rendered in the sandbox of template_safety from `template_path` (default: the
    shipped model; the web layer passes an administrator's replacement when there is one), then finished
    (`finish`). A model that breaks a rule or fails raises template_safety.TemplateRefused (French reasons).
    `toc_note=False` when LibreOffice will number the sommaire (the note saying it is not numbered would lie)."""
    tpl = template_safety.open_template(template_path or SHIPPED_TEMPLATE)
    context = build_context(plan, session, template=tpl, with_map=with_map, changes=changes)
    template_safety.render(tpl, context)
    finish(tpl.docx, plan, context, toc_note=toc_note)
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()


def finish(document, plan, context: dict, *, toc_note: bool = True) -> None:
    """What the template cannot say: the sommaire's lines, the tables' column widths, tables kept together, the
    document's properties."""
    write_toc(document, [(level, text, None) for level, text in headings(document)],
              note=TOC_NOTE if toc_note else None)
    layout_tables(document)
    keep_tables_together(document)
    properties = document.core_properties
    properties.title = plan.title
    properties.subject = f"{context['collectivite']} — PDESC {context['periode']}"
    properties.keywords = "PDESC; PDL-M; migration; " + context["collectivite"]
    properties.category = context["statut"]
    properties.language = "fr-FR"
    properties.author = context["collectivite"]
    properties.last_modified_by = "PDL-M"
    properties.comments = context["mention_projet"]
    properties.revision = int(context["version"])
    now = datetime.now(timezone.utc).replace(microsecond=0, tzinfo=None)
    properties.created = properties.modified = now


def set_toc_pages(data: bytes, toc: list[dict]) -> bytes:
    """The .docx with the sommaire LibreOffice laid out (plans.documents.office.Converted.toc: level, text, page),
    page numbers included; Word is no longer asked to update the fields on opening (they are right)."""
    if not toc:
        return data
    document = Document(io.BytesIO(data))
    write_toc(document, [(int(e.get("level") or 1), str(e.get("text") or ""), str(e.get("page") or "") or None)
                         for e in toc if e.get("text")], note=None)
    settings = document.settings.element
    for update in settings.findall(qn("w:updateFields")):
        settings.remove(update)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def headings(document, levels: int = TOC_LEVELS) -> list[tuple[int, str]]:
    """(level, text) of the body's headings of levels 1…`levels`, in order (what the sommaire lists)."""
    wanted = {f"Heading{n}": n for n in range(1, levels + 1)}
    out = []
    for p in document.element.body.iterchildren(qn("w:p")):
        style = p.find(qn("w:pPr") + "/" + qn("w:pStyle"))
        level = wanted.get(style.get(qn("w:val"))) if style is not None else None
        if level is not None:
            text = "".join(t.text or "" for t in p.iter(qn("w:t"))).strip()
            if text:
                out.append((level, text))
    return out


def _toc_field(body):
    """(first, last) paragraphs of the body's TOC field, or None: from the paragraph whose instruction starts with
    TOC to the one holding the field's closing fldChar (nested fields, e.g. Word's PAGEREF, counted)."""
    paragraphs = list(body.iterchildren(qn("w:p")))
    for i, p in enumerate(paragraphs):
        if not any((t.text or "").strip().startswith("TOC") for t in p.iter(qn("w:instrText"))):
            continue
        depth = 0
        for last in paragraphs[i:]:
            for char in last.iter(qn("w:fldChar")):
                kind = char.get(qn("w:fldCharType"))
                depth += 1 if kind == "begin" else -1 if kind == "end" else 0
                if depth == 0 and kind == "end":
                    return p, last
        return p, paragraphs[-1]
    return None


def _run(child=None, text: str | None = None):
    run = OxmlElement("w:r")
    if child is not None:
        run.append(child)
    if text is not None:
        t = OxmlElement("w:t")
        t.set(qn("xml:space"), "preserve")
        t.text = text
        run.append(t)
    return run


def _fld_char(kind: str):
    char = OxmlElement("w:fldChar")
    char.set(qn("w:fldCharType"), kind)
    return char


def write_toc(document, entries: list[tuple[int, str, str | None]], *, note: str | None) -> bool:
    """Replace the TOC field's result by one paragraph per entry (style « toc N », the title, then a tab and the
    page when known). `note` (a sentence saying the pages are not numbered yet) follows the field; an earlier note
    is removed. False when the model has no TOC field."""
    body = document.element.body
    found = _toc_field(body)
    if found is None:
        return False
    first, last = found
    instruction = "".join(t.text or "" for t in first.iter(qn("w:instrText"))) or ' TOC \\o "1-2" \\h \\z \\u '
    following = last.getnext()
    if following is not None and following.tag == qn("w:p") and \
            "".join(t.text or "" for t in following.iter(qn("w:t"))) == TOC_NOTE:
        body.remove(following)
    anchor = first.getprevious()
    paragraphs = list(body.iterchildren(qn("w:p")))
    for p in paragraphs[paragraphs.index(first):paragraphs.index(last) + 1]:
        body.remove(p)
    new = []
    for level, text, page in entries or [(1, "(aucun titre)", None)]:
        p = OxmlElement("w:p")
        ppr = OxmlElement("w:pPr")
        style = OxmlElement("w:pStyle")
        style.set(qn("w:val"), f"TOC{min(max(level, 1), 9)}")
        ppr.append(style)
        p.append(ppr)
        p.append(_run(text=text))
        if page:
            p.append(_run(OxmlElement("w:tab")))
            p.append(_run(text=page))
        new.append(p)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = instruction
    first_ppr = new[0].find(qn("w:pPr"))
    for element in reversed((_run(_fld_char("begin")), _run(instr), _run(_fld_char("separate")))):
        first_ppr.addnext(element)
    new[-1].append(_run(_fld_char("end")))
    if note:
        p = OxmlElement("w:p")
        ppr = OxmlElement("w:pPr")
        style = OxmlElement("w:pStyle")
        style.set(qn("w:val"), "Caption")
        ppr.append(style)
        p.append(ppr)
        p.append(_run(text=note))
        new.append(p)
    for p in new:
        if anchor is None:
            body.insert(0, p)
        else:
            anchor.addnext(p)
        anchor = p
    return True


# Table layout: widths from content, in twentieths of a point (twips), as Word stores them.
CELL_PADDING = 70 * 2 + 30  # the table style's left and right cell margins, and a little room for rounding
DEFAULT_SIZE = 9.0  # pt, when a run names no size


def _section_widths(body) -> list[int]:
    """The text width (twips) of each section, in order: page width minus the left and right margins."""
    widths = []
    for sect in [p.find(qn("w:pPr") + "/" + qn("w:sectPr")) for p in body.iterchildren(qn("w:p"))] + \
            [body.find(qn("w:sectPr"))]:
        if sect is None:
            continue
        size, margins = sect.find(qn("w:pgSz")), sect.find(qn("w:pgMar"))
        try:
            width = int(size.get(qn("w:w"))) - int(margins.get(qn("w:left"))) - int(margins.get(qn("w:right")))
        except (AttributeError, TypeError, ValueError):
            width = 9411  # A4 portrait with 2.2 cm margins
        widths.append(width)
    return widths or [9411]


W_P, W_R, W_T, W_BR, W_CR, W_SZ, W_B, W_VAL = (qn(f"w:{t}") for t in ("p", "r", "t", "br", "cr", "sz", "b", "val"))
W_TC, W_TR, W_PPR, W_KEEP_NEXT, W_PSTYLE = (qn(f"w:{t}") for t in ("tc", "tr", "pPr", "keepNext", "pStyle"))


@lru_cache(maxsize=65536)
def _word_width(word: str, size: float, bold: bool) -> float:
    return text_width(word, size, bold) * 20


def _cell_measure(tc, bold_row: bool) -> tuple[float, float]:
    """(longest word, longest line) of a cell, in twips, at the size and weight of its runs. One pass over the
    cell's elements in document order; a word's width is measured once (cached: tables repeat their words)."""
    longest_word = longest_line = 0.0
    size, bold, parts = DEFAULT_SIZE, bold_row, []

    def flush():
        nonlocal longest_word, longest_line
        for line in "".join(parts).split("\n"):
            width = 0.0
            for word in line.split(" "):
                if word:
                    w = _word_width(word, size, bold)
                    longest_word = max(longest_word, w)
                    width += w
            width += line.count(" ") * _word_width(" ", size, bold)
            longest_line = max(longest_line, width)

    for element in tc.iter(W_P, W_T, W_SZ, W_B, W_BR, W_CR):
        tag = element.tag
        if tag == W_T:
            parts.append(element.text or "")
        elif tag == W_P:
            if parts:
                flush()
            size, bold, parts = DEFAULT_SIZE, bold_row, []
        elif tag == W_SZ:
            size = int(element.get(W_VAL)) / 2
        elif tag == W_B:
            bold = bold or element.get(W_VAL) not in ("0", "false")
        else:
            parts.append("\n")
    if parts:
        flush()
    return longest_word + CELL_PADDING, longest_line + CELL_PADDING


def layout_tables(document) -> None:
    """Lay out every data table (one with a repeated header row) from what its cells hold, HTML's automatic table
    layout: each column at least as wide as its longest word (header words in bold), the rest of the section's
    width shared in proportion to how much wider each column's longest line is. A table whose content fits is
    spread over the whole width. Then the grid, every cell's width and a fixed layout are written, so Word and
    LibreOffice (which lays tables out from w:tblGrid) draw the same columns. Tables with merged cells are left
    alone; a {%tc %} loop changes the number of columns, which this absorbs."""
    body = document.element.body
    widths = _section_widths(body)
    section = 0
    for child in body.iterchildren():
        if child.tag == qn("w:p"):
            if child.find(qn("w:pPr") + "/" + qn("w:sectPr")) is not None:
                section = min(section + 1, len(widths) - 1)
            continue
        if child.tag == qn("w:tbl"):
            _layout_table(child, widths[section])
    for tbl_pr in body.iter(qn("w:tblPr")):
        _order_tbl_pr(tbl_pr)


W_TRPR_HEADER, W_TCPR, W_GRID_SPAN, W_TCW, W_W, W_TYPE = (
    qn("w:trPr") + "/" + qn("w:tblHeader"), qn("w:tcPr"), qn("w:gridSpan"), qn("w:tcW"), qn("w:w"), qn("w:type"))


def _layout_table(tbl, available: int) -> None:
    rows = tbl.findall(W_TR)
    if not rows or rows[0].find(W_TRPR_HEADER) is None:
        return
    grid_rows = [tr.findall(W_TC) for tr in rows]
    if any(tc.find(W_TCPR + "/" + W_GRID_SPAN) is not None for cells in grid_rows for tc in cells):
        return
    n = max(len(cells) for cells in grid_rows)
    minimum, preferred = [0.0] * n, [0.0] * n
    for index, (tr, cells) in enumerate(zip(rows, grid_rows)):
        if len(cells) != n:
            continue
        header = index == 0 or tr.find(W_TRPR_HEADER) is not None
        for j, tc in enumerate(cells):
            word, line = _cell_measure(tc, header)
            if word > minimum[j]:
                minimum[j] = word
            if line > preferred[j]:
                preferred[j] = line
    preferred = [max(p, m) for p, m in zip(preferred, minimum)]
    total_min, total_pref = sum(minimum), sum(preferred)
    if total_pref <= available:
        columns = [p * available / total_pref for p in preferred]
    elif total_min <= available:
        spare = available - total_min
        stretch = total_pref - total_min
        columns = [m + spare * (p - m) / stretch for m, p in zip(minimum, preferred)]
    else:  # even the words do not fit: shrink evenly (the model's columns are too many for the page)
        columns = [m * available / total_min for m in minimum]
    columns = [int(c) for c in columns]
    columns[-1] += available - sum(columns)
    widths = [str(c) for c in columns]

    tbl_pr = tbl.find(qn("w:tblPr"))
    if tbl_pr is not None:
        tbl_w = tbl_pr.find(qn("w:tblW"))
        if tbl_w is None:
            tbl_w = tbl_pr.makeelement(qn("w:tblW"), {})
            tbl_pr.append(tbl_w)
        tbl_w.set(W_W, str(available))
        tbl_w.set(W_TYPE, "dxa")
        layout = tbl_pr.find(qn("w:tblLayout"))
        if layout is None:
            layout = tbl_pr.makeelement(qn("w:tblLayout"), {})
            tbl_pr.append(layout)
        layout.set(W_TYPE, "fixed")
    grid = tbl.find(qn("w:tblGrid"))
    if grid is not None:
        for col in list(grid):
            grid.remove(col)
        for width in widths:
            grid.append(grid.makeelement(qn("w:gridCol"), {W_W: width}))
    for cells in grid_rows:
        if len(cells) != n:
            continue
        for tc, width in zip(cells, widths):
            tc_pr = tc.find(W_TCPR)
            if tc_pr is None:
                tc_pr = tc.makeelement(W_TCPR, {})
                tc.insert(0, tc_pr)
            tc_w = tc_pr.find(W_TCW)
            if tc_w is None:
                tc_w = tc_pr.makeelement(W_TCW, {})
                tc_pr.insert(0, tc_w)
            tc_w.set(W_W, width)
            tc_w.set(W_TYPE, "dxa")


_TBL_PR_ORDER = [qn(f"w:{t}") for t in ("tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize",
                                         "tblStyleColBandSize", "tblW", "jc", "tblCellSpacing", "tblInd",
                                         "tblBorders", "shd", "tblLayout", "tblCellMar", "tblLook", "tblCaption",
                                         "tblDescription")]


def _order_tbl_pr(tbl_pr) -> None:
    """w:tblPr's children in the schema's order (Word refuses a package whose elements are out of order)."""
    rank = {tag: i for i, tag in enumerate(_TBL_PR_ORDER)}
    children = sorted(tbl_pr, key=lambda e: rank.get(e.tag, len(rank)))
    for child in children:
        tbl_pr.append(child)


SMALL_TABLE_ROWS = 12  # a table of at most this many rows is kept on one page, with what precedes it


def keep_tables_together(document) -> None:
    """Keep-with-next on the paragraphs of data tables (with a repeated header row; Word's and LibreOffice's way to
    keep rows together): a small table stays on one page; a long one keeps its header with its first row and never
    leaves its last row alone. A table without a repeated header (a fiche action's) is the model's to keep."""
    for tbl in document.element.body.iter(qn("w:tbl")):
        rows = tbl.findall(W_TR)
        if len(rows) < 2 or rows[0].find(W_TRPR_HEADER) is None:  # a model's fixed table keeps its own settings
            continue
        together = rows[:-1] if len(rows) <= SMALL_TABLE_ROWS else [rows[0], rows[1], rows[-2]]
        for tr in together:
            for p in tr.iter(W_P):
                ppr = p.find(W_PPR)
                if ppr is None:
                    ppr = p.makeelement(W_PPR, {})
                    p.insert(0, ppr)
                if ppr.find(W_KEEP_NEXT) is None:
                    keep = ppr.makeelement(W_KEEP_NEXT, {})
                    style = ppr.find(W_PSTYLE)
                    if style is not None:
                        style.addnext(keep)
                    else:
                        ppr.insert(0, keep)


def docx_filename(plan) -> str:
    """PDESC_Koniakary_2025-2029.docx: the owner's name in ASCII-safe characters."""
    name = unicodedata.normalize("NFKD", plan.owner.name).encode("ascii", "ignore").decode()
    name = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-") or "plan"
    return f"PDESC_{name}_{plan.period_start}-{plan.period_end}.docx"


def pdf_filename(plan) -> str:
    """PDESC_Koniakary_2025-2029.pdf."""
    return docx_filename(plan)[:-len(".docx")] + ".pdf"
