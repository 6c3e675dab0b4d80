"""Issue 11: quantities kept as stated beside their normalised value, and what a launch measured (distance
flown, apogee, flight time, speed) stored on its event: written, shown, exported, re-extracted, migrated.

The extraction is built by hand (the extractor's quantity grammar is tested in test_extract.py), so these
tests check exactly what the catalogue does with the records it is given.
"""

import copy
import csv
import datetime as dt
import io
import json

import jsonschema
import pytest
from pydantic import ValidationError
from sqlalchemy import create_engine, delete, func, select, text
from sqlalchemy.exc import IntegrityError

from catalogue import importer
from catalogue.db import open_engine, session_scope
from catalogue.models import Event, Observation, Source, event_systems
from catalogue.schemas import (
    Document,
    ExtractedClaim,
    ExtractedEvent,
    ExtractedObservation,
    ExtractedSystem,
    Extraction,
)

LAUNCH = "North Korea launched a Hwasong-18 and a Hwasong-15 from Pyongyang on 12 July 2023."
FLIGHT = ("The missiles flew about 1,000 kilometers for 70 minutes and reached an apogee of 6,000 km, "
          "Japan's defence ministry said.")
RANGE = "State media said the Hwasong-18 has a range of more than 15,000 km, eight times the speed of sound."
ARTICLE = f"Test launch\n\n{LAUNCH} {FLIGHT} {RANGE}\n"
SECOND = ("Second launch\n\nNorth Korea launched a Hwasong-18 on 3 August 2023. It flew 400 km to 700 km, "
          "officials said.\n")
VERSION = "rules-test+ref-test"


def _span(text: str, quote: str) -> dict:
    start = text.index(quote)
    return {"quote": quote, "start": start, "end": start + len(quote)}


def _observations(text: str, durations: bool) -> list[ExtractedObservation]:
    flight = _span(text, FLIGHT)
    claimant = "Japan's defence ministry"
    return [
        ExtractedObservation(attribute="distance_flown", value="1000", value_number=1000, unit="km",
                             stated="about 1,000 kilometers", claimant=claimant, rule="observation.flew", **flight),
        *[ExtractedObservation(attribute="flight_time", value="4200", value_number=4200, unit="s",
                               stated="70 minutes", claimant=claimant, rule="observation.duration", **flight)
          for _ in range(durations)],
        ExtractedObservation(attribute="apogee", value="6000", value_number=6000, unit="km",
                             stated="6,000 km", claimant=claimant, rule="observation.apogee", **flight),
    ]


def hand_extraction(document: Document, version: str = VERSION, durations: bool = True) -> Extraction:
    """What the extractor is meant to find in ARTICLE (or SECOND); a changed extractor (another version)
    may no longer report flight times."""
    text = document.text
    if "Second launch" in text:
        sentence = text[text.index("North Korea"):].strip()
        launch = ExtractedEvent(
            kind="launch", date=dt.date(2023, 8, 3), date_precision="day", rule="event.launch",
            observations=[ExtractedObservation(attribute="distance_flown", value="400-700", value_number=700,
                                               unit="km", stated="400 km to 700 km", claimant="officials",
                                               rule="observation.flew", **_span(text, sentence))],
            **_span(text, sentence))
        return Extraction(document=document, extractor_version=version,
                          systems=[ExtractedSystem(name="Hwasong-18", events=[launch])])
    launch = ExtractedEvent(kind="launch", date=dt.date(2023, 7, 12), date_precision="day", location="Pyongyang",
                            rule="event.launch", observations=_observations(text, durations), **_span(text, LAUNCH))
    claims = [
        ExtractedClaim(attribute="range", value="15000", value_number=15000, unit="km", stated="more than 15,000 km",
                       claimant="State media", rule="quantity.range", **_span(text, RANGE)),
        ExtractedClaim(attribute="speed", value="8", value_number=8, unit="mach",
                       stated="eight times the speed of sound", claimant="State media", rule="quantity.speed",
                       **_span(text, RANGE)),
    ]
    # Both systems list the same launch: one event, its observations once.
    return Extraction(document=document, extractor_version=version, systems=[
        ExtractedSystem(name="Hwasong-18", claims=claims, events=[launch]),
        ExtractedSystem(name="Hwasong-15", events=[launch.model_copy(deep=True)]),
    ])


@pytest.fixture
def imported(cli, monkeypatch, tmp_path):
    """The CLI on a catalogue holding ARTICLE, extracted by hand."""
    monkeypatch.setattr(importer, "extract", hand_extraction)
    path = tmp_path / "launch.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    code, out, err = cli("import", str(path), "--json")
    assert code == 0, err
    report = json.loads(out)
    assert (report["events_added"], report["observations_added"], report["claims_added"]) == (1, 3, 2)
    return cli


def rows(db_url: str, sql: str) -> list[tuple]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql))]
    finally:
        engine.dispose()


OBSERVATIONS = ("SELECT o.attribute, o.value, o.value_number, o.unit, o.stated, o.claimant, o.extractor, "
                "e.kind, e.source_id = o.source_id FROM observations o JOIN events e ON e.id = o.event_id "
                "ORDER BY o.attribute")


def test_rows_written(imported, db_url):
    assert rows(db_url, OBSERVATIONS) == [
        ("apogee", "6000", 6000.0, "km", "6,000 km", "Japan's defence ministry", "observation.apogee", "launch", True),
        ("distance_flown", "1000", 1000.0, "km", "about 1,000 kilometers", "Japan's defence ministry",
         "observation.flew", "launch", True),
        ("flight_time", "4200", 4200.0, "s", "70 minutes", "Japan's defence ministry", "observation.duration",
         "launch", True),
    ]
    assert rows(db_url, "SELECT attribute, value, unit, stated FROM claims ORDER BY attribute") == [
        ("range", "15000", "km", "more than 15,000 km"), ("speed", "8", "mach", "eight times the speed of sound")]
    engine = open_engine(db_url)
    with session_scope(engine) as session:
        source = session.scalars(select(Source)).one()
        for observation in session.scalars(select(Observation)):
            assert source.text[observation.start:observation.end] == observation.quote == FLIGHT
            assert observation.stated in observation.quote and observation.extractor_version == VERSION
        assert session.scalar(select(func.count()).select_from(event_systems)) == 2
    engine.dispose()


def test_show_prints_what_the_launch_measured(imported):
    code, out, err = imported("show", "Hwasong-15")
    assert code == 0, err
    assert "observed" in out.splitlines()[out.splitlines().index("events:") + 1]
    assert "flew 1,000 km (about 1,000 kilometers); flight time 4,200 s (70 minutes); apogee 6,000 km  " in out
    code, out, _ = imported("show", "Hwasong-18")
    assert "15000 km (more than 15,000 km)" in out and "8 mach (eight times the speed of sound)" in out
    assert "flew 1,000 km (about 1,000 kilometers)" in out


def test_show_json_carries_observations_and_stated(imported):
    code, out, _ = imported("show", "hwasong18", "--json")
    system = json.loads(out)
    [event] = system["events"]
    assert [(o["attribute"], o["value"], o["unit"], o["stated"]) for o in event["observations"]] == [
        ("distance_flown", "1000", "km", "about 1,000 kilometers"), ("flight_time", "4200", "s", "70 minutes"),
        ("apogee", "6000", "km", "6,000 km")]
    assert all(o["extractor"].endswith("@" + VERSION) and o["quote"] == FLIGHT for o in event["observations"])
    assert {c["attribute"]: c["stated"] for c in system["claims"]} == {
        "range": "more than 15,000 km", "speed": "eight times the speed of sound"}


def test_show_without_observations_has_no_observed_column(imported, monkeypatch, tmp_path):
    def no_observations(document):
        extraction = hand_extraction(document)
        system = extraction.systems[0]
        system.name, system.claims, system.events[0].observations = "Pukguksong-3", [], []
        extraction.systems = [system]
        return extraction

    monkeypatch.setattr(importer, "extract", no_observations)
    other = tmp_path / "other.txt"
    other.write_text(ARTICLE.replace("Test launch", "Another launch"), encoding="utf-8")
    assert imported("import", str(other))[0] == 0
    code, out, _ = imported("show", "Pukguksong-3")
    assert code == 0 and "events:" in out and "observed" not in out


def test_export_json_validates_and_carries_observations(imported, tmp_path):
    code, schema_text, _ = imported("export", "--schema")
    schema = json.loads(schema_text)
    code, out, err = imported("export", "--format", "json")
    assert code == 0, err
    document = json.loads(out)
    jsonschema.validate(document, schema)
    assert document["format"] == "catalogue-export/3"
    systems = {s["name"]: s for s in document["systems"]}
    for name in ("Hwasong-18", "Hwasong-15"):
        [event] = systems[name]["events"]
        assert [o["attribute"] for o in event["observations"]] == ["distance_flown", "flight_time", "apogee"]
        assert set(event["observations"][0]) == {"attribute", "value", "unit", "stated", "quote", "start", "end",
                                                 "claimant", "source_id", "extractor"}
    # The keys catalogue-export/2 adds are required: a document without them is not this export.
    for missing, where in (("stated", lambda d: d["systems"][1]["claims"][0]),  # Hwasong-18
                           ("observations", lambda d: d["systems"][0]["events"][0]),
                           ("format", lambda d: d)):
        changed = copy.deepcopy(document)
        del where(changed)[missing]
        with pytest.raises(jsonschema.ValidationError, match=f"'{missing}' is a required property"):
            jsonschema.validate(changed, schema)
    with pytest.raises(jsonschema.ValidationError, match="catalogue-export/3"):
        jsonschema.validate({**document, "format": "catalogue-export/2"}, schema)


def test_export_jsonl_and_csv_carry_observations(imported):
    code, out, _ = imported("export", "--format", "jsonl")
    lines = {line["name"]: line for line in map(json.loads, out.splitlines())}
    assert len(lines["Hwasong-15"]["events"][0]["observations"]) == 3
    code, out, _ = imported("export", "--format", "csv")
    table = list(csv.DictReader(io.StringIO(out)))
    observed = [r for r in table if r["record"] == "observation"]
    assert len(observed) == 6  # three observations of the launch, under each of its two systems
    assert {(r["system"], r["attribute"], r["value"], r["unit"], r["stated"], r["event_kind"], r["event_date"])
            for r in observed if r["attribute"] == "apogee"} == {
        ("Hwasong-18", "apogee", "6000", "km", "6,000 km", "launch", "2023-07-12"),
        ("Hwasong-15", "apogee", "6000", "km", "6,000 km", "launch", "2023-07-12")}
    claims = [r for r in table if r["record"] == "claim"]
    assert {(r["attribute"], r["stated"]) for r in claims} == {
        ("range", "more than 15,000 km"), ("speed", "eight times the speed of sound")}
    assert all(r["event_kind"] == "" for r in claims)


def test_import_twice_changes_nothing(imported, db_url, tmp_path):
    before = rows(db_url, OBSERVATIONS), rows(db_url, "SELECT COUNT(*) FROM events")
    code, out, _ = imported("import", str(tmp_path / "launch.txt"), "--json")
    report = json.loads(out)
    assert code == 0 and report["documents_unchanged"] == 1 and report["observations_added"] == 0
    assert (rows(db_url, OBSERVATIONS), rows(db_url, "SELECT COUNT(*) FROM events")) == before


def test_documents_of_one_batch_keep_their_own_observations(cli, db_url, monkeypatch, tmp_path):
    monkeypatch.setattr(importer, "extract", hand_extraction)
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "b.txt").write_text(SECOND, encoding="utf-8")
    code, out, err = cli("import", str(tmp_path), "--json")
    assert code == 0 and json.loads(out)["observations_added"] == 4, err
    spans = rows(db_url, "SELECT o.quote, substr(s.text, o.start + 1, o.\"end\" - o.start), o.value, e.date "
                         "FROM observations o JOIN events e ON e.id = o.event_id "
                         "JOIN sources s ON s.id = o.source_id AND s.id = e.source_id")
    assert len(spans) == 4 and all(quote == found for quote, found, _, _ in spans)
    assert {(value, str(date)) for _, _, value, date in spans if value == "400-700"} == {("400-700", "2023-08-03")}
    code, out, _ = cli("show", "Hwasong-18")
    assert "flew 400-700 km (400 km to 700 km)" in out


def test_reextract_replaces_observations(imported, db_url, monkeypatch):
    monkeypatch.setattr(importer, "extract",
                        lambda document: hand_extraction(document, version="rules-next", durations=False))
    code, out, err = imported("reextract", "--all")
    assert code == 0 and "(2 observations)" in out, err
    assert rows(db_url, "SELECT attribute, stated, extractor_version FROM observations ORDER BY 1") == [
        ("apogee", "6,000 km", "rules-next"), ("distance_flown", "about 1,000 kilometers", "rules-next")]
    assert rows(db_url, "SELECT COUNT(*) FROM events") == [(1,)]


def test_deleting_an_event_deletes_its_observations(imported, db_url):
    engine = open_engine(db_url)
    with session_scope(engine) as session:
        session.execute(delete(Event))
    engine.dispose()
    assert rows(db_url, "SELECT COUNT(*) FROM observations") == [(0,)]


def test_the_database_refuses_an_unknown_observation(imported, db_url):
    engine = open_engine(db_url)
    with session_scope(engine) as session:
        event_id, source_id = session.execute(select(Event.id, Event.source_id)).one()
    row = {"event_id": event_id, "source_id": source_id, "attribute": "range", "value": "1", "quote": "q",
           "start": 0, "end": 1, "extractor": "x", "extractor_version": "1"}
    for bad in ({"attribute": "range"}, {"start": 5, "end": 1}):
        with pytest.raises(IntegrityError), session_scope(engine) as session:
            session.add(Observation(**{**row, "attribute": "apogee", **bad}))
    engine.dispose()


def test_downgrade_that_drops_observations_is_refused_without_yes(imported, db_url):
    from catalogue.db import head_revision

    code, _, err = imported("db", "downgrade", "0003")
    assert code == 1 and err.count("\n") == 1
    assert "table observations (3 rows)" in err and "column claims.stated (2 values)" in err and "--yes" in err
    assert rows(db_url, "SELECT version_num FROM alembic_version") == [(head_revision(),)]  # nothing changed
    assert len(rows(db_url, OBSERVATIONS)) == 3
    code, out, _ = imported("db", "downgrade", "0003", "--yes")
    assert code == 0 and "0003" in out
    code, out, err = imported("db", "upgrade")
    assert code == 0, err
    assert rows(db_url, "SELECT COUNT(*) FROM observations") == [(0,)]
    assert rows(db_url, "SELECT COUNT(*) FROM claims WHERE stated IS NOT NULL") == [(0,)]


def test_claims_are_still_indexed_for_search_after_a_downgrade(imported, monkeypatch, tmp_path):
    # claims.stated is dropped in place: rebuilding the table would lose SQLite's full-text triggers.
    assert imported("db", "downgrade", "0003", "--yes")[0] == 0
    sentence = "The Quasar-1 has a range of 300 km."

    def quasar(document):
        claim = ExtractedClaim(attribute="range", value="300", value_number=300, unit="km", stated="300 km",
                               rule="quantity.range", **_span(document.text, sentence))
        return Extraction(document=document, extractor_version=VERSION,
                          systems=[ExtractedSystem(name="Quasar-1", claims=[claim])])

    monkeypatch.setattr(importer, "extract", quasar)
    path = tmp_path / "quasar.txt"
    path.write_text(f"Quasar\n\n{sentence}\n", encoding="utf-8")
    assert imported("import", str(path))[0] == 0  # a write: migrates to head again, then adds the claim
    code, out, _ = imported("search", "quasar", "--json")
    assert code == 0 and [hit["kind"] for hit in json.loads(out)].count("claim") == 1


def test_stated_must_be_in_the_quote():
    with pytest.raises(ValidationError, match="stated '600 miles' is not in the quote"):
        ExtractedClaim(attribute="range", value="600", unit="km", stated="600 miles", quote="a range of 600 km",
                       start=0, end=17, rule="r")
    with pytest.raises(ValidationError, match="at most 100 characters"):
        ExtractedClaim(attribute="range", value="600", stated="x" * 101, rule="r")
    with pytest.raises(ValidationError, match="distance_flown"):
        ExtractedObservation(attribute="range", value="600", quote="q", start=0, end=1, rule="r")


def test_an_extractor_giving_a_bad_observation_fails_its_document_alone(cli, db_url, monkeypatch, tmp_path):
    def misquoting(document):
        if "Second launch" in document.text:  # an extractor whose stated words are not in its quote
            sentence = _span(document.text, "It flew 400 km to 700 km, officials said.")
            ExtractedObservation(attribute="distance_flown", value="700", stated="700 miles", rule="r", **sentence)
        return hand_extraction(document)

    monkeypatch.setattr(importer, "extract", misquoting)
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "b.txt").write_text(SECOND, encoding="utf-8")
    code, out, err = cli("import", str(tmp_path), "--json")
    report = json.loads(out)
    assert code == 1 and report["documents_new"] == 1 and report["documents_failed"] == 1
    [failed] = report["documents"]
    assert failed["path"].endswith("b.txt") and "is not in the quote" in failed["error"]
    assert rows(db_url, "SELECT COUNT(*) FROM observations") == [(3,)]
    assert rows(db_url, "SELECT COUNT(*) FROM claims") == [(2,)]
