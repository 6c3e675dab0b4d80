"""Finding the systems a text names: the reference list, designator patterns, names introduced
by cue phrases ("the underwater drone known as Haeil") and "X missile" descriptions."""

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import cache

from catalogue.extract.normalize import fold
from catalogue.extract.rules import ReferenceSystem, reference, rules
from catalogue.extract.text import SEPARATOR, Sentence, compile_phrases

_TOKEN = re.compile(r"[A-Za-z0-9]+")
_JOINABLE = re.compile(r"\s?[\-‐‑‒–—/]\s?|\s|\.\s|\s&\s|['’]")
_CONTINUES = re.compile(r"[\-‐‑‒–—][A-Za-z0-9]")
_MAX_ALIAS_TOKENS = 6
_WORD_START = re.compile(r"(?<![\w\-])\w+")
_FIRST_WORD = re.compile(r"\w+")
_BREAK = re.compile(r"[^\w\-]")
_SHIP = re.compile(r"\b(?:USS|HMS|HMAS|HMCS|INS|JS|ROKS|RFS|FS|ITS|TCG)\s+[A-Z][\w'’-]*"
                   r"(?:\s+(?:of\s+(?:the\s+)?)?(?:[A-Z]\.|[A-Z][\w'’-]+)){0,3}")


@dataclass
class Mention:
    key: str  # the system's key within this document
    start: int
    end: int
    surface: str
    sentence: int
    rule: str
    primary: bool = True  # False when the system is only named as a comparison


@dataclass
class FoundSystem:
    key: str
    name: str
    country: str | None = None
    category: str | None = None
    reference: ReferenceSystem | None = None
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
        rf"(?<![\w\-‐‑‒–/])(?P<prefix>[A-Z][A-Za-z]{{0,13}})(?P<sep>{dash}|\s)"
        rf"(?P<num>\d{{1,4}}(?:[A-Z]{{1,3}}|[A-Z]?[a-z]{{1,2}})?)(?:{dash}(?P<tail>\d{{1,3}}(?:\.\d)?|[A-Z][a-z]?))?"
        rf"(?![\w\-‐‑‒–/])"
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
        "blocking": frozenset(r.blocking_followers),
        "not_names": frozenset(r.not_names),
    }


_NEXT_WORD = re.compile(r"\s+([\w'’]+)")
_NICKNAME = re.compile(r" ([A-Z][a-z]{2,})\b(?![\-‐‑‒–])")
_PLURAL_DESIGNATOR = re.compile(r"[\dA-Z]s$")
_SEPARATOR = re.compile(SEPARATOR)


def _next_word(text: str, end: int) -> str:
    match = _NEXT_WORD.match(text, end, end + 40)
    return match.group(1) if match else ""


@cache
def _cue_pattern() -> re.Pattern[str]:
    r = rules()
    heads = [*r.weapon_nouns, *(p for phrases in r.categories.values() for p in phrases)]
    head = compile_phrases(heads, plural=True).pattern
    cues = "|".join(re.escape(c).replace(r"\ ", r"\s+") for c in r.name_cues)
    name = r"[A-Z][\w’'\-]*(?:[\s\-][A-Z0-9][\w’'\-]*){0,3}"
    return re.compile(
        rf"(?P<head>{head}),?\s+(?:(?:is|was|which\s+is|which\s+was)\s+)?(?:{cues})\s+(?:the\s+)?"
        rf"[\"“‘']?(?P<name>(?-i:{name}))[\"”’']?",
        re.IGNORECASE,
    )


@cache
def _noun_pattern() -> re.Pattern[str]:
    r = rules()
    heads = [*(p for phrases in r.categories.values() for p in phrases), "missile", "rocket"]
    head = compile_phrases(heads, plural=True).pattern
    return re.compile(
        rf"\b(?:the|a|an|its|their|new|[A-Z][\w]*['’]s)\s+(?:new\s+)?"
        rf"(?P<name>[A-Z][a-z][\w’'\-]+(?:\s[A-Z][a-z][\w’'\-]+)?)\s+(?P<head>{head})"
        rf"(?!\s+(?:strike|strikes|attack|attacks|launch|launches|test|tests|programme|program|site|"
        rf"base|factory|plant|crisis|threat|production|unit|units|force|forces|brigade|regiment))"
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
        self.text = text
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

    def run(self) -> tuple[dict[str, FoundSystem], list[Mention]]:
        self._tokens = list(_TOKEN.finditer(self.text))
        self._starts = [token.start() for token in self._tokens]
        for sentence in self.sentences:
            self._cue_names(sentence)
        for sentence in self.sentences:
            weapons = _Lazy(lambda text=sentence.text: has_weapon_context(text))
            self._reference_names(sentence, weapons)
            self._designators(sentence, weapons)
            self._ships(sentence)
            self._local(sentence)
            self._named_by_noun(sentence)
        self.mentions.sort(key=lambda m: m.start)
        return self.systems, self.mentions

    # -- helpers --
    def _add(self, key: str, name: str, start: int, end: int, sentence: Sentence, rule: str, **kw) -> None:
        """Record a mention unless its span overlaps one already taken."""
        starts, ends = self._spans.setdefault(sentence.index, ([], []))
        # The taken spans do not overlap, so only the one starting last before end can reach past start.
        at = bisect_left(starts, end)
        if at and ends[at - 1] > start:
            return
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
        self.mentions.append(Mention(key, start, end, surface, sentence.index, rule))

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
            return True
        return _next_word(self.text, end) in _sets()["blocking"]

    # -- reference list --
    def _reference_names(self, sentence: Sentence, weapons: _Lazy) -> None:
        index, prefixes = alias_index(), alias_prefixes()
        low, high = bisect_left(self._starts, sentence.start), bisect_left(self._starts, sentence.end)
        tokens = self._tokens[low:high]
        i = 0
        while i < len(tokens):
            first = tokens[i]
            word = first.group()
            if not (word[0].isupper() or word[0].isdigit()) or fold(word) not in prefixes:
                i += 1
                continue
            if first.start() > 1 and self.text[first.start() - 1] in "-‐‑‒–" and self.text[first.start() - 2].isalnum():
                i += 1  # the middle of a hyphenated word ("anti-Patriot")
                continue
            matched = None
            joined = word
            for j in range(i, min(i + _MAX_ALIAS_TOKENS, len(tokens))):
                if j > i:
                    gap = self.text[tokens[j - 1].end() : tokens[j].start()]
                    decimal = gap == "." and tokens[j - 1].group()[-1].isdigit() and tokens[j].group()[0].isdigit()
                    if not (decimal or _JOINABLE.fullmatch(gap)):
                        break
                    joined += tokens[j].group()
                key = fold(joined)
                if key not in prefixes:
                    # "F-16s", "MiG-29s": a plural designator names the system without its "s".
                    plural = index.get(key[:-1]) if key.endswith("s") and any(c.isdigit() for c in key) else None
                    if plural is not None and not self._blocked(tokens[j].end()):
                        matched = (j, plural, 1)
                    break
                entry = index.get(key)
                if entry is not None and not self._blocked(tokens[j].end()):
                    matched = (j, entry, 0)
            if matched is None:
                i += 1
                continue
            j, entry, plural_s = matched
            start, end = first.start(), tokens[j].end() - plural_s
            surface = self.text[start:end]
            if entry.ambiguous and not (weapons and surface in (entry.system.name, *entry.system.aliases)):
                i += 1
                continue
            self._add(
                fold(entry.system.name), entry.system.name, start, end, sentence, "reference",
                country=entry.system.country, category=entry.system.category, reference=entry.system,
            )
            i = j + 1

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
            if family is None and (match.group("sep").isspace() or not weapons or prefix in sets["not_names"]):
                continue
            if self._blocked(match.end()):
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

    # -- ships by their prefix: USS Carl Vinson, HMS Prince of Wales --
    def _ships(self, sentence: Sentence) -> None:
        not_names = _sets()["not_names"]
        for match in _SHIP.finditer(self.text, sentence.start, sentence.end):
            words = match.group().split()
            while len(words) > 2 and words[-1] in not_names | {"of", "the"}:
                words.pop()
            name = " ".join(words)
            start = match.start()
            self._add(fold(name), name, start, start + len(name), sentence, "ship")

    # -- names introduced by a cue: "the underwater drone known as Haeil" --
    def _cue_names(self, sentence: Sentence) -> None:
        lowered = sentence.text.lower()
        if not _cue_words().search(lowered):
            return
        for match in _cue_pattern().finditer(self.text, sentence.start, sentence.end):
            name = match.group("name")
            if not name[0].isupper() or name.split()[0] in _sets()["not_names"]:
                continue
            start = match.start("name")
            end = start + len(name)
            key = fold(name)
            entry = alias_index().get(key)
            if entry is not None:
                self._add(fold(entry.system.name), entry.system.name, start, end, sentence, "reference",
                          country=entry.system.country, category=entry.system.category,
                          reference=entry.system)
                continue
            self._add(key, name, start, end, sentence, "name-cue")
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
            parts = re.split(r"[\s\-]+", name)
            if any(part in not_names or part.rstrip("'’s") in not_names or part.islower() for part in parts):
                continue  # "Soviet-era", "Russian-made": adjectives, not names
            if name in rules().demonyms or fold(name) in alias_index():
                continue
            start, end = match.start("name"), match.end("name")
            self._add(fold(name), name, start, end, sentence, "name-noun")
            self._remember_local(fold(name))  # later, "the Oreshnik" alone names it too
