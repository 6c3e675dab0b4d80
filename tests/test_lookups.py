"""Lookups, search, read-only SQL, export and curation, on SQLite and PostgreSQL."""

import csv
import io
import json

import jsonschema
import pytest

from catalogue.schema_doc import datasette_metadata

from conftest import SEED_ARTICLE


def as_json(cli, *args):
    return json.loads(ok(cli, *args, "--json"))


def ok(cli, *args) -> str:
    """The output of a command that must succeed."""
    code, out, err = cli(*args)
    assert code == 0, (args, err)
    return out


CONTRACT_SYSTEM_KEYS = {"id", "name", "aliases", "country", "category", "fuel", "claims", "events"}


@pytest.mark.parametrize("name", ["Hwasong-18", "hwasong18", "HWASONG 18", "Hwaseong-18", "hwasong‐18"])
def test_show_by_every_alias_form(seeded, name):
    system = as_json(seeded, "show", name)
    assert set(system) == CONTRACT_SYSTEM_KEYS
    assert (system["name"], system["category"], system["fuel"]) == ("Hwasong-18", "icbm", "solid")
    fuel = [c for c in system["claims"] if c["attribute"] == "fuel"]
    assert fuel[0]["quote"].endswith("conducted its second test on 12 July near Pyongyang.")
    assert {e["kind"] for e in system["events"]} == {"display", "test"}


def test_show_by_designator_and_relation_claims(seeded):
    assert as_json(seeded, "show", "kn-28")["name"] == "Hwasong-17"
    drone = as_json(seeded, "show", "reaper-like drone")
    relations = {(c["attribute"], c["value"]) for c in drone["claims"]
                 if c["attribute"] in {"resembles", "compared_to", "variant_of"}}
    assert relations == {("resembles", "MQ-9 Reaper")}


def test_show_plain_text_lists_support_and_timeline(seeded):
    out = ok(seeded, "show", "Haeil")
    assert "unmanned_underwater_vehicle" in out and "Pyongyang" in out and "radioactive tsunamis" in out
    assert "spring 2023" in out  # EDTF 2023-21 in JSON


def test_unknown_system_suggests(seeded):
    code, out, err = seeded("show", "Hwasung-17")
    assert code == 1 and out == ""
    assert err.strip() == "error: no system named 'Hwasung-17'; did you mean: Hwasong-17, Hwasong-18?"


def test_conflicting_claims_side_by_side(seeded, tmp_path):
    other = tmp_path / "other.txt"
    other.write_text("Analysts said the Hwasong-18 is a liquid-fuelled missile, contradicting earlier reports.\n")
    ok(seeded, "import", str(other))
    out = ok(seeded, "show", "Hwasong-18")
    assert "CONFLICTING CLAIMS" in out and "liquid" in out and "solid" in out


def test_search_ranks_and_highlights(seeded, tmp_path):
    other = tmp_path / "other.txt"
    other.write_text("Russia says its Poseidon torpedo could trigger a radioactive tsunami near coasts. "
                     "Officials dismissed the tsunami threat as propaganda.\n")
    ok(seeded, "import", str(other))
    hits = as_json(seeded, "search", "tsunami")
    claims = [h for h in hits if h["kind"] == "claim"]
    sources = [h for h in hits if h["kind"] == "source"]
    assert claims and claims[0]["system"] in {"Haeil", "Poseidon"}
    assert all("[[" in h["snippet"] and "]]" in h["snippet"] for h in hits)
    assert len(sources) == 2 and sources[0]["score"] >= sources[1]["score"]
    assert sources[0]["source_title"].startswith("Russia says")  # two mentions outrank one
    assert as_json(seeded, "search", "nonexistentword") == []


def test_search_needs_words(seeded):
    code, _, err = seeded("search", "  ?! ")
    assert code == 1 and "at least one word" in err


def test_systems_filters(seeded):
    assert [s["name"] for s in as_json(seeded, "systems", "--fuel", "solid")] == ["Hwasong-18"]
    assert {s["name"] for s in as_json(seeded, "systems", "--category", "icbm")} == {"Hwasong-17", "Hwasong-18"}
    assert {s["name"] for s in as_json(seeded, "systems", "--country", "russia")} == {"Poseidon"}
    assert len(as_json(seeded, "systems", "--source", "1")) == 6


def test_sources(seeded):
    [source] = as_json(seeded, "sources")
    assert source["published"] == "2023-07-28" and "Haeil" in source["systems"]
    detail = as_json(seeded, "source", str(source["id"]))
    assert detail["claims"] > 0 and detail["events"] == 4
    code, _, err = seeded("source", "42")
    assert code == 1 and "no source with id 42" in err


def test_export_json_validates_against_schema(seeded, tmp_path):
    schema = json.loads(ok(seeded, "export", "--schema"))
    target = tmp_path / "export.json"
    code, _, err = seeded("export", "--format", "json", "--output", str(target))
    assert code == 0, err
    document = json.loads(target.read_text())
    jsonschema.validate(document, schema)
    assert document["format"] == "catalogue-export/3"  # contract §5, with claim ids and statuses (docs/export.md)
    assert set(document["sources"][0]) == {"id", "title", "publisher", "url", "published", "sha256", "origin"}
    for system in document["systems"]:
        assert set(system) == CONTRACT_SYSTEM_KEYS
        for claim in system["claims"]:
            assert set(claim) == {"id", "status", "attribute", "value", "unit", "quote", "start", "end", "claimant",
                                  "source_id", "extractor", "stated"}
        for event in system["events"]:
            assert set(event) == {"kind", "date", "date_precision", "location", "quote", "source_id",
                                  "observations"}


def test_export_jsonl_and_csv(seeded):
    lines = [json.loads(line) for line in ok(seeded, "export", "--format", "jsonl").splitlines()]
    assert lines == json.loads(ok(seeded, "export"))["systems"]  # the same systems, one per line
    assert len(lines) == 6 and all(set(line) == CONTRACT_SYSTEM_KEYS for line in lines)
    rows = list(csv.DictReader(io.StringIO(ok(seeded, "export", "--format", "csv"))))
    assert sum(len(line["claims"]) for line in lines) == len(rows)  # the seed reports no observations
    assert any(r["system"] == "Haeil" and r["claimant"] == "Pyongyang" for r in rows)
    code, _, err = seeded("export", "--format", "xml")
    assert code == 1 and "unknown format" in err


# Non-ASCII before and inside the quotes: offsets count characters, not bytes.
LAUNCH = ("Pyongyang fired a Hwasŏng-18 on 13 April 2023 — its third launch — and the missile flew about 1,000 km "
          "and reached an apogee of 6,000 km, Japan's defence ministry said.\n")


def assert_spans(records: list[dict], texts: dict[int, str]) -> None:
    """Each record's offsets point at its quote in its source's stored text."""
    for record in records:
        if record["source_id"] is None:  # the packaged reference list: no text to point into
            assert (record["quote"], record["start"], record["end"]) == (None, None, None), record
        else:
            assert record["start"] < record["end"], record
            assert texts[record["source_id"]][record["start"]:record["end"]] == record["quote"], record


def test_export_and_show_agree_with_the_database(seeded, engine, tmp_path):
    import hashlib
    from collections import Counter

    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from catalogue.models import Alias, Claim, Observation, Relation, Source, System, event_systems

    (tmp_path / "launch.txt").write_text(LAUNCH, encoding="utf-8")
    assert seeded("import", str(tmp_path / "launch.txt"))[0] == 0
    with Session(engine) as session:
        sources = [(s.id, s.title, hashlib.sha256(s.text.encode()).hexdigest(), s.text)
                   for s in session.scalars(select(Source).order_by(Source.id))]
        names = dict(session.execute(select(System.id, System.name)).all())
        aliases = {(a.system_id, a.name) for a in session.scalars(select(Alias)) if a.name != names[a.system_id]}
        claims = Counter(session.scalars(select(Claim.system_id))) + Counter(session.scalars(select(Relation.subject_id)))
        events = Counter(session.scalars(select(event_systems.c.system_id)))
        observations = Counter(session.scalars(select(event_systems.c.system_id).join(
            Observation, Observation.event_id == event_systems.c.event_id)))
    texts = {source_id: text for source_id, _, _, text in sources}

    code, out, err = seeded("export")
    assert code == 0, err
    document = json.loads(out)
    assert [(s["id"], s["title"], s["sha256"]) for s in document["sources"]] == [s[:3] for s in sources]
    assert {s["id"]: s["name"] for s in document["systems"]} == names
    assert {(s["id"], alias) for s in document["systems"] for alias in s["aliases"]} == aliases
    for system in document["systems"]:
        assert len(system["claims"]) == claims[system["id"]] and len(system["events"]) == events[system["id"]]
        assert sum(len(e["observations"]) for e in system["events"]) == observations[system["id"]]
        assert_spans(system["claims"], texts)
        for event in system["events"]:
            assert event["quote"] in texts[event["source_id"]]
            assert_spans(event["observations"], texts)
        shown = as_json(seeded, "show", system["name"])  # show --json: the same records, the same offsets
        assert_spans(shown["claims"], texts)
        assert_spans([o for e in shown["events"] for o in e["observations"]], texts)
        assert sorted((c["attribute"], c["value"], c["start"]) for c in shown["claims"]) == sorted(
            (c["attribute"], c["value"], c["start"]) for c in system["claims"])
    assert sum(observations.values()) > 0  # the launch measured its flight: its observations were checked too

    code, out, err = seeded("export", "--format", "csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == sum(claims.values()) + sum(observations.values())
    for row in rows:
        assert row["system"] == names[int(row["system_id"])]
        if row["source_id"]:
            assert texts[int(row["source_id"])][int(row["start"]):int(row["end"])] == row["quote"], row


def test_merge_then_import_lands_on_keep(seeded, tmp_path):
    later = tmp_path / "later.txt"
    later.write_text("North Korea flew the Saetbyol-9 drone over the East Sea on Monday, KCNA said.\n")
    ok(seeded, "import", str(later))
    code, out, err = seeded("merge", "Reaper-like drone", "Saetbyol-9", "--note", "the same airframe")
    assert code == 0 and "Saetbyol-9 merged into Reaper-like drone" in out, err
    third = tmp_path / "third.txt"
    third.write_text("The Saetbyol-9 was shown again at a parade in Pyongyang on Friday.\n")
    ok(seeded, "import", str(third))
    seed_id, later_id, third_id = sorted(s["id"] for s in as_json(seeded, "sources"))
    names = {s["name"] for s in as_json(seeded, "systems")}
    assert "Saetbyol-9" not in names and "Reaper-like drone" in names
    drone = as_json(seeded, "show", "Saetbyol-9")
    assert drone["name"] == "Reaper-like drone" and "Saetbyol-9" in drone["aliases"]
    assert sorted((e["kind"], e["source_id"]) for e in drone["events"]) == [("display", seed_id), ("display", third_id)]
    # Its own claims (seed), Saetbyol-9's (later) and the reference list's for Saetbyol-9 (no source).
    assert {c["source_id"] for c in drone["claims"]} == {seed_id, later_id, None}


def test_curation_survives_reextract(seeded):
    haeil = as_json(seeded, "show", "Haeil")
    [row] = as_json(seeded, "sql", "SELECT id FROM claims WHERE attribute = 'capability' AND value LIKE '%tsunamis%'")
    assert seeded("claim", "dispute", str(row["id"]), "--note", "no evidence")[0] == 0
    assert seeded("rename", "Haeil", "Haeil-1")[0] == 0
    assert seeded("alias", "add", "Haeil-1", "Tsunami drone")[0] == 0
    assert seeded("reextract", "--all")[0] == 0
    after = as_json(seeded, "show", "tsunami drone")
    assert after["name"] == "Haeil-1" and after["id"] == haeil["id"]
    statuses = as_json(seeded, "sql", "SELECT status FROM claims WHERE value LIKE '%tsunamis%'")
    assert statuses == [{"status": "disputed"}]
    log = as_json(seeded, "sql", "SELECT action, actor, note FROM curations ORDER BY id")
    assert [r["action"] for r in log] == ["claim_status", "rename", "alias_add"]
    assert log[0]["note"] == "no evidence" and all(r["actor"] for r in log)


def test_retracted_claim_no_longer_decides_fuel(seeded):
    [row] = as_json(seeded, "sql", "SELECT id FROM claims WHERE attribute = 'fuel'")
    assert seeded("claim", "retract", str(row["id"]))[0] == 0
    assert as_json(seeded, "show", "Hwasong-18")["fuel"] is None
    code, _, err = seeded("claim", "confirm", "99999")
    assert code == 1 and "no claim with id 99999" in err


def test_curation_errors(seeded):
    code, _, err = seeded("alias", "add", "Haeil", "Hwasong-17")
    assert code == 1 and "already names Hwasong-17" in err
    code, _, err = seeded("merge", "Haeil", "haeil")
    assert code == 1 and "same system" in err


def test_datasette_metadata_describes_every_column(seeded):
    from catalogue.models import Base

    tables = json.loads(ok(seeded, "datasette-metadata"))["databases"]["catalogue"]["tables"]
    for table in Base.metadata.sorted_tables:
        assert tables[table.name]["description"]
        assert set(tables[table.name]["columns"]) == {c.name for c in table.columns}
        assert all(tables[table.name]["columns"].values())
    assert tables["system_overview"]["columns"]["fuel"]
    assert datasette_metadata("x")["databases"]["x"]


def test_datasette_search_finds_through_the_metadata(tmp_path):
    """Datasette's ?_search= runs `fts_pk IN (SELECT rowid FROM fts_table WHERE fts_table MATCH :search)`
    (datasette/filters.py) with the tables the metadata names. SQLite only: Datasette reads SQLite files."""
    import sqlite3

    from typer.testing import CliRunner

    from catalogue.cli import app

    db = tmp_path / "catalogue.db"
    result = CliRunner().invoke(app, ["--db", str(db), "import", str(SEED_ARTICLE)])
    assert result.exit_code == 0, result.output
    tables = datasette_metadata()["databases"]["catalogue"]["tables"]
    connection = sqlite3.connect(db)
    for table, columns, word in [("claims", "value || quote", "tsunamis"), ("sources", "title || text", "Shoigu")]:
        fts, pk = tables[table]["fts_table"], tables[table]["fts_pk"]
        found = connection.execute(f"SELECT id FROM {table} WHERE {pk} IN "
                                   f"(SELECT rowid FROM {fts} WHERE {fts} MATCH :search)", {"search": word}).fetchall()
        expected = connection.execute(f"SELECT id FROM {table} WHERE {columns} LIKE ?", (f"%{word}%",)).fetchall()
        assert sorted(found) == sorted(expected) and expected, table
    assert {table for table, meta in tables.items() if "fts_table" in meta} == {"claims", "sources"}
    connection.close()
