"""Who speaks: the claimants of a sentence ("KCNA said", "according to the Pentagon"), from the offset
where each one's words begin.

A grammar of the speaker, read around each verb of saying:
- before the verb: a name, with its rank or office ("Maj. Gen. Pat Ryder said"), an appositive either side of
  it ("Yahya Saree, the military spokesman, said"; "the spokesman, Yahya Saree, said"), words of time between
  it and the verb ("Iran on Tuesday claimed"); never a sentence's opening word ("But", "In March") or a system;
- after the verb: '"...," said Kim', '..., warned the Ukrainian air force';
- "according to X" anywhere;
- pronouns and bare descriptions ("he said", "it added", "the agency reported", "the statement said") stand
  for a speaker named before: a person for "he"/"she", one whose words hold the noun for "the paper";
- a quotation running over several sentences is its speaker's throughout (named at its close or before it
  opens, or the speaker of the quotation before it in the paragraph).
A speaker named after a quotation or a comma ("..., the ministry said in a statement.") speaks the whole sentence.
"""

import re
from bisect import bisect_right
from collections.abc import Sequence
from functools import cache

from catalogue.extract.doc import Attribution, Doc, SentenceRecord
from catalogue.extract.rules import rules
from catalogue.extract.text import Sentence
from catalogue.extract.vocab import DETERMINERS, attribution_patterns, role_words

# Lower-case words inside a proper name: "Center for Strategic and International Studies".
_NAME_CONNECTORS = {"for", "and", "of", "on", "the", "de"}
# Words after a speaker's name that name what it published, not who speaks.
_DOCUMENT_WORDS = {"report", "reports", "reported", "the", "of", "annual", "latest", "recent", "new", "official",
                   "statement", "statements", "study", "assessment", "analysis", "review", "data", "estimate",
                   "estimates", "findings", "survey", "website", "account", "accounts", "channel"}
_ACRONYM_SPEAKER = re.compile(r"\(([A-Z]{2,})\)\s*(?:has\s+|have\s+|had\s+)?$")
_SPEAKER_WORD = re.compile(r"[\w'’.\-]+")
_OFFICIAL = {"official", "state-run", "state-owned", "government-run", "semi-official", "state-controlled"}
_ADVERB = re.compile(r"[a-z]+ly")
_NUMBER = re.compile(r"\d[\d,./:-]*(?:st|nd|rd|th|am|pm|a\.m\.|p\.m\.)?")
_PERSON_ROLES = {"leader", "president", "premier", "chancellor", "minister", "spokesman", "spokeswoman",
                 "spokesperson", "commander", "general", "admiral", "chief"}
_ACRONYM_AFTER = re.compile(r"(?<=[a-z])\s*\([A-Z]{2,6}\)\s*$")
_TIME_PREPOSITIONS = {"on", "in", "at", "during", "over", "this", "last", "late", "early", "earlier", "later"}
# A dateline before a sentence's own words: "ADEN, Yemen, Sept. 16 (Xinhua) --", "ISLAMABAD:".
_DATELINE = re.compile(r"(?:[A-Z][A-Z .'-]{2,40}(?:,[^,:\n]{1,30}){0,2}(?:\s*\([^()\n]{1,30}\))?\s*(?:--|—|–|:|-)\s+"
                       r"|\([^()\n]{1,30}\)\s*(?:--|—|–|-)\s+)")
_OPENING_NAME = re.compile(r"((?:[A-Z][\w.’'-]*|of|for|and)(?:\s+(?:[A-Z][\w.’'-]*|of|for|and))*)\s+[a-z]")
_QUOTE_MARKS = re.compile(r"[\"“”]")
_LEAD_WORD = re.compile(r"\s*[\w'’.-]+\s*$")
_PARTICLE = re.compile(r"(?:al|el|ad|ash|bin|ibn|ben|van|von|der|du|le|la|dos|das)-?[A-Z]")  # "al-Maliki"
_QUOTE_TAG_REACH = 80  # a speaker named within this many characters after a quotation's close is its speaker
# Compiled once here: re's own cache costs a look-up on every call of a hot loop.
_ABBREVIATED = re.compile(r"(?:[A-Z]\.)+|[A-Z][a-z]{0,3}\.")  # "U.S.", "Gen.": the full stop is the word's
_SPACES = re.compile(r"\s+")
_ACRONYM = re.compile(r"[A-Z]{3,}")
_INITIAL_END = re.compile(r"\b[A-Z]\.$")
_CAPITALISED = re.compile(r"[A-Z][\w'’&-]*")


def _cap(word: str) -> bool:
    """A word of a proper name: capitalised, or a name's particle ("al-Maliki", "bin Salman" is two words)."""
    return word[:1].isupper() or bool(_PARTICLE.match(word))


@cache
def _vocab() -> dict[str, frozenset[str]]:
    spoken, all_rules = rules().attribution, rules()
    return {
        "titles": frozenset(spoken.titles),
        "heads": frozenset(spoken.organisation_heads),
        "openers": frozenset(spoken.openers) | frozenset(all_rules.months) | frozenset(all_rules.weekdays),
        "time": frozenset(spoken.time_words) | frozenset(all_rules.months) | frozenset(all_rules.weekdays),
        "dates": frozenset(all_rules.months) | frozenset(all_rules.weekdays),
        "nouns": frozenset(spoken.speaker_nouns),
        "documents": frozenset(spoken.document_nouns),
        "makers": frozenset(spoken.maker_nouns),
        "pronouns": frozenset(spoken.pronouns),
    }


def attribute(doc: Doc, record: SentenceRecord) -> None:
    """The stage: who speaks in the sentence."""
    record.attributions = attributions(doc, record.sentence)


def claimant_at(attributions: Sequence[Attribution], position: int) -> str | None:
    """Who states what is written at position: of the speakers whose words begin at or before it, the one
    whose words begin last (the source a relay reports: "the JCS said that the missile flew 450 km, Yonhap
    reported" is the JCS's claim); of speakers of the same words, the last found."""
    best = None
    for attribution in attributions:
        if attribution.start <= position and (best is None or attribution.start >= best.start):
            best = attribution
    return best.claimant if best else None


def attributions(doc: Doc, sentence: Sentence) -> list[Attribution]:
    """Who speaks in a sentence; read once per sentence (relations, facts and firings all ask): the speaker of
    a quotation it lies in, then its own, in the order found ("according to", then the verbs': a speaker tagged
    at the end, "…, KCNA said", is the last and the one that states the whole sentence)."""
    found = doc.speakers.get(sentence.index)
    if found is None:
        own = _own(doc, sentence.index, 0)
        quoted = _paragraph_quotations(doc, sentence.paragraph, 0)[0].get(sentence.index)
        found = doc.speakers[sentence.index] = [quoted, *own] if quoted else own
    return found


_DEPTH = 8  # how far one sentence's reading may ask for earlier ones' in turn ("He said" after "He said" …)


def _own(doc: Doc, index: int, depth: int) -> list[Attribution]:
    """The speakers a sentence names itself (a pronoun's resolved), read on demand: only the sentences asked
    about and those a pronoun or a quotation looks at are read."""
    key = ("own", index)
    found = doc.speaking.get(key)
    if found is None:
        if depth > _DEPTH:
            return []
        found = doc.speaking[key] = _find_attributions(doc, doc.sentences[index], depth)
    return found


# --- one sentence ---

def _find_attributions(doc: Doc, sentence: Sentence, depth: int) -> list[Attribution]:
    text, patterns = doc.text, attribution_patterns()
    found: list[Attribution] = []
    for match in patterns.according.finditer(text, sentence.start, sentence.end):
        speaker = _described(doc, sentence, match.group("who").split(), depth) or _speaker(match.group("who"))
        if speaker:
            found.append(Attribution(speaker[0], _quoted_from(text, sentence, match.start()), match.start("who"),
                                     match.group("who"), speaker[1]))
    for match in patterns.inverted.finditer(text, sentence.start, sentence.end):
        words = _name_after(text, match.end(), sentence.end)
        if words:
            raw = " ".join(words)
            speaker = _described(doc, sentence, words, depth) or _speaker(raw)
            if speaker:
                found.append(Attribution(speaker[0], sentence.start, match.end(), raw, speaker[1]))
    for match in patterns.verb.finditer(text, sentence.start, sentence.end):
        attribution = _speaker_before(doc, sentence, match, found, depth)
        if attribution:
            found.append(attribution)
    hedge = None if found else patterns.hedge.search(text, sentence.start, sentence.end)
    if hedge:  # "According to Houthi media, … The two-stage missile reportedly has a range of 2,150 km."
        earlier = _last_speaker(doc, sentence, depth, rules().attribution.pronoun_distance)
        if earlier:
            found.append(Attribution(earlier[0], sentence.start, hedge.start(), "", earlier[1]))
    return found


def _speaker_before(doc: Doc, sentence: Sentence, match: re.Match[str], found: list[Attribution],
                    depth: int) -> Attribution | None:
    """The speaker named before a verb of saying, and from where it speaks."""
    text = doc.text
    head = text[sentence.start:match.start()]
    near = max(0, len(head) - 200)  # a speaker's name is among the last few words: read only those
    acronym = _ACRONYM_SPEAKER.search(head, near)
    if acronym:  # "Iran's Islamic Revolutionary Guard Corps (IRGC) said"
        return Attribution(acronym.group(1), match.start(), sentence.start + acronym.start(1), acronym.group(1))
    words = list(_SPEAKER_WORD.finditer(head, near))
    words = _without_time(head, words)  # "KCNA later said", "Iran on Tuesday claimed"
    if not words:
        return None
    head = head[:words[-1].end()] + head[words[-1].end():].rstrip()[:1].strip()  # keep a trailing comma
    described = ""
    taken, first = _name_before(head, words, len(head))
    if not taken and head.endswith(","):
        taken, first, described = _appositive(head, words)
    if taken and any(m.start < sentence.start + words[-1].end() and m.end > sentence.start + first
                     for m in doc.mentions_in(sentence)):
        return None  # "the Palestine-2 boasts a range": a system is no speaker
    if len(taken) == 1 and taken[0].casefold() in _vocab()["pronouns"]:
        taken = []  # "It added", "He said"
    pronoun = None if taken else _last_word(head)
    if not taken:
        first = _last_start(head)
    raw = " ".join(taken)
    speaker = None
    if pronoun in _vocab()["pronouns"]:
        speaker = _pronoun(doc, sentence, pronoun, found, depth)
    elif taken:
        speaker = _described(doc, sentence, taken, depth) or _speaker(raw, described)
    elif _last_word(head) in _vocab()["documents"] and _last_word(head[:_last_start(head)]) == "the":
        speaker = _described(doc, sentence, ["the", _last_word(head)], depth)  # "The statement said"
    if not speaker:
        return None
    rest = text[match.end():sentence.end].strip(" .!?\"”’'")
    whole = not rest or _after_a_break(head[:first])
    return Attribution(speaker[0], sentence.start if whole else match.start(), sentence.start + first,
                       ", ".join(p for p in (raw, described) if p), speaker[1])


def _without_time(head: str, words: list[re.Match[str]]) -> list[re.Match[str]]:
    """The words before a verb without the adverbs and words of time between the speaker and it."""
    vocab = _vocab()
    timed = False
    while words and not head[words[-1].end():].strip():
        token = words[-1].group().casefold().rstrip(".")
        if token in vocab["time"] or _NUMBER.fullmatch(token):
            timed = True
        elif _ADVERB.fullmatch(words[-1].group()):
            pass
        elif not (timed and token in _TIME_PREPOSITIONS):
            break
        words = words[:-1]
        head = head[:words[-1].end()] if words else ""
    return words


def _name_before(head: str, words: list[re.Match[str]], boundary: int) -> tuple[list[str], int]:
    """The speaker's words ending at boundary in head (read backwards, up to nine words): proper nouns, role
    words, names' connectors; never a sentence's opening word nor a date. Also where they begin."""
    vocab = _vocab()
    roles = role_words() | vocab["nouns"]
    taken: list[str] = []
    first = boundary
    window = [w for w in words if w.end() <= boundary][-9:]
    for n in range(len(window) - 1, -1, -1):
        word, token = window[n], window[n].group()
        if head[word.end():boundary].strip():
            break  # punctuation ends the claimant's name
        folded = token.casefold().rstrip(".")
        if folded in vocab["dates"] or _NUMBER.fullmatch(folded):
            break  # "In March the Pentagon said", "On 12 May the ministry said"
        if folded in vocab["openers"] and not head[:word.start()].strip(" \"“‘'([-—–"):
            break  # "But the source said": the sentence's opening word
        boundary = word.start()
        inside_name = folded in _NAME_CONNECTORS and n > 0 and window[n - 1].group()[0].isupper() and taken \
            and taken[0][0].isupper()
        if _cap(token) or inside_name or folded in roles or folded.rstrip("'’s") in roles:
            taken.insert(0, token)
            first = word.start()
            continue
        if taken and all(t.islower() for t in taken) and taken[0] not in DETERMINERS \
                and folded not in vocab["openers"] | DETERMINERS and n > 0 \
                and (head[window[n - 1].end():word.start()].strip() in (",", "\"", "”", "“", ":") or (
                    not head[window[n - 1].end():word.start()].strip() and (
                        window[n - 1].group()[0].isupper() or window[n - 1].group().casefold() in DETERMINERS))):
            taken.insert(0, token)  # "the foreign ministry", "Japan's foreign ministry": one modifier
            first = word.start()
            continue
        break
    return taken, first


def _appositive(head: str, words: list[re.Match[str]]) -> tuple[list[str], int, str]:
    """A speaker whose name and description are set off by commas before the verb: "Yahya Saree, the military
    spokesman, said" (the name before the description) or "the spokesman for the armed forces, Yahya Saree,
    said" (the name after it). The name's words, where they begin, and the description."""
    close = len(head) - 1
    opening = head.rfind(",", max(0, close - 160), close)
    if opening < 0:
        return [], close, ""
    inner = [w for w in words if opening < w.start() < close]
    if not inner or len(inner) > 14:
        return [], close, ""
    titles = _vocab()["titles"]
    tokens = [w.group() for w in inner]
    named = [t for t in tokens if t.casefold() not in DETERMINERS]
    previous = [w for w in words if w.end() <= opening]
    if named and all(t[0].isupper() or t.casefold() in _NAME_CONNECTORS for t in named) and named[0][0].isupper() \
            and named[-1].casefold().rstrip(".") not in titles \
            and previous and previous[-1].group()[0].islower() and not head[previous[-1].end():opening].strip():
        # "…the party newspaper, Rodong Sinmun," the name after its description (ending in a lower-case word)
        return tokens, inner[0].start(), head[max(0, opening - 60):opening].split(" ", 1)[-1].strip()
    lead = tokens[0]
    if not (lead[0].islower() or lead.casefold() in DETERMINERS or lead.casefold().rstrip(".") in titles):
        return [], close, ""
    taken, first = _name_before(head, words, opening)
    if not taken or not any(t[0].isupper() for t in taken):
        return [], close, ""
    return taken, first, head[opening + 1:close].strip()


def _name_after(text: str, start: int, end: int) -> list[str]:
    """The speaker's words right after an inverted verb ('," said Maj. Gen. Pat Ryder'; '…, warned the
    Ukrainian air force via Telegram'): proper nouns and role words, up to the first other word."""
    roles = role_words()
    taken: list[str] = []
    for word in _SPEAKER_WORD.finditer(text, start, min(end, start + 120)):
        if text[start:word.start()].strip():
            break
        token = word.group().rstrip(".") if not _ABBREVIATED.fullmatch(word.group()) \
            else word.group()
        folded = token.casefold()
        if (not taken and folded == "the") or _cap(token) or folded in roles or (taken and folded in _NAME_CONNECTORS):
            taken.append(token)
        else:
            break
        start = word.start() + len(token)
    while taken and taken[-1].casefold() in _NAME_CONNECTORS:
        taken.pop()
    return taken


def _quoted_from(text: str, sentence: Sentence, at: int) -> int:
    """Where "according to" starts speaking: at the quotation it follows ('…, "hundreds of kilometres from any
    coast," according to the ministry'), else from the sentence's start."""
    before = text[sentence.start:at].rstrip(" ,")
    if before.endswith(("\"", "”")):
        opening = max(before.rfind("\"", 0, len(before) - 1), before.rfind("“"))
        if opening > 0:
            return sentence.start + opening
    return sentence.start


def _after_a_break(lead: str) -> bool:
    """Whether the speaker's words follow a comma or a quotation ("…, the state-run KCNA news agency said",
    '"…," the ministry said'): then the speaker states the whole sentence."""
    for _ in range(3):
        stripped = lead.rstrip()
        if not stripped or stripped.endswith((",", "\"", "”", "’", "'", ":", "—", "–")):
            return bool(stripped)
        word = _LEAD_WORD.search(stripped)
        if not word or word.group().strip().casefold() not in DETERMINERS | _OFFICIAL:
            return False
        lead = stripped[:word.start()]
    return False


def _last_word(head: str) -> str | None:
    words = head[-30:].split()
    return words[-1].casefold().strip(",") if words else None


def _last_start(head: str) -> int:
    stripped = head.rstrip()
    return len(stripped) - len(stripped.split()[-1]) if stripped.split() else 0


# --- who a pronoun or a description stands for ---

def _pronoun(doc: Doc, sentence: Sentence, pronoun: str, found: list[Attribution],
             depth: int) -> tuple[str, bool] | None:
    """"he"/"she": the last person who spoke (else the last speaker); "it"/"they": a speaker named earlier in
    the sentence, else the organisation or country the sentence opens with, else the last one who spoke."""
    spoken = rules().attribution
    if pronoun in ("he", "she"):
        person = _last_speaker(doc, sentence, depth, spoken.person_distance, person=True)
        return person or _last_speaker(doc, sentence, depth, spoken.pronoun_distance)
    if found:
        return found[-1].claimant, found[-1].person
    opening = _opening(doc, sentence)
    if opening:
        return opening
    return _last_speaker(doc, sentence, depth, spoken.pronoun_distance, person=False, openings=True) \
        or _last_speaker(doc, sentence, depth, spoken.pronoun_distance)


def _opening(doc: Doc, sentence: Sentence) -> tuple[str, bool] | None:
    """The name a sentence opens with, after its dateline, when it is no system: "Yemen's Houthi group on
    Monday unveiled…" (the role words after the capitalised ones belong to the name)."""
    body = sentence.text
    dateline = _DATELINE.match(body)
    if dateline:
        body = body[dateline.end():]
    opening = _OPENING_NAME.match(body)
    offset = sentence.start + len(sentence.text) - len(body)
    if not opening or any(m.start < offset + opening.end() for m in doc.mentions_in(sentence)):
        return None
    taken = opening.group(1).split()
    rest = body[opening.end(1):opening.end(1) + 60].split()
    while rest and rest[0].casefold() in role_words():
        taken.append(rest.pop(0))
    return _speaker(" ".join(taken))


def _described(doc: Doc, sentence: Sentence, taken: list[str], depth: int) \
        -> tuple[str, bool] | None:
    """A bare "the agency", "the paper", "the journalist" stands for an earlier speaker whose words hold that
    noun ("the state-run KCNA news agency", "Rodong Sinmun, the party newspaper")."""
    words = [t.casefold() for t in taken]
    linked = [i for i, w in enumerate(words) if w in ("by", "from")]
    if linked and linked[-1] + 1 < len(words):  # "the technical specifications issued by the company"
        taken, words = taken[linked[-1] + 1:], words[linked[-1] + 1:]
    if len(words) == 3 and words[0] == "the" and taken[1][:1].isupper() and words[2] in _PERSON_ROLES:
        # "the Russian leader", "the Iranian president": the person who spoke last, however named
        return _last_speaker(doc, sentence, depth, rules().attribution.pronoun_distance, person=True)
    if len(words) != 2 or words[0] != "the" or not taken[1].islower():
        return None
    noun = words[1]
    candidates = [earlier for index in range(sentence.index - 1,
                                             max(-1, sentence.index - 1 - rules().attribution.description_distance), -1)
                  for earlier in reversed(_own(doc, index, depth + 1))
                  if earlier.claimant.casefold() != noun
                  and any(w.endswith(noun) for w in re.findall(r"[\w-]+", earlier.phrase.casefold()))]
    if noun in _vocab()["makers"] and not candidates:
        # "As noted by the company": the organisation that spoke last ("AeroVironment says …")
        return _last_speaker(doc, sentence, depth, rules().attribution.description_distance, person=False)
    if noun in _vocab()["documents"] and not candidates:
        # "The statement said": of the last speaker, unless one named further back published it ("according
        # to an article posted by the … Strategic Support Force … The article declares …")
        return _last_speaker(doc, sentence, depth, rules().attribution.pronoun_distance + 1)
    # one named rather than one only described ("A Newsweek journalist claims…"), else the nearest
    named = [c for c in candidates if _named(c.claimant)]
    chosen = (named or candidates or [None])[0]
    return (chosen.claimant, chosen.person) if chosen else None


def _last_speaker(doc: Doc, sentence: Sentence, depth: int, distance: int,
                  person: bool | None = None, openings: bool = False) -> tuple[str, bool] | None:
    """The last speaker of the sentences just before (of this kind, person or not, when given; with openings,
    also an organisation a sentence opens with: "The ministry posted an image… It said…"); sentences wholly
    inside quotation marks do not count towards the distance."""
    index, counted = sentence.index - 1, 0
    floor = max(0, sentence.index - 4 * distance - 1)  # quoted sentences are skipped, but not without end
    while index >= floor and counted < distance:
        for earlier in reversed(_own(doc, index, depth + 1)):
            if person is None or earlier.person == person:
                return earlier.claimant, earlier.person
        opening = _opening(doc, doc.sentences[index]) if openings else None
        if opening and not opening[1]:
            return opening
        if not _quoted(doc.sentences[index].text):
            counted += 1
        index -= 1
    return None


def _quoted(text: str) -> bool:
    return text[:1] in "\"“" or text[-1:] in "\"”"


# --- the speaker's name ---

def normalise_claimant(raw: str) -> str | None:
    """The speaker's name as written, without its determiner, title or the document it published:
    "North Korea's state news agency KCNA" is KCNA; None when it names no one ("he", "it")."""
    speaker = _speaker(raw)
    return speaker[0] if speaker else None


def _speaker(raw: str, described: str = "") -> tuple[str, bool] | None:
    """The speaker's name and whether it is a person: a person's name loses its rank or office
    ("Russian President Vladimir Putin": Vladimir Putin; "military expert Shao Yongling": Shao Yongling)."""
    raw = _ACRONYM_AFTER.sub("", raw)  # "the Joint Chiefs of Staff (JCS)": the name it abbreviates
    words = [w for w in _SPACES.split(raw.strip()) if w]
    while words and words[0].casefold() in DETERMINERS | {"according", "to"}:
        words.pop(0)
    while len(words) > 2 and words[-1].casefold().rstrip(".,") in _vocab()["time"]:
        words.pop()  # "… Strategic Support Force on Monday": when, not who
        while len(words) > 1 and words[-1].casefold() in _TIME_PREPOSITIONS:
            words.pop()
    while len(words) > 1 and words[0].casefold() in _OFFICIAL and words[1][0].isupper():
        words.pop(0)  # "the official Xinhua news agency"
    published = False
    while words and words[-1].casefold() in _DOCUMENT_WORDS:
        words.pop()  # "the Pentagon's annual report": the Pentagon
        published = True
    owner = [i for i, w in enumerate(words) if w.endswith(("'s", "’s"))]
    if published and owner and all(w.islower() for w in words[owner[-1] + 1:]):
        words = words[:owner[-1] + 1]  # "Kyiv's post-attack report": Kyiv
    if words and words[-1].endswith(("s'", "s’")):
        words[-1] = words[-1][:-1]  # "the Houthis' claims"
    if words and len(words) > 1 and words[-1].endswith(("'s", "’s")):
        words[-1] = words[-1][:-2]  # ...and not "Iran's" alone, a country on its own
    elif len(words) == 1 and words[0].endswith(("'s", "’s")):
        words[0] = words[0][:-2]
    if not words:
        return None
    name = _person(words)
    titled = any(w.casefold().rstrip(".,") in _vocab()["titles"] for w in [*words, *described.split()])
    if name:
        who = " ".join(name[0])
    else:
        acronyms = [w for w in words if _ACRONYM.fullmatch(w)]
        if acronyms:
            who = acronyms[-1]  # "North Korea's state news agency KCNA", "the KCNA report"
        else:
            # "a statement from the Kremlin", "photographs released by Japan's defence ministry"
            linked = [i for i, w in enumerate(words) if w.casefold() in ("from", "by", "of") and i + 1 < len(words)]
            tail = words[linked[-1] + 1:] if linked and words[0][0].islower() else words
            while tail and tail[0].casefold() in DETERMINERS:
                tail = tail[1:]
            who = " ".join(tail or words)
    who = who.strip(" ,.") if not _INITIAL_END.search(who) else who.strip(" ,")
    if who.casefold() in rules().attribution.not_claimants or len(who) < 2:
        return None
    if " " not in who and who.islower() and who.casefold() not in _vocab()["nouns"]:
        return None
    return who, (name is not None and name[1]) or (titled and _capitalised(who))


def _named(who: str) -> bool:
    """A proper name or an acronym, not a description ("Newsweek journalist", "defence ministry")."""
    return _capitalised(who)


def _capitalised(who: str) -> bool:
    return all(w[:1].isupper() for w in who.split())


def _person(words: list[str]) -> tuple[list[str], bool] | None:
    """The name at the end of a speaker's words, and whether a person's: after a title ("Maj. Gen. Pat Ryder",
    "Defence Minister Mohammad Reza Ashtiani"), after an organisation ("Presidency of Defense Industries Ismail
    Demir"), after a lower-case description ("military expert Shao Yongling", "the defense company Baykar");
    None when the words end in no such name (an organisation's own: "Ministry of the Armed Forces")."""
    vocab = _vocab()
    folded = [w.casefold().rstrip(".,") for w in words]
    run = len(words)  # where the trailing run of capitalised words (and connectors inside it) begins
    while run > 0:
        if _cap(words[run - 1]):
            run -= 1
            continue
        inner = run - 1
        while inner >= 0 and folded[inner] in _NAME_CONNECTORS:
            inner -= 1
        if run < len(words) and inner >= 0 and inner < run - 1 and words[inner][:1].isupper():
            run = inner
            continue
        break
    if run == len(words):
        return None
    for n in range(len(words) - 1, run - 1, -1):
        if folded[n] in vocab["heads"]:
            name = words[n + 1:]
            if len(name) >= 2 and _a_name(name):
                return name, True  # a name after an organisation holds two words at least
            break  # an organisation's name ("General Staff", "Korean Central News Agency")
        if folded[n] in vocab["titles"]:
            name = words[n + 1:]
            return (name, True) if name and _a_name(name) else None
    if run > 0 and words[run - 1][:1].islower() and folded[run - 1] not in _NAME_CONNECTORS | DETERMINERS:
        return words[run:], folded[run - 1] in vocab["titles"]
    return None


def _a_name(words: list[str]) -> bool:
    return all(_cap(w) and w.casefold().rstrip(".") not in _vocab()["titles"] for w in words)


# --- quotations over several sentences ---

def _paragraphs(doc: Doc) -> dict[int, tuple[int, int]]:
    """Each paragraph's first sentence and the one after its last, by paragraph number (once per document)."""
    spans = doc.speaking.get("paragraphs")
    if spans is None:
        spans = {}
        for sentence in doc.sentences:
            first, _ = spans.get(sentence.paragraph, (sentence.index, 0))
            spans[sentence.paragraph] = (first, sentence.index + 1)
        doc.speaking["paragraphs"] = spans
    return spans


_NO_QUOTATIONS: tuple[dict[int, Attribution], tuple[str, bool, bool] | None] = ({}, None)


def _paragraph_quotations(doc: Doc, paragraph: int, depth: int) \
        -> tuple[dict[int, Attribution], tuple[str, bool, bool] | None]:
    """For each sentence of a paragraph inside a quotation that runs over several sentences, its speaker:
    named right after the quotation closes, else right before it opens, else the speaker of the quotation
    before it in the paragraph (or of the previous paragraph's quotation left open: a quotation over
    paragraphs). Also the paragraph's last quotation's speaker and whether that quotation was left open."""
    key = ("quotations", paragraph)
    if key in doc.speaking:
        return doc.speaking[key]
    first_index, end_index = _paragraphs(doc)[paragraph]
    sentences = doc.sentences[first_index:end_index]
    spans = _quotation_spans(doc.text, sentences[0].start, sentences[-1].end)
    if not spans:
        doc.speaking[key] = _NO_QUOTATIONS
        return _NO_QUOTATIONS
    if depth > _DEPTH:
        return _NO_QUOTATIONS
    result: dict[int, Attribution] = {}
    starts = [s.start for s in sentences]
    last: tuple[str, bool] | None = None
    for number, (opening, closing) in enumerate(spans):
        first = max(bisect_right(starts, opening) - 1, 0)  # the sentence the quotation opens in
        end = bisect_right(starts, closing) if closing is not None else len(sentences)
        inside = sentences[first:end]
        speaker = _quotation_speaker(doc, sentences[end - 1] if closing is not None else None, sentences[first],
                                     opening, closing, depth)
        tagged = speaker is not None
        # an untagged quotation goes on with an earlier speaker only when it opens a sentence (not a phrase
        # in quotation marks: 'described as a "carrier killer"')
        whole = starts[first] == opening
        if speaker is None and number > 0 and whole:
            speaker = last  # '"…," he said. "…"': the same speaker goes on
        if speaker is None and number == 0 and whole and first == 0 and first_index > 0:
            previous = _paragraph_quotations(doc, doc.sentences[first_index - 1].paragraph, depth + 1)[1]
            if previous and previous[2]:
                speaker = previous[:2]  # a quotation left open goes on in the next paragraph
        if speaker is None:
            continue
        last = speaker
        if len(inside) > 1 or closing is None or not tagged:
            for s in inside:
                if s.index not in result:
                    result[s.index] = Attribution(speaker[0], max(s.start, opening), -1, "", speaker[1])
    found = (result, (*last, spans[-1][1] is None) if last else None)
    doc.speaking[key] = found
    return found


def _quotation_speaker(doc: Doc, closing_sentence: Sentence | None, opening_sentence: Sentence, opening: int,
                       closing: int | None, depth: int) -> tuple[str, bool] | None:
    if closing_sentence is not None:
        for a in _own(doc, closing_sentence.index, depth + 1):
            if closing < a.where <= closing + _QUOTE_TAG_REACH:
                return a.claimant, a.person
    tagged = [a for a in _own(doc, opening_sentence.index, depth + 1)
              if 0 <= a.where < opening and opening - a.where <= 200]
    if tagged:
        return tagged[-1].claimant, tagged[-1].person
    return None


def _quotation_spans(text: str, start: int, end: int) -> list[tuple[int, int | None]]:
    """The quotations of a paragraph as (opening, closing) offsets; closing None when left open."""
    spans: list[tuple[int, int | None]] = []
    opening: int | None = None
    for mark in _QUOTE_MARKS.finditer(text, start, end):
        char = mark.group()
        if opening is None and char != "”":
            opening = mark.start()
        elif opening is not None and char != "“":
            spans.append((opening, mark.start()))
            opening = None
    if opening is not None:
        spans.append((opening, None))
    return spans


# --- a person named in full once, by one name after ---

def complete_claimants(doc: Doc) -> None:
    """The stage after the sentences: a speaker known by one name ("Shoigu said") is the person the document
    named in full ("Defence Minister Sergei Shoigu", "military expert Shao Yongling" for a later "Shao"),
    when exactly one such person is named; an acronym is the name the document spelled out for it
    ("Inter-Services Public Relations (ISPR)"). Their claims are theirs, however the sentence called them."""
    full: dict[str, str | None] = {}
    # The people the sentences named in full as speakers, gathered once for every name to complete.
    people = {a.claimant for found in doc.speakers.values() for a in found if a.person and " " in a.claimant}

    def completed(claimant: str | None) -> str | None:
        if not claimant or " " in claimant or not claimant[:1].isupper():
            return claimant
        if claimant not in full:
            full[claimant] = _expansion(doc, claimant) if claimant.isupper() else _full_name(doc, claimant, people)
        return full[claimant] or claimant

    for builder in doc.builders.values():
        for claim in builder.claims:
            claim.claimant = completed(claim.claimant)
        for event in builder.events:
            event.claimant = completed(event.claimant)
            for observation in event.observations:
                observation.claimant = completed(observation.claimant)


def _expansion(doc: Doc, acronym: str) -> str | None:
    """The name an acronym stands for where the document spells it out: "the Inter-Services Public Relations
    (ISPR)" for a later "ISPR said". Its capitalised words must begin with the acronym's first letter."""
    at = doc.text.find(f"({acronym})")  # found as written, then the words before it read: no scan backtracks
    if at < 0:
        return None
    words = []
    for word in reversed(doc.text[max(0, at - 120):at].split()[-10:]):
        if not (_CAPITALISED.fullmatch(word) or word in ("of", "for", "and", "the")):
            break
        words.insert(0, word)
    while words and (words[0][:1] != acronym[:1] or words[0].endswith(("'s", "’s"))):
        words.pop(0)  # "Iran's Islamic Revolutionary Guard Corps (IRGC)", "The Joint Chiefs of Staff (JCS)"
    return " ".join(words) if len(words) > 1 else None


def _full_name(doc: Doc, word: str, people: set[str]) -> str | None:
    """The one person's full name ending (or, as Chinese and Korean names are written, beginning) with word:
    among the people who spoke, else a titled name in the text ("President Vladimir Putin")."""
    names = {s for s in people if s.split()[-1] == word or s.split()[0] == word}
    if not names:
        # Each time the word ends a name in the text, read with the six words before it ("Pentagon spokesman
        # Pat Ryder"): two people of that name ("… and Senator Jack Ryder") leave the speaker as written.
        if doc.text.count(word) < 2 or re.search(
                rf"[A-Z][\w.'’-]*\s+{re.escape(word)}\b|\b{re.escape(word)}\s+[A-Z][a-z]", doc.text) is None:
            return None  # never written after another name: no full name to find (most organisations)
        titled = False
        for match in re.finditer(rf"\b{re.escape(word)}\b(?:\s+([A-Z][a-z]+)\b)?", doc.text):
            before = doc.text[max(0, match.start() - 80):match.start()].split()[-6:]
            ends = [i for i, w in enumerate(before) if w[-1] in ".,;:!?\"”)"]
            before = before[ends[-1] + 1:] if ends else before  # a name never runs over punctuation
            # The word last ("Sergei Shoigu"), or first with a given name after it ("Shen Jinke").
            for written in ([word, match.group(1)] if match.group(1) else [], [word]):
                speaker = _speaker(" ".join([*before, *written])) if written else None
                name = speaker[0].split() if speaker else []
                if len(name) > 1 and word in (name[0], name[-1]) and _a_name(name):
                    names.add(speaker[0])
                    titled = titled or speaker[1]
                    break
        if not titled:
            return None
    return names.pop() if len(names) == 1 else None
