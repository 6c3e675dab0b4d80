"""Finding the systems a text names: the reference list, designator patterns, names introduced
by cue phrases ("the underwater drone known as Haeil") and "X missile" descriptions."""

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise

from catalogue.extract.normalize import fold
from catalogue.extract.rules import ReferenceSystem, reference, rules
from catalogue.extract.text import SEPARATOR, Sentence, blank_tags, compile_phrases, last_words
from catalogue.extract.vocab import category_regex, trie_pattern

_TOKEN = re.compile(r"[^\W_]+")  # letters of any script: "Akıncı" is one word, not "Ak", "nc"
# A token's start whose first character is not a lower-case ASCII letter: the few tokens of English prose
# that may open a name (a capital or digit), found in one pass rather than tested word by word in Python.
# The character first, its look-behind after it: the engine then skips straight to candidate characters.
_NAME_TOKEN_START = re.compile(r"[^\W_a-z](?<![^\W_].)")
_MAX_JOINABLE = 3  # the longest gap _JOINABLE takes (" - ", " & ")
# A name whose last part is one letter written apart ("Tornado-S"): not the same word with the letter run on
# ("RAF Tornados", a plural of another name).
_LETTER_APART = re.compile(r"[\s\-‐‑‒–][A-Za-z]$")
_WORD_BEFORE = re.compile(r"(\w+)[\s\"“‘']+$")  # the word before a designator ("exercise Zapad-2017")
_JOINABLE = re.compile(r"\s?[\-‐‑‒–—/]\s?|\s|\.\s|\s&\s|['’]")
_CONTINUES = re.compile(r"[\-‐‑‒–—][A-Za-z0-9]")
_MAX_ALIAS_TOKENS = 6
# A variant's suffix after a listed name: an abbreviation of mixed or upper case ("MaRV", "ER", "MIRV").
_VARIANT_SUFFIX = re.compile(r"[ \-]([A-Z][a-z]?[A-Z][A-Za-z]{0,3})(?![\w\-])")
_CLASS_SUFFIX = re.compile(r"[\-‐‑‒–—](?:class|type)\b", re.IGNORECASE)
_WORD_START = re.compile(r"(?<![\w\-])\w+")
_FIRST_WORD = re.compile(r"\w+")
_BREAK = re.compile(r"[^\w\-]")
_SHIP_PREFIXES = r"USS|HMS|HMAS|HMCS|INS|JS|ROKS|RFS|FS|ITS|TCG"
_SHIP = re.compile(rf"\b(?:{_SHIP_PREFIXES})\s+[A-Z][\w'’-]*"
                   r"(?:\s+(?:of\s+(?:the\s+)?)?(?:[A-Z]\.|[A-Z][\w'’-]+)){0,3}")
_SHIP_GATE = re.compile(_SHIP_PREFIXES)  # the prefixes alone: a literal search, which most sentences fail


@dataclass
class Mention:
    key: str  # the system's key within this document
    start: int
    end: int
    surface: str
    sentence: int
    rule: str
    primary: bool = True  # False when the system is only named as a comparison
    cue: str = ""  # for a name given by a cue, the description it names ("the unmanned underwater vehicle")


@dataclass
class FoundSystem:
    key: str
    name: str
    country: str | None = None
    category: str | None = None
    reference: ReferenceSystem | None = None
    base: ReferenceSystem | None = None  # the listed system this one is a variant of ("Scud-C MaRV": Scud-C)
    surfaces: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class AliasEntry:
    system: ReferenceSystem
    ambiguous: bool


@cache
def alias_index() -> dict[str, AliasEntry]:
    index: dict[str, AliasEntry] = {}
    for system in reference().systems:
        for alias in (system.name, *system.aliases):
            index.setdefault(fold(alias), AliasEntry(system, alias in system.ambiguous))
    return index


@cache
def alias_prefixes() -> frozenset[str]:
    """Every prefix of every folded alias: a token run whose key is not among them can stop growing."""
    return frozenset(key[:n] for key in alias_index() for n in range(1, len(key) + 1))


@cache
def family_countries() -> dict[str, str]:
    return {fold(family.prefix): family.country for family in reference().families}


@cache
def _weapon_context() -> re.Pattern[str]:
    r = rules()
    words = [*r.weapon_context, *(p for phrases in r.categories.values() for p in phrases)]
    return compile_phrases(words, plural=True)


def has_weapon_context(text: str) -> bool:
    return _weapon_context().search(text) is not None


@cache
def _designator() -> re.Pattern[str]:
    dash = r"[\-‐‑‒–]"
    return re.compile(
        # The capital first and its look-behind after it: the engine skips straight to capitals.
        rf"(?P<prefix>[A-Z](?<![\w\-‐‑‒–/][A-Z])[A-Za-z]{{0,13}})(?P<sep>{dash}|\s)"
        # A number, or after a hyphen a Roman one ("Shaheen-III", "Prithvi-II"; "World War II" has no hyphen).
        rf"(?P<num>\d{{1,4}}(?:[A-Z]{{1,3}}|[A-Z]?[a-z]{{1,2}})?|(?<=[\-‐‑‒–])(?:I{{1,3}}|IV|V|VI{{1,3}}|IX|X))"
        rf"(?:{dash}(?P<tail>\d{{1,3}}(?:\.\d)?|[A-Z][a-z]?))?"
        rf"(?![\w/]|[\-‐‑‒–](?!(?:class|type)\b))"  # "KN-23-type": the class's name
    )


@cache
def _sets() -> dict[str, frozenset[str]]:
    r = rules()
    return {
        "not_designations": frozenset(fold(d) for d in r.not_designations),
        "bad_prefixes": frozenset(p.casefold() for p in r.not_designation_prefixes)
        | frozenset(r.months)
        | frozenset(r.weekdays),
        "bad_followers": frozenset(w.casefold() for w in r.not_designation_followers),
        "bad_preceders": frozenset(w.casefold() for w in r.not_designation_preceders),
        "blocking": frozenset(r.blocking_followers),
        "not_names": frozenset(r.not_names),
        "parts": frozenset(w.casefold() for w in r.not_system_heads),
        "vessels": frozenset(w.casefold() for w in r.vessel_nouns),
    }


_NEXT_WORD = re.compile(r"\s+([\w'’]+)")
# The noun a designator's phrase ends in, past up to two modifiers ("RD-274 liquid rocket engine"), and the
# noun a designator is in apposition to ("the engine, the RD-250").
_PART_AFTER = re.compile(r"(?:\s+[\w-]+){1,3}")
_PART_BEFORE = re.compile(r"\b(\w+)\s*,?\s+(?:the\s+|an?\s+)?$")
_NICKNAME = re.compile(r" ([A-Z][a-z]{2,})\b(?![\-‐‑‒–])")
_WORD_BEFORE = re.compile(r"([\w’'-]+)\s+$")
_QUOTE_CLOSE = re.compile(r"[\"”’]")
_DETERMINERS = {"the", "a", "an", "its", "their", "this", "that"}
_NUMBER_GOES_ON = re.compile(r"[,.]\d")
_PLURAL_DESIGNATOR = re.compile(r"[\dA-Z]s$")
_SEPARATOR = re.compile(SEPARATOR)
_NAME_PARTS = re.compile(r"[\s\-]+")


def _next_word(text: str, end: int) -> str:
    match = _NEXT_WORD.match(text, end, end + 40)
    return match.group(1) if match else ""


_NAME = r"[A-Z][\w’'\-]*(?:[\s\-][A-Z0-9][\w’'\-]*){0,3}"
_OPEN_QUOTE = "\"“‘'"
_CLOSE_QUOTE = "\"”’'"


def _cue_alternatives() -> str:
    return "|".join(re.escape(c).replace(r"\ ", r"\s+") for c in rules().name_cues)


def _head_phrases() -> list[str]:
    r = rules()
    return [*r.weapon_nouns, *(p for phrases in r.categories.values() for p in phrases)]


@cache
def _heads() -> str:
    return compile_phrases(_head_phrases(), plural=True).pattern


@cache
def _any_head() -> re.Pattern[str]:
    """The last word, lower-cased, of every head phrase the name finders read (_heads(), _noun_pattern's,
    _after_gate's), for one literal search of a sentence's lower-cased text. Without one, a sentence holds
    no head in its case (the words are ASCII) nor, if it is all ASCII, in any case: most skip those finders."""
    r = rules()
    words = {word.lower() for word in last_words([*_head_phrases(), *_noun_heads()])}
    words |= {re.split(r"[\s-]+", p)[-1].lower() for phrases in r.categories.values() for p in phrases}
    if not all(word.isascii() for word in words):
        return re.compile("")  # a word another case may spell otherwise: no gate
    return re.compile(trie_pattern(words))


@cache
def _cue_pattern() -> re.Pattern[str]:
    """A description, then a cue, then the name: "the underwater drone known as Haeil", "a missile they
    named "Palestine 2"", "the liquid-fuel missile had been named the "Kheibar"."""
    be = r"(?:is|was|which\s+is|which\s+was|(?:has|have|had)\s+been|(?:is|was)\s+being)\s+"
    subject = r"(?:(?:which|that)\s+)?(?:it|they|he|she|we)\s+(?:has\s+|have\s+|had\s+)?"
    return re.compile(
        rf"(?P<head>{_heads()}),?\s+(?:{be}|{subject})?(?:also\s+)?(?:{_cue_alternatives()})\s+(?:the\s+)?"
        rf"[{_OPEN_QUOTE}]?(?P<name>(?-i:{_NAME}))[{_CLOSE_QUOTE}]?",
        re.IGNORECASE,
    )


@cache
def _leading_cue() -> re.Pattern[str]:
    """A sentence opening with the name, then the description it names: "Named "Haeil", the unmanned
    underwater vehicle is …"."""
    return re.compile(
        rf"(?:{_cue_alternatives()})\s+[{_OPEN_QUOTE}]?(?P<name>(?-i:{_NAME}))[{_CLOSE_QUOTE}]?\s*,\s+"
        rf"(?P<desc>(?:the|this|its)\s+(?:[\w-]+\s+){{0,3}}?(?:{_heads()}))(?![\w-])",
        re.IGNORECASE,
    )


@cache
def _what_called() -> re.Pattern[str]:
    """"what it called the Kedr", "what Pyongyang described as the "Hwasong-19"": a name a speaker gives."""
    speaker = r"(?:it|they|he|she|officials|state\s+media|(?-i:[A-Z][\w’']+(?:\s+[A-Z][\w’']+)?))"
    return re.compile(
        rf"\bwhat\s+{speaker}\s+(?:called|calls|call|described\s+as|describes\s+as|dubbed|dubs|named|termed)\s+"
        rf"(?:an?\s+|the\s+)?(?P<quote>[{_OPEN_QUOTE}])?(?P<name>(?-i:{_NAME}))[{_CLOSE_QUOTE}]?",
        re.IGNORECASE,
    )


@cache
def _weapon_after() -> re.Pattern[str]:
    """What makes a name given with "what it called" a weapon's: a weapon noun right after it, or an
    apposition ending in one ("the Kedr, a new intercontinental ballistic missile")."""
    return re.compile(rf"[{_CLOSE_QUOTE}]?(?:\s*,\s+(?:an?|the|its)\s+(?:[\w-]+\s+){{0,4}}?|\s+)(?:{_heads()})(?![\w-])",
                      re.IGNORECASE)


# The determiner and modifiers of the description a cue names, read from the few characters before its noun.
_DETERMINER_BEFORE = re.compile(r"\b(?:the|this|that|a|an|its|their|his|her)\s+(?:[\w-]+\s+){0,3}$", re.IGNORECASE)
# Between a system's name and an apposition describing it: "the DF-21, a … missile known as the CH-AS-X-13".
_APPOSED_GAP_BEFORE = re.compile(r"[\"”’')\]]?\s*,\s*$")
_OR_GLOSS = re.compile(r",\s+or\s+(?:the\s+)?(?:[A-Z][\w’'-]*\s+){0,2}")  # ", or Eagle " before "Strike-21"
_GLOSS_END = re.compile(r"\s*[,)]")
_LIST_BEFORE = re.compile(r",\s*$")


# A vessel's own name ("the submarine "Le Téméraire"") names a ship, not a system.
_VESSEL_CATEGORIES = {"warship", "submarine"}


@cache
def _named_after() -> re.Pattern[str]:
    """A name right after a category phrase, then a pause: "the ballistic missile Ghaznavi as part of",
    "the national air defense system Siper in"."""
    heads = [p for slug, phrases in rules().categories.items() if slug not in _VESSEL_CATEGORIES for p in phrases]
    stops = r"from|in|on|at|as|was|is|were|are|has|had|have|with|which|that|to|for|into|off|over|during|and|or|by|will|would|can|could"
    return re.compile(
        rf"(?<![\w-])(?P<head>{compile_phrases(heads, plural=True).pattern})\s+[{_OPEN_QUOTE}]?"
        rf"(?P<name>(?-i:[A-Z][\w’'\-]*(?:[\s\-][A-Z0-9][\w’'\-]*){{0,2}}))[{_CLOSE_QUOTE}]?"
        rf"(?=\s*(?:[,.;:()]|$)|\s+(?:{stops})\b)",
        re.IGNORECASE,
    )


@cache
def _after_gate() -> re.Pattern[str]:
    """The last word of a category phrase, in lower-cased text (a literal search, far cheaper than the
    phrases): a name after its category needs one, followed by a capital."""
    r = rules()
    heads = {re.split(r"[\s-]+", p)[-1].lower() for slug, phrases in r.categories.items()
             if slug not in _VESSEL_CATEGORIES for p in phrases}
    # A trie matches the longest word at a place, as the longest-first alternation did, in one pass.
    return re.compile(trie_pattern(heads))


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_FOLLOWED_BY_CAPITAL = re.compile(rf"(?:e?s)?\s+[{_OPEN_QUOTE}]?[A-Z]")


_QUOTED_GATE = re.compile(r"[\"“‘'][A-Z]")


@cache
def _quoted_before() -> re.Pattern[str]:
    """A quoted name right before its description: "two Iran-made ‘Samad’ drones"."""
    r = rules()
    heads = [*(p for phrases in r.categories.values() for p in phrases), "missile", "rocket"]
    return re.compile(
        rf"[{_OPEN_QUOTE}](?P<name>(?-i:[A-Z][\w’'\-]*(?:[\s\-][A-Z0-9][\w’'\-]*){{0,2}}))[{_CLOSE_QUOTE}]\s+"
        rf"(?:(?-i:[a-z][\w-]*)\s+){{0,3}}(?:{compile_phrases(heads, plural=True).pattern})",
        re.IGNORECASE,
    )


# A long name and its acronym in brackets: "Supersonic Missile Assisted Release of Torpedo (SMART)".
_EXPANSION = re.compile(
    r"(?P<long>[A-Z][\w’'\-]*(?:\s+(?:(?:of|and|the|for)\s+)?[A-Z0-9][\w’'\-]*){1,7})\s+"
    r"\((?P<short>[A-Z][A-Za-z0-9\-+/]{1,11})\)")
_PARTS = re.compile(r"[^\W_]+")
_FUNCTION_WORDS = {"of", "and", "the", "for"}
# The last word of a long name that names a weapon (not "Agency", "Organisation", nor "System": the
# Global Positioning System is none).
_EXPANSION_HEADS = {"missile", "missiles", "weapon", "vehicle", "torpedo", "rocket", "interceptor", "drone",
                    "munition", "projectile", "bomber", "fighter", "aircraft", "launcher"}


def _spells(short: str, parts: list[str]) -> bool:
    """Can the acronym be read as prefixes of the long name's words in order, every capitalised word (or
    number) giving at least its first letter, lower-case ones ("of", "launched") optional?"""
    letters = "".join(ch for ch in short.casefold() if ch.isalnum())

    @cache
    def read(i: int, j: int) -> bool:
        if i == len(parts):
            return j == len(letters)
        part = parts[i].casefold()
        optional = parts[i][0].islower()
        if optional and read(i + 1, j):
            return True
        n = 0
        while n < len(part) and j + n < len(letters) and part[n] == letters[j + n]:
            n += 1
            if read(i + 1, j + n):
                return True
        return False

    return bool(letters) and read(0, 0)


def _noun_heads() -> list[str]:
    r = rules()
    return [*(p for phrases in r.categories.values() for p in phrases), "missile", "rocket"]


@cache
def _noun_pattern() -> re.Pattern[str]:
    head = compile_phrases(_noun_heads(), plural=True).pattern
    return re.compile(
        rf"\b(?:the|a|an|its|their|new|[A-Z][\w]*['’]s)\s+(?:new\s+)?"
        rf"(?P<name>[A-Z][a-z][\w’'\-]+(?:\s[A-Z][a-z][\w’'\-]+)?)\s+(?P<head>{head})"
        rf"(?!\s+(?:strike|strikes|attack|attacks|launch|launches|test|tests|programme|program|site|"
        rf"base|factory|plant|crisis|threat|production|unit|units|force|forces|brigade|regiment|range|"
        rf"complex|centre|center|facility|corridor)\b)"
    )


@cache
def _cue_words() -> re.Pattern[str]:
    return re.compile("|".join(sorted({re.escape(cue.split()[0].lower()) for cue in rules().name_cues})))


class _Lazy:
    """A boolean computed on first use: most sentences never need their weapon context."""

    def __init__(self, compute):
        self._compute, self._value = compute, None

    def __bool__(self) -> bool:
        if self._value is None:
            self._value = bool(self._compute())
        return self._value


class MentionFinder:
    """Finds the mentions of one document, sentence by sentence."""

    def __init__(self, text: str, sentences: list[Sentence]):
        # Tags are not text: their characters become spaces, so that every offset still points into text.
        self.text = blank_tags(text)
        self.sentences = sentences
        self.systems: dict[str, FoundSystem] = {}
        self.mentions: list[Mention] = []
        self._local_names: dict[str, int] = {}  # key of a system whose name the document introduced → rank
        # The surfaces of those names, by text: (rank of the name, rank of the surface, system key). A
        # sentence looks its words up here instead of searching for every surface of every name.
        self._local_surfaces: dict[str, list[tuple[int, int, str]]] = {}
        self._local_first_words: set[str] = set()
        self._local_breaks: set[int] = set()  # how many non-word characters (spaces, quotes) a surface holds
        self._seen_surfaces: set[tuple[str, str]] = set()
        # Spans taken in each sentence, sorted and never overlapping: a mention never crosses a sentence.
        self._spans: dict[int, tuple[list[int], list[int]]] = {}
        # Names given in apposition to a system named just before ("the DF-21, a … missile known as the
        # CH-AS-X-13"): (key of the name, sentence index, where the apposition starts).
        self._appositions: list[tuple[str, int, int]] = []

    def run(self) -> tuple[dict[str, FoundSystem], list[Mention]]:
        lowered = self.text.lower()
        # Lower-cased text for literal searches, offset for offset (else a copy that only changes ASCII case).
        self._lowered = lowered if len(lowered) == len(self.text) else self.text.translate(_ASCII_LOWER)
        # Which sentences may hold a head noun in its case (with_heads), or in any case (any_case_heads).
        with_heads = {s.index for s in self.sentences if _any_head().search(self._lowered, s.start, s.end)}
        any_case_heads = with_heads | {s.index for s in self.sentences if not s.text.isascii()}
        for sentence in self.sentences:
            self._cue_names(sentence, sentence.index in any_case_heads)
            self._expansions(sentence)
        paragraphs: dict[int, tuple[int, int]] = {}
        for sentence in self.sentences:
            low, high = paragraphs.get(sentence.paragraph, (sentence.start, sentence.end))
            paragraphs[sentence.paragraph] = (min(low, sentence.start), max(high, sentence.end))
        armed_paragraphs: dict[int, bool] = {}

        def armed(paragraph: int) -> bool:  # read once per paragraph, however many sentences ask
            if paragraph not in armed_paragraphs:
                armed_paragraphs[paragraph] = has_weapon_context(self.text[slice(*paragraphs[paragraph])])
            return armed_paragraphs[paragraph]

        for sentence in self.sentences:
            weapons = _Lazy(lambda sentence=sentence: has_weapon_context(self.text[sentence.start:sentence.end]))
            # An ambiguous name ("Nodong": also a newspaper's) may take its weapon context from its paragraph.
            nearby = _Lazy(lambda sentence=sentence, weapons=weapons: bool(weapons) or armed(sentence.paragraph))
            self._reference_names(sentence, nearby)
            self._designators(sentence, weapons)
            self._ships(sentence)
            self._local(sentence)
            if sentence.index in with_heads:  # else neither a head in its case, nor a category word
                self._named_by_noun(sentence)
            self._named_around(sentence, sentence.index in with_heads)
        self._or_names()
        self._join_appositions()
        self._resolve_families()
        self.mentions.sort(key=lambda m: m.start)
        return self.systems, self.mentions

    # -- helpers --
    def _add(self, key: str, name: str, start: int, end: int, sentence: Sentence, rule: str, cue: str = "",
             **kw) -> bool:
        """Record a mention unless its span overlaps one already taken; say whether it was recorded."""
        starts, ends = self._spans.setdefault(sentence.index, ([], []))
        # The taken spans do not overlap, so only the one starting last before end can reach past start.
        at = bisect_left(starts, end)
        if at and ends[at - 1] > start:
            return False
        starts.insert(at, start)
        ends.insert(at, end)
        system = self.systems.get(key)
        if system is None:
            system = self.systems[key] = FoundSystem(key=key, name=name, **kw)
        surface = self.text[start:end]
        if (key, surface) not in self._seen_surfaces:
            self._seen_surfaces.add((key, surface))
            system.surfaces.append(surface)
            if key in self._local_names:
                self._index_local(key, len(system.surfaces) - 1)
        self.mentions.append(Mention(key, start, end, surface, sentence.index, rule, cue=cue))
        return True

    def _add_known(self, system: ReferenceSystem, start: int, end: int, sentence: Sentence, **kw) -> bool:
        return self._add(fold(system.name), system.name, start, end, sentence, "reference", country=system.country,
                         category=system.category, reference=system, **kw)

    def _remember_local(self, key: str) -> None:
        """Later mentions of this name are looked for, if a system of that name exists: the span may have
        been taken by another name ("the Hwasong-18 Hwasong-18 missile" names no "Hwasong-18 Hwasong-18")."""
        if key in self.systems and key not in self._local_names:
            self._local_names[key] = len(self._local_names)
            for rank in range(len(self.systems[key].surfaces)):
                self._index_local(key, rank)

    def _index_local(self, key: str, rank: int) -> None:
        surface = self.systems[key].surfaces[rank]
        first = _FIRST_WORD.match(surface)
        if first is None:
            return  # every finder's names begin with a letter or digit
        self._local_surfaces.setdefault(surface, []).append((self._local_names[key], rank, key))
        self._local_first_words.add(first.group())
        self._local_breaks.add(len(_BREAK.findall(surface)))

    def _blocked(self, end: int) -> bool:
        if _CONTINUES.match(self.text, end):
            return _CLASS_SUFFIX.match(self.text, end) is None  # "Varshavyanka-class submarines", "KN-23-type SRBMs" name the class
        return _next_word(self.text, end) in _sets()["blocking"]

    # -- reference list --
    def _reference_names(self, sentence: Sentence, weapons: _Lazy) -> None:
        """Names of the reference list; an ambiguous one only with weapons in its context (weapons)."""
        index, prefixes, text = alias_index(), alias_prefixes(), self.text
        resume = sentence.start  # where a name may start: not within one already found
        for candidate in _NAME_TOKEN_START.finditer(text, sentence.start, sentence.end):
            if candidate.start() < resume:
                continue
            first = _TOKEN.match(text, candidate.start())
            word = first.group()
            if not (word[0].isupper() or word[0].isdigit()) or fold(word) not in prefixes:
                continue
            if first.start() > 1 and text[first.start() - 1] in "-‐‑‒–" and text[first.start() - 2].isalnum():
                continue  # the middle of a hyphenated word ("anti-Patriot")
            matched = self._longest_alias(first, sentence, index, prefixes)
            if matched is None:
                continue
            last, entry, plural_s = matched
            start, end = first.start(), last.end() - plural_s
            surface = text[start:end]
            if entry.ambiguous and not (weapons and _written_as_listed(surface, entry.system)):
                continue
            variant = self._variant(start, end, sentence, entry.system)
            if variant is not None:
                resume = variant
                continue
            self._add(
                fold(entry.system.name), entry.system.name, start, end, sentence, "reference",
                country=entry.system.country, category=entry.system.category, reference=entry.system,
            )
            resume = last.end()

    def _variant(self, start: int, end: int, sentence: Sentence, base: ReferenceSystem) -> int | None:
        """A listed name with a variant's suffix is another system: "the designation "Scud-C MaRV"" (the
        writer quotes it whole), then "the Scud-C MaRV" alone. Where the variant ends, if it is one."""
        suffix = _VARIANT_SUFFIX.match(self.text, end, sentence.end)
        if suffix is None or suffix.group(1) in _sets()["not_names"] or category_regex()[0].fullmatch(suffix.group(1)):
            return None  # "Hwasong-17 ICBM": a class, not a variant
        name = self.text[start:suffix.end()]
        quoted = start > 0 and self.text[start - 1] in _OPEN_QUOTE and suffix.end() < len(self.text) and \
            self.text[suffix.end()] in _CLOSE_QUOTE
        if not quoted and fold(name) not in self.systems:
            return None
        if self._add(fold(name), name, start, suffix.end(), sentence, "variant", base=base):
            self._remember_local(fold(name))
        return suffix.end()

    def _longest_alias(self, first: re.Match[str], sentence: Sentence, index: dict[str, AliasEntry],
                       prefixes: frozenset[str]) -> tuple[re.Match[str], AliasEntry, int] | None:
        """The longest run of up to _MAX_ALIAS_TOKENS tokens from first, joined by short gaps, that is an
        alias: (its last token, its entry, 1 for a plural "s" left out, else 0)."""
        text = self.text
        matched = None
        joined, token = first.group(), first
        for n in range(_MAX_ALIAS_TOKENS):
            if n:
                # The next token of the text (the tokens of a sentence start before its end).
                following = _TOKEN.search(text, token.end())
                if following is None or following.start() >= sentence.end:
                    break
                gap = text[token.end() : following.start()]
                if len(gap) > _MAX_JOINABLE:
                    break
                decimal = gap == "." and token.group()[-1].isdigit() and following.group()[0].isdigit()
                if not (decimal or _JOINABLE.fullmatch(gap)):
                    break
                token = following
                joined += token.group()
            key = fold(joined)
            if key not in prefixes:
                # "F-16s", "MiG-29s": a plural designator names the system without its "s".
                plural = index.get(key[:-1]) if key.endswith("s") and any(c.isdigit() for c in key) else None
                if plural is not None and not self._blocked(token.end()):
                    matched = (token, plural, 1)
                break
            entry = index.get(key)
            if entry is not None and not self._blocked(token.end()) \
                    and not _run_on_suffix(text[first.start():token.end()], key, entry):
                matched = (token, entry, 0)
        return matched

    # -- unknown designators: Hwasong-21, Su-75, Shahed-107 --
    def _designators(self, sentence: Sentence, weapons: _Lazy) -> None:
        sets = _sets()
        families = family_countries()
        for match in _designator().finditer(self.text, sentence.start, sentence.end):
            prefix, surface = match.group("prefix"), match.group()
            family = families.get(fold(prefix))
            if fold(surface) in sets["not_designations"] or prefix.casefold() in sets["bad_prefixes"]:
                continue
            if _next_word(self.text, match.end()).casefold() in sets["bad_followers"]:
                continue
            before = _WORD_BEFORE.search(self.text, max(0, match.start() - 30), match.start())
            if before and before.group(1).casefold() in sets["bad_preceders"]:
                continue  # "the military exercise Zapad-2017": an event's name
            if family is None and (match.group("sep").isspace() or not weapons or prefix in sets["not_names"]):
                continue
            if match.group("sep").isspace() and (prefix not in _family_spellings() or _NUMBER_GOES_ON.match(
                    self.text, match.end())):
                continue  # "Hwasong 18", but not "Rs 1,500 crore": a family spelled otherwise, or a number
            if self._blocked(match.end()) or (family is None and self._part(match.start(), match.end(), sentence)):
                continue
            end = match.end()
            if _PLURAL_DESIGNATOR.search(surface):  # "Su-75s", "MiG-41Ms": plurals
                surface, end = surface[:-1], end - 1
            name = _SEPARATOR.sub("-", surface, count=1) if match.group("sep").isspace() else surface
            if fold(name) in alias_index():
                continue  # a reference name the token scan refused (ambiguous or blocked)
            nickname = _NICKNAME.match(self.text, end, sentence.end)
            if nickname and nickname.group(1) not in sets["not_names"] and not has_weapon_context(nickname.group(1)):
                name, end = f"{name} {nickname.group(1)}", nickname.end()  # "RS-26 Rubezh"
            self._add(fold(name), name, match.start(), end, sentence, "designator", country=family)

    def _part(self, start: int, end: int, sentence: Sentence) -> bool:
        """Does the designator name a part, not a system: an engine or motor ("the RD-274 liquid rocket
        engine", "RD-250 motors", "the engine, the RD-250")?"""
        parts = _sets()["parts"]
        after = _PART_AFTER.match(self.text, end, min(sentence.end, end + 60))
        if after and any(word.casefold() in parts for word in after.group().split()):
            return True
        before = _PART_BEFORE.search(self.text, max(sentence.start, start - 30), start)
        return before is not None and before.group(1).casefold() in parts

    # -- ships by their prefix: USS Carl Vinson, HMS Prince of Wales --
    def _ships(self, sentence: Sentence) -> None:
        """A commissioned vessel is one ship of a class, not a system: its name is taken, so that no other
        finder reads it ("the destroyer USS John Paul Jones"), but names nothing the catalogue lists."""
        if _SHIP_GATE.search(self.text, sentence.start, sentence.end) is None:
            return
        not_names = _sets()["not_names"]
        for match in _SHIP.finditer(self.text, sentence.start, sentence.end):
            words = match.group().split()
            while len(words) > 2 and words[-1] in not_names | {"of", "the"}:
                words.pop()
            self._take(match.start(), match.start() + len(" ".join(words)), sentence)

    def _take(self, start: int, end: int, sentence: Sentence) -> None:
        """Mark a span as read, without a mention."""
        starts, ends = self._spans.setdefault(sentence.index, ([], []))
        at = bisect_left(starts, end)
        if not (at and ends[at - 1] > start):
            starts.insert(at, start)
            ends.insert(at, end)

    # -- names introduced by a cue: "the underwater drone known as Haeil" --
    def _cue_names(self, sentence: Sentence, heads: bool) -> None:
        text = self.text
        lowered = text[sentence.start:sentence.end].lower()
        if not _cue_words().search(lowered):
            if "what" in lowered:  # "what it described as …" holds no cue of the list
                self._what_called(sentence, lowered)
            return
        leading = _leading_cue().match(text, sentence.start, sentence.end)
        if leading:  # "Named "Haeil", the unmanned underwater vehicle …"
            self._cue_name(leading.group("name"), leading.start("name"), sentence, leading.group("desc"))
        for match in _cue_pattern().finditer(text, sentence.start, sentence.end) if heads else ():
            name, name_start = self._quoted(match.group("name"), match.start("name"), sentence)
            if match.group("head").casefold() in _sets()["vessels"]:
                self._take(name_start, name_start + len(name), sentence)  # "the frigate named …": a ship
                continue
            head = match.start("head")
            determiner = _DETERMINER_BEFORE.search(text, max(sentence.start, head - 50), head)
            start = determiner.start() if determiner else head
            key = self._cue_name(name, name_start, sentence, text[start:match.end("head")])
            if key is not None and determiner and determiner.group().split()[0].casefold() in ("a", "an"):
                self._appositions.append((key, sentence.index, start))
        self._what_called(sentence, lowered)

    def _what_called(self, sentence: Sentence, lowered: str) -> None:
        """"what it called the Kedr, a new intercontinental ballistic missile": a quoted name, or one a weapon
        noun follows or describes."""
        if "what" not in lowered:
            return
        text = self.text
        for match in _what_called().finditer(text, sentence.start, sentence.end):
            name_end = match.start("name") + len(match.group("name"))
            if match.group("quote") or _weapon_after().match(text, name_end, sentence.end):
                self._cue_name(match.group("name"), match.start("name"), sentence, "")

    def _quoted(self, name: str, start: int, sentence: Sentence) -> tuple[str, int]:
        """A quoted name whole, past the words the name pattern stops at ("“Admiral of the Fleet Gorshkov”")."""
        if start == 0 or self.text[start - 1] not in _OPEN_QUOTE:
            return name, start
        close = _QUOTE_CLOSE.search(self.text, start + len(name), min(sentence.end, start + 80))
        whole = self.text[start:close.start()].rstrip(",.;: ") if close else ""
        if whole.startswith(name) and len(whole.split()) <= 8:
            return whole, start
        return name, start

    def _cue_name(self, name: str, start: int, sentence: Sentence, cue: str) -> str | None:
        """Record a name a cue gives; return its system's key."""
        words = name.split()
        if not name[0].isupper() or words[0] in _sets()["not_names"]:
            return None
        if words[0] == "Type" and len(words) > 1 and words[1][0].isalpha():
            # "a drone called Type Shahed-136": the word "Type" is not part of the name ("Type 055" is).
            name, start = " ".join(words[1:]), start + len(words[0]) + 1
        end = start + len(name)
        key = fold(name)
        entry = alias_index().get(key)
        if entry is None and key.endswith("s") and name[-2:-1].islower():
            entry = alias_index().get(key[:-1])  # "suicide drones called Switchblades": the listed name's plural
            end -= entry is not None
        if entry is not None:
            self._add_known(entry.system, start, end, sentence, cue=cue)
            return fold(entry.system.name)
        if key in _family_keys():
            return None  # "a missile called Dongfeng": a family, not a system
        self._add(key, name, start, end, sentence, "name-cue", cue=cue)
        self._remember_local(key)
        return key

    # -- a long name and its acronym: "Supersonic Missile Assisted Release of Torpedo (SMART)" --
    def _expansions(self, sentence: Sentence) -> None:
        text = self.text
        if "(" not in text[sentence.start:sentence.end]:
            return
        for match in _EXPANSION.finditer(text, sentence.start, sentence.end):
            short = match.group("short")
            words = list(re.finditer(r"\S+", match.group("long")))
            for n in range(len(words)):  # the longest run of words the acronym spells
                first = words[n].group()
                if not first[0].isupper() or first.casefold() in _FUNCTION_WORDS:
                    continue
                long = match.group("long")[words[n].start():]
                long = re.sub(r"['’]s$", "", long)  # "Rapid Response Weapon’s (ARRW)"
                if _spells(short, _PARTS.findall(long)):
                    break
            else:
                continue
            last = _PARTS.findall(long)[-1].casefold()
            if last not in _EXPANSION_HEADS or _is_category(long) or _is_category(short):
                continue  # not a weapon's name ("Missile Defense Agency"), or a class ("Unmanned Aerial Vehicle")
            long_start = match.start("long") + words[n].start()
            long_end, short_start = long_start + len(long), match.start("short")
            entry = alias_index().get(fold(short)) or alias_index().get(fold(long))
            if entry is not None:
                self._add_known(entry.system, long_start, long_end, sentence)
                self._add_known(entry.system, short_start, match.end("short"), sentence)
                continue
            key = fold(short)
            self._add(key, short, long_start, long_end, sentence, "expansion")
            self._add(key, short, short_start, match.end("short"), sentence, "expansion")
            self._remember_local(key)

    def _local(self, sentence: Sentence) -> None:
        """Later mentions of a name the document introduced: a surface standing alone, neither word
        characters nor a hyphen on either side, looked up at each word's start."""
        if not self._local_surfaces:
            return
        found = []
        for word in _WORD_START.finditer(self.text, sentence.start, sentence.end):
            if word.group() not in self._local_first_words:
                continue
            # A surface holding n non-word characters ends at the (n+1)th one from its start, or at the
            # sentence's end.
            breaks = [b.start() for b, _ in zip(_BREAK.finditer(self.text, word.start(), sentence.end),
                                                range(max(self._local_breaks) + 1), strict=False)]
            breaks.append(sentence.end)
            for n in self._local_breaks:
                end = breaks[min(n, len(breaks) - 1)]
                for name_rank, rank, key in self._local_surfaces.get(self.text[word.start():end], ()):
                    found.append((name_rank, rank, word.start(), end, key))
        # In the order of names and surfaces, as one search per surface would find them.
        last_end: dict[tuple[int, int], int] = {}
        for name_rank, rank, start, end, key in sorted(found):
            if start >= last_end.get((name_rank, rank), start):
                last_end[(name_rank, rank)] = end
                self._add(key, self.systems[key].name, start, end, sentence, "name-cue")

    # -- "the Sarmat missile": a capitalised name right before a category noun --
    def _named_by_noun(self, sentence: Sentence) -> None:
        not_names = _sets()["not_names"]
        for match in _noun_pattern().finditer(self.text, sentence.start, sentence.end):
            name = match.group("name")
            parts = _NAME_PARTS.split(name)
            if any(part in not_names or part.rstrip("'’s") in not_names or part.islower() for part in parts):
                continue  # "Soviet-era", "Russian-made": adjectives, not names
            if name in rules().demonyms or fold(name) in alias_index():
                continue
            start, end = match.start("name"), match.end("name")
            if self._vessel(name, match.group("head")):
                self._take(start, end, sentence)  # "the Vladimir Monomakh submarine": one vessel, not a class
                continue
            self._add(fold(name), name, start, end, sentence, "name-noun")
            self._remember_local(fold(name))  # later, "the Oreshnik" alone names it too

    # -- a name right after its category ("the ballistic missile Ghaznavi"), or quoted before it --
    def _named_around(self, sentence: Sentence, heads: bool) -> None:
        text = self.text
        # Cheap tests first: a category's last word before a capital, or a quoted capitalised word.
        after = heads and any(_FOLLOWED_BY_CAPITAL.match(text, head.end())
                    for head in _after_gate().finditer(self._lowered, sentence.start, sentence.end))
        quoted = _QUOTED_GATE.search(text, sentence.start, sentence.end) is not None
        for pattern in (_named_after(),) * after + (_quoted_before(),) * quoted:
            for match in pattern.finditer(text, sentence.start, sentence.end):
                name = match.group("name")
                if not self._may_name(name):
                    continue
                if pattern is _named_after() and not self._lowercase_head(match, sentence):
                    continue
                start = match.start("name")
                if pattern is _named_after() and self._vessel(name, match.group("head")):
                    self._take(start, start + len(name), sentence)  # "the frigate Admiral Gorshkov": one ship
                    continue
                if self._add(fold(name), name, start, start + len(name), sentence, "name-noun"):
                    self._remember_local(fold(name))

    @staticmethod
    def _vessel(name: str, head: str) -> bool:
        """A name of two words or more after or before a vessel noun is one ship's ("Admiral Gorshkov",
        "Vladimir Monomakh"), not a class's (one word: "Borei", "Varshavyanka")."""
        return " " in name and head.split()[-1].casefold().rstrip("s") in _sets()["vessels"]

    def _lowercase_head(self, match: re.Match[str], sentence: Sentence) -> bool:
        """Is the category phrase before a name common words ("the ballistic missile Ghaznavi"), not part of a
        title ("Sohae Satellite Launching Ground") nor after a name ("The Babur cruise missile IA")?"""
        head = match.group("head")
        if head[0].isupper() and not head.split()[0].isupper():
            return False
        before = _WORD_BEFORE.search(self.text, max(sentence.start, match.start() - 40), match.start())
        return before is None or not before.group(1)[0].isupper() or before.group(1).casefold() in _DETERMINERS

    def _may_name(self, name: str) -> bool:
        """Is a capitalised word run after or before a category noun a name: not a place, people, month,
        day, a known name (the reference scan takes those) nor a family word ("Dongfeng")?"""
        sets = _sets()
        for part in _NAME_PARTS.split(name):
            if part in sets["not_names"] or part.rstrip("'’s") in sets["not_names"] or \
                    part.casefold() in sets["bad_prefixes"]:
                return False
        key = fold(name)
        return not (name in rules().demonyms or key in alias_index() or key in _family_keys()
                    or _is_category(name))

    # -- after every finder: names given in apposition, and family words --
    def _or_names(self) -> None:
        """"China's YJ-21, or Eagle Strike-21, has …": a name the list does not know, glossed after another
        with ", or" and closed by a comma or bracket, is another name of it (not "A, B, or C", a list)."""
        ordered = sorted(self.mentions, key=lambda m: m.start)
        for before, mention in pairwise(ordered):
            if mention.sentence != before.sentence or mention.key == before.key or mention.rule == "reference":
                continue
            gap = self.text[before.end:mention.start]
            if not _OR_GLOSS.fullmatch(gap) or not _GLOSS_END.match(self.text, mention.end):
                continue
            if _LIST_BEFORE.search(self.text, max(0, before.start - 3), before.start):
                continue  # "…, Kinzhal, or Zircon,": the last of a list
            self._appositions.append((mention.key, mention.sentence, before.end + gap.index(",") + 1))

    def _join_appositions(self) -> None:
        """"the DF-21, a hypersonic anti-ship missile known as the CH-AS-X-13": one system, two names."""
        if not self._appositions:
            return
        # Mentions ending at each position, and the renaming done once at the end: linear in the mentions.
        ending: dict[int, list[Mention]] = {}
        for mention in self.mentions:
            ending.setdefault(mention.end, []).append(mention)
        renamed: dict[str, str] = {}
        for key, index, start in self._appositions:
            gap = _APPOSED_GAP_BEFORE.search(self.text, max(0, start - 8), start)
            anchor = next((m for m in ending.get(gap.start(), ()) if m.sentence == index and m.key != key),
                          None) if gap else None
            if anchor is None:
                continue
            old, new = renamed.get(key, key), renamed.get(anchor.key, anchor.key)
            if old != new and old in self.systems and new in self.systems:
                renamed = {k: (new if v == old else v) for k, v in renamed.items()}
                renamed[old] = new
                target = self.systems[new]
                for surface in self.systems.pop(old).surfaces:
                    if surface not in target.surfaces:
                        target.surfaces.append(surface)
        for mention in self.mentions:
            mention.key = renamed.get(mention.key, mention.key)

    def _resolve_families(self) -> None:
        """A family word alone ("the Shahed drone", "Dongfeng missiles") is the member the document names
        nearest before it (else after it); with no member named, it stands only if the reference list
        knows it as a system."""
        families = _family_keys()
        alone = [k for k in self.systems if k in families]
        if not alone:
            return
        for key in alone:
            members = sorted((m.start, m.key) for m in self.mentions
                             if m.key != key and m.key.startswith(key) and m.key in self.systems)
            if not members and self.systems[key].reference is not None:
                continue
            starts = [start for start, _ in members]
            for mention in self.mentions:
                if mention.key == key:
                    at = bisect_left(starts, mention.start)
                    mention.key = members[at - 1][1] if at else (members[0][1] if members else "")
            del self.systems[key]
        self.mentions = [m for m in self.mentions if m.key]


def _is_category(phrase: str) -> bool:
    """Is the phrase, whole, a category's ("Unmanned Aerial Vehicle", "ICBMs"), not just one near it ("Samad")?"""
    return category_regex()[0].fullmatch(phrase) is not None


@cache
def _family_spellings() -> frozenset[str]:
    return frozenset(family.prefix for family in reference().families)


@cache
def _family_keys() -> frozenset[str]:
    return frozenset(family_countries())


def _run_on_suffix(surface: str, key: str, entry: AliasEntry) -> bool:
    """Is the text's word the listed name's letter suffix run on ("Tornados" for "Tornado-S")?"""
    if not (surface[-1:].isalpha() and surface[-2:-1].isalpha()):
        return False
    names = [n for n in (entry.system.name, *entry.system.aliases) if fold(n) == key]
    return bool(names) and all(_LETTER_APART.search(n) for n in names)


def _written_as_listed(surface: str, system: ReferenceSystem) -> bool:
    """Is an ambiguous name written as the list writes it, or in capitals ("NASR missile" for Nasr)?"""
    names = (system.name, *system.aliases)
    return surface in names or (surface.isupper() and any(surface == n.upper() for n in names))
