"""Text rules shared by search, uniqueness checks and sorting."""
import re
import unicodedata

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def search_key(*texts: str | None) -> str:
    """Lower case, without accents or punctuation: "Ségou" and "segou" meet, so do "Kirané-Kaniaga" and "kirane kaniaga"."""
    parts = []
    for text in texts:
        if not text:
            continue
        decomposed = unicodedata.normalize("NFKD", text)
        bare = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
        parts.append(_NON_ALNUM.sub(" ", bare).strip())
    return " ".join(p for p in parts if p)
