"""The patterns and vocabularies the stages read, compiled once from rules.yaml (each on first use)."""

import re
from functools import cache
from typing import NamedTuple

from catalogue.extract.rules import rules
from catalogue.extract.text import compile_phrases, grouped_alternation, phrase_key, phrase_pattern

DETERMINERS = {"the", "a", "an", "its", "their", "his", "her", "this", "these", "those", "that", "our"}
_PRONOUN_OPENINGS = ("it ", "its ", "it's ", "it’s ", "it,")


def literals(words) -> re.Pattern[str]:
    """One expression finding any of these literal substrings, written as a trie ("te(?:st(?:s|e|i)?|…)"):
    Python's engine tries a flat alternation's words one by one at every position, a trie's first letters
    once (five times faster on the event stems)."""
    return re.compile(trie_pattern(set(words)))


def trie_pattern(words) -> str:
    """A regular expression matching any of the words, longest first where one is a prefix of another."""
    trie: dict = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}  # the end of a word

    def pattern(node: dict) -> str:
        ends = "" in node
        branches = [re.escape(char) + pattern(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
        if ends:  # a word ends here and others go on: the longer first, as the flat alternation sorted them
            return f"(?:{body})?" if len(branches) > 1 or len(body) > 1 else f"{body}?"
        return body

    return pattern(trie) or "(?!)"


def _alternatives(phrases) -> str:
    """Phrases as alternatives whose spaces match any run of white space."""
    return "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in phrases)


# --- phrases with a gap: "medium-range ... ballistic missile" ---
GAP = "..."
# What a gap may hold: up to three modifiers ("medium-range, road-mobile solid-fuel"), never a word that
# starts another phrase or clause ("and", "with"), nor a noun that heads another weapon ("rockets").
_GAP_STOP = (r"(?:and|or|but|nor|of|the|a|an|to|with|without|from|in|on|at|by|for|that|which|who|is|was|are|"
             r"were|be|been|has|have|had|its|their|than|as|into|while|after|before|not|"
             r"missiles?|rockets?|drones?|weapons?|systems?|vehicles?|launchers?|munitions?|tanks?|fuel|"
             r"aircraft|jets?|planes?|ships?|submarines?|warheads?|boosters?|engines?|motors?)")
_GAP = rf"(?:,?\s+(?!{_GAP_STOP}\b)\w+(?:[\-‐‑‒–]\w+)*){{0,3}}\s+"


def _split_gapped(phrases) -> tuple[list[str], list[tuple[str, str]]]:
    """Plain phrases, and the two sides of those holding a gap."""
    plain, gapped = [], []
    for phrase in phrases:
        if GAP in phrase:
            left, right = (side.strip() for side in phrase.split(GAP, 1))
            gapped.append((left, right))
        else:
            plain.append(phrase)
    return plain, gapped


def _gapped_pattern(left: str, right: str) -> str:
    return phrase_pattern(left) + _GAP + phrase_pattern(right, plural=True)


def _compile_with_gaps(plain: list[str], gapped: list[str], plural: bool) -> re.Pattern[str]:
    """One alternation: the phrases with a gap first (at one place they hold the longer reading), then
    the plain ones longest first, as compile_phrases orders them."""
    ordered = sorted(set(plain), key=len, reverse=True)
    alternation = grouped_alternation([*gapped, *(phrase_pattern(p, plural) for p in ordered)])
    return re.compile(rf"(?<![\w-])(?:{alternation})(?![\w])", re.IGNORECASE)


# --- categories ---
@cache
def category_regex() -> tuple[re.Pattern[str], dict[str, str]]:
    r = rules()
    lookup, gaps = {}, []
    for slug, phrases in r.categories.items():
        plain, gapped = _split_gapped(phrases)
        lookup.update((phrase_key(p), slug) for p in plain)
        gaps += [(_gapped_pattern(left, right), slug) for left, right in gapped]
    return _compile_with_gaps([*lookup, *r.not_categories], [p for p, _ in gaps], plural=True), lookup


@cache
def _category_gaps() -> list[tuple[re.Pattern[str], str]]:
    r = rules()
    return [(re.compile(_gapped_pattern(left, right), re.IGNORECASE), slug)
            for slug, phrases in r.categories.items() for left, right in _split_gapped(phrases)[1]]


def category_of(phrase: str) -> str | None:
    _, lookup = category_regex()
    key = phrase_key(phrase)
    for candidate in (key, key[:-1], key[:-2]):
        if candidate in lookup:
            return lookup[candidate]
    if key.isupper() or phrase.rstrip("s").isupper():
        return lookup.get(phrase_key(phrase.rstrip("s")))
    for pattern, slug in _category_gaps():  # "medium-range solid-fuel ballistic missile"
        if pattern.fullmatch(phrase):
            return slug
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
    return re.compile(rf"(?<!\w)(?:{trie_pattern(heads)})[es]*(?!\w)", re.IGNORECASE)


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
    statement: re.Pattern[str]  # "harder to shoot down": an ability stated without a cue
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
        statement=re.compile("|".join(r.capability_statements), re.IGNORECASE),
        status=compile_phrases(r.status_modifiers),
        # "an intercontinental ballistic missile (ICBM) named Sarmat": an abbreviation may come first.
        head_gap=re.compile(r"(?:\s*\([A-Z][A-Za-z\-]{1,9}\))?\s*,?\s*(?:(?:" + _alternatives(r.name_cues) + r")\s+)?(?:the\s+)?[\"“‘']?",
                            re.IGNORECASE),
    )


class _FuelLookup(dict):
    """The fuel of a phrase found by fuel_regex: a plain phrase is looked up, one with a gap ("liquid rocket
    engine", "solid-propellant multistage motors") is matched against each gapped phrase."""

    def __init__(self, plain: dict[str, str], gaps: list[tuple[re.Pattern[str], str]]):
        super().__init__(plain)
        self.gaps = gaps

    def __missing__(self, key: str) -> str:
        for pattern, fuel in self.gaps:
            if pattern.fullmatch(key):
                return fuel
        raise KeyError(key)


@cache
def fuel_regex() -> tuple[re.Pattern[str], dict[str, str]]:
    r = rules()
    plain, gaps = {}, []
    for fuel, phrases in r.fuel.items():
        words, gapped = _split_gapped(phrases)
        plain.update((phrase_key(p), fuel) for p in words)
        gaps += [(_gapped_pattern(left, right), fuel) for left, right in gapped]
    lookup = _FuelLookup(plain, [(re.compile(p, re.IGNORECASE), fuel) for p, fuel in gaps])
    return _compile_with_gaps(list(plain), [p for p, _ in gaps], plural=False), lookup


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


@cache
def place_countries() -> tuple[re.Pattern[str], dict[str, str]]:
    """The country a place belongs to: its capital ("Pyongyang's Kim Il-sung Square"), its name or demonym
    ("the North Korean capital"). The longest name first ("North Korean" before "Korean")."""
    r = rules()
    lookup = {**{country: country for country in r.demonyms.values()}, **r.demonyms, **r.capitals}
    names = sorted(lookup, key=len, reverse=True)
    return re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, names)) + r")(?![\w-])"), lookup


@cache
def show_words() -> re.Pattern[str]:
    return compile_phrases(rules().show_words)


# --- quantities: their grammar is compiled in quantities.grammar() ---


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
        # A place, capitalised, or an area of one ("on the outskirts of Pyongyang", "off the coast of Crimea").
        location=re.compile(
            r"\b(?:" + "|".join(r.location_prepositions) + r"|on(?=\s+the\s+(?:" + _AREAS + r")\s))\s+(?:the\s+)?"
            r"(?P<loc>(?:(?:" + _AREAS + r")\s+(?:of|off)\s+(?:the\s+)?)?"
            r"(?:[A-Z][\w.\-]*['’]s\s+(?:[a-z]+\s+)?)?[A-Z][\w.\-]*(?:\s+(?:of\s+(?:the\s+)?)?[A-Z][\w.\-]*)*)"),
    )


_AREAS = "outskirts|suburbs|coast|coastline|shores|waters|skies|vicinity"


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
    hedge: re.Pattern[str]  # "reportedly": what the last source reported


@cache
def attribution_patterns() -> AttributionPatterns:
    return AttributionPatterns(
        # Up to the clause's punctuation; not to an initial's full stop ("the U.S. Army" is whole).
        according=re.compile(rf"\b(?:{_alternatives(rules().attribution.source_phrases)})\s+(?P<who>[^,;:()\"“”]+?)(?=\s*(?:[,;:()\"“”]|(?<!\b[A-Z])\.(?:\s|$)|$))",
                             re.IGNORECASE),
        # The verb only: attribution reads the speaker's name after it.
        inverted=re.compile(r"[,\"”]\s*(?:" + "|".join(rules().attribution.inverted_verbs) + r")\s+"),
        verb=re.compile(rf"\b(?:has\s+|have\s+|had\s+)?(?P<verb>{reporting_verbs()})\b"),
        hedge=re.compile(rf"\b{trie_pattern(rules().attribution.hedges)}\b", re.IGNORECASE),
    )


@cache
def reporting_verbs() -> str:
    """The attribution rules' reporting verbs as one expression (attribution and coreference share it)."""
    return trie_pattern(rules().attribution.verbs)


@cache
def role_words() -> frozenset[str]:
    return frozenset(rules().attribution.role_words)


# --- coreference ---
@cache
def description_nouns() -> dict[str, str]:
    """Head noun of a description (folded) → the class of system it may stand for."""
    return {noun.casefold(): kind for noun, kind in rules().coreference.nouns.items()}


@cache
def descriptions() -> re.Pattern[str]:
    """A description in folded text: "the missile", "this unmanned underwater vehicle", "the new solid-fuel
    weapon": a determiner, up to four modifiers (no function word among them), a head noun."""
    # Modifiers may be listed with commas: "the two-stage, solid-fuelled, medium-range ballistic missile".
    modifier = (r"(?:(?!(?:of|and|or|to|with|from|for|in|on|at|by|a|an|the|that|which|is|was|has|had|it|its)\b)"
                r"[\w'’-]+,?\s+){0,4}?")  # and possessives: "the Army's version"
    determiners, nouns = trie_pattern(rules().coreference.determiners), trie_pattern(description_nouns())
    # A compound's head is its last noun: "the rocket system" is a system, "the missile launcher" a launcher.
    return re.compile(rf"(?P<det>{determiners})\s+(?P<modifiers>{modifier}(?:(?:{nouns})\s+)?)(?P<noun>{nouns})"
                      r"\b(?!-)")


@cache
def coreference_openings() -> tuple[str, ...]:
    """How a sentence continuing an earlier system may open: a pronoun, or a description's determiner."""
    return _PRONOUN_OPENINGS + tuple(sorted(det.casefold() + " " for det in rules().coreference.determiners))
