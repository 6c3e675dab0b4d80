"""Noun-phrase starts and zones: which part of a sentence belongs to which mention.

A zone runs from the start of a mention's noun phrase ("the even more advanced Hwasong-18") to the start
of the next mention's. What a zone states (fuel, abilities, quantities, events) belongs to its system.
"""

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence

from catalogue.extract.doc import Doc, SentenceRecord, Zone
from catalogue.extract.mentions import Mention
from catalogue.extract.text import Sentence
from catalogue.extract.vocab import DETERMINERS
from catalogue.schemas import Span

_NP_STOPS = {
    "and", "or", "but", "was", "were", "is", "are", "of", "with", "by", "for", "to", "from", "in", "on",
    "at", "that", "which", "who", "as", "than", "like", "also", "display", "unveiled", "fired", "launched",
    # verbs a noun phrase never starts with: "can carry YJ-18 missiles" is not part of the YJ-18's phrase
    "can", "could", "will", "would", "may", "might", "must", "should", "has", "have", "had", "carry", "carries",
    "carried", "carrying", "use", "uses", "used", "include", "includes", "included", "including",
}
_NP_WORD = re.compile(r"\d[\d,.]*\d|[\w'’\-]+")  # "3,500" is one word
_NP_REACH = 60  # characters before a mention that usually hold the seven words its noun phrase may take
_MAIN_VERB = re.compile(r",\s+(?=(?:is|are|was|were|has|have|had|can|could|will|would|flew|carries|uses)\b)")
_COORDINATED_VERB = re.compile(
    r"\s+and\s+(?=(?:can|could|is|are|was|were|has|have|will|would|flew|carries|uses)\b)")


def find_zones(doc: Doc, record: SentenceRecord) -> None:
    """The stage: the sentence's mentions recorded on their systems, its primary mentions and its zones."""
    for mention in record.mentions:
        doc.builders[mention.key].mentions.append(Span(start=mention.start, end=mention.end,
                                                        text=mention.surface))
    if record.mentions:
        record.primary = [m for m in record.mentions if m.primary]
        record.zones = zones(doc.text, record.sentence, record.mentions)


def np_start(text: str, sentence: Sentence, position: int) -> int:
    """Where the noun phrase ending at position starts: back to its determiner ("the even more
    advanced"), else back to the first verb-like word ("Iran displayed | Mohajer-6")."""
    # Only the last seven words count: read a bounded stretch before position, not the whole sentence
    # (its first word may be cut by the window, so it is dropped unless the window is the sentence's).
    window = max(sentence.start, position - _NP_REACH)
    words = list(_NP_WORD.finditer(text, window, position))
    if window > sentence.start and len(words) <= 7:  # long words: read further back
        window = max(sentence.start, position - 4 * _NP_REACH)
        words = list(_NP_WORD.finditer(text, window, position))
    if window > sentence.start and words and words[0].start() == window:
        words = words[1:]
    start, before_verb = position, None
    for word in reversed(words[-7:]):
        gap = text[word.end() : start]
        if gap.strip():
            break
        token = word.group()
        if token.casefold() in _NP_STOPS:
            break
        if before_verb is None and token.endswith(("ed", "ing")) and token.isalpha() and token.islower():
            before_verb = start
        start = word.start()
        if token.casefold() in DETERMINERS or token.endswith(("'s", "’s")):
            return start
    return before_verb if before_verb is not None else start


def zones(text: str, sentence: Sentence, mentions: Sequence[Mention]) -> list[Zone]:
    starts = [np_start(text, sentence, m.start) for m in mentions]
    found: list[Zone] = []
    last_primary = None  # the mention of the last zone whose mention is primary
    for i, mention in enumerate(mentions):
        end = max(starts[i + 1] if i + 1 < len(mentions) else sentence.end, mention.end)
        subject, added = last_primary, len(found)
        resumed = _MAIN_VERB.search(text, mention.end, end) if not mention.primary else None
        if resumed is None and i > 0 and starts[0] == sentence.start and mentions[0].primary:
            # "The Sarmat is designed to replace the Voevoda and can carry …": the second verb is the
            # opening subject's, not the object's.
            subject, resumed = mentions[0], _COORDINATED_VERB.search(text, mention.end, end)
        if resumed and subject is not None:
            # "The KN-23, modelled on Russia's Iskander, is designed to …": the verb is the subject's.
            found.append(Zone(mention, starts[i], resumed.start()))
            found.append(Zone(subject, resumed.start(), end, continuation=True))
        else:
            found.append(Zone(mention, starts[i], end))
        last_primary = next((z.mention for z in reversed(found[added:]) if z.mention.primary), last_primary)
    return found


class ZoneLayout:
    """Which zone a position of a sentence falls in, and which zones' mentions start in a stretch of it,
    answered without scanning every zone for every event cue."""

    def __init__(self, sentence: Sentence, zones: Sequence[Zone]):
        self.sentence, self.zones = sentence, zones
        self._owners: list[int | None] | None = None
        order = sorted(range(len(zones)), key=lambda i: zones[i].mention.start)
        self._mention_starts = [zones[i].mention.start for i in order]
        self._by_mention_start = order

    def owner(self, position: int) -> int | None:
        """The index of the first zone (in zone order) that holds position; zones may overlap a little."""
        base, end = self.sentence.start, self.sentence.end
        if self._owners is None:
            self._owners = [None] * (end - base)
            for i in range(len(self.zones) - 1, -1, -1):  # the earlier zone wins where two overlap
                low, high = max(self.zones[i].start, base), min(self.zones[i].end, end)
                if low < high:
                    self._owners[low - base:high - base] = [i] * (high - low)
        return self._owners[position - base] if base <= position < end else None

    def starting_within(self, low: int, high: int) -> list[Zone]:
        """The zones whose mention starts at low..high, in zone order."""
        found = self._by_mention_start[bisect_left(self._mention_starts, low):
                                       bisect_right(self._mention_starts, high)]
        return [self.zones[i] for i in sorted(found)]
