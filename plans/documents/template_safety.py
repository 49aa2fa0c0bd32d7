"""What a Word model may do, and the environment every model is rendered in (docs/SECURITY.md, Word template).

A model is a .docx whose text holds Jinja tags; docxtpl renders them. An administrator may upload one
(app/planning/export.py), so its tags are untrusted code. Three layers hold them:

1. The package is read with bounds before anything is inflated (`check_package`): member count, each member's and
   the total uncompressed size, the compression ratio, stored/deflated members only. Python's zipfile stops reading
   a member at its declared size, so the declared sizes are the real ones.
2. Every tag is checked when Jinja parses it (`DocxEnvironment._parse`, so every part docxtpl renders is covered:
   body, headers, footers, footnotes, document properties): only the variables of the context the export really
   passes (`shape_of(context)`: names, fields of records, items of lists), loop variables and `loop.index`…,
   `for` and `if`, comparisons, `and`/`or`/`not`, `~`, the filters of ALLOWED_FILTERS and the tests of
   ALLOWED_TESTS. No call, no arithmetic, no `set`/macro/include, no name starting with `_`; inside a loop only a
   list of the current item may be walked or read, never a list of the whole document (the work stays
   proportional to the data), at most MAX_TAGS tags per part. A refusal names the tag, in French.
3. The environment is Jinja's ImmutableSandboxedEnvironment with StrictUndefined and autoescape, no globals
   (no `range`, `dict`, `lipsum`…), only the allowed filters and tests, calls refused, arithmetic intercepted, and
   the text a part renders to bounded by MAX_OUTPUT_CHARS: if a tag ever slipped past the rules, the sandbox
   still refuses `''.__class__`-style walks and balloons.

At upload the model is also tried on the three test cases in a child process bounded in memory and CPU time
(`trial_main`, started by plans/documents/template_check.py); at export `render` applies layers 2 and 3.

The allow-list is the shape of the context the export passes, in one place: a new variable needs no change here,
`build_context` (plans/documents/plan_document.py) adds it and the export's context, or at upload the three test
cases' contexts, carry it. The items of a list that is empty in every sample have an unknown shape: any field not
starting with `_` is accepted there, and the sandbox with StrictUndefined checks them when the list is not empty.
A new filter or test is added to ALLOWED_FILTERS or ALLOWED_TESTS (and to templates_docx/README.md).
"""
from __future__ import annotations

import html
import json
import re
import resource
import sys
import zipfile
from io import BytesIO
from pathlib import Path
from typing import Any, Iterable

from docxtpl import DocxTemplate
from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, UndefinedError, nodes
from jinja2.defaults import DEFAULT_FILTERS, DEFAULT_TESTS
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

# --- bounds --------------------------------------------------------------------------------------------------

MAX_MEMBERS = 1000                       # parts of the .docx (the shipped model has 19)
MAX_MEMBER_BYTES = 16 * 1024 * 1024      # one part, uncompressed
MAX_TOTAL_BYTES = 64 * 1024 * 1024       # all parts, uncompressed
MAX_RATIO = 100                          # uncompressed / compressed, parts over RATIO_FROM_BYTES (shipped: ≤ 32)
RATIO_FROM_BYTES = 1024 * 1024
ZIP_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
MAX_TAGS = 2500                          # tags of one part (the shipped model's body has about 250)
MAX_NUMBER = 10_000                      # a number written in a tag
MAX_OUTPUT_CHARS = 64 * 1024 * 1024      # the XML one part renders to
MAX_PROBLEMS = 10                        # refused tags listed for one part

# --- what a tag may use ---------------------------------------------------------------------------------------

# Built-in Jinja filters whose output is no larger than their input plus their arguments (no center, indent,
# wordwrap, format, replace, batch…). The project registers no filter of its own: values arrive formatted.
ALLOWED_FILTERS = ("capitalize", "default", "d", "first", "join", "last", "length", "count", "lower", "string",
                   "title", "trim", "truncate", "upper", "wordcount")
ALLOWED_TESTS = ("defined", "undefined", "none", "string", "sequence", "true", "false", "eq", "ne", "in")
LOOP_ATTRIBUTES = ("index", "index0", "revindex", "revindex0", "first", "last", "length")

README = "templates_docx/README.md"

STATEMENTS = {  # the keyword a refused statement is typed with
    nodes.Assign: "set", nodes.AssignBlock: "set", nodes.Macro: "macro", nodes.CallBlock: "call",
    nodes.FilterBlock: "filter", nodes.With: "with", nodes.Include: "include", nodes.Import: "import",
    nodes.FromImport: "from … import", nodes.Extends: "extends", nodes.Block: "block", nodes.ExprStmt: "do",
    nodes.Continue: "continue", nodes.Break: "break", nodes.ScopedEvalContextModifier: "autoescape",
    nodes.EvalContextModifier: "autoescape",
}


class TemplateRefused(Exception):
    """A model that may not be used, with the French reasons."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__(" ".join(self.problems))


class OutputTooLarge(SecurityError):
    pass


def export_refusal(error: TemplateRefused) -> str:
    """What the export (web page or `flask plans docx`) says when the model in use is refused."""
    return ("Le document Word ne peut pas être produit : le modèle Word utilisé est refusé. " + " ".join(error.problems)
            + " Un administrateur peut envoyer un modèle corrigé ou revenir au modèle livré (page « Modèle Word »).")


# --- the package ----------------------------------------------------------------------------------------------

def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} Mo" if n >= 1024 * 1024 else f"{max(n // 1024, 1)} Ko"


def _member(name: str) -> str:
    return name if len(name) <= 80 else name[:77] + "…"


UNREADABLE = "Ce fichier n'est pas un document Word (.docx) lisible : il est endommagé ou d'un autre format."


def check_package(path) -> list[str]:
    """The problems of the .docx as a zip archive, from its directory alone (nothing is inflated): [] when it may
    be opened. The messages name parts of the file, never a path of the server."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return [UNREADABLE]
    if len(members) > MAX_MEMBERS:
        return [f"Le fichier Word contient trop de parties ({len(members)}, au plus {MAX_MEMBERS})."]
    names = [m.filename for m in members]
    if len(set(names)) != len(names):
        return [UNREADABLE]
    total = 0
    for member in members:
        if member.flag_bits & 0x1:
            return ["Le fichier Word est chiffré : enregistrez-le sans mot de passe."]
        if member.compress_type not in ZIP_METHODS:
            return [UNREADABLE]
        if member.file_size > MAX_MEMBER_BYTES:
            return [f"Une partie du fichier Word est trop grande une fois décompressée ({_member(member.filename)} : "
                    f"{_size(member.file_size)}, au plus {_size(MAX_MEMBER_BYTES)})."]
        if member.file_size > RATIO_FROM_BYTES and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            return [f"Une partie du fichier Word se décompresse de façon anormale ({_member(member.filename)} : "
                    f"{_size(member.compress_size)} qui deviendraient {_size(member.file_size)})."]
        total += member.file_size
    if total > MAX_TOTAL_BYTES:
        return [f"Le fichier Word est trop grand une fois décompressé ({_size(total)}, au plus "
                f"{_size(MAX_TOTAL_BYTES)})."]
    if "word/document.xml" not in names:
        return ["Ce fichier n'est pas un document Word (.docx) : word/document.xml est absent."]
    return []


def open_template(path) -> DocxTemplate:
    """A DocxTemplate of `path` once its package is within bounds; TemplateRefused otherwise."""
    problems = check_package(path)
    if problems:
        raise TemplateRefused(problems)
    return DocxTemplate(str(path))


# --- the shape of the context: the allow-list -----------------------------------------------------------------

class Shape:
    """What a value of the context is: a text (any scalar), a record of named fields, a list of items, or
    unknown (an empty list's items, or values of different kinds): unknown is checked by the sandbox alone."""


class _Text(Shape):
    def __repr__(self):
        return "TEXT"


class _Unknown(Shape):
    def __repr__(self):
        return "UNKNOWN"


class _Loop(Shape):
    def __repr__(self):
        return "LOOP"


TEXT, UNKNOWN, LOOP = _Text(), _Unknown(), _Loop()


class Record(Shape):
    def __init__(self, fields: dict[str, Shape]):
        self.fields = fields

    def __repr__(self):
        return f"Record({self.fields!r})"


class ListOf(Shape):
    def __init__(self, item: Shape):
        self.item = item

    def __repr__(self):
        return f"ListOf({self.item!r})"


def merge(a: Shape | None, b: Shape) -> Shape:
    """The shape that covers both (a record has the fields of either; unknown gives way to the known)."""
    if a is None or a is UNKNOWN:
        return b
    if b is UNKNOWN:
        return a
    if isinstance(a, Record) and isinstance(b, Record):
        fields = dict(a.fields)
        for key, shape in b.fields.items():
            fields[key] = merge(fields.get(key), shape)
        return Record(fields)
    if isinstance(a, ListOf) and isinstance(b, ListOf):
        return ListOf(merge(a.item, b.item))
    if a is TEXT and b is TEXT:
        return TEXT
    return UNKNOWN


def shape_of(value: Any) -> Shape:
    """The shape of a context value: dicts are records, lists and tuples lists, anything else a text."""
    if isinstance(value, dict):
        return Record({str(k): shape_of(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        item: Shape | None = None
        for element in value:
            item = merge(item, shape_of(element))
        return ListOf(item or UNKNOWN)
    return TEXT


def shape_of_all(contexts: Iterable[dict]) -> Shape:
    shape: Shape | None = None
    for context in contexts:
        shape = merge(shape, shape_of(context))
    return shape or Record({})


# --- the tag rules ---------------------------------------------------------------------------------------------

_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)


def _tags_on_line(source: str, lineno: int) -> list[str]:
    lines = source.split("\n")
    if not 1 <= lineno <= len(lines):
        return []
    return [_clean_tag(t) for t in _TAG.findall(lines[lineno - 1])]


def _clean_tag(tag: str) -> str:
    text = html.unescape(re.sub(r"<[^>]*>", "", tag))
    text = re.sub(r"\s+", " ", text)
    return text if len(text) <= 120 else text[:117] + "…"


def _text_of(node) -> str:
    """A short reading of an expression for messages: `r.annees`, `pip`."""
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        return f"{_text_of(node.node)}.{node.attr}"
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        return f"{_text_of(node.node)}[{node.arg.value!r}]"
    return "…"


class TagRules:
    """Walks one parsed part (a jinja2 nodes.Template) against the context's shape; collects French problems and
    the top-level variables the part uses."""

    def __init__(self, shape: Shape, source: str):
        self.top = shape.fields if isinstance(shape, Record) else {}
        self.source = source
        self.found: dict[str, list[str]] = {}  # the tag (or "") → what is wrong with it, in the order met
        self.too_many: str | None = None
        self.used: set[str] = set()
        self.scopes: list[dict[str, Shape]] = []
        self.loop_targets: list[str] = []
        self.tags = 0

    # messages
    def refuse(self, node, token: str, message: str) -> Shape:
        tags = _tags_on_line(self.source, getattr(node, "lineno", 0) or 0)
        tag = next((t for t in tags if token and token in t), tags[0] if len(tags) == 1 else "")
        if tag in self.found or len(self.found) < MAX_PROBLEMS:
            messages = self.found.setdefault(tag, [])
            if message not in messages:
                messages.append(message)
        return UNKNOWN

    @property
    def problems(self) -> list[str]:
        """One sentence per refused tag, naming it: « La balise « {{ x.y }} » : what is wrong ; what else. »"""
        lines = [self.too_many] if self.too_many else []
        for tag, messages in self.found.items():
            where = f"La balise « {tag} »" if tag else "Une balise"
            lines.append(f"{where} : " + " ; ".join(m.rstrip(".") for m in messages) + ".")
        return lines

    def check(self, template: nodes.Template) -> None:
        self.statements(template.body)
        if self.tags > MAX_TAGS:
            self.too_many = (f"Le modèle contient trop de balises ({self.tags}, au plus {MAX_TAGS} par partie du "
                             "document).")

    # statements
    def statements(self, body) -> None:
        for node in body:
            self.statement(node)

    def statement(self, node) -> None:
        if isinstance(node, nodes.Output):
            for child in node.nodes:
                if not isinstance(child, nodes.TemplateData):
                    self.tags += 1
                    self.expr(child)
        elif isinstance(node, nodes.If):
            self.tags += 1
            self.expr(node.test)
            self.statements(node.body)
            for branch in node.elif_:
                self.statement(branch)
            self.statements(node.else_)
        elif isinstance(node, nodes.For):
            self.tags += 1
            self.for_loop(node)
        else:
            keyword = STATEMENTS.get(type(node), type(node).__name__.lower())
            self.refuse(node, keyword, f"l'instruction « {keyword} » n'est pas permise dans un modèle (seules "
                                       "« for » et « if » le sont).")

    def for_loop(self, node: nodes.For) -> None:
        if node.recursive:
            self.refuse(node, "recursive", "une boucle « recursive » n'est pas permise.")
            return
        target = node.target
        if not isinstance(target, nodes.Name):
            self.refuse(node, "for", "une boucle parcourt une liste avec un seul nom : « for ligne in pip ».")
            return
        if target.name.startswith("_") or target.name == "loop":
            self.refuse(node, target.name, f"« {target.name} » ne peut pas nommer l'élément d'une boucle.")
            return
        tag = f"for {target.name} in"
        names = {n.name for n in (node.iter, *node.iter.find_all(nodes.Name)) if isinstance(n, nodes.Name)}
        others = sorted(names - {self.loop_targets[-1]}) if self.loop_targets else []
        if others:
            self.refuse(node, tag,
                        f"dans une boucle, on ne parcourt qu'une liste de l'élément en cours (comme « "
                        f"{self.loop_targets[-1]}.… ») ; parcourir « {', '.join(others)} » ici répéterait tout le "
                        "document à chaque tour.")
            return
        iterable = self.expr(node.iter)
        if iterable is TEXT or iterable is LOOP or isinstance(iterable, Record):
            self.refuse(node, tag, f"« {_text_of(node.iter)} » n'est pas une liste.")
            return
        item = iterable.item if isinstance(iterable, ListOf) else UNKNOWN
        self.scopes.append({target.name: item, "loop": LOOP})
        self.loop_targets.append(target.name)
        if node.test is not None:
            self.expr(node.test)
        self.statements(node.body)
        self.loop_targets.pop()
        self.scopes.pop()
        self.statements(node.else_)

    # expressions
    def name(self, node: nodes.Name) -> Shape:
        for scope in reversed(self.scopes):
            if node.name in scope:
                return scope[node.name]
        if node.name in self.top and not node.name.startswith("_"):
            self.used.add(node.name)
            return self.top[node.name]
        if node.name == "loop":
            return self.refuse(node, "loop", "« loop » n'existe qu'à l'intérieur d'une boucle « for ».")
        return self.refuse(node, node.name, f"la variable « {node.name} » n'existe pas dans le document.")

    def field(self, node, base: Shape, key, base_text: str) -> Shape:
        if isinstance(key, str) and key.startswith("_"):
            return self.refuse(node, key, f"« {key} » n'est pas permis (un nom commençant par « _ » désigne "
                                          "l'intérieur du programme).")
        if base is UNKNOWN:
            return UNKNOWN
        if base is LOOP:
            if key in LOOP_ATTRIBUTES:
                return TEXT
            return self.refuse(node, str(key), f"« loop.{key} » n'est pas permis (permis : "
                                               + ", ".join(f"loop.{a}" for a in LOOP_ATTRIBUTES) + ").")
        if isinstance(base, Record):
            if isinstance(key, str) and key in base.fields:
                return base.fields[key]
            return self.refuse(node, str(key), f"« {key} » n'est pas un champ de « {base_text} » (champs : "
                                               + ", ".join(sorted(base.fields)) + ").")
        if isinstance(key, int) and not isinstance(key, bool):
            return base.item if isinstance(base, ListOf) else TEXT
        kind = "une liste" if isinstance(base, ListOf) else "un texte"
        return self.refuse(node, str(key), f"« {base_text} » est {kind}, sans champ « {key} ».")

    def expr(self, node) -> Shape:
        shape = self._expr(node)
        if self.loop_targets and isinstance(shape, ListOf) and self._top_level(node):
            text = _text_of(node)
            return self.refuse(node, text, f"dans une boucle, la liste « {text} » du document entier ne peut pas être "
                                           "utilisée (elle serait relue à chaque tour) ; seules les listes de "
                                           "l'élément en cours le peuvent.")
        return shape

    def _top_level(self, node) -> bool:
        """Whether a name, field or item is read from a variable of the document (not from a loop's item)."""
        while isinstance(node, (nodes.Getattr, nodes.Getitem)):
            node = node.node
        return isinstance(node, nodes.Name) and not any(node.name in scope for scope in self.scopes)

    def _expr(self, node) -> Shape:
        if isinstance(node, nodes.Name):
            return self.name(node)
        if isinstance(node, nodes.Const):
            value = node.value
            if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) > MAX_NUMBER:
                return self.refuse(node, str(value), f"le nombre {value} est trop grand (au plus {MAX_NUMBER}).")
            if value is None or isinstance(value, (str, int, float, bool)):
                return TEXT
            return self.refuse(node, "", "cette valeur n'est pas permise dans un modèle.")
        if isinstance(node, nodes.Getattr):
            return self.field(node, self.expr(node.node), node.attr, _text_of(node.node))
        if isinstance(node, nodes.Getitem):
            base = self.expr(node.node)
            if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, (str, int)):
                self.expr(node.arg)
                return self.field(node, base, node.arg.value, _text_of(node.node))
            if isinstance(node.arg, nodes.Slice) and all(
                    part is None or (isinstance(part, nodes.Const) and isinstance(part.value, int))
                    for part in (node.arg.start, node.arg.stop, node.arg.step)):
                return base
            return self.refuse(node, "[", "un index entre crochets doit être un nombre ou un nom écrit tel quel.")
        if isinstance(node, nodes.Filter):
            return self.filter(node)
        if isinstance(node, nodes.Test):
            if node.name not in ALLOWED_TESTS:
                return self.refuse(node, node.name, f"le test « {node.name} » n'est pas permis (permis : "
                                                    + ", ".join(ALLOWED_TESTS) + ").")
            self.arguments(node)
            self.expr(node.node)
            return TEXT
        if isinstance(node, nodes.Compare):
            self.expr(node.expr)
            for operand in node.ops:
                self.expr(operand.expr)
            return TEXT
        if isinstance(node, (nodes.And, nodes.Or)):
            self.expr(node.left)
            self.expr(node.right)
            return TEXT
        if isinstance(node, nodes.Not):
            self.expr(node.node)
            return TEXT
        if isinstance(node, nodes.CondExpr):
            self.expr(node.test)
            shape = self.expr(node.expr1)
            return merge(shape, self.expr(node.expr2)) if node.expr2 is not None else shape
        if isinstance(node, nodes.Concat):
            for child in node.nodes:
                self.expr(child)
            return TEXT
        if isinstance(node, (nodes.List, nodes.Tuple)):
            item: Shape | None = None
            for child in node.items:
                item = merge(item, self.expr(child))
            return ListOf(item or UNKNOWN)
        if isinstance(node, nodes.Mul) and self._merged_cell_width(node):
            return TEXT
        if isinstance(node, (nodes.BinExpr, nodes.UnaryExpr)):
            return self.refuse(node, node.operator, "les calculs ne sont pas permis dans un modèle (les valeurs "
                                                    "arrivent calculées et mises en forme).")
        if isinstance(node, nodes.Call):
            self.expr(node.node)
            self.arguments(node)
            return self.refuse(node, "(", "les appels de fonction ou de méthode (« (…) ») ne sont pas permis dans "
                                          "un modèle.")
        return self.refuse(node, "", "cette expression n'est pas permise dans un modèle.")

    def _merged_cell_width(self, node: nodes.Mul) -> bool:
        """docxtpl's own `{% hm %}` writes `{{ N * loop.length }}` (a cell merged across a loop's columns)."""
        right = node.right
        return (isinstance(node.left, nodes.Const) and type(node.left.value) is int
                and abs(node.left.value) <= MAX_NUMBER and isinstance(right, nodes.Getattr)
                and right.attr == "length" and isinstance(right.node, nodes.Name) and right.node.name == "loop"
                and self.expr(right) is TEXT)

    def arguments(self, node) -> None:
        if node.dyn_args is not None or node.dyn_kwargs is not None:
            self.refuse(node, "*", "les arguments « * » et « ** » ne sont pas permis.")
        for arg in node.args:
            self.expr(arg)
        for pair in node.kwargs:
            self.expr(pair.value)

    def filter(self, node: nodes.Filter) -> Shape:
        if node.name not in ALLOWED_FILTERS:
            return self.refuse(node, node.name, f"le filtre « {node.name} » n'est pas permis (permis : "
                                                + ", ".join(ALLOWED_FILTERS) + ").")
        self.arguments(node)
        shape = self.expr(node.node) if node.node is not None else UNKNOWN
        if node.name in ("first", "last"):
            return shape.item if isinstance(shape, ListOf) else (TEXT if shape is TEXT else UNKNOWN)
        if node.name in ("default", "d"):
            return shape
        return TEXT


def check_tags(template: nodes.Template, source: str, shape: Shape) -> tuple[list[str], set[str]]:
    """The problems of one parsed part ([] when every tag is allowed) and the top-level variables it uses."""
    rules = TagRules(shape, source)
    rules.check(template)
    return rules.problems, rules.used


# --- the environment ------------------------------------------------------------------------------------------

class DocxEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox every model is rendered in; each part is checked by TagRules as Jinja parses it."""

    intercepted_binops = frozenset({"*", "**", "/", "//", "%", "+", "-"})
    intercepted_unops = frozenset({"-", "+"})

    def __init__(self, shape: Shape):
        super().__init__(autoescape=True, undefined=StrictUndefined)
        self.filters = {name: DEFAULT_FILTERS[name] for name in ALLOWED_FILTERS}
        self.tests = {name: DEFAULT_TESTS[name] for name in ALLOWED_TESTS}
        self.globals = {}
        self.shape = shape
        self.used: set[str] = set()

    def _parse(self, source, name, filename):
        template = super()._parse(source, name, filename)
        problems, used = check_tags(template, source, self.shape)
        if problems:
            raise TemplateRefused(problems + [f"Les variables, filtres et balises permis sont décrits dans {README}."])
        self.used |= used
        return template

    def is_safe_callable(self, obj) -> bool:
        return False

    def call_binop(self, context, operator, left, right):
        if operator == "*" and type(left) is int and type(right) is int and abs(left * right) <= MAX_NUMBER ** 2:
            return left * right  # docxtpl's `{% hm %}` width
        raise SecurityError(f"operator {operator!r} is not allowed in a Word model")

    def call_unop(self, context, operator, arg):
        raise SecurityError(f"operator {operator!r} is not allowed in a Word model")

    def concat(self, chunks) -> str:
        """The rendered text of a part, refused beyond MAX_OUTPUT_CHARS while it is produced."""
        out, size = [], 0
        for chunk in chunks:
            size += len(chunk)
            if size > MAX_OUTPUT_CHARS:
                raise OutputTooLarge(f"more than {MAX_OUTPUT_CHARS} characters")
            out.append(chunk)
        return "".join(out)


def _syntax_problem(error: TemplateSyntaxError) -> str:
    tags = _tags_on_line(error.source or "", error.lineno or 0)
    where = "« " + " ".join(tags)[:200] + " »" if tags else "dans le modèle"
    return (f"Balise mal formée {where} : {error.message}. Tapez chaque balise d'un seul trait, sans changer de mise "
            "en forme au milieu.")


def explain(error: Exception) -> list[str]:
    """French reasons for an error raised while rendering a model."""
    if isinstance(error, TemplateRefused):
        return error.problems
    if isinstance(error, OutputTooLarge):
        return [f"Le document produit dépasserait {MAX_OUTPUT_CHARS // (1024 * 1024)} millions de caractères : "
                "le modèle répète trop de texte."]
    if isinstance(error, SecurityError):
        return ["Le modèle tente une opération interdite (un appel, un calcul ou l'accès à l'intérieur du "
                "programme) ; elle a été bloquée."]
    if isinstance(error, TemplateSyntaxError):
        return [_syntax_problem(error)]
    if isinstance(error, UndefinedError):
        return [f"Le modèle demande une valeur que le document ne fournit pas ({error.message})."]
    if isinstance(error, TemplateError):
        return [f"Le modèle ne peut pas être rempli ({error.message})."]
    return [f"Le modèle ne peut pas être rempli : le document produit n'est pas valide ({type(error).__name__})."]


def render(tpl: DocxTemplate, context: dict) -> None:
    """docxtpl's render in the sandbox, the tags checked against `context`'s shape; TemplateRefused (French) when
    the model breaks a rule or fails."""
    env = DocxEnvironment(shape_of(context))
    try:
        tpl.render(context, jinja_env=env, autoescape=True)
    except TemplateRefused:
        raise
    except TemplateError as error:
        raise TemplateRefused(explain(error)) from error


# --- the trial, in a child process ----------------------------------------------------------------------------

def trial(path, samples: list[tuple[str, dict]], required: Iterable[str]) -> list[str]:
    """Renders the model at `path` once per (label, context) sample, the tags checked against the shape of all
    samples: [] when usable, else French problems. Runs in the bounded child (trial_main)."""
    problems = check_package(path)
    if problems:
        return problems
    shape = shape_of_all(context for _, context in samples)
    used: set[str] = set()
    for label, context in samples:
        env = DocxEnvironment(shape)
        try:
            tpl = DocxTemplate(str(path))
            tpl.render(context, jinja_env=env, autoescape=True)
            tpl.save(BytesIO())
        except MemoryError:
            raise
        except TemplateRefused as error:
            return error.problems
        except TemplateSyntaxError as error:
            return explain(error)
        except TemplateError as error:
            return [f"Essai sur le cas test « {label} » : {problem}" for problem in explain(error)]
        except Exception:  # a broken part, an XML error: never the exception's text (it may hold a path)
            return [UNREADABLE]
        used |= env.used
    missing = sorted(set(required) - used)
    if missing:
        return ["Variables obligatoires absentes du modèle : " + ", ".join(missing) + "."]
    return []


def trial_main() -> None:
    """The child's entry (plans/documents/template_check.py): reads {path, samples, required, memory, cpu} as JSON
    on stdin, bounds its own address space and CPU time, writes {"problems": [...]} (or {"exceeded": "memory"}) on
    stdout."""
    payload = json.load(sys.stdin)
    resource.setrlimit(resource.RLIMIT_AS, (payload["memory"], payload["memory"]))
    resource.setrlimit(resource.RLIMIT_CPU, (payload["cpu"], payload["cpu"] + 1))
    try:
        result = {"problems": trial(Path(payload["path"]), [tuple(s) for s in payload["samples"]],
                                    payload["required"])}
    except MemoryError:
        result = {"exceeded": "memory"}
    sys.stdout.write(json.dumps(result))
