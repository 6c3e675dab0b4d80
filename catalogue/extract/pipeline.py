"""extract(document) -> Extraction: a pure function, text in, records out, no database.

Each sentence is divided into zones, one per system mention: a zone runs from the start of the
mention's noun phrase ("the even more advanced Hwasong-18") to the start of the next mention's.
What a zone states (fuel, abilities, quantities, events) belongs to its system; what comes before
the first mention belongs to every system of the sentence (events) or to the only one (facts).
"""

import re
from dataclasses import dataclass, field
from functools import cache

from catalogue.extract.dates import FoundDate, find_dates
from catalogue.extract.mentions import FoundSystem, Mention, MentionFinder
from catalogue.extract.normalize import alias_kind, fold
from catalogue.extract.rules import extractor_version, rules
from catalogue.extract.text import Sentence, compile_phrases, phrase_key, sentences
from catalogue.schemas import (
    ClaimOut,
    Document,
    DocumentExtraction,
    EventOut,
    ExtractedAlias,
    ExtractedClaim,
    ExtractedEvent,
    ExtractedSystem,
    Extraction,
    SourceOut,
    Span,
    SystemOut,
    edtf,
)


def _literals(words) -> re.Pattern[str]:
    """One expression finding any of these literal substrings: faster than testing them one by one."""
    return re.compile("|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True)))


MISSILE_CATEGORIES = {
    "icbm", "irbm", "mrbm", "srbm", "slbm", "ballistic_missile", "cruise_missile", "hypersonic_missile",
    "anti_ship_missile", "surface_to_air_missile", "air_to_air_missile", "space_launch_vehicle",
}
DRONE_CATEGORIES = {"unmanned_aerial_vehicle", "loitering_munition", "unmanned_underwater_vehicle"}
AIRCRAFT_CATEGORIES = {"bomber", "fighter_aircraft", "helicopter", "unmanned_aerial_vehicle"}
_DETERMINERS = {"the", "a", "an", "its", "their", "his", "her", "this", "these", "those", "that", "our"}
_NP_STOPS = {
    "and", "or", "but", "was", "were", "is", "are", "of", "with", "by", "for", "to", "from", "in", "on",
    "at", "that", "which", "who", "as", "than", "like", "also", "display", "unveiled", "fired", "launched",
    # verbs a noun phrase never starts with: "can carry YJ-18 missiles" is not part of the YJ-18's phrase
    "can", "could", "will", "would", "may", "might", "must", "should", "has", "have", "had", "carry", "carries",
    "carried", "carrying", "use", "uses", "used", "include", "includes", "included", "including",
}


# --- compiled vocabularies ---
@cache
def _category_regex() -> tuple[re.Pattern[str], dict[str, str]]:
    r = rules()
    lookup = {phrase_key(p): slug for slug, phrases in r.categories.items() for p in phrases}
    return compile_phrases([*lookup, *r.not_categories, *(p for ps in r.categories.values() for p in ps)],
                           plural=True), lookup


def _category_of(phrase: str) -> str | None:
    _, lookup = _category_regex()
    key = phrase_key(phrase)
    for candidate in (key, key[:-1], key[:-2]):
        if candidate in lookup:
            return lookup[candidate]
    if key.isupper() or phrase.rstrip("s").isupper():
        return lookup.get(phrase_key(phrase.rstrip("s")))
    return None


@cache
def _category_heads() -> re.Pattern[str]:
    """The last word of every category phrase: a text without any of them names no category."""
    r = rules()
    return _literals(re.split(r"[\s-]+", phrase)[-1].lower().rstrip("s") for phrases in r.categories.values()
                     for phrase in phrases)


def _find_categories(text: str) -> list[tuple[re.Match[str], str]]:
    lowered = text.lower()
    if not _category_heads().search(lowered):
        return []
    regex, _ = _category_regex()
    found = []
    for match in regex.finditer(text):
        slug = _category_of(match.group())
        if slug is not None:
            found.append((match, slug))
    return found


@cache
def _fuel_regex() -> tuple[re.Pattern[str], dict[str, str]]:
    r = rules()
    lookup = {phrase_key(p): fuel for fuel, phrases in r.fuel.items() for p in phrases}
    return compile_phrases(list(lookup)), lookup


@cache
def _regexes() -> dict[str, re.Pattern[str]]:
    r = rules()
    return {
        "capability": compile_phrases(r.capability_cues),
        "break": re.compile(
            r",(?!\d)|[;:()\[\]\"“”]|\s(?:" + "|".join(re.escape(b).replace(r"\ ", r"\s+") for b in r.clause_breaks)
            + r")\b", re.IGNORECASE),
        "modifier": re.compile(r"\b(?:" + "|".join(r.capability_modifiers) + r")\b", re.IGNORECASE),
        "status": compile_phrases(r.status_modifiers),
        "hypothetical": re.compile(
            r"(?:" + "|".join(re.escape(h).replace(r"\ ", r"\s+") for h in r.hypothetical) + r")\s+(?:\w+\s+){0,2}$",
            re.IGNORECASE),
        "gathering": compile_phrases(r.gatherings, plural=True),
        # Between a head noun and the name it introduces: "the underwater drone known as Haeil".
        "head_gap": re.compile(
            r"\s*,?\s*(?:(?:" + "|".join(re.escape(c).replace(r"\ ", r"\s+") for c in r.name_cues)
            + r")\s+)?(?:the\s+)?[\"“‘']?", re.IGNORECASE),
        "according": re.compile(r"\baccording\s+to\s+(?P<who>[^,;:.()]+)", re.IGNORECASE),
        # "…, said Kim Dong-yup, a professor": the speaker after the verb, at the end of the sentence.
        "inverted": re.compile(r"[,\"”]\s*(?:said|says|added|noted|wrote|warned)\s+(?P<who>(?:[A-Z][\w.'’-]*\s?){1,4})"),
        "verb": re.compile(r"\b(?:has\s+|have\s+|had\s+)?(?P<verb>" + "|".join(r.attribution.verbs) + r")\b"),
        "location": re.compile(
            r"\b(?:" + "|".join(r.location_prepositions) + r")\s+(?:the\s+)?"
            r"(?P<loc>(?:[A-Z][\w.\-]*['’]s\s+(?:[a-z]+\s+)?)?[A-Z][\w.\-]*(?:\s+(?:of\s+(?:the\s+)?)?[A-Z][\w.\-]*)*)"),
    }


# Cheap substring tests that let most sentences skip the larger expressions.
_FUEL_WORDS = _literals(["fuel", "propel", "powered", "propulsion"])
_WARHEAD_WORDS = _literals(["nuclear", "warhead", "mirv", "conventional", "re-entry", "reentry"])
_NUMBER_WORDS = re.compile(r"\d|single|one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty")


@cache
def _event_stems() -> re.Pattern[str]:
    # The most distinctive word of each cue ("shown" in "was shown", not "was"), cut to its stem.
    return _literals(max(re.split(r"[\s-]", phrase.lower()), key=len)[:5] for phrases in rules().events.values()
                     for phrase in phrases)


@cache
def _gathering_words() -> re.Pattern[str]:
    return _literals(phrase.split()[-1].lower() for phrase in rules().gatherings)


@cache
def _event_regex() -> tuple[re.Pattern[str], dict[str, str]]:
    lookup = {phrase_key(p): kind for kind, phrases in rules().events.items() for p in phrases}
    return compile_phrases(list(lookup)), lookup


@cache
def _relation_regex() -> tuple[re.Pattern[str], dict[str, str]]:
    lookup = {phrase_key(p): kind for kind, phrases in rules().relations.items() for p in phrases}
    return compile_phrases(list(lookup)), lookup


@cache
def _quantities() -> list[tuple[str, str, re.Pattern[str]]]:
    return [(q.id, q.attribute, re.compile(q.pattern, re.IGNORECASE)) for q in rules().quantities]


@cache
def _warheads() -> list[tuple[str, str, re.Pattern[str]]]:
    return [(w.id, w.value, re.compile(w.pattern, re.IGNORECASE)) for w in rules().warheads]


@cache
def _unit_lookup() -> dict[str, str]:
    return {phrase_key(word): unit for unit, words in rules().units.items() for word in words}


def _singular(noun: str) -> str:
    if noun.isupper() or not noun.endswith("s"):
        return noun.rstrip("s") if noun.isupper() and noun.endswith("s") else noun
    if noun.endswith("ies"):
        return noun[:-3] + "y"
    if noun.endswith(("ches", "shes", "xes", "sses")):
        return noun[:-2]
    return noun[:-1]


@cache
def _weapon_noun_regex() -> re.Pattern[str]:
    return compile_phrases(rules().weapon_nouns, plural=True)


def _other_subject(head: str) -> bool:
    """Does the opening before a sentence's only system speak of other weapons ("Hypersonic weapons,
    which …, evade systems such as the THAAD")? Not when its weapon noun is the system's own
    ("a liquid-fuelled ballistic missile, the Khorramshahr-4")."""
    nouns = [m.end() for m, _ in _find_categories(head)] + [m.end() for m in _weapon_noun_regex().finditer(head)]
    if not nouns:
        return False
    return not _APPOSED.fullmatch(head, max(nouns))


# --- working state ---
@cache
def _descriptions() -> re.Pattern[str]:
    """"the missile" also as "the liquid-fuelled missile", "the new solid-fuel weapon": up to two modifiers."""
    modifier = r"(?:(?!(?:of|and|or|to|with|from|for|in|on|at|by|a|an|the|that|which)\b)[\w-]+\s+){0,2}?"
    determiners = "|".join(sorted({det for det, _ in _description_kinds()}))
    nouns = "|".join(sorted({noun for _, noun in _description_kinds()}, key=len, reverse=True))
    return re.compile(rf"(?P<det>{determiners})\s+{modifier}(?P<noun>{nouns})\b(?!-)")


@cache
def _description_kinds() -> dict[tuple[str, str], str]:
    """(determiner, head noun) of each description: "the new missile" is read as "the … missile"."""
    return {(description.split()[0], description.split()[-1]): kind
            for description, kind in rules().coreference.descriptions.items()}


@cache
def _coreference_openings() -> tuple[str, ...]:
    """How a sentence continuing an earlier system may open: a pronoun, or a description's determiner."""
    determiners = {description.split(" ", 1)[0] + " " for description in rules().coreference.descriptions}
    return _PRONOUN_OPENINGS + tuple(sorted(determiners))


def _number(text: str) -> float | None:
    """12,000 / 1.5 / "two" as a number; None when it is not one."""
    known = rules().number_words.get(text.casefold())
    if known is not None:
        return float(known)
    try:
        return float(text.replace(",", "").rstrip("."))
    except ValueError:
        return None


def _states_capability(segment: str, cue: re.Match[str], tail: str) -> bool:
    """A cue states a capability unless it is a mere possibility ("could be deployed") or the purpose of
    an act ("a routine test meant to show")."""
    after = _not_before().get(cue.group().casefold())
    if after is not None and after.match(tail):
        return False
    before = segment[max(0, cue.start() - 40):cue.start()].split()
    return not (before and before[-1].casefold() in _purpose_nouns())


@cache
def _role_words() -> frozenset[str]:
    return frozenset(rules().attribution.role_words)


@cache
def _unit_words() -> re.Pattern[str]:
    """A cheap test before the quantity patterns: some unit is written (a lone "t" only after a number)."""
    words = {w for synonyms in rules().units.values() for w in synonyms if len(w) > 1} | {"stage"}
    return re.compile("|".join(sorted(map(re.escape, words), key=len, reverse=True)) + r"|\d\s*t\b")


@cache
def _not_before() -> dict[str, re.Pattern[str]]:
    return {cue: re.compile(r"\s*(?:" + "|".join(after) + r")\b", re.IGNORECASE)
            for cue, after in rules().capability_not_before.items()}


@cache
def _purpose_nouns() -> frozenset[str]:
    return frozenset(rules().capability_not_after)


@dataclass
class Zone:
    mention: Mention
    start: int  # start of the noun phrase
    end: int
    continuation: bool = False  # the subject's predicate, resumed after a comparison


# Between a firing verb and its object: determiners and numbers only ("fired two Hwasong-18").
_OBJECT_GAP = re.compile(
    r"\s*(?:(?:a|an|the|its|their|two|three|four|five|six|several|multiple|new|salvo|volley|of|\d+)\s+)*"
)
# One lower-case word that can still name who speaks ("officials said", "the ministry said").
_ROLE_NOUNS = {"analysts", "experts", "officials", "observers", "researchers", "ministry", "military", "government",
               "agency", "army", "navy", "pentagon", "kremlin", "authorities", "intelligence", "sources", "media"}
# Lower-case words inside a proper name: "Center for Strategic and International Studies".
_NAME_CONNECTORS = {"for", "and", "of", "on"}
# A name given to something fired before: "identified the missile as the", "said it was a new".
_IDENTIFIED = re.compile(
    r"(?:\b(?:identified|described|named|called|confirmed)\s+(?:it|them|the\s+(?:[\w-]+\s+){0,3}?"
    r"(?:missile|missiles|weapon|rocket|drone|launch|test|projectile))\s+as"
    r"|\b(?:it|the\s+(?:new\s+)?(?:missile|weapon|rocket|projectile))\s+(?:was|is|as)"
    r"|\bthe\s+(?:new\s+)?(?:missile|weapon|rocket|projectile|drone),?\s+(?:called|named|dubbed|known\s+as|designated)"
    r"|\b(?:launch|test|firing|test-firing|test-launch)\s+of)"
    r"\s+(?:(?:an?|the|its|a\s+new|the\s+new|new)\s+)?(?:[\w-]+\s+){0,3}?[\"“]?$",
    re.IGNORECASE)
_UNCERTAIN = re.compile(r"\b(?:not|whether|if|possibly|perhaps|may|might|could|unclear|likely|appeared)\b",
                        re.IGNORECASE)
_APPOSED = re.compile(r"[\s,]*(?:(?:the|a|an|its|their)\s+)?[\"“‘']?")
_DATELINE = re.compile(r"[A-Z][A-Za-z .'-]{1,40}(?:,\s*[A-Z][\w .]{1,30})?,?\s+[A-Z][a-z]{2,8}\.?\s+\d{1,2}\s*"
                       r"(?:\([\w .]+\))?\s*[-—–]+\s")
_SAID_ON = re.compile(r"\b(?:said|says|announced|reported|told|added|stated|confirmed)\s+(?:on|late on|early on)?\s*$")
_OPENING_CONNECTIVE = re.compile(r"^(?:but|and|however|meanwhile|still),?\s+")
_PRONOUN_OPENINGS = ("it ", "its ", "it's ", "it’s ", "it,")
_REPORTING = re.compile(r"\b(?:said|says|say|reported|reports|claimed|claims|added|noted|stated|announced|believe)")
_REPORTED_OPENING = re.compile(
    r"^[^,;]{0,100}?\b(?:said|says|say|reported|reports|claimed|claims|added|noted|stated|announced|believe|believes)"
    r"(?:\s+that)?\s+"
)
# Between a name and its head noun: quotes and at most two modifiers ("road-mobile", "new").
_MODIFIERS_ONLY = re.compile(
    r"[\s\"”’']*(?:(?!(?:and|or|but|was|were|is|are|of|with|to|from|in|on|at|which|that)\b)"
    r"(?:[a-z]+-[a-z]+|[a-z]+(?<!ed)(?<!ing))\s+){0,2}"
)
# Words after a speaker's name that name what it published, not who speaks.
_DOCUMENT_WORDS = {"report", "reports", "reported", "the", "of", "annual", "latest", "recent", "new", "official",
                   "statement", "statements", "study", "assessment", "analysis", "review", "data", "estimate",
                   "estimates", "findings", "survey", "website", "account", "accounts", "channel"}
_ACRONYM_SPEAKER = re.compile(r"\(([A-Z]{2,})\)\s*(?:has\s+|have\s+|had\s+)?$")
_SPEAKER_WORD = re.compile(r"[\w'’.\-]+")
_OFFICIAL = {"official", "state-run", "state-owned", "government-run", "semi-official", "state-controlled"}
_OWN_CLAUSE = re.compile(r"\s*,?\s*(?:which|that)\s+(?:(?:was|were|is|are|has|have|had|been|first|also|later|"
                         r"successfully|reportedly)\s+){0,3}")
_LIST_GAP = re.compile(r"\s*(?:,\s*(?:and\s+|or\s+)?|and\s+|or\s+)(?:the\s+)?")
_ADVERB = re.compile(r"[a-z]+ly|later|also|earlier|again|separately|now|then|first|previously|initially|still")
_POSTMODIFIER = re.compile(r"\s+(?:carrying|with|armed|equipped|fitted|tipped|capable|able|designed|intended|built|"
                           r"developed|made|launched|fired|that|which)\b")
_COORDINATED_VERB = re.compile(
    r"\s+and\s+(?=(?:can|could|is|are|was|were|has|have|will|would|flew|carries|uses)\b)")
_MAIN_VERB = re.compile(r",\s+(?=(?:is|are|was|were|has|have|had|can|could|will|would|flew|carries|uses)\b)")


@dataclass
class _Unnamed:
    index: int
    start: int
    kind: str
    date: FoundDate | None
    location: str | None
    category: str | None
    fuel: str | None
    claimant: str | None  # who reported the firing


@dataclass
class Attribution:
    claimant: str
    start: int  # claims at or after this offset are attributed (the whole sentence for "according to")


@dataclass
class Builder:
    found: FoundSystem
    claims: list[ExtractedClaim] = field(default_factory=list)
    events: list[ExtractedEvent] = field(default_factory=list)
    mentions: list[Span] = field(default_factory=list)

    def claim(self, claim: ExtractedClaim) -> None:
        if not any(c.attribute == claim.attribute and c.value == claim.value and c.start == claim.start
                   for c in self.claims):
            self.claims.append(claim)

    def category(self) -> str | None:
        article = [c.value for c in self.claims if c.attribute == "category"]
        return article[0] if article else self.found.category


class Extractor:
    def __init__(self, document: Document):
        self.doc = document
        self.text = document.text
        self.sentences = sentences(self.text)
        found, self.mentions = MentionFinder(self.text, self.sentences).run()
        self.builders = {key: Builder(system) for key, system in found.items()}
        self.scene: tuple[int, FoundDate | None, str | None, int] | None = None  # sentence, date, place, start
        self.last_primary: list[tuple[int, str]] = []  # (sentence index, system key)
        self._new_mentions: list[Mention] = []  # look-alikes created while reading relations
        self.unnamed: _Unnamed | None = None  # the last firing reported before its system was named
        self._speakers: dict[int, list[Attribution]] = {}

    # -- entry point --
    def run(self) -> Extraction:
        by_sentence: dict[int, list[Mention]] = {}
        for mention in self.mentions:
            by_sentence.setdefault(mention.sentence, []).append(mention)
        for sentence in self.sentences:
            mentions = by_sentence.get(sentence.index, [])
            mentions = self._relations(sentence, mentions)
            self._sentence(sentence, mentions)
        return Extraction(document=self.doc, extractor_version=extractor_version(), systems=self._systems())

    def _sentence(self, sentence: Sentence, mentions: list[Mention]) -> None:
        primary = [m for m in mentions if m.primary]
        for mention in mentions:
            self.builders[mention.key].mentions.append(Span(start=mention.start, end=mention.end,
                                                            text=mention.surface))
        zones = self._zones(sentence, mentions)
        if not primary:
            antecedent = self._antecedent(sentence)
            if antecedent is not None:
                fake = Mention(antecedent, sentence.start, sentence.start, "", sentence.index, "coreference")
                zones = [Zone(fake, sentence.start, sentence.end)]
                primary = [fake]
        if not zones:
            self._events(sentence, zones, primary, sentence.end, [])  # a scene-setting sentence
            return
        attributions = self._attributions(sentence)
        head_end = zones[0].start
        for zone in zones:
            self._zone_facts(sentence, zone, attributions)
        head = self.text[sentence.start:head_end]
        if len(primary) == 1 and head.strip() and not _other_subject(head):
            # "With a range of 15,000 km, the Hwasong-17 …": an opening about the sentence's only system.
            # Not when the opening has its own subject ("Hypersonic weapons, which fly at Mach 5, …").
            self._facts(sentence, primary[0].key, sentence.start, head_end, attributions, head=True)
        self._categories(sentence, zones, attributions)
        self._events(sentence, zones, primary, head_end, attributions)
        self._identified(sentence, zones, attributions)
        if primary:
            # "It" and "the missile" continue the sentence's subject when a system opens the sentence
            # ("The Sarmat is designed to replace the Voevoda … Analysts say its range …"), else the
            # system named last.
            opens = not head.strip() and zones[0].mention is primary[0]
            self.last_primary.append((sentence.index, primary[0].key if opens else primary[-1].key))

    # -- noun phrases and zones --
    def _np_start(self, sentence: Sentence, position: int) -> int:
        """Where the noun phrase ending at position starts: back to its determiner ("the even more
        advanced"), else back to the first verb-like word ("Iran displayed | Mohajer-6")."""
        words = list(re.finditer(r"[\w'’\-]+", self.text[sentence.start:position]))
        start, before_verb = position, None
        for word in reversed(words[-7:]):
            gap = self.text[sentence.start + word.end() : start]
            if gap.strip():
                break
            token = word.group()
            if token.casefold() in _NP_STOPS:
                break
            if before_verb is None and re.search(r"(?:ed|ing)$", token) and token.isalpha() and token.islower():
                before_verb = start
            start = sentence.start + word.start()
            if token.casefold() in _DETERMINERS or token.endswith(("'s", "’s")):
                return start
        return before_verb if before_verb is not None else start

    def _zones(self, sentence: Sentence, mentions: list[Mention]) -> list[Zone]:
        starts = [self._np_start(sentence, m.start) for m in mentions]
        zones: list[Zone] = []
        for i, mention in enumerate(mentions):
            end = max(starts[i + 1] if i + 1 < len(mentions) else sentence.end, mention.end)
            subject = next((z.mention for z in reversed(zones) if z.mention.primary), None)
            resumed = _MAIN_VERB.search(self.text, mention.end, end) if not mention.primary else None
            if resumed is None and i > 0 and starts[0] == sentence.start and mentions[0].primary:
                # "The Sarmat is designed to replace the Voevoda and can carry …": the second verb is the
                # opening subject's, not the object's.
                subject, resumed = mentions[0], _COORDINATED_VERB.search(self.text, mention.end, end)
            if resumed and subject is not None:
                # "The KN-23, modelled on Russia's Iskander, is designed to …": the verb is the subject's.
                zones.append(Zone(mention, starts[i], resumed.start()))
                zones.append(Zone(subject, resumed.start(), end, continuation=True))
            else:
                zones.append(Zone(mention, starts[i], end))
        return zones

    # -- coreference: "It was tested last spring." --
    def _antecedent(self, sentence: Sentence) -> str | None:
        coref = rules().coreference
        if not self.last_primary or sentence.index - self.last_primary[-1][0] > coref.max_distance:
            return None  # no system recent enough to continue
        lowered = _OPENING_CONNECTIVE.sub("", sentence.text.casefold())
        # Cheap tests first: a pronoun opening, or one of the descriptions somewhere in the sentence.
        # The sentence's subject, or the subject of what it reports: "Analysts say its range is …".
        # Cheap tests first: the opening must be a pronoun or a determiner of a description.
        starts = _coreference_openings()
        reported = _REPORTED_OPENING.match(lowered) if _REPORTING.search(lowered, 0, 130) else None
        openings = [o for o in (lowered, lowered[reported.end():] if reported else None)
                    if o is not None and o.startswith(starts)]
        if not openings:
            return None
        if re.match(coref.expletive, lowered):
            return None
        wanted = None
        for opening in openings:
            first = re.match(r"[\w'’]+", opening)
            if first and first.group() in coref.pronouns and not re.match(coref.expletive, opening):
                wanted = "any"
            described = _descriptions().match(opening)
            if described:
                wanted = _description_kinds()[(described.group("det"), described.group("noun"))]
        if wanted is None:
            return None
        for index, key in reversed(self.last_primary):
            if sentence.index - index > coref.max_distance:
                return None
            category = self.builders[key].category()
            fits = {
                "any": True,
                "missile": category is None or category in MISSILE_CATEGORIES,
                "drone": category is None or category in DRONE_CATEGORIES,
                "aircraft": category is None or category in AIRCRAFT_CATEGORIES,
                "submarine": category in (None, "submarine"),
            }[wanted]
            if fits:
                return key
        return None

    # -- relations, including unnamed look-alikes --
    def _relations(self, sentence: Sentence, mentions: list[Mention]) -> list[Mention]:
        if not mentions:
            return mentions
        regex, lookup = _relation_regex()
        for cue in regex.finditer(self.text, sentence.start, sentence.end):
            kind = lookup.get(phrase_key(cue.group()))
            target = next((m for m in mentions if 0 <= m.start - cue.end() <= 40
                           and self._np_start(sentence, m.start) <= cue.end() + 1), None)
            if kind is None or target is None:
                continue
            before = [m for m in mentions if m.end <= cue.start() and m is not target]
            subject = before[-1].key if before else None
            if subject is None and kind == "resembles":
                subject = self._lookalike(sentence, cue.start(), target, mentions)
            if subject is None or subject == target.key:
                continue  # "unveiled an upgraded version of its Khorramshahr": the Khorramshahr is the subject
            target.primary = False  # "possibly a variant of the Hwasong-18": named only for comparison
            quote = self._quote(sentence)
            claimant = self._claimant(self._attributions(sentence), cue.start())
            self.builders[subject].claim(ExtractedClaim(
                attribute=kind, value=self.builders[target.key].found.name, claimant=claimant,
                rule=f"relation.{kind}", **quote))
            mentions = sorted({id(m): m for m in [*mentions, *self._new_mentions]}.values(),
                              key=lambda m: m.start)
            self._new_mentions = []
        return mentions

    def _lookalike(self, sentence: Sentence, cue_start: int, target: Mention, mentions: list[Mention]) -> str | None:
        """"one of the newly created drones, with an appearance reminiscent of the American Reaper"."""
        window_start = max([sentence.start, *(m.end for m in mentions if m.end <= cue_start)])
        nouns = _find_categories(self.text[window_start:cue_start])
        if not nouns:
            return None
        match, slug = nouns[-1]
        noun_start, noun_end = window_start + match.start(), window_start + match.end()
        singular = _singular(match.group())
        words = target.surface.split()
        short = " ".join(words[1:]) if len(words) > 1 and any(ch.isdigit() for ch in words[0]) else target.surface
        name = f"{short}-like {singular}"
        key = fold(name)
        if key not in self.builders:
            self.builders[key] = Builder(FoundSystem(key=key, name=name))
        mention = Mention(key, noun_start, noun_end, self.text[noun_start:noun_end], sentence.index, "lookalike")
        self._new_mentions = [mention]
        self.builders[key].claim(ExtractedClaim(attribute="category", value=slug, rule="category.lookalike",
                                                **self._quote(sentence)))
        return key

    # -- claimants --
    def _attributions(self, sentence: Sentence) -> list[Attribution]:
        """Who speaks in a sentence; read once per sentence (relations and facts both ask)."""
        if sentence.index not in self._speakers:
            self._speakers[sentence.index] = self._find_attributions(sentence)
        return self._speakers[sentence.index]

    def _find_attributions(self, sentence: Sentence) -> list[Attribution]:
        regexes = _regexes()
        found: list[Attribution] = []
        for name in ("according", "inverted"):
            for match in regexes[name].finditer(self.text, sentence.start, sentence.end):
                who = self._normalise_claimant(match.group("who"))
                if who:
                    found.append(Attribution(who, sentence.start))
        role_words = _role_words()
        for match in regexes["verb"].finditer(self.text, sentence.start, sentence.end):
            head = self.text[sentence.start:match.start()]
            near = max(0, len(head) - 200)  # a speaker's name is among the last few words: read only those
            acronym = _ACRONYM_SPEAKER.search(head, near)
            if acronym:  # "Iran's Islamic Revolutionary Guard Corps (IRGC) said"
                found.append(Attribution(acronym.group(1), match.start()))
                continue
            words = list(_SPEAKER_WORD.finditer(head, near))
            while words and _ADVERB.fullmatch(words[-1].group()) and not head[words[-1].end():].strip():
                words.pop()  # "KCNA later said", "the ministry also said"
            head = head[:words[-1].end()] if words else head
            taken: list[str] = []
            boundary = len(head)
            window = words[-9:]
            for n in range(len(window) - 1, -1, -1):
                word, token = window[n], window[n].group()
                if head[word.end():boundary].strip():
                    break  # punctuation ends the claimant's name
                boundary = word.start()
                inside_name = token in _NAME_CONNECTORS and n > 0 and window[n - 1].group()[0].isupper() and taken
                if token[0].isupper() or inside_name or token.casefold() in role_words \
                        or token.casefold().rstrip("'’s") in role_words:
                    taken.insert(0, token)
                    continue
                break
            who = self._normalise_claimant(" ".join(taken))
            if who is None or (" " not in who and who.islower()):
                # "He said", "which it claims", "the command said": someone named before.
                who = self._named_before(sentence, head, taken, found) or who
            if not who:
                continue
            rest = self.text[match.end():sentence.end].strip(" .!?\"”’'")
            first_word = words[-len(taken)] if taken else None
            parenthetical = first_word is not None and \
                self.text[sentence.start:sentence.start + first_word.start()].rstrip().endswith(",")
            whole = not rest or parenthetical
            found.append(Attribution(who, sentence.start if whole else match.start()))
        return found

    def _named_before(self, sentence: Sentence, head: str, taken: list[str],
                      found: list[Attribution]) -> str | None:
        """The speaker a pronoun or a bare role noun stands for: "it" is the speaker named earlier in the
        sentence, else the organisation or country the sentence opens with; "he", "she", "they" and
        "the command" are the last speaker named in the sentences just before (for a role noun, one
        whose name ends with it)."""
        spoken = rules().attribution
        last = head[-20:].split()
        word = last[-1].casefold() if last else None
        noun = taken[-1] if taken and all(w.islower() for w in taken) else None
        if noun in _ROLE_NOUNS:
            return None  # "officials said": a speaker in its own right
        if word not in spoken.pronouns and noun is None:
            return None
        if word == "it":
            if found:
                return found[-1].claimant
            opening = re.match(r"((?:[A-Z][\w.’'-]*|of|for|and)(?:\s+(?:[A-Z][\w.’'-]*|of|for|and))*)\s+[a-z]",
                               sentence.text)
            if opening and not any(m.start < sentence.start + opening.end() for m in self._mentions_in(sentence)):
                return self._normalise_claimant(opening.group(1))
            return None
        for index in range(sentence.index - 1, max(-1, sentence.index - 1 - spoken.pronoun_distance), -1):
            for earlier in reversed(self._attributions(self.sentences[index])):
                if noun is None or earlier.claimant.casefold().endswith(" " + noun):
                    return earlier.claimant
        return None

    def _mentions_in(self, sentence: Sentence) -> list[Mention]:
        return [m for m in self.mentions if m.sentence == sentence.index]

    @staticmethod
    def _normalise_claimant(raw: str) -> str | None:
        words = [w for w in re.split(r"\s+", raw.strip()) if w]
        while words and words[0].casefold() in _DETERMINERS | {"according", "to"}:
            words.pop(0)
        while len(words) > 1 and words[0].casefold() in _OFFICIAL and words[1][0].isupper():
            words.pop(0)  # "the official Xinhua news agency"
        while words and words[-1].casefold() in _DOCUMENT_WORDS:
            words.pop()  # "the Pentagon's annual report": the Pentagon
        if words and len(words) > 1 and words[-1].endswith(("'s", "’s")):
            words[-1] = words[-1][:-2]  # ...and not "Iran's" alone, a country on its own
        elif len(words) == 1 and words[0].endswith(("'s", "’s")):
            words[0] = words[0][:-2]
        if not words:
            return None
        acronyms = [w for w in words if re.fullmatch(r"[A-Z]{3,}", w)]
        if acronyms:
            who = acronyms[-1]  # "North Korea's state news agency KCNA", "the KCNA report"
        else:
            # "a statement from the Kremlin", "photographs released by Japan's defence ministry"
            linked = [i for i, w in enumerate(words) if w.casefold() in ("from", "by", "of") and i + 1 < len(words)]
            tail = words[linked[-1] + 1:] if linked and words[0][0].islower() else words
            while tail and tail[0].casefold() in _DETERMINERS:
                tail = tail[1:]
            who = " ".join(tail or words)
        if who.casefold() in rules().attribution.not_claimants or len(who) < 2:
            return None
        if " " not in who and who.islower() and who.casefold() not in _ROLE_NOUNS:
            return None
        return who.strip(" ,.")

    @staticmethod
    def _claimant(attributions: list[Attribution], position: int) -> str | None:
        applicable = [a for a in attributions if a.start <= position]
        return applicable[-1].claimant if applicable else None

    # -- facts --
    def _quote(self, sentence: Sentence) -> dict:
        return {"quote": sentence.text, "start": sentence.start, "end": sentence.end}

    def _zone_facts(self, sentence: Sentence, zone: Zone, attributions: list[Attribution]) -> None:
        builder = self.builders[zone.mention.key]
        if zone.continuation:
            self._facts(sentence, zone.mention.key, zone.start, zone.end, attributions)
            return
        prefix = self.text[zone.start:zone.mention.start]
        if builder.found.country is None:
            for demonym, country in rules().demonyms.items():
                # "the Russian Poseidon", "Russia's new Oreshnik"
                if re.search(rf"\b(?:{re.escape(demonym)}|{re.escape(country)}['’]s)\b", prefix):
                    builder.found.country = country
        for match in _regexes()["modifier"].finditer(prefix):
            builder.claim(ExtractedClaim(attribute="capability", value=match.group(), rule="capability.modifier",
                                         claimant=self._claimant(attributions, zone.start), **self._quote(sentence)))
        for match in _regexes()["status"].finditer(prefix):
            builder.claim(ExtractedClaim(attribute="status", value=match.group().casefold(), rule="status.modifier",
                                         claimant=self._claimant(attributions, zone.start), **self._quote(sentence)))
        self._facts(sentence, zone.mention.key, zone.start, zone.end, attributions)

    def _facts(self, sentence: Sentence, key: str, start: int, end: int, attributions: list[Attribution],
               head: bool = False) -> None:
        builder = self.builders[key]
        segment = self.text[start:end]
        quote = self._quote(sentence)

        def add(attribute: str, value: str, rule: str, at: int, **extra) -> None:
            builder.claim(ExtractedClaim(attribute=attribute, value=value, rule=rule,
                                         claimant=self._claimant(attributions, start + at), **quote, **extra))

        lowered = segment.lower()
        fuel_regex, fuel_lookup = _fuel_regex()
        for match in fuel_regex.finditer(segment) if _FUEL_WORDS.search(lowered) else ():
            add("fuel", fuel_lookup[phrase_key(match.group())], "fuel.phrase", match.start())
        for match in _regexes()["capability"].finditer(segment):
            if head and match.start() > 0:
                continue  # before the first mention only an opening "Capable of …, the X" counts
            tail = self.text[start + match.end():sentence.end]  # "can carry YJ-18 … and HQ-9 …": past other names
            if not _states_capability(segment, match, tail):
                continue
            stop = _regexes()["break"].search(tail)
            value = tail[: stop.start() if stop else len(tail)].strip(" .!?")
            if len(value.split()) >= 2 and len(value) <= 160:
                add("capability", value, "capability.cue", match.start())
        has_number = _NUMBER_WORDS.search(lowered) is not None and _unit_words().search(lowered) is not None
        for rule_id, attribute, pattern in _quantities() if has_number else ():
            for match in pattern.finditer(segment):
                number = _number(match.group("num"))
                upper = _number(match.group("num2")) if "num2" in pattern.groupindex and match.group("num2") else None
                if number is None or (upper is not None and upper <= number):
                    continue
                unit = None
                if "unit" in pattern.groupindex and match.group("unit"):
                    unit = _unit_lookup().get(phrase_key(match.group("unit")), match.group("unit").casefold())
                value = f"{number:g}" if upper is None else f"{number:g}-{upper:g}"
                add(attribute, value, rule_id, match.start(), value_number=float(upper or number), unit=unit)
        for rule_id, value, pattern in _warheads() if _WARHEAD_WORDS.search(lowered) else ():
            for match in pattern.finditer(segment):
                add("warhead", value, rule_id, match.start())

    def _categories(self, sentence: Sentence, zones: list[Zone], attributions: list[Attribution]) -> None:
        quote = self._quote(sentence)
        for i, zone in enumerate(zones):
            mention = zone.mention
            if zone.continuation:
                continue
            if mention.rule == "coreference":
                post = self.text[zone.start:zone.end]
                copula = re.match(r"[\w'’]+\s+(?:is|was)\s+(?:a|an|the)\s+([^,;:()]*)", post)
                if copula:
                    self._category_claim(mention.key, copula.group(1), "category.copula", attributions,
                                         zone.start, quote)
                continue
            builder = self.builders[mention.key]
            before = self.text[max(sentence.start, mention.start - 90):mention.start]
            for match, slug in _find_categories(before):
                if _regexes()["head_gap"].fullmatch(before, match.end()):
                    builder.claim(ExtractedClaim(attribute="category", value=slug, rule="category.head",
                                                 claimant=self._claimant(attributions, mention.start), **quote))
            post = self.text[mention.end:zone.end]
            head = _find_categories(post[:80])
            if head and _MODIFIERS_ONLY.fullmatch(post[: head[0][0].start()]):
                match, slug = head[0]
                builder.claim(ExtractedClaim(attribute="category", value=slug, rule="category.head",
                                             claimant=self._claimant(attributions, mention.end), **quote))
                if match.group().endswith("s"):
                    self._coordinated(zones, i, slug, attributions, quote)
            apposition = re.match(
                r"\s*,\s*(?:(?:which|that)\s+(?:is|was)\s+)?((?:the|a|an|its|their|[A-Z][\w.\-]*['’]s)\s[^,;:()]*)",
                post)
            chunk = re.split(r"\s(?:that|which|who|whose)\s", apposition.group(1))[0].strip() if apposition else ""
            if chunk and len(chunk.split()) <= 12 and \
                    self._category_claim(mention.key, chunk, "category.apposition", attributions, mention.end, quote) \
                    and _regexes()["modifier"].search(chunk):
                builder.claim(ExtractedClaim(attribute="capability", value=chunk, rule="capability.apposition",
                                             claimant=self._claimant(attributions, mention.end), **quote))
            copula = re.match(r"\s*,?\s*(?:which|that)?\s*(?:is|was)\s+(?:a|an|the)\s+([^,;:()]*)", post)
            if copula:
                self._category_claim(mention.key, copula.group(1), "category.copula", attributions, mention.end, quote)

    def _category_claim(self, key, chunk, rule, attributions, position, quote) -> bool:
        found = _find_categories(chunk)
        if not found:
            return False
        # The head noun comes before what modifies it: "a medium-range missile carrying a hypersonic glide
        # vehicle" is a medium-range missile.
        slug = next((slug for match, slug in found if _POSTMODIFIER.match(chunk, match.end())), found[-1][1])
        self.builders[key].claim(ExtractedClaim(attribute="category", value=slug, rule=rule,
                                                claimant=self._claimant(attributions, position), **quote))
        return True

    def _coordinated(self, zones: list[Zone], index: int, slug: str, attributions, quote) -> None:
        """"the Hwasong-17 and Hwasong-18 ICBMs": a plural head noun covers the whole list."""
        j = index
        while j > 0:
            previous = zones[j - 1]
            gap = self.text[previous.mention.end:zones[j].mention.start]
            if not re.fullmatch(r"\s*(?:,|and|or|, and|, or)\s*(?:the\s+)?", gap):
                break
            self.builders[previous.mention.key].claim(ExtractedClaim(
                attribute="category", value=slug, rule="category.head",
                claimant=self._claimant(attributions, previous.mention.end), **quote))
            j -= 1

    # -- events --
    def _events(self, sentence: Sentence, zones: list[Zone], primary: list[Mention], head_end: int,
                attributions: list[Attribution]) -> None:
        regex, lookup = _event_regex()
        cues = []
        lowered = sentence.text.lower()
        has_cue = _event_stems().search(lowered) is not None
        for match in regex.finditer(self.text, sentence.start, sentence.end) if has_cue else ():
            if _regexes()["hypothetical"].search(self.text[sentence.start:match.start()]):
                continue
            cues.append((match, lookup[phrase_key(match.group())]))
        gathering = _gathering_words().search(lowered) is not None and \
            _regexes()["gathering"].search(sentence.text) is not None
        if not gathering and not (cues and (primary or _category_heads().search(lowered))):
            return  # no event here, nor an unnamed firing ("fired a new missile") to remember
        dates = [d for d in find_dates(sentence.text, sentence.start, self.doc.published)
                 if not self._reporting_date(sentence, d)]
        if gathering:
            place = self._location(sentence.start, sentence.end)
            if dates or place:
                self.scene = (sentence.index, dates[0] if dates else None, place, sentence.start)
        if cues and not primary:
            self._remember_unnamed_firing(sentence, cues, dates)
            return
        if not cues:
            return
        by_system: dict[str, list[tuple[str, re.Match[str], FoundDate | None, str | None]]] = {}
        for n, (cue, kind) in enumerate(cues):
            if cue.start() < head_end or zones[0].mention.rule == "coreference":
                systems = [m.key for m in primary]
            else:
                owner = next((z for z in zones if z.start <= cue.start() < z.end), None)
                if owner is None or not (owner.mention.primary or _OWN_CLAUSE.fullmatch(
                        self.text, owner.mention.end, cue.start())):
                    continue  # "a larger version of the Hwasong-18": not this sentence's act, unless
                    # its own clause says so ("…, which was first tested in April 2023")
                systems = [*self._coordinated_before(zones, owner), owner.mention.key]
                fired = next((z.mention for z in zones if z.mention.start >= cue.end() and z.mention.primary
                              and _OBJECT_GAP.fullmatch(self.text, cue.end(), z.mention.start)), None)
                if fired is not None and kind != "display":
                    systems.append(fired.key)  # "Bastion fired P-800 Oniks missiles": the fired system too
            next_cue = cues[n + 1][0].start() if n + 1 < len(cues) else sentence.end
            clause_end = re.search(r"[,;:]", self.text[cue.end():next_cue])
            if clause_end:
                next_cue = cue.end() + clause_end.start()
            date = self._date_for(cue, [c for c, _ in cues], dates)
            location = self._location(cue.end(), next_cue)
            for key in systems:
                by_system.setdefault(key, []).append((kind, cue, date, location))
        for key, found in by_system.items():
            # A sentence reports one firing per system ("launched … in its latest test"): the first
            # firing cue names it and any may carry its date and place. A display is another act.
            for group in ([f for f in found if f[0] == "display"], [f for f in found if f[0] != "display"]):
                if not group:
                    continue
                kind, cue = group[0][0], group[0][1]
                date = next((d for _, _, d, _ in group if d is not None), None)
                location = next((p for _, _, _, p in group if p is not None), None)
                self.builders[key].events.append(self._event(sentence, kind, cue, date, location, attributions))

    def _coordinated_before(self, zones: list[Zone], owner: Zone) -> list[str]:
        """"Kh-101 and Kh-555 cruise missiles launched from …": the systems listed with the owner share its act."""
        keys: list[str] = []
        index = next(i for i, zone in enumerate(zones) if zone is owner)
        while index > 0 and not owner.continuation:
            previous = zones[index - 1].mention
            gap = self.text[previous.end:zones[index].mention.start]
            if not previous.primary or not _LIST_GAP.fullmatch(gap):
                break
            keys.insert(0, previous.key)
            index -= 1
        return keys

    def _remember_unnamed_firing(self, sentence: Sentence, cues, dates: list[FoundDate]) -> None:
        """"North Korea fired a new solid-fuel ICBM on Thursday": kept for the system a later sentence names."""
        cue, kind = next(((c, k) for c, k in cues if k != "display"), (None, None))
        nouns = _find_categories(sentence.text)
        if cue is None or not (nouns or _weapon_noun_regex().search(sentence.text)):
            return
        fuel_regex, fuel_lookup = _fuel_regex()
        fuel = fuel_regex.search(sentence.text)
        self.unnamed = _Unnamed(
            index=sentence.index, start=sentence.start, kind=kind,
            date=self._date_for(cue, [c for c, _ in cues], dates) or (dates[0] if dates else None),
            location=self._location(cue.end(), sentence.end), category=nouns[0][1] if nouns else None,
            fuel=fuel_lookup[phrase_key(fuel.group())] if fuel else None,
            claimant=self._claimant(self._attributions(sentence), cue.start()))

    def _recent_unnamed(self, sentence: Sentence) -> "_Unnamed | None":
        unnamed = self.unnamed
        if unnamed is not None and 0 < sentence.index - unnamed.index <= rules().scene_sentences:
            return unnamed
        return None

    def _identified(self, sentence: Sentence, zones: list[Zone], attributions: list[Attribution]) -> None:
        """"KCNA identified the missile as the Hwasong-19": the unnamed firing before was this system's."""
        unnamed = self._recent_unnamed(sentence)
        if unnamed is None:
            return
        for zone in zones:
            mention = zone.mention
            if not mention.primary or not _IDENTIFIED.search(self.text, sentence.start, mention.start):
                continue
            if _UNCERTAIN.search(self.text, sentence.start, mention.start):
                continue  # "did not say whether the weapon was the Hwasong-16B"
            builder = self.builders[mention.key]
            span = {"quote": self.text[unnamed.start:sentence.end], "start": unnamed.start, "end": sentence.end}
            # What the firing's sentence said (category, fuel, date) is its speaker's claim.
            claimant = unnamed.claimant or self._claimant(attributions, mention.start)
            if unnamed.category:
                builder.claim(ExtractedClaim(attribute="category", value=unnamed.category, claimant=claimant,
                                             rule="category.identified", **span))
            if unnamed.fuel:
                builder.claim(ExtractedClaim(attribute="fuel", value=unnamed.fuel, claimant=claimant,
                                             rule="fuel.identified", **span))
            if not any(e.start <= sentence.start < e.end + 1 and e.kind != "display" for e in builder.events):
                builder.events.append(ExtractedEvent(
                    kind=unnamed.kind, date=unnamed.date.date if unnamed.date else None,
                    date_precision=unnamed.date.precision if unnamed.date else None, location=unnamed.location,
                    claimant=claimant, rule=f"event.{unnamed.kind}+identified", **span))
            self.unnamed = None
            return

    def _event(self, sentence, kind, cue, date, location, attributions) -> ExtractedEvent:
        start, end = sentence.start, sentence.end
        rule = f"event.{kind}"
        unnamed = self._recent_unnamed(sentence)
        if kind != "display" and date is None and unnamed is not None and unnamed.date is not None:
            # "North Korea fired a missile on Thursday. … The launch of the Hwasong-19 …": one firing.
            date, location, start, rule = unnamed.date, location or unnamed.location, unnamed.start, f"{rule}+antecedent"
        if kind == "display" and (date is None or location is None) and self.scene is not None:
            index, scene_date, scene_place, scene_start = self.scene
            if 0 <= sentence.index - index <= rules().scene_sentences and (scene_date or scene_place):
                date = date or scene_date
                location = location or scene_place
                start, rule = min(start, scene_start), "event.display+scene"
        return ExtractedEvent(
            kind=kind, date=date.date if date else None, date_precision=date.precision if date else None,
            location=location, claimant=self._claimant(attributions, cue.start()),
            quote=self.text[start:end], start=start, end=end, rule=rule)

    def _reporting_date(self, sentence: Sentence, date: FoundDate) -> bool:
        """The date of the report, not of the event: a dateline ("SEOUL, Oct 31 (Reuters) -") or the day
        something was said ("the ministry said on Wednesday")."""
        before = self.text[sentence.start:date.start]
        if _DATELINE.match(self.text, sentence.start) and date.end <= _DATELINE.match(self.text, sentence.start).end():
            return True
        return _SAID_ON.search(before) is not None

    @staticmethod
    def _date_for(cue, cues, dates: list[FoundDate]) -> FoundDate | None:
        """A date belongs to the nearest cue before it, else to the first cue after it."""
        for date in dates:
            preceding = [c for c in cues if c.end() <= date.start]
            owner = preceding[-1] if preceding else min(cues, key=lambda c: c.start())
            if owner is cue:
                return date
        return None

    def _location(self, start: int, end: int) -> str | None:
        not_places = set(rules().location_not) | set(rules().demonyms)
        for match in _regexes()["location"].finditer(self.text, start, end):
            place = match.group("loc").rstrip(".,")
            first = place.split()[0]
            if first in not_places or place in not_places or re.fullmatch(r"[\d\W]+", place):
                continue
            if any(place.startswith(m.surface) for m in self.mentions if m.start == match.start("loc")):
                continue
            return place
        return None

    # -- output --
    def _systems(self) -> list[ExtractedSystem]:
        systems = []
        for builder in self.builders.values():
            if not builder.mentions:
                continue
            found = builder.found
            claims = list(builder.claims)
            stated = {c.value for c in claims if c.attribute == "category"}
            if found.reference is not None and stated <= {"ballistic_missile"} and \
                    found.reference.category not in stated:
                claims.append(ExtractedClaim(attribute="category", value=found.reference.category,
                                             rule="reference-list"))
            aliases = [ExtractedAlias(name=found.name, kind=alias_kind(found.name, found.name)
                                      if alias_kind(found.name, found.name) == "designation" else "name")]
            for surface in found.surfaces:
                if surface != found.name and fold(surface) not in {fold(a.name) for a in aliases}:
                    aliases.append(ExtractedAlias(name=surface, kind=alias_kind(surface, found.name)))
            if found.reference is not None:
                for alias in found.reference.aliases:
                    if fold(alias) not in {fold(a.name) for a in aliases}:
                        aliases.append(ExtractedAlias(name=alias, kind=alias_kind(alias, found.name)))
            systems.append(ExtractedSystem(
                name=found.name, aliases=aliases, country=found.country, known=found.reference is not None,
                claims=claims, events=builder.events, mentions=builder.mentions))
        return sorted(systems, key=lambda s: s.mentions[0].start)


def extract(document: Document) -> Extraction:
    """Systems, claims, events and relations stated in one document."""
    return Extractor(document).run()



def document_output(extraction: Extraction) -> DocumentExtraction:
    """The extraction in the export shape of contract §5 (ids null: nothing is stored)."""
    doc, version = extraction.document, extraction.extractor_version
    source = SourceOut(title=doc.title, publisher=doc.publisher, url=doc.url,
                       published=edtf(doc.published, doc.published_precision), sha256=doc.sha256)
    systems = [
        SystemOut(
            id=None, name=system.name, aliases=[a.name for a in system.aliases if a.name != system.name],
            country=system.country, category=system.best("category"), fuel=system.best("fuel"),
            claims=[ClaimOut(attribute=c.attribute, value=c.value, unit=c.unit, quote=c.quote, start=c.start,
                             end=c.end, claimant=c.claimant, source_id=None, extractor=f"{c.rule}@{version}")
                    for c in system.claims],
            events=[EventOut(kind=e.kind, date=edtf(e.date, e.date_precision), date_precision=e.date_precision,
                             location=e.location, quote=e.quote, source_id=None) for e in system.events],
        )
        for system in extraction.systems
    ]
    return DocumentExtraction(source=source, systems=systems)
