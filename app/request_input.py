"""What a browser sends, made safe once before any view reads it.

- Control characters (plans.core.text.without_control_characters: NUL and the other C0 controls but tab and line
  breaks) are dropped from every form value and query argument (names included). Nobody types one (they come with
  text pasted from a binary file); SQLite stores a NUL but PostgreSQL refuses it ("text fields cannot contain
  NUL"), so a save that worked on one backend failed with a 500 on the other, and XML (the .docx) holds none.
- An id in a URL (`<int:plan_id>`) beyond what an INTEGER column holds is a 404: looked up as such, it made the
  database driver fail (a 500).
- A form posts at most plans.core.limits.FORM_FIELDS values (the largest form the limits allow has about 4 000):
  Werkzeug bounds the parts of a multipart body (Flask's MAX_FORM_PARTS, 1 000: the upload forms have a handful)
  but not the fields of a URL-encoded one, whose parse then cost a worker seconds for a forged 20 MB post.
  Counted on the raw body before it is parsed, a larger one is a French 413 (app/errors.py).
"""
from __future__ import annotations

from flask import Flask, Request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.routing import IntegerConverter
from werkzeug.utils import cached_property

from plans.core import limits
from plans.core.text import has_control_characters, without_control_characters

MAX_ID = 2**31 - 1  # the largest INTEGER of PostgreSQL, the type of every id


def _without_controls(data: MultiDict) -> MultiDict:
    pairs = list(data.items(multi=True))
    if not any(has_control_characters(key) or (isinstance(value, str) and has_control_characters(value))
               for key, value in pairs):
        return data
    return type(data)((without_control_characters(key),
                       without_control_characters(value) if isinstance(value, str) else value)
                      for key, value in pairs)


class CleanRequest(Request):
    def _load_form_data(self) -> None:
        if "form" not in self.__dict__ and self.mimetype == "application/x-www-form-urlencoded":
            fields = self.get_data(cache=True).count(b"&") + 1  # kept: the parser below reads the cached body
            if limits.too_many_fields(fields):
                raise RequestEntityTooLarge(limits.too_many_fields(fields))
        super()._load_form_data()
        self.__dict__["form"] = _without_controls(self.__dict__["form"])

    @cached_property
    def args(self) -> MultiDict:
        return _without_controls(super().args)


class BoundedIntegerConverter(IntegerConverter):
    """`<int:…>`, at most MAX_ID unless a route sets its own `max`."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=MAX_ID if max is None else max, signed=signed)


def init_app(app: Flask) -> None:
    """Before any blueprint: routes take their converters when they are added."""
    app.request_class = CleanRequest
    app.url_map.converters["int"] = BoundedIntegerConverter
