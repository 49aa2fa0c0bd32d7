"""The one exception type for refused input: French messages, keyed by the field they concern."""
from __future__ import annotations


class ValidationError(Exception):
    """Raised by plans/ when input breaks a rule. `errors` maps a field name ("" for the whole form) to messages."""

    def __init__(self, errors: dict[str, list[str] | str] | str):
        if isinstance(errors, str):
            errors = {"": [errors]}
        self.errors = {k: [v] if isinstance(v, str) else list(v) for k, v in errors.items()}
        super().__init__("; ".join(m for msgs in self.errors.values() for m in msgs))

    @property
    def messages(self) -> list[str]:
        return [m for msgs in self.errors.values() for m in msgs]


class ConflictError(Exception):
    """The record changed since the form was loaded (optimistic concurrency)."""
