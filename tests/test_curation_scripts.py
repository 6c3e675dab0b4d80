"""What curation scripts rely on (issue 12, part 2): claim ids and statuses everywhere a claim is shown or
exported, ids that survive reextract, curated category and country, where each source came from, and quotes
free of Markdown markup. On SQLite and PostgreSQL."""

import csv
import io
import json

import pytest
from sqlalchemy import text

from catalogue.readers import plain_markdown

from conftest import SEED_ARTICLE


def ok(cli, *args, input=None) -> str:
    code, out, err = cli(*args, input=input)
    assert code == 0, (args, err)
    return out


def claim_rows(cli) -> dict[int, tuple]:
    """Every claim by id: (system, attribute, value, start, end, status), read with SQL."""
    rows = json.loads(ok(cli, "sql", "SELECT c.id, s.name, c.attribute, c.value, c.start, c.\"end\", c.status "
                                     "FROM claims c JOIN systems s ON s.id = c.system_id", "--json"))
    return {r["id"]: (r["name"], r["attribute"], r["value"], r["start"], r["end"], r["status"]) for r in rows}


def fuel_claim(cli) -> int:
    [claim] = [c for c in json.loads(ok(cli, "show", "Hwasong-18", "--json"))["claims"] if c["attribute"] == "fuel"]
    return claim["id"]


def test_claim_id_and_status_in_show_and_every_export(seeded):
    claim_id = fuel_claim(seeded)
    ok(seeded, "claim", "retract", str(claim_id), "--note", "withdrawn")
    database = claim_rows(seeded)
    assert database[claim_id][-1] == "retracted"

    shown = json.loads(ok(seeded, "show", "Hwasong-18", "--json"))["claims"]
    exported = json.loads(ok(seeded, "export"))
    assert exported["format"] == "catalogue-export/3"
    lines = [json.loads(line) for line in ok(seeded, "export", "--format", "jsonl").splitlines()]
    table = [r for r in csv.DictReader(io.StringIO(ok(seeded, "export", "--format", "csv"))) if r["claim_id"]]
    every_json = [c for s in exported["systems"] for c in s["claims"] if c["id"] is not None]
    assert every_json == [c for s in lines for c in s["claims"] if c["id"] is not None]
    # Every claim of the database, once, with its id and status; and only claims: relations have no id.
    assert sorted((c["id"], c["status"]) for c in every_json) == sorted((i, r[-1]) for i, r in database.items())
    assert sorted((int(r["claim_id"]), r["status"]) for r in table) == sorted((i, r[-1]) for i, r in database.items())
    for claim in shown + every_json:
        name, attribute, value, start, end, status = database[claim["id"]]
        assert (claim["attribute"], claim["value"], claim["start"], claim["end"]) == (attribute, value, start, end)
    assert [c["status"] for c in shown if c["id"] == claim_id] == ["retracted"]
    assert [r["status"] for r in table if r["claim_id"] == str(claim_id)] == ["retracted"]
    relations = [c for s in exported["systems"] for c in s["claims"] if c["id"] is None]
    assert relations and {c["attribute"] for c in relations} <= {"resembles", "compared_to", "variant_of"}


def test_reextract_keeps_the_id_of_an_unchanged_claim(seeded):
    claim_id = fuel_claim(seeded)
    ok(seeded, "claim", "dispute", str(claim_id))
    before = claim_rows(seeded)
    ok(seeded, "reextract", "--all")
    after = claim_rows(seeded)
    assert after == before  # same ids (not renumbered), same claims, the disputed one still disputed
    assert after[claim_id][-1] == "disputed"
    # The curation still names the claim, and still applies on a second reextract.
    ok(seeded, "reextract", "--all")
    assert claim_rows(seeded) == before
    [curation] = json.loads(ok(seeded, "sql", "SELECT claim_id, new_value FROM curations", "--json"))
    assert curation == {"claim_id": claim_id, "new_value": "disputed"}


def test_reextract_drops_a_claim_not_found_again(seeded, db_url):
    from catalogue.db import open_engine

    engine = open_engine(db_url)
    with engine.begin() as connection:
        stale = connection.execute(text(
            "INSERT INTO claims (system_id, attribute, value, quote, start, \"end\", source_id, extractor, "
            "extractor_version, status, created_at) SELECT system_id, 'capability', 'an old rule''s guess', quote, "
            "start, \"end\", source_id, 'old.rule', 'rules-0', 'claimed', created_at FROM claims "
            "WHERE source_id IS NOT NULL ORDER BY id LIMIT 1 RETURNING id")).scalar_one()
        # A kept claim takes what the extractor says now (its quote, its version), not what it said before.
        connection.execute(text("UPDATE claims SET quote = 'an old quote', extractor_version = 'rules-0' "
                                "WHERE id = 1"))
    before = claim_rows(seeded)
    ok(seeded, "reextract", "--all")
    after = claim_rows(seeded)
    assert stale not in after
    assert after == {i: row for i, row in before.items() if i != stale}
    with engine.connect() as connection:
        quote, version, start, end, source_text = connection.execute(text(
            "SELECT c.quote, c.extractor_version, c.start, c.\"end\", s.text FROM claims c "
            "JOIN sources s ON s.id = c.source_id WHERE c.id = 1")).one()
    engine.dispose()
    assert version != "rules-0" and quote == source_text[start:end]


def test_set_category_and_country(seeded, tmp_path):
    ok(seeded, "set", "Haeil", "category", "Cruise Missile", "--note", "per the 2024 test")
    ok(seeded, "set", "haeil", "country", "Russia")
    shown = ok(seeded, "show", "Haeil")
    assert "country: Russia (curated)" in shown.splitlines()[0]
    assert "category: cruise_missile (curated)" in shown
    assert "fuel: - (curated)" not in shown and "fuel: -" in shown
    curations = json.loads(ok(seeded, "sql", "SELECT action, old_value, new_value, note FROM curations ORDER BY id",
                              "--json"))
    assert curations == [
        {"action": "set_category", "old_value": None, "new_value": "cruise_missile", "note": "per the 2024 test"},
        {"action": "set_country", "old_value": "North Korea", "new_value": "Russia", "note": None}]

    def haeil():
        [row] = [s for s in json.loads(ok(seeded, "systems", "--json")) if s["name"] == "Haeil"]
        return row["category"], row["country"]

    assert haeil() == ("cruise_missile", "Russia")
    ok(seeded, "reextract", "--all")
    article = tmp_path / "haeil.txt"
    article.write_text("North Korea tested its Haeil underwater drone again on 4 April 2023, KCNA said. "
                       "The Haeil is a nuclear-capable underwater drone.\n")
    ok(seeded, "import", str(article))
    assert haeil() == ("cruise_missile", "Russia")
    assert json.loads(ok(seeded, "show", "Haeil", "--json"))["category"] == "cruise_missile"
    assert json.loads(ok(seeded, "export"))["systems"][0]["category"] == "cruise_missile"  # Haeil sorts first
    assert ok(seeded, "systems", "--category", "cruise missile").count("Haeil") == 1

    code, out, err = seeded("set", "Haeil", "category", "plasma cannon")
    assert code == 1 and err.startswith("error: unknown category 'plasma cannon'; use one of: icbm, ")
    assert "cruise_missile" in err and err.count("\n") == 1
    code, _, err = seeded("set", "Haeil", "fuel", "solid")
    assert code == 1 and err == "error: set: can set category or country, not 'fuel'\n"
    code, _, err = seeded("set", "Haeil", "country", " ")
    assert code == 1 and "needs letters" in err
    code, _, err = seeded("set", "Nonexistent-99", "country", "Iran")
    assert code == 1 and err.startswith("error: ")
    assert len(json.loads(ok(seeded, "sql", "SELECT id FROM curations", "--json"))) == 2  # refusals record nothing


def test_each_source_records_where_it_came_from(cli, tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "one.txt").write_text("North Korea fired a Hwasong-18 on 13 April 2023, KCNA said.\n")
    lines = tmp_path / "feed.jsonl"
    lines.write_text(json.dumps({"text": "Iran unveiled the Fattah missile in June 2023."}) + "\n"
                     + json.dumps({"text": "Russia fired a Kinzhal missile at Kyiv in May 2023."}) + "\n")
    ok(cli, "import", str(folder), str(lines))
    ok(cli, "import", "-", input="China displayed the DF-41 missile in Beijing in 2019.\n")
    origins = [json.loads(ok(cli, "source", str(n), "--json"))["origin"] for n in (1, 2, 3, 4)]
    assert origins == [str(folder / "one.txt"), f"{lines}:1", f"{lines}:2", "-"]
    assert f"origin: {folder / 'one.txt'}" in ok(cli, "source", "1").splitlines()
    assert [s["origin"] for s in json.loads(ok(cli, "export"))["sources"]] == origins
    ok(cli, "import", str(folder / "one.txt"))  # the same text again: unchanged, its origin stays the first
    assert json.loads(ok(cli, "source", "1", "--json"))["origin"] == str(folder / "one.txt")


MARKDOWN = """---
published: 2023-06-06
---
# Iran unveils **Fattah**, its first hypersonic missile

Iran unveiled the **Fattah** on Tuesday, which *IRNA* said is a hypersonic missile with a range of 1,400 km.
The _Fattah_ uses solid fuel, said [Tasnim](https://tasnimnews.com "Tasnim"), according to `state media`.
"""


def stored_text(db_url: str, source_id: int) -> str:
    from catalogue.db import open_engine

    engine = open_engine(db_url)
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT text FROM sources WHERE id = :id"), {"id": source_id}).scalar_one()
    finally:
        engine.dispose()


def test_markdown_markup_is_not_stored_so_quotes_and_offsets_hold(cli, db_url, tmp_path):
    article = tmp_path / "fattah.md"
    article.write_text(MARKDOWN)
    ok(cli, "import", str(article))
    stored = stored_text(db_url, 1)
    assert stored == (
        "Iran unveils Fattah, its first hypersonic missile\n\n"
        "Iran unveiled the Fattah on Tuesday, which IRNA said is a hypersonic missile with a range of 1,400 km.\n"
        "The Fattah uses solid fuel, said Tasnim, according to state media.")
    system = json.loads(ok(cli, "show", "Fattah", "--json"))
    quoted = [c for c in system["claims"] if c["quote"]]
    assert {c["attribute"] for c in quoted} >= {"range", "fuel"}
    for claim in quoted:
        assert stored[claim["start"]:claim["end"]] == claim["quote"]
        assert not set("*_#`[]") & set(claim["quote"]), claim["quote"]
    assert json.loads(ok(cli, "source", "1", "--json"))["title"] == "Iran unveils Fattah, its first hypersonic missile"
    # A .txt article is plain text: its asterisks are the writer's, and kept.
    plain = tmp_path / "note.txt"
    plain.write_text("The **Fattah** is a missile, Iran said.\n")
    ok(cli, "import", str(plain))
    assert stored_text(db_url, 2) == "The **Fattah** is a missile, Iran said."


@pytest.mark.parametrize("markdown, plain", [
    ("## Heading ##", "Heading"),
    ("   # Indented heading", "Indented heading"),
    ("#hashtag stays", "#hashtag stays"),
    ("snake_case_name and 2*3*4 stay", "snake_case_name and 2*3*4 stay"),
    ("* a bullet stays", "* a bullet stays"),
    ("**strong** __strong__ *em* _em_", "strong strong em em"),
    ("![a photo](x.png) [a link](http://x)", "a photo a link"),
    ("an unclosed **star", "an unclosed **star"),
])
def test_plain_markdown(markdown, plain):
    assert plain_markdown(markdown) == plain


def test_downgrade_below_origin_and_set_names_what_it_drops(cli):
    ok(cli, "import", str(SEED_ARTICLE))
    ok(cli, "set", "Haeil", "category", "torpedo")
    code, _, err = cli("db", "downgrade", "0004")
    assert code == 1 and err.count("\n") == 1
    assert ("1 row of table curations" in err and "column sources.origin (1 value)" in err
            and "column systems.category (1 value)" in err and "--yes" in err)
    ok(cli, "db", "downgrade", "0004", "--yes")
    ok(cli, "db", "upgrade")
    [haeil] = [s for s in json.loads(ok(cli, "systems", "--json")) if s["name"] == "Haeil"]
    assert haeil["category"] == "unmanned_underwater_vehicle"  # the claims' category again
