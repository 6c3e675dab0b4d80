"""Claims other than relations and events: category, fuel, capabilities, warheads, status and country
modifiers, and (through quantities.py) quantities. What a zone states belongs to its system; an opening
before the first mention ("With a range of 15,000 km, the Hwasong-17 …") to the sentence's only one."""

import re

from catalogue.extract.attribution import claimant_at
from catalogue.extract.doc import Builder, Doc, SentenceRecord, Zone, quote
from catalogue.extract.mentions import FoundSystem
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
from catalogue.schemas import ExtractedClaim, ExtractedObservation

# Cheap substring tests that let most segments skip the larger expressions.
_FUEL_WORDS = literals(["fuel", "propel", "powered", "propulsion", "engine", "motor", "booster", "reactor"])
_WARHEAD_WORDS = literals(["nuclear", "warhead", "mirv", "conventional", "re-entry", "reentry"])
_APPOSED = re.compile(r"[\s,]*(?:(?:the|a|an|its|their)\s+)?[\"“‘']?")
# "the liquid-fuel missile had been named the “Kheibar”": the noun is the system's own.
_NAMED = re.compile(r"\s*,?\s*(?:(?:which|that)\s+)?(?:(?:is|was|has|had|have)\s+)?(?:been\s+)?"
                    r"(?:named|called|dubbed|known\s+as|designated|christened)\s+(?:the\s+)?[\"“‘']?")
# Between a name and its head noun: quotes and at most two modifiers ("road-mobile", "new").
_MODIFIERS_ONLY = re.compile(
    r"[\s\"”’']*(?:(?!(?:and|or|but|was|were|is|are|of|with|to|from|in|on|at|which|that)\b)"
    # "the Poseidon atomic-powered, nuclear-capable …"; no verb in -ed or -ing but adjectives so made
    r"(?:[a-z]+-[a-z]+,?|(?:guided|unguided|unmanned|advanced|improved|upgraded|extended|armed)|"
    r"[a-z]+(?<!ed)(?<!ing))\s+){0,2}"
)
# A noun phrase that is the object of these is another vehicle ("After being launched by a medium-range
# solid-fuel ballistic missile, the DF-ZF glider …"): its fuel and class are not the system's.
# ("powered by a liquid rocket engine" names its own engine).
_CARRIER = re.compile(r"(?<!powered )(?<!propelled )(?<!driven )(?<!fuelled )(?<!fueled )"
                      r"\b(?:by|atop|aboard|onto|on\s+top\s+of)\s+(?:(?:a|an|the|its|their)\s+)?"
                      r"(?:[\w-]+,?\s+){0,4}$", re.IGNORECASE)
# The noun a fuel phrase qualifies, past two modifiers: a vehicle ("nuclear-powered submarine", "solid-fuel
# ballistic missile"), not a part of one (engine, motor, booster, stage), whose fuel is the system's.
_FUEL_HEAD = re.compile(r"(?:[\s,]+(?!(?:engines?|motors?|boosters?|stages?)\b)[a-z][\w-]*){0,2}?\s+"
                        r"(?P<noun>(?:ballistic\s+|cruise\s+)?(?:missiles?|rockets?|submarines?|ships?|vessels?|"
                        r"aircraft\s+carriers?|icebreakers?|destroyers?|cruisers?|bombers?|aircraft|"
                        r"planes?|jets?|torpedo(?:es)?|drones?))\b(?![\s-]+(?:engines?|motors?|boosters?|stages?)\b)")
# The kinds of vehicle whose fuel one fuel word cannot state for another.
_KINDS = {**dict.fromkeys(["icbm", "irbm", "mrbm", "srbm", "slbm", "ballistic_missile", "cruise_missile",
                           "hypersonic_missile", "anti_ship_missile", "surface_to_air_missile",
                           "air_to_air_missile", "space_launch_vehicle"], "missile"),
          **dict.fromkeys(["submarine", "warship"], "vessel"),
          **dict.fromkeys(["bomber", "fighter_aircraft", "helicopter"], "aircraft"),
          **dict.fromkeys(["unmanned_aerial_vehicle", "loitering_munition"], "drone"),
          **dict.fromkeys(["unmanned_underwater_vehicle", "torpedo"], "underwater")}
_PLATFORMS = {"vessel", "aircraft"}  # what fires a missile, not what is fired
# A noun phrase after these is where a firing was made from ("fired … from a nuclear-powered submarine").
_LAUNCHED_FROM = re.compile(r"\b(?:from|aboard|by|atop|off)\s+(?:(?:a|an|the|its|their)\s+)?(?:[\w-]+,?\s+){0,3}$",
                            re.IGNORECASE)
_NOUN_KINDS = {"missile": "missile", "rocket": "missile", "ship": "vessel", "vessel": "vessel",
               "icebreaker": "vessel", "aircraft": "aircraft", "plane": "aircraft", "jet": "aircraft"}
# A named engine or motor stating what it powers ("The RD-274 liquid rocket engine … to power the RS-28
# Sarmat"): its fuel goes to the system it powers, named right after.
_POWERS = re.compile(r"[^.;:]{0,60}?\b(?:to\s+power|powers|powering|to\s+propel|propels|propelling)\s+"
                     r"(?:(?:the|a|an|its|their)\s+)?(?:[a-z][\w-]*\s+){0,2}")  # lower-case words, then a name
# Between a demonym and the head noun it qualifies: "-made" and the like, and up to two modifiers.
_MAKER_GAP = re.compile(r"(?:-(?:made|built|designed|developed|produced|supplied))?(?:\s+[a-z][\w-]*){0,2}\s+")
# Lower-case words right before a name that may refine the class noun after it ("new hypersonic Zircon
# cruise missiles" is a hypersonic cruise missile).
_PREMODIFIERS = re.compile(r"((?:[a-z][\w]*(?:-[\w]+)*,?\s+){1,3})$")
_POSTMODIFIER = re.compile(r"\s+(?:carrying|with|armed|equipped|fitted|tipped|capable|able|designed|intended|built|"
                           r"developed|made|launched|fired|that|which)\b")
_WORD_START = re.compile(r"(?<![\w-])[^\W_]")
_WORD = re.compile(r"\w+")
_GAP_REACH = 48  # characters at the end of a text that usually hold a head gap and the word before it
# A description runs to the next comma, unless the comma only separates modifiers ("an intermediate-range,
# road-mobile ballistic missile"): a lower-case hyphenated word after it continues the description.
_DESCRIPTION = r"(?:[^,;:()]|,(?=\s+[a-z]\w*-[\w-]+\s))*"
_PRONOUN_COPULA = re.compile(rf"[\w'’]+\s+(?:is|was)\s+(?:a|an|the)\s+({_DESCRIPTION})")
# "X is a …", "X, which is China's …", "X is one of the …"; an aside between name and verb ("The Tu-95MS, also
# known by its NATO reporting name "Bear," is a strategic bomber").
_COPULA = re.compile(rf"\s*(?:,[^,;:()]{{3,80}}?,[\"”’']?)?\s*,?\s*(?:which|that)?\s*(?:is|was)\s+(?:one\s+of\s+)?"
                     rf"(?:a|an|the|[A-Z][\w.\-]*['’]s)\s+({_DESCRIPTION})")
_APPOSITION = re.compile(
    rf"\s*,\s*(?:(?:which|that)\s+(?:is|was)\s+)?(?:one\s+of\s+)?"
    rf"((?:the|a|an|its|their|[A-Z][\w.\-]*['’]s)\s{_DESCRIPTION})")
_GENERIC_HEAD = re.compile(r"(?:missiles?|rockets?)\b(?![\w-])")
_RELATIVE = re.compile(r"\s(?:that|which|who|whose)\s")
# Between a quantity's cue and the systems it is of: "range | of the | American Trident II | and Russian | Bulava".
_OWNER_GAP = re.compile(r"\s+(?:of|for)\s+(?:(?:the|an?)\s+)?")
_OWNER_NEXT = re.compile(r"\s*(?:,\s*(?:and\s+|or\s+)?|\s+and\s+|\s+or\s+)(?:the\s+)?")
_CAPITALISED = re.compile(r"[A-Z][\w'’.\-]*\s+")
_AND_GAP = re.compile(r"\s*(?:,|and|or|, and|, or)\s*(?:the\s+)?")


def read_facts(doc: Doc, record: SentenceRecord) -> None:
    """The stage: what each zone states of its system, then what an opening states of the only one."""
    for zone in record.zones:
        _zone_facts(doc, record, zone)
    subject = record.zones[0].mention if record.zones else None
    if len(record.primary) != 1 and subject is not None and subject.primary \
            and _LEADING_CLAUSE.search(doc.text, record.sentence.start, record.head_end):
        # "Initially designed for … missions carrying nuclear weapons, the B-52 took over from the B-36": an
        # opening phrase set off by a comma is said of the subject right after it, however many follow.
        primary = [subject]
    else:
        primary = record.primary
    if len(primary) != 1:
        if record.primary and record.head_end > record.sentence.start:
            # An opening before several systems states only quantities whose cue names whose they are.
            head = doc.text[record.sentence.start:record.head_end]
            read_quantities(head, head.lower(), _measure(doc, record, record.primary[0].key, record.sentence.start,
                                                         owned_only=True))
        return
    head = doc.text[record.sentence.start:record.head_end]
    if head.strip() and _other_subject(head):
        # Only the fuel of an engine said to power the system ("The RD-274 liquid rocket engine … to power").
        _powering_fuels(doc, record, record.sentence.start, record.head_end)
    elif head.strip():
        # Not when the opening has its own subject ("Hypersonic weapons, which fly at Mach 5, …").
        _segment_facts(doc, record, primary[0].key, record.sentence.start, record.head_end, head=True)


_MIXED_BEFORE = re.compile(r"\b(?:solid|liquid)(?:[- ]fuel(?:led|ed)?|[- ]propellant)?-?\s+(?:and|or)\s+$", re.IGNORECASE)
_MIXED_AFTER = re.compile(r"\s+(?:and|or)\s+(?:solid|liquid)\b", re.IGNORECASE)
_UNNAMED = "\x00unnamed"  # a builder key no name folds to


def unnamed_claims(doc: Doc, record: SentenceRecord) -> list[ExtractedClaim]:
    """What a sentence reporting a firing before its system is named states of the weapon fired ("test-fired
    a … ballistic missile capable of hitting land and sea targets … up to 450 kilometres away"): its claims,
    kept for the system a later sentence identifies (coreference.identify). Its fuel is read by
    fired_class_and_fuel, which knows the platform's from the weapon's."""
    builder = doc.builders[_UNNAMED] = Builder(FoundSystem(key=_UNNAMED, name=""))
    try:
        _segment_facts(doc, record, _UNNAMED, record.sentence.start, record.sentence.end)
    finally:
        del doc.builders[_UNNAMED]
    return [claim for claim in builder.claims if claim.attribute != "fuel"]


_LEADING_CLAUSE = re.compile(r"\w{3,}[^,;:]{8,},\s*(?:the\s+|its\s+|an?\s+)?$", re.IGNORECASE)


def _other_subject(head: str) -> bool:
    """Does the opening before a sentence's only system speak of other weapons ("Hypersonic weapons,
    which …, evade systems such as the THAAD")? Not when its weapon noun is the system's own
    ("a liquid-fuelled ballistic missile, the Khorramshahr-4")."""
    nouns = [m.end() for m, _ in find_categories(head)] + [m.end() for m in weapon_noun_regex().finditer(head)]
    if not nouns:
        return False
    last = max(nouns)
    noun = next((m for m, _ in find_categories(head) if m.end() == last), None)
    if noun is not None and _CARRIER.search(head, 0, noun.start()):
        return True  # "launched by a … ballistic missile, the DF-ZF": the carrier, not the system
    return not (_APPOSED.fullmatch(head, last) or _NAMED.fullmatch(head, last))


_NAME_GAP = re.compile(r"[ \t]+")


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
    modifiers = list(patterns.modifier.finditer(prefix))
    after = _NAME_GAP.match(doc.text, zone.mention.end)
    following = patterns.modifier.match(doc.text, after.end(), zone.end) if after else None
    rest = doc.text[following.end():following.end() + 40].lstrip() if following else ""
    if rest and (weapon_noun_regex().match(rest) or any(m.start() == 0 for m, _ in find_categories(rest))):
        modifiers.append(following)  # "the Burevestnik unlimited-range cruise missile"
    for match in modifiers:
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
        fuel = fuel_lookup[phrase_key(match.group())]
        if _MIXED_BEFORE.search(segment, max(0, match.start() - 30), match.start()) \
                or _MIXED_AFTER.match(segment, match.end()):
            continue  # "a combination of solid and liquid fuel": both, so neither is the system's fuel
        if _fuel_of_another(doc, key, start + match.start(), start + match.end(), sentence.end):
            continue  # "launched from a nuclear-powered submarine", "launched by a solid-fuel ballistic missile"
        powered = _powered_system(doc, record, start + match.end())
        if powered is not None and powered != key:
            doc.builders[powered].claim(ExtractedClaim(
                attribute="fuel", value=fuel, rule="fuel.powers",
                claimant=claimant_at(attributions, start + match.start()), **provenance))
            continue
        add("fuel", fuel, "fuel.phrase", match.start())
    patterns = fact_patterns()
    cued_until = -1  # a statement inside an ability already read ("could not be intercepted") is that one
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
            cued_until = match.end() + len(value)
    for match in patterns.statement.finditer(segment) if not head else ():
        if match.start() < cued_until:
            continue
        stop = patterns.clause_break.search(segment, match.end())
        value = segment[match.start():stop.start() if stop else len(segment)].strip(" .!?\"”")
        if len(value) <= 160:
            add("capability", value, "capability.statement", match.start())

    read_quantities(segment, lowered, _measure(doc, record, key, start))
    for rule_id, value, pattern in warheads() if _WARHEAD_WORDS.search(lowered) else ():
        for match in pattern.finditer(segment):
            add("warhead", value, rule_id, match.start())


def _fuel_of_another(doc: Doc, key: str, start: int, end: int, stop: int) -> bool:
    """Does the fuel phrase at start..end qualify another vehicle than the system: a noun of another kind
    right after it ("the Bulava … from a nuclear-powered submarine"), or a whole vehicle that carries the
    system ("After being launched by a … solid-fuel ballistic missile, the DF-ZF")? A part (engine, motor,
    booster, stage) is the system's own."""
    head = _FUEL_HEAD.match(doc.text, end, min(stop, end + 60))
    if head is None:
        return False
    if _CARRIER.search(doc.text, max(0, start - 60), start):
        return True
    noun = head.group("noun")
    slug = category_of(noun)
    kind = _KINDS.get(slug) if slug is not None else _NOUN_KINDS.get(noun.split()[-1].lower().rstrip("s"))
    own = _KINDS.get(doc.builders[key].category() or "")
    return own is not None and kind is not None and own != kind


def fired_class_and_fuel(text: str) -> tuple[str | None, str | None]:
    """The class and fuel of what an unnamed firing fired ("North Korea fired a new solid-fuel ICBM"), not
    of the platform it was fired from ("… a missile from a nuclear-powered submarine")."""
    category = next((slug for match, slug in find_categories(text)
                     if _KINDS.get(slug) not in _PLATFORMS and not _LAUNCHED_FROM.search(text, 0, match.start())),
                    None)
    fuel = None
    fuels, fuel_lookup = fuel_regex()
    for match in fuels.finditer(text) if _FUEL_WORDS.search(text.lower()) else ():
        head = _FUEL_HEAD.match(text, match.end(), match.end() + 60)
        noun = head.group("noun") if head else ""
        kind = _KINDS.get(category_of(noun) or "") or _NOUN_KINDS.get(noun.split()[-1].lower().rstrip("s")) \
            if noun else None
        if kind not in _PLATFORMS and not _LAUNCHED_FROM.search(text, 0, match.start()):
            fuel = fuel_lookup[phrase_key(match.group())]
            break
    return category, fuel


def _powering_fuels(doc: Doc, record: SentenceRecord, start: int, end: int) -> None:
    """In an opening about something else (an engine), only the fuel of what it is said to power counts."""
    segment = doc.text[start:end]
    if not _FUEL_WORDS.search(segment.lower()):
        return
    fuels, fuel_lookup = fuel_regex()
    for match in fuels.finditer(segment):
        powered = _powered_system(doc, record, start + match.end())
        if powered is not None:
            doc.builders[powered].claim(ExtractedClaim(
                attribute="fuel", value=fuel_lookup[phrase_key(match.group())], rule="fuel.powers",
                claimant=claimant_at(record.attributions, start + match.start()), **quote(record.sentence)))


def _powered_system(doc: Doc, record: SentenceRecord, at: int) -> str | None:
    """The system an engine or motor is said to power, named right after the verb ("… engine has been
    installed to power the heavy RS-28 Sarmat"), if any."""
    powers = _POWERS.match(doc.text, at, record.sentence.end)
    if powers is None:
        return None
    for mention in doc.mentions_at.get(powers.end(), ()):
        if mention.sentence == record.sentence.index:
            return mention.key
    return None


def _measure(doc: Doc, record: SentenceRecord, key: str, start: int, owned_only: bool = False):
    """What read_quantities passes on, recorded: a claim of the zone's system, or of the systems its cue
    names right after it ("the 12,000km range of the American Trident II and Russian Bulava"); what one
    launch measured waits on the builder for that launch's event (events.attach_observations). owned_only:
    only quantities whose cue names their systems (an opening before several systems)."""
    provenance, attributions = quote(record.sentence), record.attributions

    def measure(attribute: str, value: str, rule: str, at: int, observed: bool = False,
                owner_at: int | None = None, **extra) -> None:
        owners = _owners(doc, record, start + owner_at) if owner_at is not None else []
        if owned_only and not owners:
            return
        claimant = claimant_at(attributions, start + at)
        for owner in owners or [key]:
            if observed:
                doc.builders[owner].observe(ExtractedObservation(attribute=attribute, value=value, rule=rule,
                                                                 claimant=claimant, **provenance, **extra))
            else:
                doc.builders[owner].claim(ExtractedClaim(attribute=attribute, value=value, rule=rule,
                                                         claimant=claimant, **provenance, **extra))

    return measure


def _owners(doc: Doc, record: SentenceRecord, position: int) -> list[str]:
    """The systems named right after a quantity's cue by "of"/"for" ("range of the American Trident II
    and Russian Bulava"): a mention there, past at most two capitalised words, and those listed with it."""
    gap = _OWNER_GAP.match(doc.text, position, record.sentence.end)
    keys: list[str] = []
    at = gap.end() if gap else -1
    while gap is not None:
        mention = None
        for _ in range(3):
            mention = next(iter(doc.mentions_at.get(at, ())), None)
            word = _CAPITALISED.match(doc.text, at, record.sentence.end) if mention is None else None
            if word is None:
                break
            at = word.end()
        if mention is None or mention.key in keys:
            break
        keys.append(mention.key)
        gap = _OWNER_NEXT.match(doc.text, mention.end, record.sentence.end)
        at = gap.end() if gap else -1
    return keys


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
            if fact_patterns().head_gap.fullmatch(before, match.end()) and \
                    not _CARRIER.search(before, 0, match.start()):
                builder.claim(ExtractedClaim(attribute="category", value=slug, rule="category.head",
                                             claimant=claimant_at(attributions, mention.start), **provenance))
                if builder.found.country is None:
                    builder.found.country = _maker(before[max(0, match.start() - 40):match.start()])
        post = text[mention.end:zone.end]
        head = _category_after(post) or _generic_head(post)
        if head:
            match, slug = head
            refined = _refined(text[max(sentence.start, mention.start - 60):mention.start], match.group())
            if slug is None:  # a generic noun ("intermediate-range Musudan missiles"): the modifiers' class only
                slug, refined = refined, None
            if slug is not None:
                if refined is not None and refined != slug:
                    builder.claim(ExtractedClaim(attribute="category", value=refined, rule="category.head",
                                                 claimant=claimant_at(attributions, mention.start), **provenance))
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


def _maker(modifiers: str) -> str | None:
    """The country in the words before a head noun that introduces a name: "a Russian-made drone, the
    Orion-5", "the Iranian ballistic missile Kheibar"."""
    any_country, countries = demonyms()
    found = None
    for match in any_country.finditer(modifiers):
        found = match
    if found is None or not _MAKER_GAP.fullmatch(modifiers, found.end()):
        return None
    return next((country for pattern, country in countries if pattern.fullmatch(found.group())), None)


def _refined(before: str, noun: str) -> str | None:
    """The class of the modifiers before a name joined to the class noun after it: "new hypersonic Zircon
    cruise missiles" is a hypersonic cruise missile, "the medium-range Ababeel ballistic missile" an MRBM."""
    modifiers = _PREMODIFIERS.search(before)
    if modifiers is None:
        return None
    words = [word.rstrip(",") for word in modifiers.group(1).split()]
    for n in range(len(words), 0, -1):  # the longest phrase first
        slug = category_of(" ".join([*words[-n:], noun]))
        if slug is not None:
            return slug
    return None


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


def _generic_head(post: str) -> tuple[re.Match[str], None] | None:
    """A noun right after a name that names no class by itself ("the medium-range Ababeel missile")."""
    match = _GENERIC_HEAD.match(post, len(post) - len(post.lstrip(" \"”’'")))
    return (match, None) if match and match.start() > 0 else None


def _category_after(post: str) -> tuple[re.Match[str], str] | None:
    """The category noun right after a name, past at most two modifiers ("the Hwasong-18 road-mobile ICBM"):
    tried at the starts of those few words, as a search of the first 80 characters would find it."""
    regex, _ = category_regex()
    # "The KN-23 North Korean short-range ballistic missile": a maker's demonym may come first.
    maker = demonyms()[0].match(post, len(post) - len(post.lstrip()))
    if maker is not None and _MAKER_GAP.match(post, maker.end()):
        head = _category_after(post[maker.end():])
        if head is not None:
            return head
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
