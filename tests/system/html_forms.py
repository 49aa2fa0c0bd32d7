"""Forms as a browser posts them: the (name, value) pairs of each <form> of a page, parsed from its HTML."""
from __future__ import annotations

from html.parser import HTMLParser


class FormFields(HTMLParser):
    """The (name, value) pairs a browser would post for each <form> of a page, keyed by the form's action."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: dict[str, list[tuple[str, str]]] = {}
        self._form: list | None = None
        self._textarea: list | None = None
        self._select: dict | None = None
        self._option: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = self.forms.setdefault(a.get("action") or "", [])
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self._form.append((a["name"], a.get("value") or ("y" if kind == "checkbox" else "")))
        elif tag == "textarea" and a.get("name"):
            self._textarea = [a["name"], ""]
        elif tag == "select" and a.get("name"):
            self._select = {"name": a["name"], "multiple": "multiple" in a, "options": [], "selected": []}
        elif tag == "option" and self._select is not None:
            self._option = {"value": a.get("value"), "text": "", "selected": "selected" in a}

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data
        if self._option is not None:
            self._option["text"] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea" and self._textarea is not None:
            value = self._textarea[1]
            self._form.append((self._textarea[0], value[1:] if value.startswith("\n") else value))
            self._textarea = None
        elif tag == "option" and self._option is not None:
            self._close_option()
        elif tag == "select" and self._select is not None:
            self._close_option()
            s = self._select
            chosen = s["selected"] or ([] if s["multiple"] or not s["options"] else s["options"][:1])
            self._form.extend((s["name"], v) for v in chosen)
            self._select = None

    def _close_option(self):
        if self._option is not None and self._select is not None:
            value = self._option["value"] if self._option["value"] is not None else self._option["text"].strip()
            self._select["options"].append(value)
            if self._option["selected"]:
                self._select["selected"].append(value)
        self._option = None


def form_fields(html: str, action: str = "") -> list[tuple[str, str]]:
    """What the browser would post for the form whose action is `action` ("" = the page's own URL)."""
    parser = FormFields()
    parser.feed(html)
    return parser.forms.get(action, [])


def field_value(fields: list[tuple[str, str]], name: str) -> str | None:
    return next((v for n, v in fields if n == name), None)


def with_values(fields: list[tuple[str, str]], **values: str) -> list[tuple[str, str]]:
    """The same fields with some values replaced (each name given must be a field of the form)."""
    missing = set(values) - {n for n, _ in fields}
    assert not missing, f"not fields of the form: {missing}"
    return [(n, values.get(n, v)) for n, v in fields]
