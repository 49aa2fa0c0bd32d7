"""A stale form (409): the saved version and the user's, field by field, and the merge of the user's choices.

Used by every section form and by the action form (one action at a time). The pieces:

- `values(form)`: what a browser would post for a form (name → list of strings), for either side: the form the
  user posted, or the same form class filled from the saved data (`theirs`).
- `compare(mine_form, theirs_form, labels)` → `Comparison`: one row per field of the form (French label,
  formatted values, whether they differ), and for each list of rows (destinations, indicators…) one row per line
  that differs (the line's label and its changed cells). A differing row carries the user's values as hidden
  inputs, so that the 409 screen can post them back with the user's choice.
- `merge(theirs_form, mine_values, choices, ...)`: the formdata of the next save — the SAVED version, with only the
  rows the user explicitly chose to keep (« garder ma saisie ») replaced by theirs. Anything the screen did not
  show comes from the saved version, so a save from the 409 screen never silently reverts a change.

A row is identified by its `id` (hidden field) when its list has one, else by its position among the filled rows.
The template macro that shows a comparison is templates/planning/_conflict.html.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, DateField, FieldList, FormField, HiddenField, SelectField, SelectMultipleField
from wtforms.fields.core import Field

from app.planning.fields import FrenchIntegerField
from plans.core import formatting
from plans.core.money import AmountError, parse_decimal, parse_fcfa
from plans.planning.sectiondata.common import parse_id

MINE, THEIRS = "mine", "theirs"
CHOICE_PREFIX, MINE_PREFIX, SHOWN = "choice-", "mine-", "conflict_shown"
RESOLVING = "conflict_resolution"  # present on a post from the 409 screen
SKIPPED = ("csrf_token", "version")
EMPTY = "—"

# The French name of each list of rows (the form's FieldList), for the row labels of the comparison.
LIST_LABELS = {
    "process_steps": "Étape de la démarche",
    "population_records": "Population",
    "sector_diagnostics": "Diagnostic sectoriel",
    "findings": "Constat",
    "destinations": "Destination",
    "codev_projects": "Projet de codéveloppement",
    "axes": "Axe",
    "objectives": "Objectif",
    "criteria": "Critère",
    "priorities": "Priorité",
    "indicators": "Indicateur",
    "funding_lines": "Ligne de financement",
}


# ----- What a form would post -------------------------------------------------------------------------------

def _leaf_values(f: Field) -> list[str]:
    if isinstance(f, BooleanField):
        return ["y"] if f.data else []
    if isinstance(f, SelectMultipleField):
        return [str(v) for v in (f.data or [])]
    if isinstance(f, SelectField):
        return ["" if f.data is None else str(f.data)]
    value = f._value()
    return ["" if value is None else str(value)]


def _leaves(f: Field):
    """(name, field) of every input of `f`, nested lists included."""
    if isinstance(f, FieldList):
        for entry in f:
            yield from _leaves(entry)
    elif isinstance(f, FormField):
        for sub in f.form:
            yield from _leaves(sub)
    else:
        yield f.name, f


def values(form) -> MultiDict:
    out = MultiDict()
    for top in form:
        if top.short_name in SKIPPED:
            continue
        for name, leaf in _leaves(top):
            out.setlist(name, _leaf_values(leaf))
    return out


# ----- Display and comparison of one input -------------------------------------------------------------------

def _choice_labels(f: Field) -> dict[str, str]:
    labels: dict[str, str] = {}
    choices = f.choices or []
    groups = choices.values() if isinstance(choices, dict) else [choices]
    for group in groups:
        for choice in group:
            value, label = (choice.value, choice.label) if hasattr(choice, "value") else (choice[0], choice[1])
            labels[str(value)] = label
    return labels


def _kind(f: Field, label: str) -> str:
    if isinstance(f, BooleanField):
        return "bool"
    if isinstance(f, SelectMultipleField):
        return "multi"
    if isinstance(f, SelectField):
        return "select"
    if isinstance(f, DateField):
        return "date"
    lowered = label.lower()
    if "fcfa" in lowered:
        return "fcfa"
    if "%" in lowered:
        return "percent"
    if isinstance(f, FrenchIntegerField):
        return "year" if "année" in lowered or "annee" in lowered or "year" in f.name else "integer"
    return "text"


def _text(value: str) -> str:
    return re.sub(r"[ \t]+", " ", (value or "").replace("\r\n", "\n").replace("\r", "\n")).strip()


def display(f: Field, vals: list[str], label: str) -> str:
    """One input's value as a planner reads it: labels for codes, FCFA and % written the French way."""
    kind = _kind(f, label)
    if kind == "bool":
        return "Oui" if vals else "Non"
    if kind in ("select", "multi"):
        labels = _choice_labels(f)
        shown = [labels.get(v, v) if v else "" for v in vals]
        shown = [s for v, s in zip(vals, shown) if v]
        return ", ".join(shown) if shown else EMPTY
    value = _text(vals[0] if vals else "")
    if not value:
        return EMPTY
    try:
        if kind == "fcfa":
            return formatting.fcfa(parse_fcfa(value, required=False))
        if kind == "percent":
            return formatting.number(parse_decimal(value.rstrip("% "), required=False)) + formatting.NBSP + "%"
        if kind == "integer":
            return formatting.number(int(value.replace(" ", "").replace("\u202f", "").replace("\xa0", "")))
        if kind == "date":
            return formatting.date_long(_iso_date(value))
    except (AmountError, ValueError, TypeError, ArithmeticError):
        return value
    return value


def _iso_date(value: str) -> date:
    return date.fromisoformat(value)


def _normal(f: Field, vals: list[str], label: str):
    """What is compared: two ways of typing one figure ("1500000", "1 500 000") are the same value."""
    kind = _kind(f, label)
    if kind == "bool":
        return bool(vals)
    if kind == "multi":
        return tuple(sorted(v for v in vals if v))
    if kind == "select":
        return display(f, vals, label)  # an index-valued select (a priority's axis) compares by what it names
    value = _text(vals[0] if vals else "")
    if value == "":
        return ""
    try:
        if kind == "fcfa":
            return parse_fcfa(value, required=False)
        if kind in ("percent", "integer", "year"):
            return Decimal(parse_decimal(value.rstrip("% "), required=False))
        if re.fullmatch(r"-?[\d \u202f\xa0]+([.,]\d+)?", value):
            return Decimal(parse_decimal(value, required=False))
    except (AmountError, ValueError, TypeError, ArithmeticError):
        return value
    return value


def _blank(f: Field, vals: list[str]) -> bool:
    if isinstance(f, BooleanField):
        return not vals
    if isinstance(f, SelectMultipleField):
        return not any(vals)
    value = _text(vals[0] if vals else "")
    if isinstance(f, SelectField):
        return value == "" or value == str(f.default or "")
    return value == ""


# ----- One side: its fields and its rows -----------------------------------------------------------------------

@dataclass
class _Row:
    index: int  # in its form
    row_id: int | None
    cells: dict[str, tuple[str, Field, list[str]]]  # relative name → (label, field, values)
    values: MultiDict  # full names → values

    def key(self, has_id: bool) -> str:
        return f"i{self.row_id}" if has_id and self.row_id is not None else f"p{self.index}"


def _row_of(list_name: str, index: int, entry, form_values: MultiDict, labels: dict) -> _Row | None:
    """A filled row (None for a blank one or one ticked « Supprimer »)."""
    prefix = f"{entry.name}-"
    sub = entry.form if isinstance(entry, FormField) else None
    if sub is None:
        return None
    if hasattr(sub, "delete") and sub.delete.data:
        return None
    cells: dict[str, tuple[str, Field, list[str]]] = {}
    row_values = MultiDict()
    blank = True
    for name, leaf in _leaves(entry):
        vals = form_values.getlist(name)
        row_values.setlist(name, vals)
        rel = name[len(prefix):]
        if leaf.short_name in ("id", "delete") or isinstance(leaf, HiddenField):
            continue
        nested = re.match(r"(\w+)-(\d+)-", rel)
        label = labels.get(name) or leaf.label.text
        if nested:
            label = f"{label} ({LIST_LABELS.get(nested.group(1), nested.group(1)).lower()} {int(nested.group(2)) + 1})"
        cells[rel] = (label, leaf, vals)
        if not _blank(leaf, vals):
            blank = False
    if hasattr(sub, "is_blank"):
        try:
            blank = sub.is_blank()
        except (TypeError, AttributeError):
            pass
    if blank:
        return None
    row_id = parse_id(sub.id.data) if hasattr(sub, "id") else None
    return _Row(index, row_id, cells, row_values)


@dataclass
class _Side:
    scalars: dict[str, tuple[str, Field, list[str]]]
    lists: dict[str, tuple[bool, list[_Row]]]  # name → (rows have an id, filled rows)
    order: list[str]  # top-level names, in the form's order


def _side(form, labels: dict) -> _Side:
    form_values = values(form)
    scalars, lists, order = {}, {}, []
    for top in form:
        if top.short_name in SKIPPED:
            continue
        order.append(top.name)
        if isinstance(top, FieldList):
            rows = [r for i, entry in enumerate(top)
                    if (r := _row_of(top.name, i, entry, form_values, labels)) is not None]
            args = top.unbound_field.args  # FieldList(FormField(RowForm)): (RowForm,)
            has_id = bool(args) and isinstance(args[0], type) and hasattr(args[0], "id")
            lists[top.name] = (has_id, rows)
        else:
            scalars[top.name] = (labels.get(top.name) or top.label.text, top, form_values.getlist(top.name))
    return _Side(scalars, lists, order)


# ----- The comparison ------------------------------------------------------------------------------------------

@dataclass
class Cell:
    label: str
    mine: str
    theirs: str
    differs: bool


@dataclass
class Row:
    key: str  # the name of its choice: "choice-<key>"
    label: str
    mine: str = ""
    theirs: str = ""
    differs: bool = False
    cells: list[Cell] = field(default_factory=list)
    state: str = ""  # "", "added" (only in the user's input), "missing" (only in the saved version)
    hidden: list[tuple[str, str]] = field(default_factory=list)  # the user's values, posted back as mine-<name>
    is_row: bool = False


@dataclass
class ListBlock:
    name: str
    label: str
    rows: list[Row]
    same: int  # rows identical on both sides


@dataclass
class Comparison:
    fields: list[Row]
    lists: list[ListBlock]
    # For the rows other rows name by index (section 4's axes and criteria): the saved id of each of the user's
    # rows that is the same on both sides, so that the merge renumbers the user's references to them.
    extra_hidden: list[tuple[str, str]] = field(default_factory=list)

    @property
    def differing(self) -> list[Row]:
        return [r for r in self.fields if r.differs] + [r for b in self.lists for r in b.rows]

    @property
    def keys(self) -> list[str]:
        return [r.key for r in self.differing]


def _row_label(list_name: str, number: int, row: _Row) -> str:
    base = f"{LIST_LABELS.get(list_name, list_name)} {number}"
    for label, leaf, vals in row.cells.values():
        shown = display(leaf, vals, label)
        if shown != EMPTY:
            shown = shown if len(shown) <= 60 else shown[:57] + "…"
            return f"{base} : {shown}"
    return base


def _same_cells(a: _Row, b: _Row) -> bool:
    names = set(a.cells) | set(b.cells)
    for rel in names:
        cell_a, cell_b = a.cells.get(rel), b.cells.get(rel)
        if cell_a is None or cell_b is None:
            if not _blank((cell_a or cell_b)[1], (cell_a or cell_b)[2]):
                return False
            continue
        if _normal(cell_a[1], cell_a[2], cell_a[0]) != _normal(cell_b[1], cell_b[2], cell_b[0]):
            return False
    return True


def _pairs(has_id: bool, mine: list[_Row], theirs: list[_Row]):
    """(mine row or None, theirs row or None), the saved order first, then the rows only the user has."""
    if has_id:
        by_id = {r.row_id: r for r in mine if r.row_id is not None}
        out = [(by_id.pop(t.row_id, None) if t.row_id is not None else None, t) for t in theirs]
        # A new row of the user's (no id yet) identical to a saved row it has no pair for: the same row (two tabs
        # opened before the section's first save type the same lines).
        loose = [m for m in mine if m.row_id is None]
        for i, (m, t) in enumerate(out):
            if m is None:
                twin = next((n for n in loose if _same_cells(n, t)), None)
                if twin is not None:
                    loose.remove(twin)
                    out[i] = (twin, t)
        paired = {id(m) for m, _ in out if m is not None}
        return out + [(m, None) for m in mine if id(m) not in paired]
    out = []
    for i in range(max(len(mine), len(theirs))):
        out.append((mine[i] if i < len(mine) else None, theirs[i] if i < len(theirs) else None))
    return out


def _row_key(list_name: str, has_id: bool, m: _Row | None, t: _Row | None) -> str:
    key = list_name
    if m is not None:
        key += f"-m{m.index}"
    if t is not None:
        key += f"-t{t.key(has_id)}"
    return key


def compare(mine_form, theirs_form, labels: dict[str, str] | None = None,
            references: dict[str, dict[str, str]] | None = None) -> Comparison:
    """The rows of the 409 screen. `labels` overrides a field's label (by its name); `references`: see merge."""
    labels = labels or {}
    targets = {target for refs in (references or {}).values() for target in refs.values()}
    extra: list[tuple[str, str]] = []
    mine, theirs = _side(mine_form, labels), _side(theirs_form, labels)
    rows: list[Row] = []
    blocks: list[ListBlock] = []
    for name in theirs.order:
        if name in theirs.scalars:
            label, leaf, t_vals = theirs.scalars[name]
            m_label, m_leaf, m_vals = mine.scalars.get(name, (label, leaf, []))
            differs = _normal(m_leaf, m_vals, label) != _normal(leaf, t_vals, label)
            rows.append(Row(key=name, label=label, mine=display(m_leaf, m_vals, label),
                            theirs=display(leaf, t_vals, label), differs=differs,
                            hidden=[(name, v) for v in m_vals] if differs else []))
            continue
        has_id, t_rows = theirs.lists[name]
        m_rows = mine.lists.get(name, (has_id, []))[1]
        block_rows, same = [], 0
        for number, (m, t) in enumerate(_pairs(has_id, m_rows, t_rows), start=1):
            cells = []
            for rel in list(dict.fromkeys([*(t.cells if t else {}), *(m.cells if m else {})])):
                t_cell = t.cells.get(rel) if t else None
                m_cell = m.cells.get(rel) if m else None
                label, leaf = (m_cell or t_cell)[0], (m_cell or t_cell)[1]
                m_vals = m_cell[2] if m_cell else []
                t_vals = t_cell[2] if t_cell else []
                m_shown = display(m_cell[1], m_vals, label) if m_cell else EMPTY
                t_shown = display(t_cell[1], t_vals, label) if t_cell else EMPTY
                if m is None or t is None:
                    if (m_shown if t is None else t_shown) != EMPTY:
                        cells.append(Cell(label, m_shown, t_shown, True))
                    continue
                if _normal(m_cell[1] if m_cell else leaf, m_vals, label) != \
                        _normal(t_cell[1] if t_cell else leaf, t_vals, label):
                    cells.append(Cell(label, m_shown, t_shown, True))
            if m is not None and t is not None and not cells:
                same += 1
                if name in targets and t.row_id is not None:
                    extra.append((f"{name}-{m.index}-id", str(t.row_id)))
                continue
            state = "added" if t is None else "missing" if m is None else ""
            block_rows.append(Row(
                key=_row_key(name, has_id, m, t), label=_row_label(name, number, m or t), cells=cells,
                differs=True, state=state, is_row=True,
                hidden=[(k, v) for k, vs in (m.values.lists() if m else []) for v in vs]))
        if block_rows:
            blocks.append(ListBlock(name, LIST_LABELS.get(name, name), block_rows, same))
    return Comparison(rows, blocks, extra)


# ----- The merge: the saved version, and the user's rows where they chose theirs ----------------------------

def posted_mine(formdata) -> MultiDict:
    return MultiDict([(k[len(MINE_PREFIX):], v) for k, v in formdata.items(multi=True) if k.startswith(MINE_PREFIX)])


def posted_choices(formdata) -> tuple[dict[str, str], list[str]]:
    """The user's choice per differing row, and the rows the screen showed (to tell a missing choice)."""
    choices = {k[len(CHOICE_PREFIX):]: v for k, v in formdata.items() if k.startswith(CHOICE_PREFIX)
               and v in (MINE, THEIRS)}
    return choices, formdata.getlist(SHOWN)


def _rows_in(values_: MultiDict, list_name: str) -> dict[int, MultiDict]:
    rows: dict[int, MultiDict] = {}
    pattern = re.compile(rf"{re.escape(list_name)}-(\d+)-(.+)")
    for key, vals in values_.lists():
        match = pattern.fullmatch(key)
        if match:
            rows.setdefault(int(match.group(1)), MultiDict()).setlist(match.group(2), vals)
    return rows


def _clear_ids(row: MultiDict) -> MultiDict:
    out = MultiDict()
    for key, vals in row.lists():
        out.setlist(key, [""] if key == "id" or key.endswith("-id") else vals)
    return out


def merge(theirs_form, mine: MultiDict, choices: dict[str, str],
          references: dict[str, dict[str, str]] | None = None) -> MultiDict:
    """The saved version (`theirs_form`), with the user's value wherever they chose « garder ma saisie ».

    `references`: a list whose cells name rows of another list by INDEX (section 4: a priority's "axis" names an
    axes row, its "scores-<n>" the criteria rows) — {"priorities": {"axis": "axes", "scores": "criteria"}}; the
    indices are renumbered to the merged rows."""
    side = _side(theirs_form, {})
    theirs_values = values(theirs_form)
    out = MultiDict()
    index_maps: dict[tuple[str, str, int], int] = {}
    origins: dict[str, list[tuple[str, int, MultiDict]]] = {}
    for name in side.order:
        if name in side.scalars:
            out.setlist(name, mine.getlist(name) if choices.get(name) == MINE else theirs_values.getlist(name))
            continue
        has_id, t_rows = side.lists[name]
        mine_rows = _rows_in(mine, name)
        keys = [k for k in choices if k.startswith(name + "-") and re.fullmatch(
            rf"{re.escape(name)}(-m\d+)?(-t[ip]\d+)?", k)]
        by_theirs = {}
        mine_only = []
        for k in keys:
            m = re.search(r"-m(\d+)", k)
            t = re.search(r"-t([ip]\d+)", k)
            if t:
                by_theirs[t.group(1)] = (k, int(m.group(1)) if m else None)
            elif m:
                mine_only.append((k, int(m.group(1))))
        merged: list[tuple[str, int, MultiDict]] = []
        for row in t_rows:
            entry = by_theirs.get(row.key(has_id))
            if entry and choices[entry[0]] == MINE:
                if entry[1] is not None and entry[1] in mine_rows:
                    merged.append((MINE, entry[1], mine_rows[entry[1]]))
                continue  # the user's version has no such row: dropped
            prefix = f"{name}-{row.index}-"
            merged.append((THEIRS, row.index, MultiDict(
                [(k[len(prefix):], v) for k, vs in row.values.lists() for v in vs])))
        for k, index in mine_only:
            if choices[k] == MINE and index in mine_rows:
                merged.append((MINE, index, _clear_ids(mine_rows[index])))
        for n, (origin, old, _row) in enumerate(merged):
            index_maps[(name, origin, old)] = n
        # The user's rows kept as saved (same on both sides): their index in the user's form, by saved id.
        saved_at = {row.get("id"): n for n, (origin, _old, row) in enumerate(merged) if origin == THEIRS}
        for index, row in mine_rows.items():
            if row.get("id") and row.get("id") in saved_at:
                index_maps.setdefault((name, MINE, index), saved_at[row.get("id")])
        origins[name] = merged
    for name, merged in origins.items():
        refs = (references or {}).get(name, {})
        for n, (origin, _old, row) in enumerate(merged):
            for key, vals in row.lists():
                target_key = key
                head = key.split("-", 1)[0]
                if head in refs and key == head:  # a select naming a row of the target list
                    vals = [str(index_maps[(refs[head], origin, int(v))])
                            if v.isdigit() and (refs[head], origin, int(v)) in index_maps else "" for v in vals]
                elif head in refs and re.fullmatch(rf"{head}-\d+", key):  # one value per row of the target list
                    old = int(key.rsplit("-", 1)[1])
                    if (refs[head], origin, old) not in index_maps:
                        continue
                    target_key = f"{head}-{index_maps[(refs[head], origin, old)]}"
                out.setlist(f"{name}-{n}-{target_key}", vals)
    return out


def resolution_formdata(theirs_form, formdata, references=None) -> tuple[MultiDict, list[str], dict[str, str]]:
    """The formdata of a post from the 409 screen: (merged formdata, rows left without a choice, choices)."""
    mine = posted_mine(formdata)
    choices, shown = posted_choices(formdata)
    missing = [k for k in shown if k not in choices]
    merged = merge(theirs_form, mine, choices, references)
    for key in ("csrf_token", "version"):
        if key in formdata:
            merged[key] = formdata[key]
    return merged, missing, choices


def all_mine_formdata(theirs_form, formdata, references=None) -> MultiDict:
    """The user's version as the 409 screen holds it (every shown row « mine »): to show the screen again."""
    mine = posted_mine(formdata)
    _, shown = posted_choices(formdata)
    merged = merge(theirs_form, mine, {k: MINE for k in shown}, references)
    for key in ("csrf_token", "version"):
        if key in formdata:
            merged[key] = formdata[key]
    return merged
