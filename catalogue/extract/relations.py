"""Relations between systems ("a variant of the Hwasong-18", "reminiscent of the American Reaper"): a claim
on the subject naming the other system, which the sentence names only for comparison."""

from collections.abc import Sequence

from catalogue.extract.attribution import attributions, claimant_at
from catalogue.extract.doc import Builder, Doc, SentenceRecord, quote
from catalogue.extract.mentions import FoundSystem, Mention
from catalogue.extract.normalize import fold
from catalogue.extract.text import Sentence, phrase_key
from catalogue.extract.vocab import find_categories, relation_regex
from catalogue.extract.zones import np_start
from catalogue.schemas import ExtractedClaim


def read_relations(doc: Doc, record: SentenceRecord) -> None:
    """The stage: relation claims, the compared systems marked not primary, and look-alikes added to the
    sentence's mentions ("one of the newly created drones, with an appearance reminiscent of the Reaper")."""
    mentions, sentence = record.mentions, record.sentence
    if not mentions:
        return
    regex, lookup = relation_regex()
    for cue in regex.finditer(doc.text, sentence.start, sentence.end):
        kind = lookup.get(phrase_key(cue.group()))
        target = next((m for m in mentions if 0 <= m.start - cue.end() <= 40
                       and np_start(doc.text, sentence, m.start) <= cue.end() + 1), None)
        if kind is None or target is None:
            continue
        before = [m for m in mentions if m.end <= cue.start() and m is not target]
        subject = before[-1].key if before else None
        added: list[Mention] = []
        if subject is None and kind == "resembles":
            lookalike = _lookalike(doc, sentence, cue.start(), target, mentions)
            if lookalike is not None:
                added = [lookalike]
                subject = lookalike.key
        if subject is None and kind != "variant_of":
            target.primary = False  # "the missiles … similar to the KN-23": compared with an unnamed subject
            continue
        if subject is None or subject == target.key:
            continue  # "unveiled an upgraded version of its Khorramshahr": the Khorramshahr is the subject
        target.primary = False  # "possibly a variant of the Hwasong-18": named only for comparison
        claimant = claimant_at(attributions(doc, sentence), cue.start())
        doc.builders[subject].claim(ExtractedClaim(
            attribute=kind, value=doc.builders[target.key].found.name, claimant=claimant,
            rule=f"relation.{kind}", **quote(sentence)))
        mentions = sorted({id(m): m for m in [*mentions, *added]}.values(), key=lambda m: m.start)
    record.mentions = mentions


def _lookalike(doc: Doc, sentence: Sentence, cue_start: int, target: Mention,
              mentions: Sequence[Mention]) -> Mention | None:
    """A system known only by its likeness: "drones … reminiscent of the American Reaper" are
    "Reaper-like drones", named where their noun is."""
    window_start = max([sentence.start, *(m.end for m in mentions if m.end <= cue_start)])
    nouns = find_categories(doc.text[window_start:cue_start])
    if not nouns:
        return None
    match, slug = nouns[-1]
    noun_start, noun_end = window_start + match.start(), window_start + match.end()
    words = target.surface.split()
    short = " ".join(words[1:]) if len(words) > 1 and any(ch.isdigit() for ch in words[0]) else target.surface
    name = f"{short}-like {singular(match.group())}"
    key = fold(name)
    if key not in doc.builders:
        doc.builders[key] = Builder(FoundSystem(key=key, name=name))
    doc.builders[key].claim(ExtractedClaim(attribute="category", value=slug, rule="category.lookalike",
                                           **quote(sentence)))
    return Mention(key, noun_start, noun_end, doc.text[noun_start:noun_end], sentence.index, "lookalike")


def singular(noun: str) -> str:
    if noun.isupper() or not noun.endswith("s"):
        return noun.rstrip("s") if noun.isupper() and noun.endswith("s") else noun
    if noun.endswith("ies"):
        return noun[:-3] + "y"
    if noun.endswith(("ches", "shes", "xes", "sses")):
        return noun[:-2]
    return noun[:-1]
