"""The injection corpus (issue 7) and the inventory of every free-text column a user can type into.

Each payload is something a user could paste into a field; each must come back literally wherever it lands
(pages, map popups, the .docx, the JSON file, the API) and must never run, be evaluated or become a formula.
The scripts set `window.__pwned` rather than only calling alert(), so that a browser test sees a script that ran
even when a dialog would go unnoticed.
"""
from __future__ import annotations

import sqlalchemy as sa

import plans.models  # noqa: F401  every model registered
from plans.core.db import Base

PAYLOADS: list[str] = [
    # HTML and JavaScript
    "<script>window.__pwned=1;alert(1)</script>",
    "<img src=x onerror=\"window.__pwned=2;alert(2)\">",
    "<svg onload=\"window.__pwned=3\">",
    "\"><script>window.__pwned=4</script>",
    "'><img src=x onerror='window.__pwned=5'>",
    "</textarea><script>window.__pwned=6</script>",
    "</script><script>window.__pwned=7</script>",
    "<a href=\"javascript:window.__pwned=8\">cliquez</a>",
    "<iframe src=\"javascript:window.__pwned=9\"></iframe>",
    "<b>gras</b> & <i>italique</i> &amp; &lt;déjà échappé&gt;",
    "<!-- commentaire --> <style>body{display:none}</style>",
    "<details open ontoggle=\"window.__pwned=10\">",
    # JavaScript template literals and string breakers
    "${window.__pwned=11}",
    "`${alert(12)}`",
    "\\u003cscript\\u003e window.__pwned=13",
    "');window.__pwned=14;//",
    "\";window.__pwned=15;//",
    # Template engines (Jinja/docxtpl)
    "{{ 7*7 }}",
    "{% for x in range(3) %}boucle{% endfor %}",
    "{{ config }} {{ self.__init__.__globals__ }}",
    "{%p if True %}paragraphe{%p endif %}",
    # SQL
    "'; DROP TABLE plan; --",
    "1' OR '1'='1",
    "Robert'); DELETE FROM action WHERE ('1'='1",
    # Spreadsheet formulas
    "=HYPERLINK(\"http://exemple.invalid\",\"clic\")",
    "+33 6 12 34 56 78",
    "-2+3",
    "@SUM(A1:A9)",
    # Very long text, control characters, right-to-left, emoji, other scripts
    "Très long texte " + "x" * 5000,
    "ligne 1\r\nligne 2\ttabulé\x0bvertical\x0cpage",
    "nul\x00caractère\x01\x02\x1f",
    "\u202eRTL inversé\u202c et \u200fمرحبا بالعالم\u200f",
    "Émoji 🇲🇱 🌍 💧 👩🏾‍🌾 et combinés é",
    "ߒߞߏ N'Ko ߓߊߡߊߣߊ߲ et tifinagh ⵜⵉⴼⵉⵏⴰⵖ",
    "Guillemets « français » et apostrophe ’ typographique",
]

# Every String/Text column of the models, sorted into what a user types freely (FREE_TEXT) and what holds a
# code, a key or machine data (CODED). A column in neither fails test_every_text_column_is_classified: a new
# field cannot escape the corpus.
FREE_TEXT: dict[str, tuple[str, ...]] = {
    "Plan": ("title", "facilitators", "process_funders", "summary", "previous_review", "deliberation_number",
             "council_session", "transmission_authority"),
    "ProcessStep": ("place",),
    "PopulationRecord": ("note",),
    "SectorDiagnostic": ("sub_sector", "findings_text", "assets", "constraints", "potentials"),
    "Finding": ("text",),
    "MigrationProfile": ("source", "remittance_uses", "returnee_skills_needs", "transit_seasonal"),
    "DestinationStock": ("city",),
    "DiasporaAssociation": ("name", "host_city", "sections", "contact_name", "contact_details"),
    "CodevProject": ("title", "locality", "funders"),
    "Axis": ("title", "general_objective"),
    "Objective": ("title",),
    "ScoringCriterion": ("name",),
    "Priority": ("title",),
    "Action": ("sub_sector", "title", "expected_results", "localities", "unit", "override_reason",
               "maitre_ouvrage"),
    "FundingLine": ("source_name", "association_section"),
    "Indicator": ("name", "unit", "source"),
    "PlanComment": ("body",),
    "ReviewCheck": ("note",),
    "PlanTransition": ("reason",),
    "PlanOwner": ("name", "founding_act_ref", "tutelle_authority"),
    "AdminUnit": ("official_name",),  # typed by an administrator (plans/territory/service.set_official_name)
    "User": ("full_name",),
    "ApiToken": ("name",),
    # the name of the user's file and its caption (tests/app/test_execution_evidence_pages.py escapes them)
    "ExecutionEvidence": ("original_name", "caption"),
    "ExecutionRecord": ("contractor", "observations"),  # typed on the execution form (app/execution)
    "IndicatorMeasure": ("source",),
}
CODED: dict[str, tuple[str, ...]] = {
    "Plan": ("uuid", "guide_version"),
    "ProcessStep": ("step", "place_country"),
    "PopulationRecord": ("source",),
    "SectorDiagnostic": ("sector",),
    "Finding": ("theme",),
    "MigrationProfile": ("reliability",),
    "DestinationStock": ("country", "trend"),
    "DiasporaAssociation": ("host_country", "sectors"),
    "CodevProject": ("sector", "state"),
    "Action": ("uuid", "sector", "tags", "status", "cofinancing_scheme", "location_precision"),
    "FundingLine": ("source_type", "status"),
    "Indicator": ("category",),
    "PlanComment": ("section", "action_uuid"),
    "ReviewCheck": ("key",),
    "PlanTransition": ("from_status", "to_status"),
    "PlanSnapshot": ("kind", "label"),
    "PlanChange": ("section", "summary", "action_uuid"),  # written by the app (the summary from typed values)
    "SectionState": ("section",),
    "AuditEntry": ("action", "target", "ip"),
    "LoginAttempt": ("email", "ip"),
    "User": ("email", "password_hash"),
    "LoginSession": ("token",),
    "ApiToken": ("token_hash",),
    "ExecutionEvidence": ("uuid", "kind"),
    "ExecutionRecord": ("status", "functioning"),  # EXECUTION_STATUSES and the functioning states' keys
    "ExecutionChange": ("action_uuid", "summary"),  # written by the app, like PlanChange
    "PlanOwner": ("grouping_key",),
    "PlanSummary": ("owner_kind", "status"),  # copies of OwnerKind and PlanStatus values
    # an export's stored CSV lines: written by plans/reporting/spreadsheet.py csv_lines from the tables (user text
    # neutralised and quoted there; test_injection checks the files), never typed; the key and layout are digests
    "ExportPart": ("entity", "layout", "body"),
    "PreparedWorkbook": ("key",),
    "TerritoryEdition": ("key", "name", "country_iso3", "attribution", "licence", "valid_on"),
    "AdminUnit": ("country_iso3", "code", "name", "name_fr", "alt_names", "search_key", "kind", "licence"),
}


def text_columns() -> dict[str, list[sa.Column]]:
    """Every String/Text column (enums excluded) of every model, by class name."""
    out: dict[str, list[sa.Column]] = {}
    for mapper in Base.registry.mappers:
        columns = [c for c in mapper.columns
                   if isinstance(c.type, (sa.String, sa.Text)) and not isinstance(c.type, sa.Enum)]
        if columns:
            out[mapper.class_.__name__] = columns
    return out


def fit(payload: str, column: sa.Column) -> str:
    """The payload cut to the column's length (PostgreSQL enforces VARCHAR(n); SQLite does not)."""
    length = getattr(column.type, "length", None)
    return payload[:length] if length else payload


def fill(obj, offset: int = 0) -> list[str]:
    """Puts a payload in every free-text column of `obj` (a different one per column, shifted by `offset`);
    returns the values stored."""
    columns = {c.key: c for c in sa.inspect(type(obj)).columns}
    stored = []
    for i, name in enumerate(FREE_TEXT.get(type(obj).__name__, ())):
        value = fit(PAYLOADS[(offset + i) % len(PAYLOADS)], columns[name])
        setattr(obj, name, value)
        stored.append(value)
    return stored
