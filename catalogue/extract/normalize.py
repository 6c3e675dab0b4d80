"""Alias normalisation: one key for every spelling of a name (Hwaseong 18, HWASONG-18 → hwasong18)."""

import re
import unicodedata
from functools import lru_cache

from catalogue.extract.rules import rules

_SEPARATORS = re.compile(r"[\W_]+", re.UNICODE)


@lru_cache(maxsize=200_000)
def fold(name: str) -> str:
    """Lower case, accents, spaces, hyphens, dashes and punctuation removed, transliteration folded."""
    if name.isascii():
        key = _SEPARATORS.sub("", name.lower())
    else:
        decomposed = unicodedata.normalize("NFKD", name)
        ascii_like = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
        key = _SEPARATORS.sub("", ascii_like.casefold())
    for variant, canonical in rules().transliteration:
        if variant in key:
            key = key.replace(variant, canonical)
    return key


def slugify(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name)
    ascii_like = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]+", "-", ascii_like.casefold()).strip("-") or "system"


def alias_kind(alias: str, name: str) -> str:
    """designation (KN-23, SS-18), transliteration (a variant spelling of the name), else name."""
    if re.fullmatch(r"[A-Z0-9]{1,6}(?:[-/ ]?[A-Z0-9]{1,6})*", alias) and any(ch.isdigit() for ch in alias):
        return "designation"
    if fold(alias) == fold(name):
        return "transliteration"
    return "name"
