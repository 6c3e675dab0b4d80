"""Events (tests, launches, displays …) with their dates and places: the systems of the zone a cue falls in,
those listed with them and the system fired; a gathering's scene for the displays that follow it; a firing
reported before its system is named, kept for the sentence that names it (see coreference.identify)."""

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence

from catalogue.extract.attribution import attributions, claimant_at
from catalogue.extract.coreference import recent_unnamed
from catalogue.extract.dates import FoundDate, find_dates
from catalogue.extract.doc import Doc, Scene, SentenceRecord, Unnamed, Zone
from catalogue.extract.facts import fired_class_and_fuel, unnamed_claims
from catalogue.extract.mentions import Mention
from catalogue.extract.quantities import read_quantities
from catalogue.extract.rules import rules
from catalogue.extract.text import Sentence, phrase_key
from catalogue.extract.vocab import (
    category_heads,
    event_patterns,
    event_regex,
    event_stems,
    find_categories,
    gathering_words,
    literals,
    not_places,
    weapon_noun_regex,
)
from catalogue.extract.zones import ZoneLayout
from catalogue.schemas import ExtractedClaim, ExtractedEvent, ExtractedObservation

# How far before an event cue its hypothetical mood is looked for: a mood phrase and two words.
_HYPOTHETICAL_REACH = 120
# Between a firing verb and its object: determiners and numbers only ("fired two Hwasong-18").
_OBJECT_GAP = re.compile(
    r"\s*(?:(?:a|an|the|its|their|two|three|four|five|six|several|multiple|new|salvo|volley|of|\d+)\s+)*"
)
_OWN_CLAUSE = re.compile(r"\s*,?\s*(?:which|that)\s+(?:(?:was|were|is|are|has|have|had|been|first|also|later|"
                         r"successfully|reportedly)\s+){0,3}")
_LIST_GAP = re.compile(r"\s*(?:,\s*(?:and\s+|or\s+)?|and\s+|or\s+)(?:the\s+)?")
_CLAUSE_END = re.compile(r"[,;:]")
_DATELINE = re.compile(r"[A-Z][A-Za-z .'-]{1,40}(?:,\s*[A-Z][\w .]{1,30})?,?\s+[A-Z][a-z]{2,8}\.?\s+\d{1,2}\s*"
                       r"(?:\([\w .]+\))?\s*[-—–]+\s")
_SAID_ON = re.compile(r"\b(?:said|says|announced|reported|told|added|stated|confirmed)\s+(?:on|late on|early on)?\s*$")
_NO_LETTER = re.compile(r"[\d\W]+")  # a "place" of digits and punctuation only

# Words without which a sentence reports no distance flown, apogee or flight time: a quick test.
_OBSERVATION_WORDS = literals(["fl", "travel", "cover", "altitude", "apogee", "height", "range", "away", "second",
                               "minute", "hour", "air", "reach", "ris", "rose", "climb"])

# One event cue found: (kind, cue, date, place)
_Found = tuple[str, re.Match[str], FoundDate | None, str | None]


def read_events(doc: Doc, record: SentenceRecord) -> None:
    """The stage: the events a sentence reports, one firing and one display at most per system."""
    text, sentence, zones, primary = doc.text, record.sentence, record.zones, record.primary
    regex, lookup = event_regex()
    cues = []
    lowered = sentence.text.lower()
    has_cue = event_stems().search(lowered) is not None
    hypothetical = event_patterns().hypothetical
    for match in regex.finditer(text, sentence.start, sentence.end) if has_cue else ():
        # "plans to launch": the mood word is among the few words before the cue; reading only those
        # keeps a sentence of many cues linear.
        window = max(sentence.start, match.start() - _HYPOTHETICAL_REACH)
        if hypothetical.search(text, window, match.start()):
            continue
        cues.append((match, lookup[phrase_key(match.group())]))
    gathering = gathering_words().search(lowered) is not None and \
        event_patterns().gathering.search(sentence.text) is not None
    if not gathering and not (cues and (primary or category_heads().search(lowered))):
        if cues and not primary and all(kind in _FIRINGS for _, kind in cues) \
                and weapon_noun_regex().search(sentence.text) is None:
            _date_recent_firing(doc, sentence)  # "Kim Jong Un, who oversaw Thursday's launch, …"
        return  # no event here, nor an unnamed firing ("fired a new missile") to remember
    dates = [d for d in find_dates(sentence.text, sentence.start, doc.published)
             if d.end > doc.dateline_end and not _reporting_date(text, sentence, d)]
    if gathering:
        place = location(doc, sentence.start, sentence.end)
        if dates or place:
            doc.scene = Scene(sentence.index, dates[0] if dates else None, place, sentence.start)
    if cues and not primary:
        _remember_unnamed_firing(doc, sentence, cues, dates)
        return
    if not cues:
        return
    by_system: dict[str, list[_Found]] = {}
    owned_dates = dates_by_cue([c for c, _ in cues], dates)
    layout, head_end = ZoneLayout(sentence, zones), record.head_end
    for n, (cue, kind) in enumerate(cues):
        if cue.start() < head_end or zones[0].mention.rule == "coreference":
            systems = [m.key for m in primary]
        else:
            index = layout.owner(cue.start())
            owner = zones[index] if index is not None else None
            if owner is None or not (owner.mention.primary or _OWN_CLAUSE.fullmatch(
                    text, owner.mention.end, cue.start())):
                continue  # "a larger version of the Hwasong-18": not this sentence's act, unless
                # its own clause says so ("…, which was first tested in April 2023")
            systems = [*_coordinated_before(text, zones, index), owner.mention.key]
            fired = _fired(text, cue, layout)
            if fired is not None and kind != "display":
                systems.append(fired.key)  # "Bastion fired P-800 Oniks missiles": the fired system too
        next_cue = cues[n + 1][0].start() if n + 1 < len(cues) else sentence.end
        clause_end = _CLAUSE_END.search(text, cue.end(), next_cue)
        if clause_end:
            next_cue = clause_end.start()
        date = owned_dates.get(n)
        place = location(doc, cue.end(), next_cue)
        for key in systems:
            by_system.setdefault(key, []).append((kind, cue, date, place))
    for key, found in by_system.items():
        # A sentence reports one firing per system ("launched … in its latest test"): the first
        # firing cue names it and any may carry its date and place. A display is another act.
        for group in ([f for f in found if f[0] == "display"], [f for f in found if f[0] != "display"]):
            if not group:
                continue
            kind, cue = group[0][0], group[0][1]
            date = next((d for _, _, d, _ in group if d is not None), None)
            place = next((p for _, _, _, p in group if p is not None), None)
            doc.builders[key].event(_event(doc, record, kind, cue, date, place))
            if kind == "display":  # the gathering it was shown at, however far back it was set
                doc.builders[key].host_place = place or (doc.scene.place if doc.scene else None)


def _date_recent_firing(doc: Doc, sentence: Sentence) -> None:
    """A sentence naming neither system nor weapon that dates a firing ("Leader Kim Jong Un, who oversaw
    Thursday's launch, said …") dates the undated firing of the system spoken of just before."""
    if not doc.last_primary or sentence.index - doc.last_primary[-1][0] > rules().coreference.max_distance:
        return
    dates = [d for d in find_dates(sentence.text, sentence.start, doc.published)
             if d.end > doc.dateline_end and not _reporting_date(doc.text, sentence, d)]
    if len(dates) != 1:
        return  # none, or which one is the firing's is not said
    builder = doc.builders[doc.last_primary[-1][1]]
    undated = [e for e in builder.events if e.kind in _FIRINGS and e.date is None]
    if undated:
        undated[-1].date, undated[-1].date_precision = dates[0].date, dates[0].precision


def dates_by_cue(cues: list[re.Match[str]], dates: list[FoundDate]) -> dict[int, FoundDate]:
    """The first date of each cue (by its place in cues): a date belongs to the nearest cue before it, else
    to the first cue after it. Cues come in text order and do not overlap, so their ends are sorted."""
    ends = [cue.end() for cue in cues]
    owned: dict[int, FoundDate] = {}
    for date in dates:
        owned.setdefault(max(bisect_right(ends, date.start) - 1, 0), date)
    return owned


def _fired(text: str, cue: re.Match[str], layout: ZoneLayout) -> Mention | None:
    """The system a firing verb has for object, only determiners and numbers between them ("fired two
    Hwasong-18"): a mention starting within the reach of those words, the first zone's that fits."""
    reach = _OBJECT_GAP.match(text, cue.end(), layout.sentence.end).end()
    for zone in layout.starting_within(cue.end(), reach):
        if zone.mention.primary and _OBJECT_GAP.fullmatch(text, cue.end(), zone.mention.start):
            return zone.mention
    return None


def _coordinated_before(text: str, zones: Sequence[Zone], index: int) -> list[str]:
    """"Kh-101 and Kh-555 cruise missiles launched from …": the systems listed with the owner share its act."""
    keys: list[str] = []
    owner = zones[index]
    while index > 0 and not owner.continuation:
        previous = zones[index - 1].mention
        if not previous.primary or not _LIST_GAP.fullmatch(text, previous.end, zones[index].mention.start):
            break
        keys.append(previous.key)
        index -= 1
    return keys[::-1]


def _remember_unnamed_firing(doc: Doc, sentence: Sentence, cues, dates: list[FoundDate]) -> None:
    """"North Korea fired a new solid-fuel ICBM on Thursday": kept for the system a later sentence names."""
    n, cue, kind = next(((n, c, k) for n, (c, k) in enumerate(cues) if k != "display"), (None, None, None))
    nouns = find_categories(sentence.text)
    if cue is None or not (nouns or weapon_noun_regex().search(sentence.text)):
        return
    category, fuel = fired_class_and_fuel(sentence.text)  # not the class or fuel of where it was fired from
    date = dates_by_cue([c for c, _ in cues], dates).get(n) or (dates[0] if dates else None)
    place = location(doc, cue.end(), sentence.end)
    record = SentenceRecord(sentence, (), attributions=attributions(doc, sentence))
    claims = unnamed_claims(doc, record)
    before = recent_unnamed(doc, sentence)
    if before is not None and date is None and _same_kind(kind, before.kind):
        # "North Korea conducted a missile test on March 24. … two missiles were launched at 10:04": one act.
        date, place = before.date, place or before.location
        category, fuel, claims = category or before.category, fuel or before.fuel, before.claims + claims
    doc.unnamed = Unnamed(
        index=sentence.index, start=sentence.start, kind=kind, date=date, location=place, category=category,
        fuel=fuel, claimant=claimant_at(record.attributions, cue.start()), claims=claims)


def _event(doc: Doc, record: SentenceRecord, kind: str, cue: re.Match[str], date: FoundDate | None,
           place: str | None) -> ExtractedEvent:
    sentence = record.sentence
    start, end = sentence.start, sentence.end
    rule = f"event.{kind}"
    unnamed = recent_unnamed(doc, sentence)
    if kind != "display" and date is None and unnamed is not None and unnamed.date is not None:
        # "North Korea fired a missile on Thursday. … The launch of the Hwasong-19 …": one firing.
        date, place, start, rule = unnamed.date, place or unnamed.location, unnamed.start, f"{rule}+antecedent"
    scene = doc.scene
    if kind == "display" and (date is None or place is None) and scene is not None \
            and 0 <= sentence.index - scene.index <= rules().scene_sentences and (scene.date or scene.place):
        date = date or scene.date
        place = place or scene.place
        start, rule = min(start, scene.start), "event.display+scene"
    return ExtractedEvent(
        kind=kind, date=date.date if date else None, date_precision=date.precision if date else None,
        location=place, claimant=claimant_at(record.attributions, cue.start()),
        quote=doc.text[start:end], start=start, end=end, rule=rule)


def _reporting_date(text: str, sentence: Sentence, date: FoundDate) -> bool:
    """The date of the report, not of the event: a dateline ("SEOUL, Oct 31 (Reuters) -") or the day
    something was said ("the ministry said on Wednesday")."""
    before = text[sentence.start:date.start]
    dateline = _DATELINE.match(text, sentence.start)
    if dateline and date.end <= dateline.end():
        return True
    return _SAID_ON.search(before) is not None


def location(doc: Doc, start: int, end: int) -> str | None:
    """The first place named after a preposition ("near Pyongyang", "off the coast of Crimea") in start..end."""
    excluded = not_places()
    for match in event_patterns().location.finditer(doc.text, start, end):
        place = match.group("loc").rstrip(".,")
        first = place.split()[0]
        if first in excluded or place in excluded or _NO_LETTER.fullmatch(place):
            continue
        if any(place.startswith(m.surface) for m in doc.mentions_at.get(match.start("loc"), ())):
            continue
        return place
    return None


# --- one act, reported twice ---
_FIRINGS = frozenset({"test", "launch"})  # a test flight is a launch: one act, whichever word reports it


def merge_repeated_events(doc: Doc) -> None:
    """The stage before observations: an undated event of a system is the same act as its dated event of the
    same kind (a test and a launch are one kind here) reported a few sentences before or after, when no
    other dated event of that kind lies as near: a headline ("# Iran unveils the Fattah") and the body's
    dated report, or "launched two KN-23 on September 15 … the missiles were launched at 3:34" make one
    event; so do two undated reports a few sentences apart. It keeps the dated (else the first) event's
    quote; its place and observations are completed from the other. Events are in text order: each looks
    only at those within reach (bisect), so the stage stays linear."""
    where = _Where(doc)
    reach = rules().quantities.event_distance
    for builder in doc.builders.values():
        if len(builder.events) < 2:
            continue
        dated = [e for e in builder.events if e.date is not None]
        dated_at = [where.sentence(e.start) for e in dated]
        kept: list[ExtractedEvent] = []
        last_undated: dict[bool, tuple[int, ExtractedEvent]] = {}  # by "is a firing": (sentence, event)
        for event in builder.events:
            at = where.sentence(event.start)
            into = None if event.date is not None else _nearest_dated(event, at, dated, dated_at, reach)
            if into is None and event.date is None:
                # Undated, and no dated report of it: the same act as an undated one just before, if any.
                earlier = last_undated.get(event.kind in _FIRINGS)
                if earlier is not None and at - earlier[0] <= reach and _same_kind(earlier[1].kind, event.kind):
                    into = earlier[1]
            if into is None:
                kept.append(event)
                if event.date is None:
                    last_undated[event.kind in _FIRINGS] = (at, event)
                continue
            into.location = into.location or event.location
            into.observations.extend(o for o in event.observations if o not in into.observations)
        builder.events = kept


def _same_kind(a: str, b: str) -> bool:
    return a == b or (a in _FIRINGS and b in _FIRINGS)


def _nearest_dated(event: ExtractedEvent, at: int, dated: list[ExtractedEvent], dated_at: list[int],
                   reach: int) -> ExtractedEvent | None:
    """The dated event of the same kind nearest (in sentences, at most reach) to one at sentence at; None when
    two dated acts are as near."""
    near = [(abs(dated_at[i] - at), dated[i].start, dated[i])
            for i in range(bisect_left(dated_at, at - reach), bisect_right(dated_at, at + reach))
            if _same_kind(dated[i].kind, event.kind)]
    if not near:
        return None
    near.sort(key=lambda item: item[:2])
    if len(near) > 1 and near[0][0] == near[1][0] and near[0][2].date != near[1][2].date:
        return None  # as near to two dated acts: which one is not said
    return near[0][2]


# --- what a launch measured ---
def read_unowned_observations(doc: Doc, record: SentenceRecord) -> None:
    """A sentence that names no system but reports what a launch of a weapon measured ("The missile reached
    an altitude of 60 km and traveled 590 km"): its observations, for the last firing reported before it."""
    sentence = record.sentence
    lowered = sentence.text.lower()
    if _OBSERVATION_WORDS.search(lowered) is None or not (
            weapon_noun_regex().search(sentence.text) or category_heads().search(lowered)):
        return
    speakers = attributions(doc, sentence)

    def observed(attribute: str, value: str, rule: str, at: int, observed: bool = False, owner_at=None,
                 **extra) -> None:
        if observed:
            doc.observations.append((sentence.index, ExtractedObservation(
                attribute=attribute, value=value, rule=rule, claimant=claimant_at(speakers, sentence.start + at),
                quote=sentence.text, start=sentence.start, end=sentence.end, **extra)))

    read_quantities(sentence.text, lowered, observed)


def attach_observations(doc: Doc) -> None:
    """The stage after the sentences: each distance flown, apogee and flight time goes on the event of the
    launch it measured, the system's last firing (test or launch) reported at or before it, else the first
    reported after it in the same paragraph ("It flew 1,000 km. The launch, on Tuesday, …"). With no firing
    to put it on, it stays a claim of its attribute. One stated in a sentence naming no system goes on the
    last firing the document reported a few sentences before (else in the next two of its paragraph), of
    whichever systems took part. Firings are looked up by offset (bisect): linear in the document."""
    where = _Where(doc)
    if doc.observations:
        _attach_unowned(doc, where)
    for builder in doc.builders.values():
        if not builder.observations:
            continue
        firings = sorted((e for e in builder.events if e.kind != "display"), key=lambda e: e.start)
        starts = [e.start for e in firings]
        for observation in builder.observations:
            i = bisect_right(starts, observation.start) - 1
            event = firings[i] if i >= 0 else None
            if event is None and firings and where.paragraph(firings[0].start) == where.paragraph(observation.start):
                event = firings[0]
            if event is not None:
                event.observations.append(observation)
                continue
            builder.claim(ExtractedClaim(**observation.model_dump(exclude={"rule"}),
                                         rule=observation.rule.replace("observation.", "quantity.", 1)))
        builder.observations = []


class _Where:
    """The sentence and paragraph of an offset of the document."""

    def __init__(self, doc: Doc):
        self.sentences = doc.sentences
        self.starts = [s.start for s in doc.sentences]

    def sentence(self, offset: int) -> int:
        return max(bisect_right(self.starts, offset) - 1, 0)

    def paragraph(self, offset: int) -> int:
        return self.sentences[self.sentence(offset)].paragraph if self.sentences else -1


def _attach_unowned(doc: Doc, where: _Where) -> None:
    launches: dict[tuple, list[ExtractedEvent]] = {}  # one launch, as each of its systems lists it
    for builder in doc.builders.values():
        for event in builder.events:
            if event.kind != "display":
                launches.setdefault((event.start, event.end, event.kind), []).append(event)
    keys = sorted(launches)
    starts = [key[0] for key in keys]
    reach = rules().quantities.event_distance
    for index, observation in doc.observations:
        i = bisect_right(starts, observation.start) - 1
        key = keys[i] if i >= 0 and index - where.sentence(keys[i][0]) <= reach else None
        # Else a firing reported in the next sentences of the paragraph ("Japan said the missile reached
        # an altitude of 6,000 km. North Korea said it had launched a Hwasong-17.").
        if key is None and i + 1 < len(keys) and where.sentence(keys[i + 1][0]) - index <= 2 \
                and where.paragraph(keys[i + 1][0]) == where.paragraph(observation.start):
            key = keys[i + 1]
        for event in launches.get(key, ()) if key else ():
            if not any((o.attribute, o.value) == (observation.attribute, observation.value)
                       for o in event.observations):
                event.observations.append(observation)
