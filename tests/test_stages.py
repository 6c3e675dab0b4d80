"""Each stage of the extractor run alone on a small prepared record (catalogue/extract/pipeline.py lists
them). extract()'s own contract is tested in test_extract.py and by the golden cases."""

import datetime as dt

from catalogue.extract import pipeline
from catalogue.extract.attribution import attribute, attributions
from catalogue.extract.coreference import identify, resolve
from catalogue.extract.doc import Attribution, Builder, Doc, SentenceRecord, Unnamed
from catalogue.extract.events import read_events
from catalogue.extract.facts import read_categories, read_facts
from catalogue.extract.mentions import FoundSystem
from catalogue.extract.quantities import read_quantities
from catalogue.extract.relations import read_relations
from catalogue.extract.systems import assemble_systems
from catalogue.extract.vocab import find_categories
from catalogue.extract.zones import find_zones, np_start
from catalogue.schemas import Document, ExtractedClaim


def prepared(text: str, published: dt.date | None = None) -> Doc:
    """A document through the first two stages only: its sentences and the systems it names."""
    doc = Doc(document=Document(text=text, published=published, published_precision="day" if published else None),
              text=text)
    pipeline.split_sentences(doc)
    pipeline.find_mentions(doc)
    return doc


def record(doc: Doc, index: int, *stages) -> SentenceRecord:
    """Sentence index of doc, with the mentions it names, after the given earlier stages."""
    sentence = doc.sentences[index]
    found = SentenceRecord(sentence, doc.mentions_in(sentence))
    for stage in stages:
        stage(doc, found)
    return found


def test_sentences_stage_cuts_sentences_with_offsets():
    doc = Doc(document=Document(text="x"), text="KCNA said so. The Hwasong-18 flew far.")
    pipeline.split_sentences(doc)
    assert [(s.start, s.end, s.text) for s in doc.sentences] == [(0, 13, "KCNA said so."),
                                                                 (14, 38, "The Hwasong-18 flew far.")]


def test_mentions_stage_finds_a_system_and_indexes_its_mentions():
    doc = prepared("Analysts said so. North Korea tested a Hwasong-18 again.")
    assert [b.found.name for b in doc.builders.values()] == ["Hwasong-18"]
    [mention] = doc.mentions
    assert (mention.surface, mention.sentence, mention.start) == ("Hwasong-18", 1, 39)
    assert doc.mentions_in(doc.sentences[1]) == [mention] and doc.mentions_in(doc.sentences[0]) == ()
    assert doc.mentions_at[39] == [mention]


def test_mentions_stage_names_a_quoted_variant_of_a_listed_system_and_finds_it_again():
    doc = prepared('Analysts call it the "Scud-C MaRV". The Scud-C MaRV flew. A Hwasong-17 ICBM and a Kalibr NX too.')
    names = {b.found.name: b.found for b in doc.builders.values()}
    assert list(names) == ["Scud-C MaRV", "Hwasong-17", "Kalibr"]  # a class, and an unquoted unknown suffix: no variant
    assert names["Scud-C MaRV"].reference is None and names["Scud-C MaRV"].base.name == "Hwasong-6"
    assert [(m.surface, m.sentence) for m in doc.mentions if m.key == "scudcmarv"] == [("Scud-C MaRV", 0),
                                                                                       ("Scud-C MaRV", 1)]


def test_vocabulary_finds_a_category_phrase():
    [(match, slug)] = find_categories("an intercontinental ballistic missile")
    assert (match.group(), slug) == ("intercontinental ballistic missile", "icbm")


def test_zones_start_at_the_noun_phrase_and_end_at_the_next():
    text = "Iran unveiled the even more advanced Hwasong-18 and the Hwasong-17 yesterday."
    doc = prepared(text)
    assert np_start(text, doc.sentences[0], text.index("Hwasong-18")) == text.index("the even")
    found = record(doc, 0, find_zones)
    assert [(z.mention.surface, z.start, z.end) for z in found.zones] == [
        ("Hwasong-18", text.index("the even"), text.index("the Hwasong-17")),
        ("Hwasong-17", text.index("the Hwasong-17"), len(text)),
    ]
    assert [s.text for s in doc.builders["hwasong18"].mentions] == ["Hwasong-18"]  # recorded on its system


def test_relations_stage_claims_the_relation_and_demotes_the_compared_system():
    doc = prepared("The Hwasong-19 is a version of the Hwasong-18.")
    found = record(doc, 0, read_relations)
    [claim] = doc.builders["hwasong19"].claims
    assert (claim.attribute, claim.value, claim.rule) == ("variant_of", "Hwasong-18", "relation.variant_of")
    assert [m.primary for m in found.mentions] == [True, False]
    assert doc.builders["hwasong18"].claims == []


def test_coreference_stage_gives_a_pronoun_sentence_the_system_before():
    doc = prepared("The Hwasong-18 flew. It uses solid fuel.")
    assert record(doc, 1, find_zones, resolve).zones == ()  # no system named before: nothing to continue
    doc.last_primary = [(0, "hwasong18")]
    found = record(doc, 1, find_zones, resolve)
    [zone] = found.zones
    assert (zone.mention.key, zone.mention.rule, zone.start, zone.end) == ("hwasong18", "coreference", 21, 40)
    assert found.primary == [zone.mention]


def test_identification_stage_gives_an_unnamed_firing_to_the_system_named_after_it():
    doc = prepared("North Korea fired a missile. KCNA identified the missile as the Hwasong-19.")
    doc.unnamed = Unnamed(index=0, start=0, kind="launch", date=None, location=None, category="icbm",
                          fuel="solid", claimant="Japan")
    found = record(doc, 1, find_zones, attribute, identify)
    builder = doc.builders["hwasong19"]
    assert [(e.kind, e.rule, e.start, e.claimant) for e in builder.events] == [
        ("launch", "event.launch+identified", 0, "Japan")]
    assert {(c.attribute, c.value) for c in builder.claims} == {("category", "icbm"), ("fuel", "solid")}
    assert doc.unnamed is None and found.zones


def test_identification_stage_gives_an_unnamed_firing_to_the_next_sentences_subject_fired_there():
    text = "Iran fired a missile. The Fattah was launched from a truck."
    range_claim = ExtractedClaim(attribute="range", value="2000", unit="km", rule="quantity.range",
                                 quote="Iran fired a missile.", start=0, end=21)
    doc = prepared(text)
    doc.unnamed = Unnamed(index=0, start=0, kind="launch", date=None, location=None, category=None, fuel=None,
                          claimant=None, claims=[range_claim])
    record(doc, 1, find_zones, attribute, read_events, identify)
    assert [c.value for c in doc.builders["fattah"].claims] == ["2000"] and doc.unnamed is None
    # Its own date, another than the firing's: another act, the firing stays unnamed.
    doc = prepared("Iran fired a missile. The Fattah was tested in 2019.")
    doc.unnamed = Unnamed(index=0, start=0, kind="launch", date=None, location=None, category=None, fuel=None,
                          claimant=None, claims=[range_claim])
    record(doc, 1, find_zones, attribute, read_events, identify)
    assert doc.builders["fattah"].claims == [] and doc.unnamed is not None


def test_attribution_stage_finds_who_speaks_and_from_where():
    text = "KCNA said the missile flew 1,000 km."
    doc = prepared(text)
    assert attributions(doc, doc.sentences[0]) == [Attribution("KCNA", text.index("said"))]
    assert doc.speakers[0] is attributions(doc, doc.sentences[0])  # read once per sentence
    text = "According to the Pentagon, it flew."
    assert attributions(prepared(text), prepared(text).sentences[0]) == [Attribution("Pentagon", 0)]


def test_quantities_stage_reads_a_range_in_km():
    found = []
    segment = "with a range of 1,000 km and more"
    read_quantities(segment, segment.lower(), lambda *args, **extra: found.append((*args, extra)))
    assert found == [("range", "1000", "quantity.range", 16,
                      {"value_number": 1000.0, "unit": "km", "stated": "1,000 km", "observed": False,
                       "owner_at": None})]
    read_quantities("a range of many km", "a range of many km", lambda *args, **extra: found.append(args))
    assert len(found) == 1  # no number, no claim


def test_facts_stage_reads_fuel_capability_and_warhead_of_a_zone():
    doc = prepared("The Hwasong-18 uses solid fuel and can carry a nuclear warhead, KCNA said.")
    read_facts(doc, record(doc, 0, find_zones, attribute))
    claims = {(c.attribute, c.value, c.claimant) for c in doc.builders["hwasong18"].claims}
    assert {("fuel", "solid", "KCNA"), ("capability", "carry a nuclear warhead", "KCNA"),
            ("warhead", "nuclear", "KCNA")} <= claims


def test_facts_stage_gives_an_opening_to_the_only_system():
    doc = prepared("With a range of 15,000 km, the Hwasong-17 is North Korea's largest missile.")
    read_facts(doc, record(doc, 0, find_zones, attribute))
    [claim] = [c for c in doc.builders["hwasong17"].claims if c.attribute == "range"]
    assert (claim.value, claim.unit, claim.start) == ("15000", "km", 0)


def test_categories_stage_reads_a_head_noun_after_the_name():
    doc = prepared("The Hwasong-18 ICBM flew.")
    read_categories(doc, record(doc, 0, find_zones, attribute))
    [claim] = doc.builders["hwasong18"].claims
    assert (claim.attribute, claim.value, claim.rule) == ("category", "icbm", "category.head")


def test_events_stage_finds_a_launch_with_its_date():
    doc = prepared("North Korea launched the Hwasong-18 on Tuesday.", published=dt.date(2023, 12, 20))
    read_events(doc, record(doc, 0, find_zones, attribute))
    [event] = doc.builders["hwasong18"].events
    assert (event.kind, event.date, event.date_precision, event.rule) == (
        "launch", dt.date(2023, 12, 19), "day", "event.launch")


def test_events_stage_remembers_a_firing_whose_system_is_not_named():
    doc = prepared("North Korea fired a new solid-fuel ICBM on Thursday, KCNA said.", published=dt.date(2023, 12, 20))
    read_events(doc, record(doc, 0))
    unnamed = doc.unnamed
    assert (unnamed.kind, unnamed.category, unnamed.fuel, unnamed.claimant, unnamed.date.date) == (
        "launch", "icbm", "solid", "KCNA", dt.date(2023, 12, 14))


def test_systems_stage_assembles_the_systems_mentioned():
    doc = prepared("The Hwasong-18 flew.")
    find_zones(doc, record(doc, 0))
    doc.builders["ghost"] = Builder(FoundSystem(key="ghost", name="Ghost"))  # never mentioned: left out
    doc.builders["hwasong18"].claim(ExtractedClaim(attribute="fuel", value="solid", rule="test"))
    doc.builders["hwasong18"].claim(ExtractedClaim(attribute="fuel", value="solid", rule="test"))  # same claim
    assemble_systems(doc)
    [system] = doc.systems
    assert system.name == "Hwasong-18" and system.known and system.country == "North Korea"
    assert [(c.attribute, c.value, c.rule) for c in system.claims] == [
        ("fuel", "solid", "test"), ("category", "icbm", "reference-list")]


def test_the_stages_run_by_hand_give_what_extract_gives():
    text = ("North Korea fired a new ICBM on Thursday. KCNA identified the missile as the Hwasong-19. "
            "It can carry a nuclear warhead and has a range of 15,000 km.")
    document = Document(text=text, published=dt.date(2024, 11, 1), published_precision="day")
    doc = Doc(document=document, text=text)
    for _, stage in pipeline.STAGES:
        stage(doc)
    assert doc.systems == pipeline.extract(document).systems
    [system] = doc.systems
    assert {c.attribute for c in system.claims} >= {"category", "warhead", "range"}
    assert [e.rule for e in system.events] == ["event.launch+identified"]
