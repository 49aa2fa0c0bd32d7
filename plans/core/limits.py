"""Bounds on what one user can make the server do (issue 14, item 3): how many actions a plan holds, how many rows
each list of a section holds, how long a free text is, how large a plan file is, how many fields a form posts, and
how much history is kept. Every bound is here, with the reason for its number; the rules that enforce them call
this module (`plans/planning/actions.py`, the `plans/planning/sectiondata/*` modules, `plans/review/planfile.py`,
`plans/review/comments.py`, `plans/review/workflow.py`, `plans/owners/service.py`), and the web layer reads the same
numbers to refuse a forged form before parsing it (`app/request_input.py`, `app/planning/row_limits.py`).

The numbers are the same on every server, on purpose: a plan file travels between a commune's laptop and the
national server, and a plan one of them accepts must be accepted by the other. They are therefore not settings.

Why these numbers (docs/DOMAIN.md §8 and §13; /work/shared/docs/domain.md "Reference sizes"). A rural PDESC has
about 20 to 60 actions, the largest urban plans (a commune of Bamako) 200 to 400; an action is funded by one line
per source, rarely more than 10. Each bound leaves a margin over the largest real case, and is low enough that the
largest allowed plan costs a few seconds at worst to import or to export as a Word document (`make bench`,
docs/BENCHMARKS.md "Limites"); without bounds, a plan of 15 000 actions held a worker for 30 s at import and each
Word export of a 1 700-action plan took 6.5 s.

- Actions per plan: 500, a quarter more than the largest urban plans. A plan is voted for one council mandate;
  a larger programme is several plans.
- Funding lines per action: 30, three times the usual maximum: every source type (11) with several diaspora
  associations or several PTF still fits; and 5 000 per plan, ten per action on average, so that the largest plan
  is not 500 actions of 30 lines each (15 000 lines, as many rows to check as the 15 000 actions of the issue).
- Rows of the sections' lists (ROWS): the démarche's steps 100 (the guide's 11 steps, some held in each village or
  abroad); population records 50 (a few censuses and estimates); sector diagnostics 100 (19 sectors, some split by
  sub-sector); key findings 60 per section (a few per sector); destinations 100 (countries and cities); past
  co-development projects 200 (a commune with a strong diaspora inventories a few dozen works); axes 10 (plans have
  3 to 7); objectives 10 per axis (plans have 2 to 5), each answering at most 10 key findings (a handful in real
  plans); section 4 offers every finding to every objective, so that objectives × findings bound the size of its
  page (100 × 120 checkboxes: with 20 objectives per axis and 500 priorities it was 9 MB and 8 s to render);
  scoring criteria 10 (5 are suggested); priorities 200 (the grid ranks the needs the diagnosis voiced, a few dozen
  in real plans; section 4 shows each with its scores); indicators 200 (8 suggested, plus sector ones); diaspora
  associations 200 per collectivité or grouping; grouping members 200 (a syndicat or a GLCT joins a dozen
  communes; the largest région has about 150).
- Free texts: a short text (a name, a title) is bounded by its column (`String(n)` in the models, 50 to 500
  characters) and refused beyond it by each module; a text in a table cell (expected results, a key finding, an
  axis's general objective, an association's other sections) holds TEXT_CELL = 2 000 characters, about half a
  page; a section's prose (the summary, the facilitators, a sector diagnostic's constats, atouts, contraintes and
  potentialités, the migration profile's texts) TEXT_LONG = 10 000 characters, about three pages. A review comment
  or a send-back reason holds 5 000 characters, a checklist note 1 000.
- Plan file: PLAN_FILE_BYTES = 20 MB, the request limit's default (`MAX_UPLOAD_MB`). A plan of 400 actions with
  full texts makes a file of 2 to 3 MB, so the margin is wide (only hundreds of texts of thousands of characters
  each would reach it). The counts are checked right after the JSON is parsed and before the JSON Schema, so a
  file with too many rows is refused in the time of a parse; a file carries at most 2 000 entries of history and
  500 status changes (an export writes the newest ones). The JSON Schema's check is what an import pays per value
  of the file (about 15 µs each): these bounds keep the largest plan near 100 000 values.
- Form fields: FORM_FIELDS = 20 000 values in one form post. The largest forms the bounds allow (section 4: 200
  priorities scored on 10 criteria, 100 objectives with their findings; section 7: 200 indicators with 10 yearly
  targets) post about 4 000 fields; a forged post beyond the cap is refused before it is parsed.
- History (plans/planning/sections.py): the HISTORY_RESTORABLE newest saves of each section, and of each action,
  keep what they saved (so they can be restored); older saves stay listed in the history (when, who, what) but no
  longer hold a copy. The review's frozen versions (submitted, validated, adopted) are never pruned; of the
  imports' copies of a plan file, the IMPORT_SNAPSHOTS newest of each plan are kept, and an import that changes
  nothing writes nothing.
- Evidence of execution (photos and documents of an action's year, plans/execution/evidence.py):
  EVIDENCE_BYTES = 10 MB per file — a phone's photo is 2 to 6 MB, a scanned report of a few dozen pages a few MB,
  and the commune's link is slow: more would be a file nobody downloads back. An image holds at most
  EVIDENCE_PIXELS = 40 million pixels (a 48-megapixel phone is 8000 × 6000 = 48 M: halved by its owner's
  settings or refused with the message saying so; decoding 40 M pixels takes about 160 MB of memory, what one
  worker may spend). Beyond it the file is a decompression bomb (a few KB of PNG inflating to gigabytes) and is
  refused before it is decoded (Pillow's own MAX_IMAGE_PIXELS guard stays on behind it). A PDF holds at most
  EVIDENCE_PDF_PAGES = 300 pages (a year's report with its annexes). An action's year holds at most
  EVIDENCE_PER_RECORD = 30 files, and a thumbnail is at most EVIDENCE_THUMB = 320 pixels on its longer side
  (four in a row on a tablet).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from plans.core.formatting import number

ACTIONS_PER_PLAN = 500
FUNDING_LINES_PER_ACTION = 30
FUNDING_LINES_PER_PLAN = 5_000
MAX_PLAN_YEARS = 10  # a plan lasts 1 to 10 years (plans/planning/service.py): the targets of an indicator

TEXT_CELL = 2_000
TEXT_LONG = 10_000
COMMENT_CHARS = 5_000
REASON_CHARS = 5_000
NOTE_CHARS = 1_000

PLAN_FILE_BYTES = 20 * 1024 * 1024
FORM_FIELDS = 20_000

HISTORY_RESTORABLE = 30
IMPORT_SNAPSHOTS = 10

EVIDENCE_BYTES = 10 * 1024 * 1024
EVIDENCE_PIXELS = 40_000_000
EVIDENCE_PDF_PAGES = 300
EVIDENCE_PER_RECORD = 30
EVIDENCE_THUMB = 320


@dataclass(frozen=True)
class Bound:
    """How many rows a list may hold, and the words of its refusal."""

    limit: int
    noun: str  # plural: « lignes de financement »
    per: str  # « par action »

    def message(self, count: int) -> str:
        trop = "Trop d'" if self.noun[0] in "aeéèêiîoôuh" else "Trop de "
        return f"{trop}{self.noun} : {number(count)} ; la limite est de {number(self.limit)} {self.per}."

    def full(self, count: int, whose: str) -> str:
        """The refusal of one row more when `whose` (« Ce plan ») already holds `count` rows."""
        return (f"{whose} compte déjà {number(count)} {self.noun} ; la limite est de {number(self.limit)} "
                f"{self.per} : supprimez-en avant d'en ajouter.")

    def exceeded(self, count: int) -> bool:
        return count > self.limit


# Keyed by the list's name in the sections' data, in plan files and in the forms ("funding_lines",
# "axes-0-objectives-…"); "findings" is the key findings of section 2 and, separately, of section 3.
ROWS: dict[str, Bound] = {
    "actions": Bound(ACTIONS_PER_PLAN, "actions", "par plan"),
    "funding_lines": Bound(FUNDING_LINES_PER_ACTION, "lignes de financement", "par action"),
    "plan_funding_lines": Bound(FUNDING_LINES_PER_PLAN, "lignes de financement", "par plan"),
    "process_steps": Bound(100, "étapes de la démarche", "par plan"),
    "population_records": Bound(50, "chiffres de population", "par plan"),
    "sector_diagnostics": Bound(100, "diagnostics sectoriels", "par plan"),
    "findings": Bound(60, "constats", "par section"),
    "destinations": Bound(100, "destinations", "par plan"),
    "codev_projects": Bound(200, "projets de codéveloppement", "par plan"),
    "axes": Bound(10, "axes stratégiques", "par plan"),
    "objectives": Bound(10, "objectifs", "par axe"),
    "finding_links": Bound(10, "constats liés", "par objectif"),
    "criteria": Bound(10, "critères de priorisation", "par plan"),
    "priorities": Bound(200, "priorités", "par plan"),
    "scores": Bound(10, "notes", "par priorité"),
    "indicators": Bound(200, "indicateurs", "par plan"),
    "targets": Bound(MAX_PLAN_YEARS, "cibles annuelles", "par indicateur"),
    "diaspora_associations": Bound(200, "associations de la diaspora", "par collectivité ou groupement"),
    "members": Bound(200, "membres", "par groupement"),
    "changes": Bound(2_000, "entrées d'historique", "par fichier de plan"),
    "transitions": Bound(500, "changements de statut", "par fichier de plan"),
    # a plan file's execution (schema_version 2): one record per action and year, one measure per indicator and
    # year, the evidence's descriptions (at most EVIDENCE_PER_RECORD per record)
    "execution_records": Bound(ACTIONS_PER_PLAN * MAX_PLAN_YEARS, "enregistrements d'exécution",
                               "par fichier de plan"),
    "measures": Bound(200 * MAX_PLAN_YEARS, "mesures d'indicateurs", "par fichier de plan"),
    "evidence": Bound(ACTIONS_PER_PLAN * MAX_PLAN_YEARS * EVIDENCE_PER_RECORD, "pièces justificatives",
                      "par fichier de plan"),
}


def too_many(key: str, count: int) -> str | None:
    """The refusal when a list `key` (a key of ROWS) holds `count` rows, else None."""
    bound = ROWS[key]
    return bound.message(count) if bound.exceeded(count) else None


def too_long(text: str, limit: int) -> str | None:
    """The refusal when `text` is longer than `limit` characters, else None."""
    if len(text) <= limit:
        return None
    return f"Texte trop long : {number(len(text))} caractères ; la limite est de {number(limit)} caractères."


def file_too_large(size: int) -> str | None:
    """The refusal of a plan file of `size` bytes, else None."""
    if size <= PLAN_FILE_BYTES:
        return None
    return (f"Le fichier est trop volumineux ({_megabytes(size)}) : un fichier de plan ne peut dépasser "
            f"{_megabytes(PLAN_FILE_BYTES)}.")


def too_many_fields(count: int) -> str | None:
    if count <= FORM_FIELDS:
        return None
    return (f"Formulaire refusé : {number(count)} champs envoyés ; la limite est de {number(FORM_FIELDS)}. "
            "Rien n'a été enregistré.")


def _megabytes(size: int) -> str:
    """In MB, whole when it is, else to the tenth above (a byte over 20 MB reads 20,1 Mo, not 20,0)."""
    megabytes = size / (1024 * 1024)
    if megabytes == int(megabytes):
        return f"{number(int(megabytes))} Mo"
    return f"{number(Decimal(math.ceil(megabytes * 10)) / 10, 1)} Mo"
