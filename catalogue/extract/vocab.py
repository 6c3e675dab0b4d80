"""The patterns and vocabularies the stages read, compiled once from rules.yaml (each on first use)."""

import re
from functools import cache
from typing import NamedTuple

from catalogue.extract.rules import rules
from catalogue.extract.text import compile_phrases, phrase_key

DETERMINERS = {"the", "a", "an", "its", "their", "his", "her", "this", "these", "those", "that", "our"}
_PRONOUN_OPENINGS = ("it ", "its ", "it's ", "it’s ", "it,")


def literals(words) -> re.Pattern[str]:
    """One expression finding any of these literal substrings: faster than testing them one by one."""
    return re.compile("|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True)))


def _alternatives(phrases) -> str:
    """Phrases as alternatives whose spaces match any run of white space."""
    return "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in phrases)


# --- categories ---
@cache
def category_regex() -> tuple[re.Pattern[str], dict[str, str]]:
    r = rules()
    lookup = {phrase_key(p): slug for slug, phrases in r.categories.items() for p in phrases}
    return compile_phrases([*lookup, *r.not_categories, *(p for ps in r.categories.values() for p in ps)],
                           plural=True), lookup


def category_of(phrase: str) -> str | None:
    _, lookup = category_regex()
    key = phrase_key(phrase)
    for candidate in (key, key[:-1], key[:-2]):
        if candidate in lookup:
            return lookup[candidate]
    if key.isupper() or phrase.rstrip("s").isupper():
        return lookup.get(phrase_key(phrase.rstrip("s")))
    return None


@cache
def category_heads() -> re.Pattern[str]:
    """The last word of every category phrase: a text without any of them names no category."""
    r = rules()
    return literals(re.split(r"[\s-]+", phrase)[-1].lower().rstrip("s") for phrases in r.categories.values()
                    for phrase in phrases)


def find_categories(text: str) -> list[tuple[re.Match[str], str]]:
    lowered = text.lower()
    if not category_heads().search(lowered):
        return []
    regex, _ = category_regex()
    found = []
    for match in regex.finditer(text):
        slug = category_of(match.group())
        if slug is not None:
            found.append((match, slug))
    return found


@cache
def head_words() -> re.Pattern[str]:
    """The last word of any category phrase, with a plural ending, as a whole word (they are all letters)."""
    r = rules()
    heads = {re.split(r"[\s-]+", phrase)[-1].lower().rstrip("s") for phrases in r.categories.values()
             for phrase in phrases}
    alternation = "|".join(sorted(map(re.escape, heads), key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternation})[es]*(?!\w)", re.IGNORECASE)


@cache
def gap_words() -> frozenset[str]:
    """The words a head gap may hold: those of the name cues, and "the"."""
    return frozenset(w.lower() for cue in rules().name_cues for w in re.findall(r"\w+", cue)) | {"the"}


@cache
def weapon_noun_regex() -> re.Pattern[str]:
    return compile_phrases(rules().weapon_nouns, plural=True)


# --- facts other than quantities ---
class FactPatterns(NamedTuple):
    capability: re.Pattern[str]
    clause_break: re.Pattern[str]
    modifier: re.Pattern[str]
    status: re.Pattern[str]
    head_gap: re.Pattern[str]  # between a head noun and the name it introduces: "the drone known as Haeil"


@cache
def fact_patterns() -> FactPatterns:
    r = rules()
    return FactPatterns(
        capability=compile_phrases(r.capability_cues),
        clause_break=re.compile(r",(?!\d)|[;:()\[\]\"“”]|\s(?:" + _alternatives(r.clause_breaks) + r")\b",
                                re.IGNORECASE),
        modifier=re.compile(r"\b(?:" + "|".join(r.capability_modifiers) + r")\b", re.IGNORECASE),
        status=compile_phrases(r.status_modifiers),
        head_gap=re.compile(r"\s*,?\s*(?:(?:" + _alternatives(r.name_cues) + r")\s+)?(?:the\s+)?[\"“‘']?",
                            re.IGNORECASE),
    )


@cache
def fuel_regex() -> tuple[re.Pattern[str], dict[str, str]]:
    r = rules()
    lookup = {phrase_key(p): fuel for fuel, phrases in r.fuel.items() for p in phrases}
    return compile_phrases(list(lookup)), lookup


@cache
def warheads() -> list[tuple[str, str, re.Pattern[str]]]:
    return [(w.id, w.value, re.compile(w.pattern, re.IGNORECASE)) for w in rules().warheads]


@cache
def not_before() -> dict[str, re.Pattern[str]]:
    """What may not follow a capability cue for it to state one ("could be deployed")."""
    return {cue: re.compile(r"\s*(?:" + "|".join(after) + r")\b", re.IGNORECASE)
            for cue, after in rules().capability_not_before.items()}


@cache
def purpose_nouns() -> frozenset[str]:
    return frozenset(rules().capability_not_after)


@cache
def demonyms() -> tuple[re.Pattern[str], list[tuple[re.Pattern[str], str]]]:
    """A country named before a system ("the Russian Poseidon", "Russia's new Oreshnik"): one expression per
    country, and one for any, which lets most noun phrases skip the others."""
    patterns = [(rf"\b(?:{re.escape(demonym)}|{re.escape(country)}['’]s)\b", country)
                for demonym, country in rules().demonyms.items()]
    return re.compile("|".join(p for p, _ in patterns)), [(re.compile(p), c) for p, c in patterns]


# --- quantities ---
@cache
def quantities() -> list[tuple[str, str, re.Pattern[str]]]:
    return [(q.id, q.attribute, re.compile(q.pattern, re.IGNORECASE)) for q in rules().quantities]


@cache
def unit_lookup() -> dict[str, str]:
    return {phrase_key(word): unit for unit, words in rules().units.items() for word in words}


@cache
def unit_words() -> re.Pattern[str]:
    """A cheap test before the quantity patterns: some unit is written (a lone "t" only after a number)."""
    words = {w for synonyms in rules().units.values() for w in synonyms if len(w) > 1} | {"stage"}
    return re.compile("|".join(sorted(map(re.escape, words), key=len, reverse=True)) + r"|\d\s*t\b")


# --- events and places ---
class EventPatterns(NamedTuple):
    hypothetical: re.Pattern[str]  # a mood phrase and up to two words, right before an event cue
    gathering: re.Pattern[str]
    location: re.Pattern[str]


@cache
def event_patterns() -> EventPatterns:
    r = rules()
    return EventPatterns(
        hypothetical=re.compile(r"(?:" + _alternatives(r.hypothetical) + r")\s+(?:\w+\s+){0,2}$", re.IGNORECASE),
        gathering=compile_phrases(r.gatherings, plural=True),
        location=re.compile(
            r"\b(?:" + "|".join(r.location_prepositions) + r")\s+(?:the\s+)?"
            r"(?P<loc>(?:[A-Z][\w.\-]*['’]s\s+(?:[a-z]+\s+)?)?[A-Z][\w.\-]*(?:\s+(?:of\s+(?:the\s+)?)?[A-Z][\w.\-]*)*)"),
    )


@cache
def event_regex() -> tuple[re.Pattern[str], dict[str, str]]:
    lookup = {phrase_key(p): kind for kind, phrases in rules().events.items() for p in phrases}
    return compile_phrases(list(lookup)), lookup


@cache
def event_stems() -> re.Pattern[str]:
    # The most distinctive word of each cue ("shown" in "was shown", not "was"), cut to its stem.
    return literals(max(re.split(r"[\s-]", phrase.lower()), key=len)[:5] for phrases in rules().events.values()
                    for phrase in phrases)


@cache
def gathering_words() -> re.Pattern[str]:
    return literals(phrase.split()[-1].lower() for phrase in rules().gatherings)


@cache
def not_places() -> frozenset[str]:
    return frozenset(rules().location_not) | frozenset(rules().demonyms)


# --- relations ---
@cache
def relation_regex() -> tuple[re.Pattern[str], dict[str, str]]:
    lookup = {phrase_key(p): kind for kind, phrases in rules().relations.items() for p in phrases}
    return compile_phrases(list(lookup)), lookup


# --- who speaks ---
class AttributionPatterns(NamedTuple):
    according: re.Pattern[str]
    inverted: re.Pattern[str]  # "…, said Kim Dong-yup, a professor": the speaker after the verb
    verb: re.Pattern[str]


@cache
def attribution_patterns() -> AttributionPatterns:
    return AttributionPatterns(
        according=re.compile(r"\baccording\s+to\s+(?P<who>[^,;:.()]+)", re.IGNORECASE),
        inverted=re.compile(
            r"[,\"”]\s*(?:said|says|added|noted|wrote|warned)\s+(?P<who>(?:[A-Z][\w.'’-]*\s?){1,4})"),
        verb=re.compile(r"\b(?:has\s+|have\s+|had\s+)?(?P<verb>" + "|".join(rules().attribution.verbs) + r")\b"),
    )


@cache
def role_words() -> frozenset[str]:
    return frozenset(rules().attribution.role_words)


# --- coreference ---
@cache
def description_kinds() -> dict[tuple[str, str], str]:
    """(determiner, head noun) of each description: "the new missile" is read as "the … missile"."""
    return {(description.split()[0], description.split()[-1]): kind
            for description, kind in rules().coreference.descriptions.items()}


@cache
def descriptions() -> re.Pattern[str]:
    """"the missile" also as "the liquid-fuelled missile", "the new solid-fuel weapon": up to two modifiers."""
    modifier = r"(?:(?!(?:of|and|or|to|with|from|for|in|on|at|by|a|an|the|that|which)\b)[\w-]+\s+){0,2}?"
    determiners = "|".join(sorted({det for det, _ in description_kinds()}))
    nouns = "|".join(sorted({noun for _, noun in description_kinds()}, key=len, reverse=True))
    return re.compile(rf"(?P<det>{determiners})\s+{modifier}(?P<noun>{nouns})\b(?!-)")


@cache
def coreference_openings() -> tuple[str, ...]:
    """How a sentence continuing an earlier system may open: a pronoun, or a description's determiner."""
    determiners = {description.split(" ", 1)[0] + " " for description in rules().coreference.descriptions}
    return _PRONOUN_OPENINGS + tuple(sorted(determiners))
