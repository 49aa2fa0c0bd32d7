"""The annual review (bilan annuel d'exécution) of a validated or adopted plan, as a Word file (.docx) for the
council and the commission de suivi, rendered with docxtpl from templates_docx/bilan_execution.docx.

    context = build_context(plan, session, year)     # every value already a French string (or a list of them)
    data = render_docx(plan, session, year)          # bytes of the .docx

What it shows (issue 16, part 4): the physical, financial and mobilisation rates at the end of the year, overall,
by sector, by axis and by source; each action's state; the year's PIA, programmed against paid; the diaspora's
promised, mobilised and paid contributions by association; the indicators measured against their targets; the
photos of realised works (`evidence_photos`: those attached to the year's realised actions,
plans/execution/evidence.py); what slips to the next year and what was abandoned.

Rules:
- Every figure comes from plans/execution/figures.py (`plan_execution`, `slipping`) and plans/execution/measures.py
  (`against_targets`); this module formats (plans/core/formatting: 1 234 567, 38,13 %), it adds up and divides
  nothing. Shares have 2 decimals, as on the « Exécution » page.
- The model is opened and rendered like the council document's: plans/documents/template_safety.py (package bounds,
  tags checked against this context's shape, Jinja's sandbox with StrictUndefined and autoescape), so user text
  with & < > and a user's "{{ x }}" stay literal. Then plan_document's table layout (columns from their cells).
"""
from __future__ import annotations

import io
from datetime import date, datetime, timezone
from pathlib import Path

from docx.shared import Mm
from docxtpl import InlineImage

from plans.core.formatting import date_long, number, percent
from plans.core.vocab import CODEV_STATES, EXECUTION_STATUSES
from plans.documents import plan_document, template_safety
from plans.execution import evidence, figures, measures, service
from plans.planning import finance
from plans.planning.models import Plan
from plans.planning.sectiondata import suivi

SHIPPED_TEMPLATE = plan_document.ROOT / "templates_docx" / "bilan_execution.docx"
EMPTY = plan_document.EMPTY
SHARE_DIGITS = plan_document.SHARE_DIGITS


class NotReportable(Exception):
    """The review cannot be written (plan not validated or adopted, year outside the period): a French message."""


PHOTO_WIDTH_MM = 120  # a photo across most of the portrait page, its caption under it

def _share(value) -> str:
    return percent(value, SHARE_DIGITS)


def _money(value: int) -> str:
    return number(value)


def _shown(indicator, value) -> str:
    """A measured or target figure as read (as app/execution/routes.py shows it): Oui/Non for a oui/non indicator,
    a year as written, else the French number."""
    if value is None:
        return EMPTY
    if suivi.is_yes_no(indicator.unit):
        return str(suivi.display_value(indicator.unit, value))
    if (indicator.unit or "").strip().casefold() in ("année", "annee"):
        return number(value, plain=True).replace(" ", "")
    return number(value)


def _group(g: figures.Group, *, physical: bool) -> dict:
    row = {"libelle": g.label or EMPTY, "prevu": _money(g.planned), "mobilise": _money(g.mobilised),
           "paye": _money(g.paid), "taux_mobilisation": _share(g.mobilised_rate),
           "taux_financier": _share(g.financial_rate)}
    if physical:
        row["taux_physique"] = _share(g.physical_rate)
    return row


def evidence_photos(session, plan, year: int, template=None, folder: Path | None = None) -> list[dict]:
    """The photos of the year's realised works shown in the review: `{action, legende, image}` (image: a docxtpl
    InlineImage of the stored file, metadata already stripped, plans/execution/evidence.py), from
    `evidence.photos_for_report`. None without the model (`template`) or the files' folder (`folder`)."""
    if template is None or folder is None:
        return []
    return [{"action": p.action.title, "legende": p.evidence.caption or p.action.title,
             "image": InlineImage(template, str(p.path), width=Mm(PHOTO_WIDTH_MM))}
            for p in evidence.photos_for_report(session, plan, year, folder) if p.path.is_file()]


def check_reportable(plan, year: int) -> None:
    if not service.is_open(plan):
        raise NotReportable(service.MSG_NOT_OPEN.format(status=plan.status.label))
    if year not in plan.years:
        raise NotReportable(f"L'année {year} est hors de la période du plan "
                            f"({plan.period_start}–{plan.period_end}).")


def build_context(plan, session, year: int, *, template=None, evidence_folder: Path | None = None) -> dict:
    """Every value the model shows, as French strings, lists and small dicts of strings (templates_docx/README.md,
    « Bilan annuel d'exécution »). NotReportable when the plan has no execution or the year is not its."""
    plan = session.get(Plan, plan.id, options=finance.load_options(), populate_existing=True) or plan
    check_reportable(plan, year)
    ex = figures.plan_execution(plan, service.records(session, plan), year)
    compared = measures.against_targets(plan, measures.measures(session, plan), year)
    slips = figures.slipping(ex)
    collectivite = plan_document.owner_label(plan.owner)
    counts = [f"{n} {EXECUTION_STATUSES[key].lower()}" for key, n in ex.status_counts.items() if n]
    return {
        "collectivite": collectivite,
        "titre": plan.title,
        "periode": f"{plan.period_start}-{plan.period_end}",
        "annee": str(year),
        "annee_suivante": str(year + 1),
        "statut": plan.status.label,
        "deliberation": (f"Plan adopté par la délibération n° {plan.deliberation_number} du "
                         f"{date_long(plan.deliberation_date)}." if plan.deliberation_number else ""),
        "date_edition": date_long(date.today()),
        "taux_physique": _share(ex.physical_rate),
        "taux_financier": _share(ex.financial_rate),
        "taux_mobilisation": _share(ex.mobilised_rate),
        "synthese": [
            {"libelle": "Coût prévu du plan (FCFA)", "valeur": _money(ex.planned)},
            {"libelle": f"Mobilisé à la fin de {year} (FCFA)", "valeur": _money(ex.mobilised)},
            {"libelle": f"Payé à la fin de {year} (FCFA)", "valeur": _money(ex.paid)},
            {"libelle": "Taux de réalisation physique", "valeur": _share(ex.physical_rate)},
            {"libelle": "Taux d'exécution financière (payé ÷ coût prévu)", "valeur": _share(ex.financial_rate)},
            {"libelle": "Taux de mobilisation (mobilisé ÷ coût prévu)", "valeur": _share(ex.mobilised_rate)},
            {"libelle": f"PIA {year} : programmé (FCFA)", "valeur": _money(ex.pia_planned)},
            {"libelle": f"PIA {year} : payé dans l'année (FCFA)", "valeur": _money(ex.pia_paid)},
            {"libelle": f"Taux de réalisation du PIA {year}", "valeur": _share(ex.pia_rate)},
            {"libelle": "Actions", "valeur": ", ".join(counts) or EMPTY},
        ],
        "total_prevu": _money(ex.planned),
        "total_mobilise": _money(ex.mobilised),
        "total_paye": _money(ex.paid),
        "par_secteur": [_group(g, physical=True) for g in ex.by_sector],
        "par_axe": [_group(g, physical=True) for g in ex.by_axis],
        "par_source": [_group(g, physical=False) for g in ex.by_source],
        "actions": [{"numero": str(n), "action": a.action.title, "etat": a.status_label,
                     "avancement": _share(a.progress), "cout": _money(a.cost), "paye": _money(a.paid),
                     "taux_financier": _share(a.financial_rate),
                     "fonctionnement": CODEV_STATES.get(a.record.functioning, EMPTY)
                     if a.record is not None and a.record.functioning else EMPTY}
                    for n, a in enumerate(ex.actions, 1)],
        "pia": [{"numero": str(n), "action": a.action.title, "programme": _money(a.planned_year),
                 "paye": _money(a.paid_year), "etat": a.status_label}
                for n, a in enumerate(ex.actions, 1) if a.planned_year or a.paid_year],
        "pia_programme": _money(ex.pia_planned),
        "pia_paye": _money(ex.pia_paid),
        "pia_taux": _share(ex.pia_rate),
        "diaspora": [{"association": r.name, "promis": _money(r.promised), "mobilise": _money(r.mobilised),
                      "paye": _money(r.paid), "taux_mobilise": _share(r.mobilised_rate),
                      "taux_paye": _share(r.paid_rate)} for r in ex.diaspora],
        "diaspora_promis": _money(ex.diaspora_promised),
        "diaspora_mobilise": _money(ex.diaspora_mobilised),
        "diaspora_paye": _money(ex.diaspora_paid),
        "indicateurs": [{"nom": c.indicator.name, "unite": c.indicator.unit or EMPTY,
                         "cible": _shown(c.indicator, c.target), "valeur": _shown(c.indicator, c.value),
                         "atteinte": {True: "Oui", False: "Non"}.get(c.reached, EMPTY),
                         "source": (c.measure.source if c.measure is not None else "") or EMPTY}
                        for c in compared],
        "photos": evidence_photos(session, plan, year, template, evidence_folder),
        "reports": [{"action": s.action.title, "etat": s.execution.status_label,
                     "avancement": _share(s.execution.progress), "programme": _money(s.programmed),
                     "paye": _money(s.execution.paid), "retard": _money(s.late), "reste": _money(s.remaining),
                     "programme_suivant": _money(s.execution.figures.schedule_by_year.get(year + 1, 0))}
                    for s in slips],
        "abandons": [{"action": a.action.title, "paye": _money(a.paid),
                      "observations": (a.record.observations if a.record is not None else "") or EMPTY}
                     for a in ex.actions if a.status == "abandonne"],
        "observations": [{"action": a.action.title, "texte": a.record.observations}
                         for a in ex.actions if a.record is not None and (a.record.observations or "").strip()
                         and a.status != "abandonne"],
    }


def render_docx(plan, session, year: int, template_path: Path | None = None, *,
                evidence_folder: Path | None = None) -> bytes:
    """The review as .docx bytes, rendered in template_safety's sandbox, its data tables laid out like the council
    document's. NotReportable (French) when there is nothing to review; TemplateRefused for a broken model.
    `evidence_folder`: where the execution's photos are (the web layer's EVIDENCE_DIR); None prints none."""
    tpl = template_safety.open_template(template_path or SHIPPED_TEMPLATE)
    context = build_context(plan, session, year, template=tpl, evidence_folder=evidence_folder)
    template_safety.render(tpl, context)
    document = tpl.docx
    plan_document.layout_tables(document)
    plan_document.keep_tables_together(document)
    properties = document.core_properties
    properties.title = f"Bilan d'exécution {year} — {plan.title}"
    properties.subject = f"{context['collectivite']} — bilan annuel d'exécution {year}"
    properties.keywords = "PDESC; PDL-M; exécution; bilan; " + context["collectivite"]
    properties.language = "fr-FR"
    properties.author = context["collectivite"]
    properties.last_modified_by = "PDL-M"
    properties.created = properties.modified = datetime.now(timezone.utc).replace(microsecond=0, tzinfo=None)
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()


def docx_filename(plan, year: int) -> str:
    """Bilan_execution_Koniakary_2025.docx (the owner's name as the council document's file name writes it)."""
    name = plan_document.docx_filename(plan)[len("PDESC_"):].rsplit("_", 1)[0]
    return f"Bilan_execution_{name}_{year}.docx"

