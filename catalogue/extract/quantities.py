"""Quantities: a grammar finds each number with its unit, then the cue words around it give its attribute.

1. The grammar (one expression, built from rules.yaml `quantities`, `units`, `number_words`): a number in
   digits ("12,000", "1.5") or words ("twelve", "six and a half"), or a span ("400 to 700 km", "between
   400 km and 700 km", "Mach 5 to 8"), the approximation before it ("about", "up to", "more than"), and a
   unit ("km", "1,200-kilogram", "Mach 5", "eight times the speed of sound", "705s") or a counted noun
   ("three-stage", "up to ten warheads"). A conversion in brackets ("9,000km (5,600 miles)") and a duration
   in parts ("25 hours and 46 minutes") stay with the quantity they belong to.
2. The attribute: a cue phrase right after the quantity ("a 2,000-km range", "a 1,500 kg warhead", "20
   metres long") wins, else the nearest one before it in its clause that fits its unit ("range of",
   "flew", "altitude of", "weighing"). A distance travelled ("flew", "hit a target … away") is a range
   under a modal ("can strike targets 300 km away"), else what one launch flew. No cue, no claim.

Distance flown, apogee and flight time that no modal governs describe one launch: they are passed on as
observations (events.attach_observations puts them on that launch's event). Values are normalised by
catalogue.units; `stated` is the quantity exactly as written.
"""

import re
from collections.abc import Callable
from functools import cache
from typing import NamedTuple

from catalogue.extract.rules import rules
from catalogue.extract.text import phrase_key, phrase_pattern
from catalogue.extract.vocab import literals
from catalogue.units import ATTRIBUTE_UNITS, UNITS, UnknownUnit, format_number, normalise

# add(attribute, value, rule, offset in the segment, **extra: value_number, unit, stated, observed, owner_at: the
# offset in the segment where a cue after the quantity ends, or None)
AddClaim = Callable[..., None]

# What one launch measured, as opposed to what a system can do.
OBSERVED = frozenset({"distance_flown", "apogee", "flight_time"})
# How far back a quantity's cues are read: a clause's worth, so that the cost stays linear in the text.
_REACH = 90
_RIGHT_REACH = 48
# Where a clause ends for the cues before a quantity: punctuation, or a dash between words.
_CUT = re.compile(r"[;()\[\]]|,(?!\d)|\s[-–—]+\s|--")
_DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
# Not a quantity's number: part of a name ("Hwasong-15", "Su-35s"), a sum of money ("$5m"), a time ("3:34").
_NOT_AFTER = r"(?<![\w\-‐‑/.,$£€:])"
# One lower-case word between a number and its counted noun ("ten heavy nuclear warheads"): no plural noun
# or verb in -ing ("two missiles carrying warheads" counts no warheads).
_COUNT_GAP = r"(?:(?!(?:and|or|of|the|a|an|to|with|for|from|in|on)\b)[a-z][a-z\-]*(?<!s)(?<!ing)\s+){0,3}"
_WORDS = re.compile(r"[a-z]+")
# Compiled once here: re's own cache costs a look-up on every call.
_THOUSANDS_DOTS = re.compile(r"\d{1,3}(?:\.000)+")
_DECADE = re.compile(r"1[89]\d0|20\d0")
_DURATION_JOIN = re.compile(r"\s*(?:,|and|,\s*and)?\s*")
_OPEN_BRACKET = re.compile(r"\s*\(\s*")
_CLOSE_BRACKET = re.compile(r"\s*\)")
_OTHER = "other"  # the attribute of a measure none of ours (rules.yaml `other_measures`)


class Quantity(NamedTuple):
    start: int  # of what is stated: the approximation, else the number
    end: int
    low: float
    high: float | None  # the upper end of a span
    unit: str | None  # a unit of catalogue.units; None for a count
    count: str | None  # "stages" or "warheads" for a counted noun


class Grammar(NamedTuple):
    # Matching starts only where a number (or "Mach") starts, found by a cheap expression: one large
    # expression tried at every position of a text costs more than all the rest of the extraction.
    start: re.Pattern[str]
    opener: re.Pattern[str]  # "between" or "from" right before a number: a span may start there
    core: re.Pattern[str]  # the quantity from its number (or its opener) on, tried where start found one
    approx: re.Pattern[str]  # approximations ending right before a quantity
    unit_of: dict[str, str]  # phrase_key(spelling) -> unit
    count_of: dict[str, str]  # phrase_key(noun) -> stages/warheads
    words: dict[str, float]
    before: re.Pattern[str]  # any cue phrase, found anywhere in a clause
    after: re.Pattern[str]  # any cue phrase, right after a quantity (one word may come between)
    cue_of: dict[str, list[str]]  # phrase_key(phrase) -> attributes, `before` cues
    cue_after: dict[str, list[str]]
    modal: re.Pattern[str]
    hypothetical: re.Pattern[str]
    observed: re.Pattern[str]
    flight: re.Pattern[str]
    link: re.Pattern[str]  # a duration link word ending the text before a quantity
    place: re.Pattern[str]
    moment: re.Pattern[str]
    not_before: re.Pattern[str]
    quick: re.Pattern[str]  # a cheap test of the lower-cased text: some unit or counted noun is written
    letter_unit: re.Pattern[str]  # … or a one-letter unit after digits ("705s")


def _cases(words) -> str:
    """Words as alternatives in lower case, capitalised and upper case ("two|Two|TWO")."""
    forms = {form for w in words for form in (w, w.capitalize(), w.upper())}
    return "|".join(phrase_pattern(f) for f in sorted(forms, key=len, reverse=True))


def _lower(phrases) -> str:
    """Phrases in lower case as alternatives, for an expression reading lower-cased text."""
    return _alternatives(p.lower() for p in phrases)


def _phrases(phrases) -> re.Pattern[str]:
    """Lower-cased phrases on word boundaries (text.compile_phrases, for lower-cased text)."""
    return re.compile(rf"(?<![\w-])(?:{_lower(phrases)})(?![\w])")


def _alternatives(phrases) -> str:
    """Phrases, longest first, a space or hyphen in one matching any run of them (text.phrase_pattern)."""
    return "|".join(phrase_pattern(p) for p in sorted(set(phrases), key=len, reverse=True))


@cache
def grammar() -> Grammar:
    r = rules()
    q = r.quantities
    words = {phrase_key(w): float(n) for w, n in r.number_words.items()}
    tens = [w for w, n in words.items() if n >= 20 and n % 10 == 0 and " " not in w]
    ones = [w for w, n in words.items() if 0 < n < 10 and " " not in w and w != "single"]
    word_number = (rf"(?:(?:{'|'.join(tens)})(?:[\s\-‐‑]+(?:{'|'.join(ones)}))?|{_alternatives(words)})"
                   r"(?:\s+and\s+a\s+half)?")
    number = rf"(?:{_DIGITS}|\b{word_number}\b)"
    unit_of = {phrase_key(s): unit for unit, spellings in r.units.items() for s in spellings}
    first = {phrase_key(s) for s in q.units_first}
    letters = [s for s in unit_of if len(s) == 1]
    # A one-letter unit right after digits only ("705s", "58 t"), never after a hyphen; others after any
    # separator ("9,000km", "1,200-kilogram", "two stages").
    unit = rf"(?:(?:{_alternatives(s for s in unit_of if len(s) > 1)})(?![\w/])|(?<=\d)\s?(?:{'|'.join(letters)})(?![\w/]))"
    sep = r"(?:\s*[\-‐‑]\s*|\s*)"
    join = r"\s*(?:to|–|—|-|or|through)\s*"
    count_of = {phrase_key(n): attribute for attribute, nouns in q.counts.items() for n in nouns}
    more = rf"(?:(?:\s+|[\-‐‑])(?:{_alternatives(q.approximations_after)})(?!\w))?"  # "ten or more", "10-plus"
    core = re.compile(
        r"(?:"
        # between 450 km and 690 km / from 400 to 700 km
        rf"(?P<between>between|from)\s+(?P<a1>{number})(?:{sep}(?P<au1>{unit}))?\s+(?:and|to)\s+"
        rf"(?P<a2>{number}){sep}(?P<au>{unit})"
        # Mach 5, Mach 5 to 8
        rf"|(?P<uf>{_alternatives(first)})\s*(?P<f1>{number})(?:{join}(?:(?:{_alternatives(first)})\s*)?"
        rf"(?P<f2>{number}))?"
        # 1,000 km, 400-700 km, 400 km to 700 km, eight times the speed of sound
        rf"|(?P<n1>{number})(?:{sep}(?P<nu1>{unit}))?(?:{join}(?P<n2>{number}))?{sep}(?P<nu>{unit})"
        # three-stage, two stages, ten or more warheads
        rf"|(?P<c1>{number})(?:{join}(?P<c2>{number}))?(?P<cmore>\s+or\s+more|[\-‐‑]plus)?{sep}{_COUNT_GAP}"
        rf"(?P<cu>{_alternatives(count_of)})(?!\w)"
        rf"){more}",
        re.IGNORECASE)
    # A measure none of ours stops the search for a cue: it is a cue of every dimension, for no attribute.
    cue_of: dict[str, list[str]] = {phrase_key(m): [_OTHER] for m in q.other_measures}
    cue_after: dict[str, list[str]] = {phrase_key(m): [_OTHER] for m in q.other_measures}
    for attribute, cues in q.cues.items():
        for phrase in cues.before:
            cue_of.setdefault(phrase_key(phrase), []).append(attribute)
        for phrase in cues.after:
            cue_after.setdefault(phrase_key(phrase), []).append(attribute)
    return Grammar(
        # Case by case rather than IGNORECASE: this one runs over every segment, and is then 5x faster.
        start=re.compile(rf"{_NOT_AFTER}(?:\d|\b(?:{_cases([*words, *first])})\b)"),
        opener=re.compile(r"(?<!\w)(?:between|from)\s+$", re.IGNORECASE),
        # The cue expressions below read the lower-cased text: case-sensitive, they run 4x faster.
        core=core,
        approx=re.compile(rf"(?<![\w-])(?:(?:{_lower(q.approximations)})\s+){{1,2}}$"),
        unit_of=unit_of, count_of=count_of, words=words,
        before=_phrases(cue_of),
        after=re.compile(rf"{sep}(?:(?!(?:and|or|of|to|from|in|at|on|with|by|for|the|a|an|than|into|off)\b)"
                         rf"[a-z][a-z\-]*\s+)?(?P<cue>{_lower(cue_after)})(?!\w)"),
        cue_of=cue_of, cue_after=cue_after,
        modal=_phrases(q.modal), hypothetical=_phrases(q.hypothetical),
        observed=_phrases(q.observed), flight=_phrases(q.flight_words),
        link=re.compile(rf"(?<!\w)(?:{_lower(q.duration_links)})\s*$"),
        place=re.compile(rf"\s*(?:{_lower(q.places_after)})(?!\w)"),
        moment=re.compile(rf"\s*(?:{_lower(q.moments_after)})(?!\w)"),
        not_before=re.compile(rf"(?<!\w)(?:{_lower(q.not_before)})\s*$"),
        quick=literals([*(s for s in unit_of if len(s) > 1), *(n.split()[-1] for n in count_of), *first]),
        letter_unit=re.compile(rf"\d\s?(?:{'|'.join(letters)})\b"),
    )


def number(text: str) -> float | None:
    """12,000 / 1.5 / 2.000 (a thousands dot) / "two" / "twenty-five" / "six and a half" as a number."""
    words = grammar().words
    key = phrase_key(text)
    half = key.endswith(" and a half")
    if half:
        key = key[: -len(" and a half")]
    if key in words:
        return words[key] + 0.5 * half
    parts = key.split()
    if len(parts) == 2 and parts[0] in words and parts[1] in words:
        return words[parts[0]] + words[parts[1]] + 0.5 * half
    if _THOUSANDS_DOTS.fullmatch(text):
        text = text.replace(".", "")  # "2.000 kilometers": a thousands dot; a decimal is never written so
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


def find_quantities(segment: str, lowered: str | None = None) -> list[Quantity]:
    """Each quantity written in segment, in order: a brand-new grammar match, or one of the parts of a
    duration in parts, joined ("25 hours and 46 minutes" is one)."""
    g = grammar()
    found: list[Quantity] = []
    for match in _matches(segment, g):
        quantity = _quantity(segment, lowered or _lowered(segment), match, g)
        if quantity is None:
            continue
        if found and _duration_part(found[-1], quantity, segment):
            previous = found[-1]
            seconds = _seconds(previous) + _seconds(quantity)
            found[-1] = previous._replace(end=quantity.end, low=seconds, unit="s")
            continue
        found.append(quantity)
    return found


def _matches(segment: str, g: Grammar):
    """The grammar's matches, tried only where a number (or "Mach") starts, none overlapping."""
    done = 0
    for candidate in g.start.finditer(segment):
        at = candidate.start()
        if at < done:
            continue
        opener = g.opener.search(segment, max(0, at - 9), at)
        match = g.core.match(segment, opener.start()) if opener else None
        match = match or g.core.match(segment, at)
        if match is not None:
            done = match.end()
            yield match


def _quantity(segment: str, lowered: str, match: re.Match[str], g: Grammar) -> Quantity | None:
    groups = match.groupdict()
    approx = g.approx.search(lowered, max(0, match.start() - 40), match.start())
    start = approx.start() if approx else match.start()
    if groups["between"]:
        low, high = number(groups["a1"]), number(groups["a2"])
        unit, first = groups["au"], groups["au1"]
    elif groups["uf"]:
        low, high = number(groups["f1"]), number(groups["f2"]) if groups["f2"] else None
        unit, first = groups["uf"], None
    elif groups["n1"]:
        low, high = number(groups["n1"]), number(groups["n2"]) if groups["n2"] else None
        unit, first = groups["nu"], groups["nu1"]
    else:
        low, high = number(groups["c1"]), number(groups["c2"]) if groups["c2"] else None
        count = g.count_of[phrase_key(groups["cu"])]
        if low is None or (high is not None and high <= low):
            return None
        return Quantity(start, match.end(), low, high, None, count)
    if unit.strip().lower() == "s" and _DECADE.fullmatch(groups["n1"] or ""):
        return None  # "the 1990s": a decade
    unit = g.unit_of.get(phrase_key(unit.strip()))
    if first is not None and g.unit_of.get(phrase_key(first.strip())) != unit:
        return None  # "5 km to 8 miles": no span
    if unit is None or low is None or (high is not None and high <= low):
        return None
    return Quantity(start, match.end(), low, high, unit, None)


def _seconds(quantity: Quantity) -> float:
    return quantity.low * UNITS[quantity.unit].factor if quantity.unit else quantity.low


def _duration_part(previous: Quantity, quantity: Quantity, segment: str) -> bool:
    """"25 hours and 46 minutes", "1 hour, 10 minutes": a smaller unit of time right after a larger one."""
    units = (previous.unit, quantity.unit)
    if None in units or previous.high is not None or quantity.high is not None:
        return False
    if any(UNITS[u].dimension != "duration" for u in units) or UNITS[units[1]].factor >= UNITS[units[0]].factor:
        return False
    return _DURATION_JOIN.fullmatch(segment[previous.end:quantity.start]) is not None


def read_quantities(segment: str, lowered: str, add: AddClaim) -> None:
    """Each quantity a segment states with a cue, passed to add with its attribute, value (normalised),
    unit, stated form and whether it is what one launch measured (lowered: segment.lower())."""
    g = grammar()
    if g.quick.search(lowered) is None and g.letter_unit.search(lowered) is None:
        return
    if len(lowered) != len(segment):
        lowered = _lowered(segment)
    quantities = find_quantities(segment, lowered)
    for group in _groups(segment, quantities):
        attribute, observed, cue_end = _attribute(lowered, group)
        if attribute is None:
            continue
        for quantity in group:
            _add(segment, quantity, attribute, observed, cue_end, add)


def _groups(segment: str, quantities: list[Quantity]) -> list[list[Quantity]]:
    """A conversion in brackets right after a quantity of the same dimension is one group with it:
    "9,000km (5,600 miles)", "a 1,500-kg (3,300-pound) warhead". The group shares its cues."""
    groups: list[list[Quantity]] = []
    for quantity in quantities:
        if groups:
            last = groups[-1][-1]
            between = segment[last.end:quantity.start]
            if _OPEN_BRACKET.fullmatch(between) and _dimension(last) == _dimension(quantity) \
                    and _CLOSE_BRACKET.match(segment[quantity.end:]):
                groups[-1].append(quantity)
                continue
        groups.append([quantity])
    return groups


def _dimension(quantity: Quantity) -> str:
    return quantity.count or UNITS[quantity.unit].dimension  # type: ignore[index]


def _lowered(segment: str) -> str:
    """segment in lower case, each character one character still ("İ" lowers to two): offsets hold."""
    lowered = segment.lower()
    if len(lowered) == len(segment):
        return lowered
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in segment)


def _attribute(segment: str, group: list[Quantity]) -> tuple[str | None, bool, int | None]:
    """The attribute of a quantity (a group), whether it is what one launch measured, and where the cue
    after it ends when that cue decided ("the 12,000 km range| of the Trident II": whose range follows).
    segment is lower-cased: the cue expressions read lower-cased text."""
    first, last = group[0], group[-1]
    g = grammar()
    if g.not_before.search(segment, max(0, first.start - 20), first.start):
        return None, False, None  # "within 30 seconds", "the first two stages"
    if first.count:
        return first.count, False, None
    dimension = _dimension(first)
    if dimension == "speed":
        return "speed", False, None  # the unit says it: "Mach 5", "6,000 km/h"
    window = _clause_before(segment, first.start)
    end = last.end
    if len(group) > 1:
        end += _CLOSE_BRACKET.match(segment[end:]).end()  # type: ignore[union-attr]
    after = g.after.match(segment, end, end + _RIGHT_REACH)
    attribute = None
    if after is not None:
        attributes = g.cue_after.get(phrase_key(after.group("cue")), [])
        if _OTHER in attributes:
            return None, False, None  # "a 12 m wingspan"
        attribute = _fitting(attributes, first.unit)
    cue_end = after.end() if after is not None and attribute is not None else None
    if attribute is None:
        if dimension == "distance" and g.place.match(segment, end):
            return None, False, None  # "60 km north of Pyongyang", "six miles off the coast"
        if dimension == "duration" and g.moment.match(segment, end) and not g.link.search(window):
            return None, False, None  # "two hours later", not "flew for 70 minutes before landing"
        attribute = _nearest_cue(window, first.unit)
    if attribute is None and dimension == "duration" and g.link.search(window) and g.flight.search(window):
        attribute = "flight_time"  # "flew 1,000 km for 70 minutes"
    if attribute is None or attribute == _OTHER:
        return None, False, None
    modal = g.modal.search(window) is not None or (after is not None and g.modal.search(after.group()) is not None)
    if attribute == "distance":
        if g.hypothetical.search(window):
            return None, False, None
        attribute = "range" if modal else "distance_flown"
    elif attribute == "range" and not modal and _observed_range(window):
        attribute = "distance_flown"  # "reaching an apogee of 60 km and a range of 450 km"
    return attribute, attribute in OBSERVED and not modal, cue_end


def _clause_before(segment: str, position: int) -> str:
    """The text of the quantity's clause before it, at most _REACH characters. When only an approximation
    or nothing is left after the last comma ("varying ranges, up to about 2.000 km"), the clause before."""
    low = max(0, position - _REACH)
    cuts = [m.end() for m in _CUT.finditer(segment, low, position)]
    if not cuts:
        return segment[low:position]
    window = segment[cuts[-1]:position]
    if not _WORDS.search(window) and len(cuts) > 1:
        return segment[cuts[-2]:position]
    if not _WORDS.search(window) and len(cuts) == 1:
        return segment[low:position]
    return window


def _nearest_cue(window: str, unit: str | None) -> str | None:
    """The attribute of the last cue phrase in window that speaks of the unit's dimension, when the unit
    fits it: past "payload" to "range" for "its range suggests it can deliver a payload 13,000 km", but
    no claim for "an altitude of 38,039 feet" (an apogee is never in feet)."""
    g = grammar()
    dimension = UNITS[unit].dimension if unit else None
    for match in reversed(list(g.before.finditer(window))):
        attributes = g.cue_of.get(phrase_key(match.group()), [])
        if _OTHER in attributes:
            return _OTHER
        if any(_cue_dimension(a) == dimension for a in attributes):
            return _fitting(attributes, unit)
    return None


@cache
def _cue_dimension(attribute: str) -> str | None:
    target = ATTRIBUTE_UNITS.get("distance_flown" if attribute == "distance" else attribute)
    return UNITS[target].dimension if target else None


def _observed_range(window: str) -> bool:
    """Is "range" in window governed by a verb of one launch before it ("reaching … a range of")?"""
    g = grammar()
    verb = g.observed.search(window)
    return verb is not None and window.find("range", verb.end()) >= 0


@cache
def _attribute_units(attribute: str) -> frozenset[str]:
    """The units a cue's attribute takes: its own list, else those of its normalised unit's dimension."""
    listed = rules().quantities.attribute_units.get(attribute)  # type: ignore[call-overload]
    if listed:
        return frozenset(listed)
    target = ATTRIBUTE_UNITS.get("distance_flown" if attribute == "distance" else attribute)
    if target is None:
        return frozenset()
    return frozenset(u for u, known in UNITS.items() if known.dimension == UNITS[target].dimension)


def _fitting(attributes: list[str], unit: str | None) -> str | None:
    return next((a for a in attributes if unit in _attribute_units(a)), None)


def _add(segment: str, quantity: Quantity, attribute: str, observed: bool, cue_end: int | None,
         add: AddClaim) -> None:
    try:
        low, unit = normalise(quantity.low, quantity.unit, attribute)
        high = normalise(quantity.high, quantity.unit, attribute)[0] if quantity.high is not None else None
    except UnknownUnit:
        return
    value = format_number(low) if high is None else f"{format_number(low)}-{format_number(high)}"
    stated = segment[quantity.start:quantity.end].strip()
    prefix = "observation" if observed else "quantity"
    add(attribute, value, f"{prefix}.{attribute}", quantity.start, value_number=high if high is not None else low,
        unit=unit, stated=stated[:100], observed=observed, owner_at=cue_end)
