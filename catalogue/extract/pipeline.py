"""extract(document) -> Extraction: a pure function, text in, records out, no database.

A document flows through STAGES, each reading what earlier ones wrote on one plain record (doc.py) and
adding its part. The sentence stages run sentence by sentence, since a sentence may continue what those
before it said ("It was tested last spring.").
"""

from collections.abc import Callable

from catalogue.extract.attribution import attribute, complete_claimants
from catalogue.extract.coreference import identify, remember_subject, resolve
from catalogue.extract.dates import dateline
from catalogue.extract.doc import Builder, Doc, SentenceRecord
from catalogue.extract.events import (
    attach_observations,
    merge_repeated_events,
    read_events,
    read_unowned_observations,
)
from catalogue.extract.facts import read_categories, read_facts
from catalogue.extract.mentions import MentionFinder
from catalogue.extract.relations import read_relations
from catalogue.extract.rules import extractor_version
from catalogue.extract.systems import assemble_systems
from catalogue.extract.text import sentences
from catalogue.extract.zones import find_zones
from catalogue.schemas import (
    ClaimOut,
    Document,
    DocumentExtraction,
    EventOut,
    Extraction,
    ObservationOut,
    SourceOut,
    SystemOut,
    edtf,
)


def split_sentences(doc: Doc) -> None:
    doc.sentences = sentences(doc.text)


def find_mentions(doc: Doc) -> None:
    """The systems the text names and each of their mentions, indexed by sentence and by offset."""
    found, doc.mentions = MentionFinder(doc.text, doc.sentences).run()
    doc.builders = {key: Builder(system) for key, system in found.items()}
    for mention in doc.mentions:
        doc.by_sentence.setdefault(mention.sentence, []).append(mention)
        doc.mentions_at.setdefault(mention.start, []).append(mention)


def read_sentences(doc: Doc) -> None:
    """The sentence stages, all of them on one sentence before the next. Written out, not looped over a
    list: CPython does not specialise a call that calls a different function each time (1% of extract())."""
    for sentence in doc.sentences:
        record = SentenceRecord(sentence, doc.mentions_in(sentence))
        if record.mentions:  # the systems it names, but those named only for comparison
            read_relations(doc, record)
            find_zones(doc, record)
        resolve(doc, record)  # else the system an "It …" or "The missile …" opening continues
        if not record.primary:  # no system, or named only for comparison ("similar to the KN-23")
            read_events(doc, record)  # a scene, or a firing whose system a later sentence names
            read_unowned_observations(doc, record)  # "The missile reached an altitude of 60 km"
            continue
        attribute(doc, record)
        read_facts(doc, record)
        read_categories(doc, record)
        read_events(doc, record)
        # After events: an event here first takes its date from an unnamed firing before ("+antecedent").
        identify(doc, record)
        remember_subject(doc, record)


STAGES: list[tuple[str, Callable[[Doc], None]]] = [
    ("sentences", split_sentences),
    ("mentions", find_mentions),
    ("sentence stages", read_sentences),
    ("repeated events", merge_repeated_events),  # one act reported twice (a headline and its body) is one event
    ("observations", attach_observations),  # what a launch measured, on that launch's event
    ("claimants", complete_claimants),  # "Shoigu said" is Sergei Shoigu, named in full before
    ("systems", assemble_systems),
]


def extract(document: Document) -> Extraction:
    """Systems, claims, events and relations stated in one document."""
    doc = Doc(document=document, text=document.text, published=document.published)
    opening = dateline(document.text, document.published)
    if opening is not None:
        doc.dateline_end = opening.end
        doc.published = doc.published or opening.date
    for _, stage in STAGES:
        stage(doc)
    return Extraction(document=document, extractor_version=extractor_version(), systems=doc.systems)


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
                             end=c.end, claimant=c.claimant, source_id=None, extractor=f"{c.rule}@{version}",
                             stated=c.stated)
                    for c in system.claims],
            events=[EventOut(kind=e.kind, date=edtf(e.date, e.date_precision), date_precision=e.date_precision,
                             location=e.location, quote=e.quote, source_id=None,
                             observations=[ObservationOut(
                                 attribute=o.attribute, value=o.value, unit=o.unit, stated=o.stated, quote=o.quote,
                                 start=o.start, end=o.end, claimant=o.claimant, source_id=None,
                                 extractor=f"{o.rule}@{version}") for o in e.observations])
                    for e in system.events],
        )
        for system in extraction.systems
    ]
    return DocumentExtraction(source=source, systems=systems)
