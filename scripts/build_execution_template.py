"""Generates templates_docx/bilan_execution.docx, the Word model of the annual review (bilan annuel d'exécution).

    .venv/bin/python scripts/build_execution_template.py [-o templates_docx/bilan_execution.docx]

It reuses the council document's builder (scripts/build_docx_template.py: Arial, one language fr-FR, Heading 1–3,
the table style « Tableau PDL-M », header rows repeated, rows not split, `{%p`/`{%tr` tags each in a paragraph or a
row of its own). Filled by plans/documents/execution_report.py; the variables are listed in templates_docx/README.md.
Portrait A4; the header « {{ collectivite }} — Bilan d'exécution {{ annee }} » and « Page N sur M » on every page
but the cover. Edit this script, not the .docx, and run it again: the generated file is committed.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from build_docx_template import Builder, _bottom_border, _field, _page_setup
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "templates_docx" / "bilan_execution.docx"
MONEY = {1, 2, 3, 4, 5}


def build(path: Path = DEFAULT_OUTPUT) -> Path:
    b = Builder()
    # A short document: its chapters follow each other; only the first starts a page (after the cover).
    b.doc.styles["Heading 1"].paragraph_format.page_break_before = False
    section = b.doc.sections[0]
    _page_setup(section, landscape=False)
    section.different_first_page_header_footer = True
    header = section.header.paragraphs[0]
    header.text = "{{ collectivite }} — Bilan d'exécution {{ annee }}"
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for run in header.runs:
        run.font.size = Pt(9)
    _bottom_border(header)
    b.doc.styles["Footer"].font.size = Pt(9)  # the PAGE and NUMPAGES fields take the paragraph's size
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("Page ").font.size = Pt(9)
    _field(footer, "PAGE", "1")
    footer.add_run(" sur ").font.size = Pt(9)
    _field(footer, "NUMPAGES", "1")

    # Cover
    b.p("République du Mali", "Page de garde", bold=True, size=15)
    b.p("Un Peuple – Un But – Une Foi", "Page de garde", size=11, italic=True)
    b.p("")
    b.p("{{ collectivite }}", "Page de garde", bold=True, size=18)
    b.p("")
    b.p("Bilan annuel d'exécution {{ annee }}", "Title", center=True)
    b.p("{{ titre }}", "Page de garde", bold=True)
    b.p("Période du plan : {{ periode }} — statut : {{ statut }}", "Page de garde")
    b.tag("{%p if deliberation %}")
    b.p("{{ deliberation }}", "Page de garde")
    b.tag("{%p endif %}")
    b.p("")
    b.p("Document pour le conseil et la commission de suivi", "Page de garde", italic=True)
    b.p("Édité le {{ date_edition }}", "Page de garde", size=10)

    b.h("1. Synthèse de l'exécution à la fin de {{ annee }}", 1, new_page=True)
    b.p("Taux de réalisation physique : {{ taux_physique }} (avancement des actions pondéré par leur coût) ; "
        "taux d'exécution financière : {{ taux_financier }} (montants payés rapportés au coût prévu) ; "
        "taux de mobilisation : {{ taux_mobilisation }}. Les montants sont en FCFA, cumulés depuis le début du plan.")
    b.table(["Donnée", "Valeur"], "s in synthese", ["{{ s.libelle }}", "{{ s.valeur }}"], right={1},
            widths=[11.6, 5])

    b.h("2. Taux de réalisation", 1)
    b.h("2.1 Par secteur", 2)
    b.table(["Secteur", "Prévu (FCFA)", "Mobilisé (FCFA)", "Payé (FCFA)", "Taux physique", "Taux financier"],
            "g in par_secteur", ["{{ g.libelle }}", "{{ g.prevu }}", "{{ g.mobilise }}", "{{ g.paye }}",
                                 "{{ g.taux_physique }}", "{{ g.taux_financier }}"],
            totals=["Ensemble du plan", "{{ total_prevu }}", "{{ total_mobilise }}", "{{ total_paye }}",
                    "{{ taux_physique }}", "{{ taux_financier }}"], right=MONEY, widths=[4.6, 2.6, 2.6, 2.4, 2.2, 2.2])
    b.h("2.2 Par axe stratégique", 2)
    b.table(["Axe", "Prévu (FCFA)", "Mobilisé (FCFA)", "Payé (FCFA)", "Taux physique", "Taux financier"],
            "g in par_axe", ["{{ g.libelle }}", "{{ g.prevu }}", "{{ g.mobilise }}", "{{ g.paye }}",
                             "{{ g.taux_physique }}", "{{ g.taux_financier }}"],
            totals=["Ensemble du plan", "{{ total_prevu }}", "{{ total_mobilise }}", "{{ total_paye }}",
                    "{{ taux_physique }}", "{{ taux_financier }}"], right=MONEY, widths=[4.6, 2.6, 2.6, 2.4, 2.2, 2.2])
    b.h("2.3 Par source de financement", 2)
    b.p("Le prévu d'une source est le montant de ses lignes de financement.", keep=True)
    b.table(["Source", "Prévu (FCFA)", "Mobilisé (FCFA)", "Payé (FCFA)", "Taux de mobilisation", "Taux financier"],
            "g in par_source", ["{{ g.libelle }}", "{{ g.prevu }}", "{{ g.mobilise }}", "{{ g.paye }}",
                                "{{ g.taux_mobilisation }}", "{{ g.taux_financier }}"],
            right=MONEY, widths=[4.6, 2.6, 2.6, 2.4, 2.2, 2.2])
    b.h("2.4 État de chaque action", 2)
    b.table(["N°", "Action", "État", "Avancement", "Coût prévu (FCFA)", "Payé (FCFA)", "Taux financier",
             "Fonctionnement"], "a in actions",
            ["{{ a.numero }}", "{{ a.action }}", "{{ a.etat }}", "{{ a.avancement }}", "{{ a.cout }}",
             "{{ a.paye }}", "{{ a.taux_financier }}", "{{ a.fonctionnement }}"],
            right={3, 4, 5, 6}, widths=[0.8, 4.4, 1.8, 1.8, 2.2, 2.0, 1.8, 1.8])

    b.h("3. Plan d'investissement annuel (PIA) {{ annee }} : réalisé et prévu", 1)
    b.p("Programmé en {{ annee }} : {{ pia_programme }} FCFA ; payé dans l'année : {{ pia_paye }} FCFA, soit "
        "{{ pia_taux }}.", keep=True)
    b.table(["N°", "Action", "État", "Programmé {{ annee }} (FCFA)", "Payé en {{ annee }} (FCFA)"], "r in pia",
            ["{{ r.numero }}", "{{ r.action }}", "{{ r.etat }}", "{{ r.programme }}", "{{ r.paye }}"],
            totals=["", "Total", "", "{{ pia_programme }}", "{{ pia_paye }}"], right={3, 4},
            widths=[0.8, 7.4, 2.4, 3, 3])

    b.h("4. Contributions de la diaspora", 1)
    b.p("Par association : montants promis dans le plan, mobilisés (reçus) et payés à la fin de {{ annee }}.",
        keep=True)
    b.tag("{%p if diaspora %}")
    b.table(["Association", "Promis (FCFA)", "Mobilisé (FCFA)", "Payé (FCFA)", "Mobilisé / promis",
             "Payé / promis"], "d in diaspora",
            ["{{ d.association }}", "{{ d.promis }}", "{{ d.mobilise }}", "{{ d.paye }}", "{{ d.taux_mobilise }}",
             "{{ d.taux_paye }}"],
            totals=["Total", "{{ diaspora_promis }}", "{{ diaspora_mobilise }}", "{{ diaspora_paye }}", "", ""],
            right=MONEY, widths=[4.6, 2.6, 2.6, 2.4, 2.2, 2.2])
    b.tag("{%p else %}")
    b.p("Le plan ne prévoit aucune contribution de la diaspora.")
    b.tag("{%p endif %}")

    b.h("5. Indicateurs de suivi et cibles {{ annee }}", 1)
    b.tag("{%p if indicateurs %}")
    b.table(["Indicateur", "Unité", "Cible {{ annee }}", "Valeur mesurée", "Cible atteinte", "Source"],
            "i in indicateurs", ["{{ i.nom }}", "{{ i.unite }}", "{{ i.cible }}", "{{ i.valeur }}",
                                 "{{ i.atteinte }}", "{{ i.source }}"],
            right={2, 3}, widths=[5.4, 1.8, 2.2, 2.2, 1.8, 3.2])
    b.tag("{%p else %}")
    b.p("Le plan ne définit aucun indicateur de suivi.")
    b.tag("{%p endif %}")

    b.h("6. Réalisations en images", 1)
    b.tag("{%p if photos %}")
    b.tag("{%p for ph in photos %}")
    b.p("{{ ph.image }}", center=True)
    b.p("{{ ph.action }} — {{ ph.legende }}", "Caption", center=True)
    b.tag("{%p endfor %}")
    b.tag("{%p else %}")
    b.p("Aucune photo d'ouvrage réalisé n'est jointe à l'exécution de {{ annee }}.", italic=True)
    b.tag("{%p endif %}")

    b.h("7. Ce qui est reporté sur {{ annee_suivante }}", 1)
    b.p("Les actions ni réalisées ni abandonnées à la fin de {{ annee }} qui devaient commencer au plus tard en "
        "{{ annee }} ou ont commencé se poursuivent en {{ annee_suivante }} : « en retard » est la part de leur coût "
        "programmé jusqu'en {{ annee }} qui n'est pas payée, « reste à payer » ce qui reste de leur coût.", keep=True)
    b.tag("{%p if reports %}")
    b.table(["Action", "État", "Avancement", "Programmé jusqu'en {{ annee }} (FCFA)", "Payé (FCFA)",
             "En retard (FCFA)", "Reste à payer (FCFA)", "Programmé en {{ annee_suivante }} (FCFA)"], "r in reports",
            ["{{ r.action }}", "{{ r.etat }}", "{{ r.avancement }}", "{{ r.programme }}", "{{ r.paye }}",
             "{{ r.retard }}", "{{ r.reste }}", "{{ r.programme_suivant }}"], right={2, 3, 4, 5, 6, 7},
            widths=[3.8, 1.6, 1.8, 2, 1.9, 1.8, 1.9, 1.8])
    b.tag("{%p else %}")
    b.p("Rien n'est reporté : chaque action programmée jusqu'en {{ annee }} est réalisée ou abandonnée.")
    b.tag("{%p endif %}")
    b.tag("{%p if abandons %}")
    b.h("Actions abandonnées", 2)
    b.table(["Action", "Payé (FCFA)", "Motif et observations"], "a in abandons",
            ["{{ a.action }}", "{{ a.paye }}", "{{ a.observations }}"], right={1}, widths=[5, 2.6, 9])
    b.tag("{%p endif %}")
    b.tag("{%p if observations %}")
    b.h("Observations sur les actions", 2)
    b.tag("{%p for o in observations %}")
    b.p("{{ o.action }} : {{ o.texte }}", "List Bullet")
    b.tag("{%p endfor %}")
    b.tag("{%p endif %}")
    b.p("Le présent bilan est soumis à l'examen de la commission de suivi et du conseil.", italic=True)

    b.save(path)
    settings = b.doc.settings.element  # no sommaire here: Word need not update the fields on opening
    for update in settings.findall(qn("w:updateFields")):
        settings.remove(update)
    b.doc.core_properties.title = "Bilan annuel d'exécution (PDL-M)"
    b.doc.save(str(path))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args()
    print(build(args.output))


if __name__ == "__main__":
    main()
