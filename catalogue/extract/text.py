"""Sentences and paragraphs with their offsets, and phrase lists compiled into regular expressions."""

import re
from dataclasses import dataclass

_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "st", "gen", "lt", "col", "sgt", "capt", "maj", "adm", "cmdr", "rep", "sen",
    "gov", "no", "vs", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "inc", "corp", "co", "ltd", "jr", "sr", "u.s", "u.n", "u.k", "e.g", "i.e", "approx", "est", "fig",
}
# A full stop and a capital, with a space between, or none after a lower-case word ("… military said.The
# missile …": paragraphs glued by a web page's markup); the word before is still checked for abbreviations.
# Both readings open with the punctuation mark, written first (the second's look-behind after it) so that
# the engine skips to the next mark instead of trying every position (8x faster, the same matches).
_BOUNDARY = re.compile(r"[.!?](?:[.!?]*[\"”’')\]]*\s+(?=[\"“‘'(\[]?[A-Z0-9])|(?<=[a-z]{2}[.!?])(?=[A-Z][a-z]))")
SEPARATOR = r"[\s\-‐‑‒–—]+"
# No real sentence is this long (news sentences stay under ~500 characters): a longer run is cut, at a
# word boundary, so that no rule ever sees a stretch of text whose cost grows with the document.
MAX_SENTENCE = 1500
_WORD_REACH = 64  # longer than any abbreviation: a longer last word is no abbreviation, whole or cut
_LAST_SPACE = re.compile(r"\s+(?=\S*\Z)")


@dataclass(frozen=True)
class Sentence:
    index: int
    start: int
    end: int
    paragraph: int
    text: str


def _split_paragraph(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans, begin = [], start
    for match in _BOUNDARY.finditer(text, start, end):
        # The word before the full stop, read from a bounded stretch: a paragraph of initials ("A. B. C.")
        # would otherwise be copied again for every one of them.
        before = text[max(begin, match.start() - _WORD_REACH) : match.start()].rsplit(None, 1)
        word = before[-1].casefold().rstrip(".") if before else ""
        if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
            continue
        stop = match.start() + len(match.group().rstrip())
        spans.append((begin, stop))
        begin = match.end()
    if begin < end:
        spans.append((begin, end))
    return [piece for span in spans for piece in _cut(text, *span)]


def _cut(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """A span longer than MAX_SENTENCE as pieces of at most that length, each ending at the last space
    within the limit (a single longer "word" is cut at the limit itself)."""
    pieces = []
    while end - start > MAX_SENTENCE:
        limit = start + MAX_SENTENCE
        space = _LAST_SPACE.search(text, start + MAX_SENTENCE // 2, limit + 1)
        stop, resume = (space.start(), space.end()) if space else (limit, limit)
        pieces.append((start, stop))
        start = resume
    pieces.append((start, end))
    return pieces


def sentences(text: str) -> list[Sentence]:
    """Sentences with offsets into text; a line break always ends a sentence."""
    result: list[Sentence] = []
    for paragraph, line in enumerate(re.finditer(r"[^\n]+", text)):
        stripped_start = line.start() + len(line.group()) - len(line.group().lstrip())
        stripped_end = line.start() + len(line.group().rstrip())
        for start, end in _split_paragraph(text, stripped_start, stripped_end):
            if end > start:
                result.append(Sentence(len(result), start, end, paragraph, text[start:end]))
    return result


def phrase_pattern(phrase: str, plural: bool = False) -> str:
    """A phrase as a regex: any separator between its words, an optional plural, exact case for acronyms."""
    words = [re.escape(word) for word in re.split(r"[\s\-]+", phrase.strip()) if word]
    body = SEPARATOR.join(words)
    if plural:
        body += r"(?:e?s)?"
    if phrase.isupper():
        return f"(?-i:{body})"
    return body


def last_words(phrases) -> set[str]:
    """The last word of each phrase as phrase_pattern writes it: any match of a phrase holds it literally."""
    return {[word for word in re.split(r"[\s\-]+", phrase.strip()) if word][-1] for phrase in phrases}


def compile_phrases(phrases: list[str], plural: bool = False) -> re.Pattern[str]:
    """One case-insensitive alternation, longest phrase first, on word boundaries."""
    ordered = sorted(set(phrases), key=len, reverse=True)
    alternation = grouped_alternation([phrase_pattern(phrase, plural) for phrase in ordered])
    return re.compile(rf"(?<![\w-])(?:{alternation})(?![\w])", re.IGNORECASE)


_CASE_SENSITIVE = "(?-i:"


def grouped_alternation(alternatives: list[str]) -> str:
    """The alternatives, matching as "|".join(alternatives) does, grouped by first letter, each group behind a
    look-ahead for its letters: Python's engine tries a flat alternation's hundreds of phrases one by one at
    every position of the text, a grouped one a few dozen look-aheads. Only one group can match at a place
    (ASCII letters or digits that differ in lower case never match each other), and a group keeps its
    alternatives' order, so the same alternative matches. Kept flat unless each begins with one."""
    groups: dict[str, list[str]] = {}
    for alternative in alternatives:
        first = _first(alternative)
        if not (first.isascii() and first.isalnum()) or alternative[len(first):][:1] in ("?", "*", "+", "{"):
            return "|".join(alternatives)  # no literal first character every match begins with
        groups.setdefault(first.lower(), []).append(alternative)
    return "|".join(f"(?=[{''.join(sorted({_first(a) for a in group}))}])(?:{'|'.join(group)})"
                    for group in groups.values())


def _first(alternative: str) -> str:
    """The first character an alternative matches, written literally (else whatever opens its pattern)."""
    return alternative[len(_CASE_SENSITIVE):][:1] if alternative.startswith(_CASE_SENSITIVE) else alternative[:1]


_SEPARATORS = re.compile(SEPARATOR)
# An HTML tag of the kinds pasted article text carries (<a href="…">, </a>, <br/>, <em>): bounded, on one line.
_TAG = re.compile(r"</?(?:a|b|i|u|s|em|strong|span|p|br|div|sup|sub|font|img|abbr|cite|q|small|mark|del|ins)\b"
                  r"[^<>\n]{0,600}>", re.IGNORECASE)


def blank_tags(text: str) -> str:
    """The text with each HTML tag replaced by as many spaces: a name inside an anchor is text, the tag's
    attributes (a URL full of names) are not, and every offset still points into the original text."""
    if "<" not in text:
        return text
    return _TAG.sub(lambda tag: " " * len(tag.group()), text)


def phrase_key(text: str) -> str:
    return _SEPARATORS.sub(" ", text.casefold()).strip()
