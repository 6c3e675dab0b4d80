"""The plain record a document flows through: each stage reads what earlier stages wrote and adds its part."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from catalogue.extract.dates import FoundDate
from catalogue.extract.mentions import FoundSystem, Mention
from catalogue.extract.text import Sentence
from catalogue.schemas import (
    Document,
    ExtractedClaim,
    ExtractedEvent,
    ExtractedObservation,
    ExtractedSystem,
    Span,
)


@dataclass(slots=True)
class Zone:
    """The part of a sentence that belongs to one mention: from the start of its noun phrase to the next's."""
    mention: Mention
    start: int  # start of the noun phrase
    end: int
    continuation: bool = False  # the subject's predicate, resumed after a comparison


@dataclass(slots=True)
class Attribution:
    claimant: str
    start: int  # claims at or after this offset are attributed (the whole sentence for "according to")
    # Not compared: where the speaker is named, the words naming it ("Rodong Sinmun, the party newspaper",
    # for a later "the paper said"), and whether it is a person (for a later "he said").
    where: int = field(default=-1, compare=False)
    phrase: str = field(default="", compare=False)
    person: bool = field(default=False, compare=False)


@dataclass(slots=True)
class Unnamed:
    """A firing reported before its system was named ("North Korea fired a new solid-fuel ICBM")."""
    index: int
    start: int
    kind: str
    date: FoundDate | None
    location: str | None
    category: str | None
    fuel: str | None
    claimant: str | None  # who reported the firing
    claims: list[ExtractedClaim] = field(default_factory=list)  # what its sentence says of the weapon fired


@dataclass(slots=True)
class Scene:
    """A gathering (a parade, an exhibition) with its date or place, for the displays that follow it."""
    index: int  # the sentence naming it
    date: FoundDate | None
    place: str | None
    start: int


@dataclass(slots=True)
class Builder:
    """What the document says of one system, collected claim by claim."""
    found: FoundSystem
    claims: list[ExtractedClaim] = field(default_factory=list)
    events: list[ExtractedEvent] = field(default_factory=list)
    mentions: list[Span] = field(default_factory=list)
    # What one launch measured (distance flown, apogee, flight time), kept until the launch's event is known
    # (events.attach_observations).
    observations: list[ExtractedObservation] = field(default_factory=list)
    # What a claim is known by (one claim per attribute, value and place), and the first stated
    # category: looked up, not searched for, however many claims a long text gives one system.
    _keys: set[tuple[str, str, int | None]] = field(default_factory=set)
    _category: str | None = None
    firing_end: int = -1  # where the last firing (any event but a display) recorded so far ends
    host_place: str | None = None  # where the gathering it was displayed at took place (systems.py)

    def event(self, event: ExtractedEvent) -> None:
        self.events.append(event)
        if event.kind != "display":
            self.firing_end = max(self.firing_end, event.end)

    def claim(self, claim: ExtractedClaim) -> None:
        key = (claim.attribute, claim.value, claim.start)
        if key not in self._keys:
            self._keys.add(key)
            self.claims.append(claim)
            if claim.attribute == "category" and self._category is None:
                self._category = claim.value

    def observe(self, observation: ExtractedObservation) -> None:
        key = ("@" + observation.attribute, observation.value, observation.start)  # never a claim's key
        if key not in self._keys:
            self._keys.add(key)
            self.observations.append(observation)

    def category(self) -> str | None:
        return self._category or self.found.category


@dataclass(slots=True)
class SentenceRecord:
    """What the stages found in one sentence, in the order they run. A stage replaces these sequences,
    never changes one in place (an empty one is shared, and the mentions are the document's)."""
    sentence: Sentence
    mentions: Sequence[Mention]  # with the look-alikes relations name ("a Reaper-like drone")
    primary: Sequence[Mention] = ()  # those the sentence speaks of, not compares with
    zones: Sequence[Zone] = ()
    attributions: Sequence[Attribution] = ()

    @property
    def head_end(self) -> int:
        """Where the first zone starts: what comes before it is the sentence's opening."""
        return self.zones[0].start if self.zones else self.sentence.end


@dataclass(slots=True)
class Doc:
    """One document on its way through the stages (pipeline.STAGES)."""
    document: Document
    text: str
    sentences: list[Sentence] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    builders: dict[str, Builder] = field(default_factory=dict)  # by system key
    # The mentions of each sentence and those starting at each offset, looked up rather than searched.
    by_sentence: dict[int, list[Mention]] = field(default_factory=dict)
    mentions_at: dict[int, list[Mention]] = field(default_factory=dict)
    speakers: dict[int, list[Attribution]] = field(default_factory=dict)  # by sentence index, read once
    speaking: dict = field(default_factory=dict)  # attribution.py's memo: each sentence's own speakers, quotations
    # Carried across sentences:
    last_primary: list[tuple[int, str]] = field(default_factory=list)  # (sentence index, system key)
    unnamed: Unnamed | None = None  # the last firing reported before its system was named
    scene: Scene | None = None
    # What a launch measured, stated in a sentence naming no system ("The missile reached an altitude of
    # 60 km"): (sentence index, observation), for the last firing reported before (events.attach_observations).
    observations: list[tuple[int, ExtractedObservation]] = field(default_factory=list)
    # What relative dates ("on Wednesday") resolve against: the publication date, else the date the text
    # opens with ("SEOUL, Nov 1, 2023 (Reuters) -"); a date before dateline_end is the report's own.
    published: dt.date | None = None
    dateline_end: int = 0
    systems: list[ExtractedSystem] = field(default_factory=list)  # the output, assembled last

    def __post_init__(self) -> None:
        if self.published is None:
            self.published = self.document.published

    def mentions_in(self, sentence: Sentence) -> Sequence[Mention]:
        return self.by_sentence.get(sentence.index, ())


def quote(sentence: Sentence) -> dict:
    """The provenance fields of a record stated in this sentence."""
    return {"quote": sentence.text, "start": sentence.start, "end": sentence.end}
