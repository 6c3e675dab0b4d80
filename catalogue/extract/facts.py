"""Claims other than relations and events: category, fuel, capabilities, warheads, status and country
modifiers, and (through quantities.py) quantities. What a zone states belongs to its system; an opening
before the first mention ("With a range of 15,000 km, the Hwasong-17 …") to the sentence's only one."""

import re

from catalogue.extract.attribution import claimant_at
from catalogue.extract.doc import Doc, SentenceRecord, Zone, quote
from catalogue.extract.quantities import read_quantities
from catalogue.extract.text import phrase_key
from catalogue.extract.vocab import (
    category_of,
    category_regex,
    demonyms,
    fact_patterns,
    find_categories,
    fuel_regex,
    gap_words,
    head_words,
    literals,
    not_before,
    purpose_nouns,
    warheads,
    weapon_noun_regex,
)
from catalogue.schemas import ExtractedClaim

# Cheap substring tests that let most segments skip the larger expressions.
_FUEL_WORDS = literals(["fuel", "propel", "powered", "propulsion"])
_WARHEAD_WORDS = literals(["nuclear", "warhead", "mirv", "conventional", "re-entry", "reentry"])
_APPOSED = re.compile(r"[\s,]*(?:(?:the|a|an|its|their)\s+)?[\"“‘']?")
# Between a name and its head noun: quotes and at most two modifiers ("road-mobile", "new").
_MODIFIERS_ONLY = re.compile(
    r"[\s\"”’']*(?:(?!(?:and|or|but|was|were|is|are|of|with|to|from|in|on|at|which|that)\b)"
    r"(?:[a-z]+-[a-z]+|[a-z]+(?<!ed)(?<!ing))\s+){0,2}"
)
_POSTMODIFIER = re.compile(r"\s+(?:carrying|with|armed|equipped|fitted|tipped|capable|able|designed|intended|built|"
                           r"developed|made|launched|fired|that|which)\b")
_WORD_START = re.compile(r"(?<![\w-])[^\W_]")
_WORD = re.compile(r"\w+")
_GAP_REACH = 48  # characters at the end of a text that usually hold a head gap and the word before it
_PRONOUN_COPULA = re.compile(r"[\w'’]+\s+(?:is|was)\s+(?:a|an|the)\s+([^,;:()]*)")
_COPULA = re.compile(r"\s*,?\s*(?:which|that)?\s*(?:is|was)\s+(?:a|an|the)\s+([^,;:()]*)")
_APPOSITION = re.compile(
    r"\s*,\s*(?:(?:which|that)\s+(?:is|was)\s+)?((?:the|a|an|its|their|[A-Z][\w.\-]*['’]s)\s[^,;:()]*)")
_RELATIVE = re.compile(r"\s(?:that|which|who|whose)\s")
_AND_GAP = re.compile(r"\s*(?:,|and|or|, and|, or)\s*(?:the\s+)?")


def read_facts(doc: Doc, record: SentenceRecord) -> None:
    """The stage: what each zone states of its system, then what an opening states of the only one."""
    for zone in record.zones:
        _zone_facts(doc, record, zone)
    if len(record.primary) != 1:
        return
    head = doc.text[record.sentence.start:record.head_end]
    if head.strip() and not _other_subject(head):
        # Not when the opening has its own subject ("Hypersonic weapons, which fly at Mach 5, …").
        _segment_facts(doc, record, record.primary[0].key, record.sentence.start, record.head_end, head=True)


def _other_subject(head: str) -> bool:
    """Does the opening before a sentence's only system speak of other weapons ("Hypersonic weapons,
    which …, evade systems such as the THAAD")? Not when its weapon noun is the system's own
    ("a liquid-fuelled ballistic missile, the Khorramshahr-4")."""
    nouns = [m.end() for m, _ in find_categories(head)] + [m.end() for m in weapon_noun_regex().finditer(head)]
    if not nouns:
        return False
    return not _APPOSED.fullmatch(head, max(nouns))


def _zone_facts(doc: Doc, record: SentenceRecord, zone: Zone) -> None:
    builder = doc.builders[zone.mention.key]
    if zone.continuation:
        _segment_facts(doc, record, zone.mention.key, zone.start, zone.end)
        return
    prefix = doc.text[zone.start:zone.mention.start]
    if builder.found.country is None:
        any_country, countries = demonyms()
        for pattern, country in countries if any_country.search(prefix) else ():
            # "the Russian Poseidon", "Russia's new Oreshnik"
            if pattern.search(prefix):
                builder.found.country = country
    patterns = fact_patterns()
    for match in patterns.modifier.finditer(prefix):
        builder.claim(ExtractedClaim(attribute="capability", value=match.group(), rule="capability.modifier",
                                     claimant=claimant_at(record.attributions, zone.start), **quote(record.sentence)))
    for match in patterns.status.finditer(prefix):
        builder.claim(ExtractedClaim(attribute="status", value=match.group().casefold(), rule="status.modifier",
                                     claimant=claimant_at(record.attributions, zone.start), **quote(record.sentence)))
    _segment_facts(doc, record, zone.mention.key, zone.start, zone.end)


def _segment_facts(doc: Doc, record: SentenceRecord, key: str, start: int, end: int, head: bool = False) -> None:
    """Fuel, capabilities, quantities and warheads stated from start to end, in that order."""
    builder, sentence, attributions = doc.builders[key], record.sentence, record.attributions
    segment = doc.text[start:end]
    provenance = quote(sentence)

    def add(attribute: str, value: str, rule: str, at: int, **extra) -> None:
        builder.claim(ExtractedClaim(attribute=attribute, value=value, rule=rule,
                                     claimant=claimant_at(attributions, start + at), **provenance, **extra))

    lowered = segment.lower()
    fuels, fuel_lookup = fuel_regex()
    for match in fuels.finditer(segment) if _FUEL_WORDS.search(lowered) else ():
        add("fuel", fuel_lookup[phrase_key(match.group())], "fuel.phrase", match.start())
    patterns = fact_patterns()
    for match in patterns.capability.finditer(segment):
        if head and match.start() > 0:
            continue  # before the first mention only an opening "Capable of …, the X" counts
        tail = doc.text[start + match.end():sentence.end]  # "can carry YJ-18 … and HQ-9 …": past other names
        if not _states_capability(segment, match, tail):
            continue
        stop = patterns.clause_break.search(tail)
        value = tail[: stop.start() if stop else len(tail)].strip(" .!?")
        if len(value.split()) >= 2 and len(value) <= 160:
            add("capability", value, "capability.cue", match.start())
    read_quantities(segment, lowered, add)
    for rule_id, value, pattern in warheads() if _WARHEAD_WORDS.search(lowered) else ():
        for match in pattern.finditer(segment):
            add("warhead", value, rule_id, match.start())


def _states_capability(segment: str, cue: re.Match[str], tail: str) -> bool:
    """A cue states a capability unless it is a mere possibility ("could be deployed") or the purpose of
    an act ("a routine test meant to show")."""
    after = not_before().get(cue.group().casefold())
    if after is not None and after.match(tail):
        return False
    before = segment[max(0, cue.start() - 40):cue.start()].split()
    return not (before and before[-1].casefold() in purpose_nouns())


# --- categories ---
def read_categories(doc: Doc, record: SentenceRecord) -> None:
    """The stage: the category each system is given by a head noun ("the Hwasong-18 ICBM", "the drone
    known as Haeil"), an apposition ("the Fattah, a hypersonic missile") or a copula ("It is a …")."""
    text, sentence, zones, attributions = doc.text, record.sentence, record.zones, record.attributions
    provenance = quote(sentence)
    for i, zone in enumerate(zones):
        mention = zone.mention
        if zone.continuation:
            continue
        if mention.rule == "coreference":
            copula = _PRONOUN_COPULA.match(text[zone.start:zone.end])
            if copula:
                _category_claim(doc, record, mention.key, copula.group(1), "category.copula", zone.start)
            continue
        builder = doc.builders[mention.key]
        before = text[max(sentence.start, mention.start - 90):mention.start]
        for match, slug in find_categories(before) if _may_end_in_category(before) else ():
            if fact_patterns().head_gap.fullmatch(before, match.end()):
                builder.claim(ExtractedClaim(attribute="category", value=slug, rule="category.head",
                                             claimant=claimant_at(attributions, mention.start), **provenance))
        post = text[mention.end:zone.end]
        head = _category_after(post)
        if head:
            match, slug = head
            builder.claim(ExtractedClaim(attribute="category", value=slug, rule="category.head",
                                         claimant=claimant_at(attributions, mention.end), **provenance))
            if match.group().endswith("s"):
                _coordinated(doc, record, i, slug)
        apposition = _APPOSITION.match(post)
        chunk = _RELATIVE.split(apposition.group(1))[0].strip() if apposition else ""
        if chunk and len(chunk.split()) <= 12 and \
                _category_claim(doc, record, mention.key, chunk, "category.apposition", mention.end) \
                and fact_patterns().modifier.search(chunk):
            builder.claim(ExtractedClaim(attribute="capability", value=chunk, rule="capability.apposition",
                                         claimant=claimant_at(attributions, mention.end), **provenance))
        copula = _COPULA.match(post)
        if copula:
            _category_claim(doc, record, mention.key, copula.group(1), "category.copula", mention.end)


def _category_claim(doc: Doc, record: SentenceRecord, key: str, chunk: str, rule: str, position: int) -> bool:
    found = find_categories(chunk)
    if not found:
        return False
    # The head noun comes before what modifies it: "a medium-range missile carrying a hypersonic glide
    # vehicle" is a medium-range missile.
    slug = next((slug for match, slug in found if _POSTMODIFIER.match(chunk, match.end())), found[-1][1])
    doc.builders[key].claim(ExtractedClaim(attribute="category", value=slug, rule=rule,
                                           claimant=claimant_at(record.attributions, position),
                                           **quote(record.sentence)))
    return True


def _coordinated(doc: Doc, record: SentenceRecord, index: int, slug: str) -> None:
    """"the Hwasong-17 and Hwasong-18 ICBMs": a plural head noun covers the whole list."""
    zones, j = record.zones, index
    while j > 0:
        previous = zones[j - 1]
        gap = doc.text[previous.mention.end:zones[j].mention.start]
        if not _AND_GAP.fullmatch(gap):
            break
        doc.builders[previous.mention.key].claim(ExtractedClaim(
            attribute="category", value=slug, rule="category.head",
            claimant=claimant_at(record.attributions, previous.mention.end), **quote(record.sentence)))
        j -= 1


def _may_end_in_category(before: str) -> bool:
    """Can a category phrase end where only a head gap (", known as the") is left of before? Then the last
    word of before that the gap cannot hold is a category's last word: a quick test before the search."""
    gaps = gap_words()
    for low in (max(0, len(before) - _GAP_REACH), 0):  # the last few words, else all
        words = reversed(list(_WORD.finditer(before, low)))
        last = next((word for word in words if word.group().lower() not in gaps), None)
        if low > 0 and (last is None or last.start() == low):
            continue  # no such word in the stretch, or it may be cut there: read all
        return last is not None and head_words().fullmatch(last.group()) is not None
    return False


def _category_after(post: str) -> tuple[re.Match[str], str] | None:
    """The category noun right after a name, past at most two modifiers ("the Hwasong-18 road-mobile ICBM"):
    tried at the starts of those few words, as a search of the first 80 characters would find it."""
    regex, _ = category_regex()
    reach, resume = _MODIFIERS_ONLY.match(post).end(), 0
    for word in _WORD_START.finditer(post, 0, reach + 1):
        if word.start() < resume:
            continue
        match = regex.match(post, word.start(), 80)
        if match is None:
            continue
        slug = category_of(match.group())
        if slug is None:
            resume = match.end()  # a phrase that names no category ("missile test") hides what it covers
            continue
        return (match, slug) if _MODIFIERS_ONLY.fullmatch(post, 0, match.start()) else None
    return None
