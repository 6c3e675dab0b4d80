"""Sentences that speak of a system without naming it ("It was tested last spring.", "the missile"), and
systems named for a firing reported before ("KCNA identified the missile as the Hwasong-19")."""

import re
from functools import cache

from catalogue.extract.attribution import attributions, claimant_at
from catalogue.extract.doc import Doc, SentenceRecord, Unnamed, Zone
from catalogue.extract.mentions import Mention
from catalogue.extract.rules import rules
from catalogue.extract.text import Sentence
from catalogue.extract.vocab import (
    category_of,
    coreference_openings,
    description_nouns,
    descriptions,
    event_stems,
    find_categories,
    reporting_verbs,
    weapon_noun_regex,
)
from catalogue.schemas import ExtractedClaim, ExtractedEvent

MISSILE_CATEGORIES = {
    "icbm", "irbm", "mrbm", "srbm", "slbm", "ballistic_missile", "cruise_missile", "hypersonic_missile",
    "anti_ship_missile", "surface_to_air_missile", "air_to_air_missile", "space_launch_vehicle",
}
DRONE_CATEGORIES = {"unmanned_aerial_vehicle", "loitering_munition", "unmanned_underwater_vehicle", "torpedo"}
AIRCRAFT_CATEGORIES = {"bomber", "fighter_aircraft", "helicopter", "unmanned_aerial_vehicle"}
# The systems a description's head noun may stand for, by the class rules.yaml gives the noun.
CLASSES = {
    "missile": MISSILE_CATEGORIES, "drone": DRONE_CATEGORIES, "aircraft": AIRCRAFT_CATEGORIES,
    "submarine": {"submarine"}, "ship": {"warship", "submarine"}, "satellite": {"satellite"},
    "vehicle": {"tank", "armoured_vehicle", "artillery", "rocket_artillery", "unmanned_underwater_vehicle"},
}
# Categories close enough for a description naming one to stand for a system of another ("the ICBM" for a
# system known only as a ballistic missile, "the drone" for a loitering munition).
_KIN = [
    {"icbm", "irbm", "mrbm", "srbm", "slbm", "ballistic_missile", "hypersonic_missile"},
    {"cruise_missile", "anti_ship_missile", "hypersonic_missile"},
    {"unmanned_aerial_vehicle", "loitering_munition"},
    {"unmanned_underwater_vehicle", "torpedo"},
    {"fighter_aircraft", "bomber"},
    {"tank", "armoured_vehicle"},
    {"artillery", "rocket_artillery"},
]
# An opening phrase before the subject: "Weighing around five tons, the missile …", "After the take off, it …".
_LEADING_PHRASE = re.compile(r"^(?:[^,;:()\"“”]|\([^,;:()\"“”]{1,30}\)){3,80}?,\s+")  # "A derivative of the (PDV) …, "


def _leading_phrase(text: str) -> re.Match[str] | None:
    """_LEADING_PHRASE's match, after the cheap tests its first comma allows: at least 3 characters before
    it, and at most 80 unless a bracket among them makes one step of many (most sentences fail these)."""
    comma = text.find(",")
    if comma < 3 or (comma > 80 and "(" not in text[:comma]):
        return None
    return _LEADING_PHRASE.match(text)


_OPENING_CONNECTIVE = re.compile(r"^(?:but|and|however|meanwhile|still),?\s+")
_REPORTED_TAIL = r"(?:\s+that)?\s+"
_FIRST_WORD = re.compile(r"[\w'’]+")


@cache
def _expletive() -> re.Pattern[str]:
    """"It is …" that opens no reference ("It is unclear whether …"), compiled once: matched on every sentence."""
    return re.compile(rules().coreference.expletive)


@cache
def _reporting() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """A reporting verb (the attribution rules' own), and an opening up to one ("The article declares that …",
    "Analysts say …")."""
    verbs = reporting_verbs()
    # Commas allowed before the verb: "The military's media wing, in a statement, said the …".
    return (re.compile(rf"\b(?:{verbs})\b"), re.compile(rf"^[^;]{{0,100}}?\b(?:{verbs}){_REPORTED_TAIL}"))


_VERB_AFTER = re.compile(r"\s+(?:(?:also|has|had|have|later|first|successfully|then|again)\s+)*(\w+)")
_OPENING_QUOTE = re.compile(r"^[\"“‘'«]+\s*")
# "this missile", "these weapons" anywhere in a sentence naming no system: a demonstrative points back, and
# so does a definite one there ("One benefit of the drone is that it can …").
_DEMONSTRATIVE = re.compile(r"\b(?:this|these|the)\s")


@cache
def _demonstrative_description() -> re.Pattern[str]:
    """The first description a demonstrative (or "the") opens, found in one search rather than by trying the
    description at each "the" in turn."""
    return re.compile(rf"(?={_DEMONSTRATIVE.pattern})(?:{descriptions().pattern})", descriptions().flags)


# A name given to something fired before: "identified the missile as the", "said it was a new".
_IDENTIFIED = re.compile(
    r"(?:\b(?:identified|described|named|called|confirmed)\s+(?:it|them|the\s+(?:[\w-]+\s+){0,3}?"
    r"(?:missile|missiles|weapon|rocket|drone|launch|test|projectile))\s+as"
    r"|\b(?:it|the\s+(?:new\s+)?(?:missile|weapon|rocket|projectile))\s+(?:was|is|as)"
    r"|\bthe\s+(?:new\s+)?(?:missile|weapon|rocket|projectile|drone),?\s+(?:called|named|dubbed|known\s+as|designated)"
    r"|\b(?:this|the|that)\s+(?:new\s+)?(?:missile|weapon|rocket|projectile)\s+(?:has|had|bears|carries|was\s+given)"
    r"\s+the\s+(?:[\w-]+\s+){0,2}?(?:designation|name)(?:\s+of)?"
    r"|\brecords?\s+(?:it|them)\s+as"
    r"|\b(?:launch|test|firing|test-firing|test-launch)\s+of)"
    r"\s+(?:(?:an?|the|its|a\s+new|the\s+new|new)\s+)?(?:[\w-]+\s+){0,3}?[\"“]?$",
    re.IGNORECASE)
_UNCERTAIN = re.compile(r"\b(?:not|whether|if|possibly|perhaps|may|might|could|unclear|likely|appeared)\b",
                        re.IGNORECASE)
# An indefinite description a later sentence may name ("it tested a new underwater attack drone"): the
# article and up to three modifiers before a weapon noun, read from the few characters before the noun.
_INDEFINITE = re.compile(r"\b(?:an?)\s+(?:[\w-]+\s+){0,3}$", re.IGNORECASE)
_INDEFINITE_REACH = 48
_PLATFORM = re.compile(r"\b(?:from|aboard|onboard|by|off|on)\s+$", re.IGNORECASE)
# The subject of a sentence right after an unnamed firing: "The Babur cruise missile IA was launched …".
_SUBJECT_OPENING = re.compile(r"\s*[\"“‘]?(?:the\s+(?:new\s+)?)?[\"“‘]?", re.IGNORECASE)
_FIRED_AFTER = re.compile(r"\b(?:was|were|had\s+been|has\s+been)\s+(?:\w+ly\s+)?(?:fired|launched|test-fired|"
                          r"test-launched|tested)\b|\b(?:flew|travell?ed)\b", re.IGNORECASE)
# A launch or test the events stage keeps as an unnamed firing (see identify).
_FIRING = re.compile(r"\b(?:fired|fires|firing|launch|launched|launches|launching|test-fired|test-fires|"
                     r"test-launched|tested|tests|test-firing)\b", re.IGNORECASE)


def resolve(doc: Doc, record: SentenceRecord) -> None:
    """The stage: a sentence naming no system it speaks of continues the system before, as one zone, or
    describes one a sentence shortly after names ("… tested a new underwater drone. Named Haeil, the …")."""
    sentence = record.sentence
    if record.primary:
        _resolve_opening(doc, record)
        return
    described: list[str] = []
    key, at, rule, description = antecedent(doc, sentence, described=described), sentence.start, "coreference", ""
    if key is not None and described:
        _described_category(doc, sentence, key, described[0])
    if key is None:
        found = cataphor(doc, sentence)
        if found is None:
            return
        key, at, end = found
        rule, description = "cataphora", doc.text[at:end]
    stand_in = Mention(key, at, at, "", sentence.index, rule, cue=description)
    record.zones = [Zone(stand_in, sentence.start, sentence.end)]
    record.primary = [stand_in]


def _resolve_opening(doc: Doc, record: SentenceRecord) -> None:
    """"The new missile has a range of 9,000 km, less than the 12,000 km of the Trident II": an opening that
    continues the system before (a pronoun or a description, not a demonstrative further on) is that
    system's zone, before the systems the sentence names after it."""
    sentence, head_end = record.sentence, record.head_end
    if head_end - sentence.start < 12 or record.primary[0].start < head_end:
        return
    # A pronoun only when it opens the sentence itself ("It is Iran's most advanced …, while the older
    # Shahab-3 …"); after a reporting verb it may be the speaker ("Pyongyang has said it is developing …").
    lowered = sentence.text.casefold()
    first = _FIRST_WORD.match(lowered)
    verb = _VERB_AFTER.match(lowered, first.end()) if first else None
    own = first is not None and first.group() in rules().coreference.pronouns \
        and not _reporting()[0].search(lowered, 0, 40) \
        and not (verb and event_stems().match(verb.group(1)))  # "It unveiled the Hyunmoo-4": the army
    described: list[str] = []
    key = antecedent(doc, sentence, anywhere=False, pronouns=own, described=described)
    if key is None or any(m.key == key for m in record.mentions):
        return
    if described:
        _described_category(doc, sentence, key, described[0])
    stand_in = Mention(key, sentence.start, sentence.start, "", sentence.index, "coreference-opening")
    record.zones = [Zone(stand_in, sentence.start, head_end), *record.zones]
    record.primary = [stand_in, *record.primary]


def _category_in(phrase: str) -> str | None:
    """The category a description's words name ("unmanned underwater vehicle", "new icbm"), if any."""
    words = phrase.split()
    for n in range(len(words)):
        slug = category_of(" ".join(words[n:]))
        if slug is not None:
            return slug
    return None


def fits(category: str | None, kind: str, described: str | None) -> bool:
    """May a description of this class (and category, when it names one) stand for a system of category?"""
    if category is None:
        return True
    if described is not None:
        return category == described or any(category in kin and described in kin for kin in _KIN)
    return kind == "any" or category in CLASSES[kind]


def antecedent(doc: Doc, sentence: Sentence, anywhere: bool = True, pronouns: bool = True,
               described: list[str] | None = None) -> str | None:
    """The key of the system "it" (with pronouns) or "the missile" opening this sentence stands for (with
    anywhere, also "this missile" further on), if any; the category the description names ("the medium-range
    ballistic missile") is appended to `described`."""
    coref = rules().coreference
    reach = max(coref.max_distance, coref.description_distance)
    if not doc.last_primary or sentence.index - doc.last_primary[-1][0] > reach:
        return None  # no system recent enough to continue
    lowered = _OPENING_CONNECTIVE.sub("", _OPENING_QUOTE.sub("", sentence.text.casefold()))
    if _expletive().match(lowered):
        return None
    # Cheap tests first: the opening must be a pronoun or a determiner of a description, either the
    # sentence's own, that of what it reports ("Analysts say its range is …"), the subject after an
    # opening phrase ("Weighing around five tons, the missile can …"), or both ("According to state
    # media, Iran said the new missile …"); else a demonstrative anywhere ("the range of this missile").
    starts = coreference_openings()
    candidates = [lowered]
    for _ in range(2):  # "According to the ministry's estimates, if launched on a normal trajectory, such a missile …"
        leading = _leading_phrase(candidates[-1])
        if leading is None:
            break
        candidates.append(candidates[-1][leading.end():])
    for candidate in list(candidates):
        verb, opening = _reporting()
        reported = opening.match(candidate) if verb.search(candidate, 0, 130) else None
        if reported:
            candidates.append(candidate[reported.end():])
    openings = [o for o in candidates if o.startswith(starts)]
    wanted, distance = _wanted(openings, coref, pronouns)
    if wanted is None and anywhere:
        first = _demonstrative_description().search(lowered)
        openings = [lowered[first.start():]] if first else []
        wanted, distance = _wanted(openings, coref, pronouns)
    if wanted is None:
        return None
    for index, key in reversed(doc.last_primary):
        if sentence.index - index > distance:
            return None
        if fits(doc.builders[key].category(), *wanted):
            if described is not None and wanted[1] is not None and wanted[1] != _category_in(wanted[0]):
                described.append(wanted[1])  # a class its modifiers name, not its bare noun's ("the drone")
            return key
    return None


def _described_category(doc: Doc, sentence: Sentence, key: str, category: str) -> None:
    """"The two-stage, solid-fuelled, medium-range ballistic missile can carry …": the description standing for
    the system says what it is, in the words of whoever speaks there."""
    doc.builders[key].claim(ExtractedClaim(
        attribute="category", value=category, rule="category.description",
        claimant=claimant_at(attributions(doc, sentence), sentence.start),
        quote=sentence.text, start=sentence.start, end=sentence.end))


def _wanted(openings: list[str], coref, pronouns: bool = True) -> tuple[tuple[str, str | None] | None, int]:
    """What the openings' pronoun or description may stand for (a class, and a category when it names one),
    and how many sentences back it may reach."""
    wanted, distance = None, coref.max_distance
    for opening in openings:
        first = _FIRST_WORD.match(opening)
        if pronouns and first and first.group() in coref.pronouns and not _expletive().match(opening):
            wanted = ("any", None)
        described = descriptions().match(opening)
        if described:
            wanted = (description_nouns()[described.group("noun")],
                      _category_in(described.group("modifiers") + described.group("noun")))
            # A description says what it stands for: it reaches further back than "it".
            distance = max(distance, coref.description_distance)
    return wanted, distance


def cataphor(doc: Doc, sentence: Sentence) -> tuple[str, int, int] | None:
    """A system this sentence describes before a sentence shortly after names it: "North Korea said it
    tested a new underwater attack drone that can … Named Haeil, the unmanned underwater vehicle …", "…
    created a hypersonic missile that can … The missile, called Fattah, …". The later name must be given by
    a cue to a definite description of a fitting class, be the system's first mention, and no sentence
    between may name another. Returns the key and where the indefinite description starts and ends."""
    distance = rules().coreference.cataphora_distance
    named = None
    for index in range(sentence.index + 1, min(sentence.index + 1 + distance, len(doc.sentences))):
        mentions = doc.by_sentence.get(index, ())
        cued = next((m for m in mentions if m.cue), None)
        if cued is not None and not doc.builders[cued.key].mentions and cued.cue.split()[0].casefold() in (
                "the", "this"):
            named = cued
            break
        if mentions and _identifies(doc, doc.sentences[index], mentions[0]):
            if _FIRING.search(sentence.text):
                return None  # an unnamed firing: identify() gives it the system, its class and fuel
            named = mentions[0]  # "… the first test-firing of a Hwasongpho-16B had been carried out"
            break
        if mentions:
            return None
    if named is None:
        return None
    cue_words = (named.cue or "the weapon").casefold().split()
    cue_kind = description_nouns().get(cue_words[-1], "any")
    cue_category = _category_in(" ".join(cue_words[1:]))
    text = doc.text
    # The sentence's descriptions in order, the first that fits: a category phrase ("a new underwater attack
    # drone") or a weapon noun ("a missile"), with an indefinite article, not the platform something was fired
    # from or by ("from a nuclear-powered submarine").
    found = [(m.start(), m.end(), slug) for m, slug in find_categories(sentence.text)]
    found += [(m.start(), m.end(), None) for m in weapon_noun_regex().finditer(sentence.text)]
    for low, high, slug in sorted(found):
        start = sentence.start + low
        article = _INDEFINITE.search(text, max(sentence.start, start - _INDEFINITE_REACH), start)
        if article is None or _PLATFORM.search(text, max(sentence.start, article.start() - 12), article.start()):
            continue
        if slug is not None:
            fitting = (cue_category is None or fits(slug, "any", cue_category)) and fits(slug, cue_kind, None)
        else:
            kind = description_nouns().get(sentence.text[low:high].casefold(), "any")
            fitting = kind == "any" or cue_kind == "any" or kind == cue_kind
        if fitting:
            return named.key, article.start(), sentence.start + high
        return None
    return None


def _identifies(doc: Doc, sentence: Sentence, mention: Mention) -> bool:
    """Does the sentence name, for the first time, a system fired or described before it ("KCNA identified
    the missile as the Hwasong-19", "the first test-firing of a Hwasongpho-16B")?"""
    return (not doc.builders[mention.key].mentions
            and _IDENTIFIED.search(doc.text, sentence.start, mention.start) is not None
            and _UNCERTAIN.search(doc.text, sentence.start, mention.start) is None)


def remember_subject(doc: Doc, record: SentenceRecord) -> None:
    """The stage that ends a sentence: "it" and "the missile" continue the sentence's subject when a system
    opens the sentence ("The Sarmat is designed to replace the Voevoda … Analysts say its range …"), else
    the system named last."""
    primary = record.primary
    if primary:
        head = doc.text[record.sentence.start:record.head_end]
        opens = not head.strip() and record.zones[0].mention is primary[0]
        preferred = primary[0].key if opens else primary[-1].key
        # Every system the sentence speaks of, the preferred one last: a description of another class
        # ("this unmanned underwater vehicle" after "… its Poseidon drone, alongside a Yars") reaches past it.
        index = record.sentence.index
        seen = {preferred}
        for mention in primary:
            if mention.key not in seen:
                seen.add(mention.key)
                doc.last_primary.append((index, mention.key))
        doc.last_primary.append((index, preferred))


def recent_unnamed(doc: Doc, sentence: Sentence, reach: int | None = None) -> Unnamed | None:
    """The firing reported without a name a few sentences before this one (reach, else scene_sentences), if any."""
    unnamed = doc.unnamed
    if unnamed is not None and 0 < sentence.index - unnamed.index <= (reach or rules().scene_sentences):
        return unnamed
    return None


def identify(doc: Doc, record: SentenceRecord) -> None:
    """The stage: "KCNA identified the missile as the Hwasong-19": the unnamed firing before was this system's;
    and the class a sentence describing a system named after it gives ("it tested a new underwater drone")."""
    sentence = record.sentence
    if record.primary and record.primary[0].rule == "cataphora":
        stand_in = record.primary[0]
        category = _category_in(stand_in.cue)
        if category is not None:
            doc.builders[stand_in.key].claim(ExtractedClaim(
                attribute="category", value=category, claimant=claimant_at(record.attributions, stand_in.start),
                rule="category.cataphora", quote=sentence.text, start=sentence.start, end=sentence.end))
    # Named explicitly ("identified the missile as"): the firing may lie a paragraph back.
    unnamed = recent_unnamed(doc, sentence, rules().quantities.event_distance)
    if unnamed is None:
        return
    for zone in record.zones:
        mention = zone.mention
        if not mention.primary or not (_IDENTIFIED.search(doc.text, sentence.start, mention.start)
                                       or _fired_subject(doc, record, unnamed, mention)):
            continue
        if _UNCERTAIN.search(doc.text, sentence.start, mention.start):
            continue  # "did not say whether the weapon was the Hwasong-16B"
        builder = doc.builders[mention.key]
        span = {"quote": doc.text[unnamed.start:sentence.end], "start": unnamed.start, "end": sentence.end}
        # What the firing's sentence said (category, fuel, date) is its speaker's claim.
        claimant = unnamed.claimant or claimant_at(record.attributions, mention.start)
        if unnamed.category:
            builder.claim(ExtractedClaim(attribute="category", value=unnamed.category, claimant=claimant,
                                         rule="category.identified", **span))
        if unnamed.fuel:
            builder.claim(ExtractedClaim(attribute="fuel", value=unnamed.fuel, claimant=claimant,
                                         rule="fuel.identified", **span))
        for claim in unnamed.claims:  # "… a missile capable of hitting targets 450 km away": its own quote
            builder.claim(claim)
        # Events so far start at or before this sentence: is one firing still running into it?
        if builder.firing_end < sentence.start:
            builder.event(ExtractedEvent(
                kind=unnamed.kind, date=unnamed.date.date if unnamed.date else None,
                date_precision=unnamed.date.precision if unnamed.date else None, location=unnamed.location,
                claimant=claimant, rule=f"event.{unnamed.kind}+identified", **span))
        doc.unnamed = None
        return


def _fired_subject(doc: Doc, record: SentenceRecord, unnamed: Unnamed, mention: Mention) -> bool:
    """"The army test-fired a … missile capable of … 450 kilometres away. The Babur cruise missile was launched
    from …": the next sentence's subject, named there for the first time, is fired there too: the same firing."""
    sentence = record.sentence
    if sentence.index - unnamed.index > 2 or any(
            doc.by_sentence.get(index) for index in range(unnamed.index + 1, sentence.index)):
        return False  # only the sentence right after (or one between that names nothing)
    if mention is not record.zones[0].mention or not _SUBJECT_OPENING.fullmatch(doc.text, sentence.start,
                                                                                mention.start):
        return False
    if any(span.start < sentence.start for span in doc.builders[mention.key].mentions):
        return False  # named before the firing: the firing was reported apart from it
    if _FIRED_AFTER.search(doc.text, mention.end, sentence.end) is None:
        return False
    # Its own date, another than the firing's, is another act ("The Hwasong-15 was tested in 2017").
    dated = unnamed.date.date if unnamed.date else None
    return all(event.date is None or event.date == dated for event in doc.builders[mention.key].events
               if event.end == sentence.end)
