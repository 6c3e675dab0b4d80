"""Sentences that speak of a system without naming it ("It was tested last spring.", "the missile"), and
systems named for a firing reported before ("KCNA identified the missile as the Hwasong-19")."""

import re

from catalogue.extract.attribution import claimant_at
from catalogue.extract.doc import Doc, SentenceRecord, Unnamed, Zone
from catalogue.extract.mentions import Mention
from catalogue.extract.rules import rules
from catalogue.extract.text import Sentence
from catalogue.extract.vocab import coreference_openings, description_kinds, descriptions
from catalogue.schemas import ExtractedClaim, ExtractedEvent

MISSILE_CATEGORIES = {
    "icbm", "irbm", "mrbm", "srbm", "slbm", "ballistic_missile", "cruise_missile", "hypersonic_missile",
    "anti_ship_missile", "surface_to_air_missile", "air_to_air_missile", "space_launch_vehicle",
}
DRONE_CATEGORIES = {"unmanned_aerial_vehicle", "loitering_munition", "unmanned_underwater_vehicle"}
AIRCRAFT_CATEGORIES = {"bomber", "fighter_aircraft", "helicopter", "unmanned_aerial_vehicle"}
_OPENING_CONNECTIVE = re.compile(r"^(?:but|and|however|meanwhile|still),?\s+")
_REPORTING = re.compile(r"\b(?:said|says|say|reported|reports|claimed|claims|added|noted|stated|announced|believe)")
_REPORTED_OPENING = re.compile(
    r"^[^,;]{0,100}?\b(?:said|says|say|reported|reports|claimed|claims|added|noted|stated|announced|believe|believes)"
    r"(?:\s+that)?\s+"
)
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


def resolve(doc: Doc, record: SentenceRecord) -> None:
    """The stage: a sentence naming no system it speaks of continues the system before, as one zone."""
    if record.primary:
        return
    sentence = record.sentence
    key = antecedent(doc, sentence)
    if key is not None:
        stand_in = Mention(key, sentence.start, sentence.start, "", sentence.index, "coreference")
        record.zones = [Zone(stand_in, sentence.start, sentence.end)]
        record.primary = [stand_in]


def antecedent(doc: Doc, sentence: Sentence) -> str | None:
    """The key of the system "it" or "the missile" opening this sentence stands for, if any."""
    coref = rules().coreference
    if not doc.last_primary or sentence.index - doc.last_primary[-1][0] > coref.max_distance:
        return None  # no system recent enough to continue
    lowered = _OPENING_CONNECTIVE.sub("", sentence.text.casefold())
    # Cheap tests first: the opening must be a pronoun or a determiner of a description, either the
    # sentence's own or that of what it reports ("Analysts say its range is …").
    starts = coreference_openings()
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
        described = descriptions().match(opening)
        if described:
            wanted = description_kinds()[(described.group("det"), described.group("noun"))]
    if wanted is None:
        return None
    for index, key in reversed(doc.last_primary):
        if sentence.index - index > coref.max_distance:
            return None
        category = doc.builders[key].category()
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


def remember_subject(doc: Doc, record: SentenceRecord) -> None:
    """The stage that ends a sentence: "it" and "the missile" continue the sentence's subject when a system
    opens the sentence ("The Sarmat is designed to replace the Voevoda … Analysts say its range …"), else
    the system named last."""
    primary = record.primary
    if primary:
        head = doc.text[record.sentence.start:record.head_end]
        opens = not head.strip() and record.zones[0].mention is primary[0]
        doc.last_primary.append((record.sentence.index, primary[0].key if opens else primary[-1].key))


def recent_unnamed(doc: Doc, sentence: Sentence) -> Unnamed | None:
    """The firing reported without a name a few sentences before this one, if any."""
    unnamed = doc.unnamed
    if unnamed is not None and 0 < sentence.index - unnamed.index <= rules().scene_sentences:
        return unnamed
    return None


def identify(doc: Doc, record: SentenceRecord) -> None:
    """The stage: "KCNA identified the missile as the Hwasong-19": the unnamed firing before was this system's."""
    sentence = record.sentence
    unnamed = recent_unnamed(doc, sentence)
    if unnamed is None:
        return
    for zone in record.zones:
        mention = zone.mention
        if not mention.primary or not _IDENTIFIED.search(doc.text, sentence.start, mention.start):
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
        # Events so far start at or before this sentence: is one firing still running into it?
        if builder.firing_end < sentence.start:
            builder.event(ExtractedEvent(
                kind=unnamed.kind, date=unnamed.date.date if unnamed.date else None,
                date_precision=unnamed.date.precision if unnamed.date else None, location=unnamed.location,
                claimant=claimant, rule=f"event.{unnamed.kind}+identified", **span))
        doc.unnamed = None
        return
