"""Text rules shared by input cleaning, search, uniqueness checks and sorting."""
import re
import unicodedata

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
# C0 control characters but tab, line feed and carriage return, and DEL: nobody types them (they come with text
# pasted from a binary file); PostgreSQL refuses NUL, XML (the .docx) holds none of them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# A surrogate code point alone is no character: JSON's "\ud800" escape (a plan file) or a file name that is not
# UTF-8 (os.fsdecode) makes one; UTF-8 cannot encode it, so PostgreSQL, the .docx and every output would fail.
_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"  # what a UTF-8 decoder puts for bytes it cannot read


def has_control_characters(text: str) -> bool:
    return _CONTROL.search(text) is not None or _SURROGATE.search(text) is not None


def without_control_characters(text: str) -> str:
    """Typed text as it is kept: every form value, query argument and imported plan file goes through this.
    Control characters are dropped; a lone surrogate becomes U+FFFD, as a UTF-8 decoder reads a broken byte."""
    return _SURROGATE.sub(REPLACEMENT, _CONTROL.sub("", text))


def search_key(*texts: str | None) -> str:
    """Lower case, without accents or punctuation: "Ségou" and "segou" meet, so do "Kirané-Kaniaga" and
    "kirane kaniaga"."""
    parts = []
    for text in texts:
        if not text:
            continue
        decomposed = unicodedata.normalize("NFKD", text)
        bare = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
        parts.append(_NON_ALNUM.sub(" ", bare).strip())
    return " ".join(p for p in parts if p)
