"""Who speaks: the claimants of a sentence ("KCNA said", "according to the Pentagon"), from the offset
where each one's words begin, with pronouns ("he said", "it claims") resolved to a speaker named before."""

import re
from collections.abc import Sequence

from catalogue.extract.doc import Attribution, Doc, SentenceRecord
from catalogue.extract.rules import rules
from catalogue.extract.text import Sentence
from catalogue.extract.vocab import DETERMINERS, attribution_patterns, role_words

# One lower-case word that can still name who speaks ("officials said", "the ministry said").
_ROLE_NOUNS = {"analysts", "experts", "officials", "observers", "researchers", "ministry", "military", "government",
               "agency", "army", "navy", "pentagon", "kremlin", "authorities", "intelligence", "sources", "media"}
# Lower-case words inside a proper name: "Center for Strategic and International Studies".
_NAME_CONNECTORS = {"for", "and", "of", "on"}
# Words after a speaker's name that name what it published, not who speaks.
_DOCUMENT_WORDS = {"report", "reports", "reported", "the", "of", "annual", "latest", "recent", "new", "official",
                   "statement", "statements", "study", "assessment", "analysis", "review", "data", "estimate",
                   "estimates", "findings", "survey", "website", "account", "accounts", "channel"}
_ACRONYM_SPEAKER = re.compile(r"\(([A-Z]{2,})\)\s*(?:has\s+|have\s+|had\s+)?$")
_SPEAKER_WORD = re.compile(r"[\w'’.\-]+")
_OFFICIAL = {"official", "state-run", "state-owned", "government-run", "semi-official", "state-controlled"}
_ADVERB = re.compile(r"[a-z]+ly|later|also|earlier|again|separately|now|then|first|previously|initially|still")
_OPENING_NAME = re.compile(r"((?:[A-Z][\w.’'-]*|of|for|and)(?:\s+(?:[A-Z][\w.’'-]*|of|for|and))*)\s+[a-z]")


def attribute(doc: Doc, record: SentenceRecord) -> None:
    """The stage: who speaks in the sentence."""
    record.attributions = attributions(doc, record.sentence)


def claimant_at(attributions: Sequence[Attribution], position: int) -> str | None:
    """Who states what is written at position: the last speaker whose words begin at or before it."""
    applicable = [a for a in attributions if a.start <= position]
    return applicable[-1].claimant if applicable else None


def attributions(doc: Doc, sentence: Sentence) -> list[Attribution]:
    """Who speaks in a sentence; read once per sentence (relations, facts and firings all ask)."""
    if sentence.index not in doc.speakers:
        doc.speakers[sentence.index] = _find_attributions(doc, sentence)
    return doc.speakers[sentence.index]


def _find_attributions(doc: Doc, sentence: Sentence) -> list[Attribution]:
    text, patterns = doc.text, attribution_patterns()
    found: list[Attribution] = []
    for pattern in (patterns.according, patterns.inverted):
        for match in pattern.finditer(text, sentence.start, sentence.end):
            who = normalise_claimant(match.group("who"))
            if who:
                found.append(Attribution(who, sentence.start))
    roles = role_words()
    for match in patterns.verb.finditer(text, sentence.start, sentence.end):
        head = text[sentence.start:match.start()]
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
            if token[0].isupper() or inside_name or token.casefold() in roles \
                    or token.casefold().rstrip("'’s") in roles:
                taken.insert(0, token)
                continue
            break
        who = normalise_claimant(" ".join(taken))
        if who is None or (" " not in who and who.islower()):
            # "He said", "which it claims", "the command said": someone named before.
            who = _named_before(doc, sentence, head, taken, found) or who
        if not who:
            continue
        rest = text[match.end():sentence.end].strip(" .!?\"”’'")
        first_word = words[-len(taken)] if taken else None
        parenthetical = first_word is not None and \
            text[sentence.start:sentence.start + first_word.start()].rstrip().endswith(",")
        whole = not rest or parenthetical
        found.append(Attribution(who, sentence.start if whole else match.start()))
    return found


def _named_before(doc: Doc, sentence: Sentence, head: str, taken: list[str], found: list[Attribution]) -> str | None:
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
        opening = _OPENING_NAME.match(sentence.text)
        if opening and not any(m.start < sentence.start + opening.end() for m in doc.mentions_in(sentence)):
            return normalise_claimant(opening.group(1))
        return None
    for index in range(sentence.index - 1, max(-1, sentence.index - 1 - spoken.pronoun_distance), -1):
        for earlier in reversed(attributions(doc, doc.sentences[index])):
            if noun is None or earlier.claimant.casefold().endswith(" " + noun):
                return earlier.claimant
    return None


def normalise_claimant(raw: str) -> str | None:
    """The speaker's name as written, without its determiner, title or the document it published:
    "North Korea's state news agency KCNA" is KCNA; None when it names no one ("he", "it")."""
    words = [w for w in re.split(r"\s+", raw.strip()) if w]
    while words and words[0].casefold() in DETERMINERS | {"according", "to"}:
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
        while tail and tail[0].casefold() in DETERMINERS:
            tail = tail[1:]
        who = " ".join(tail or words)
    if who.casefold() in rules().attribution.not_claimants or len(who) < 2:
        return None
    if " " not in who and who.islower() and who.casefold() not in _ROLE_NOUNS:
        return None
    return who.strip(" ,.")
