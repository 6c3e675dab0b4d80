"""Sentences and paragraphs with their offsets, and phrase lists compiled into regular expressions."""

import re
from dataclasses import dataclass

_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "st", "gen", "lt", "col", "sgt", "capt", "maj", "adm", "cmdr", "rep", "sen",
    "gov", "no", "vs", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "inc", "corp", "co", "ltd", "jr", "sr", "u.s", "u.n", "u.k", "e.g", "i.e", "approx", "est", "fig",
}
_BOUNDARY = re.compile(r"[.!?]+[\"”’')\]]*\s+(?=[\"“‘'(\[]?[A-Z0-9])")
SEPARATOR = r"[\s\-‐‑‒–—]+"


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
        before = text[begin : match.start()].rsplit(None, 1)
        word = before[-1].casefold().rstrip(".") if before else ""
        if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
            continue
        stop = match.start() + len(match.group().rstrip())
        spans.append((begin, stop))
        begin = match.end()
    if begin < end:
        spans.append((begin, end))
    return spans


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


def compile_phrases(phrases: list[str], plural: bool = False) -> re.Pattern[str]:
    """One case-insensitive alternation, longest phrase first, on word boundaries."""
    ordered = sorted(set(phrases), key=len, reverse=True)
    alternation = "|".join(phrase_pattern(phrase, plural) for phrase in ordered)
    return re.compile(rf"(?<![\w-])(?:{alternation})(?![\w])", re.IGNORECASE)


def phrase_key(text: str) -> str:
    return re.sub(SEPARATOR, " ", text.casefold()).strip()
