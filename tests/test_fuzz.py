"""Property-based fuzzing of the readers, the extractor and the import command with hostile input:
only clean one-line errors, never a traceback, never a partial write."""

import json
import tempfile
import unicodedata
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, text

from catalogue.errors import InputError
from catalogue.extract import extract
from catalogue.readers import Reader, normalise_text, parse_text
from catalogue.schemas import Document

SUFFIXES = [".txt", ".md", ".html", ".json", ".jsonl", ".htm"]
WEAPON_WORDS = ["Hwasong-18", "KN-23", " missile", " ICBM", "solid-fuel", " launched", " on Thursday", "KCNA said",
                "capable of", ",", ".", "\n", " the", " drone known as ", "Zircon", "Mach 9", " 1,000 km", "\u200b",
                "\u202e", "Hwaseong 17", " reminiscent of the ", "It was tested last spring."]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)


def read_bytes(data: bytes, suffix: str) -> list:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"fuzz{suffix}"
        path.write_bytes(data)
        return list(Reader(max_bytes=200_000).read([str(path)]))


def assert_clean(items: list) -> None:
    for item in items:
        if isinstance(item, InputError):
            assert "\n" not in str(item) and str(item).strip(), repr(item)
        else:
            assert isinstance(item, Document) and item.text.strip()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000), st.sampled_from(SUFFIXES))
def test_random_bytes_read_cleanly(data, suffix):
    assert_clean(read_bytes(data, suffix))


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=400), st.text(max_size=400))
def test_malformed_front_matter(header, body):
    raw = f"---\n{header}\n---\n{body}"
    try:
        document = parse_text(raw, "fuzz.md")
    except InputError as exc:
        assert "\n" not in str(exc)
    else:  # the text every offset points into: normalised, not blank, nothing added
        assert document.text.strip() and document.text == normalise_text(document.text), repr(document.text)
        assert "\r" not in document.text and document.text == document.text.rstrip()
        assert document.text in unicodedata.normalize("NFC", raw.replace("\r\n", "\n").replace("\r", "\n"))


@settings(max_examples=100, deadline=None)
@given(json_values, st.sampled_from([".json", ".jsonl"]))
def test_malformed_json(value, suffix):
    assert_clean(read_bytes(json.dumps(value).encode(), suffix))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(WEAPON_WORDS), st.text(max_size=20)), max_size=60))
def test_extractor_never_fails_and_quotes_are_spans(parts):
    text_ = "".join(parts)
    if not text_.strip():
        return
    extraction = extract(Document(text=text_))
    for system in extraction.systems:
        for claim in system.claims:
            if claim.quote is not None:
                assert text_[claim.start:claim.end] == claim.quote
        for event in system.events:
            assert text_[event.start:event.end] == event.quote


def test_huge_line_and_deep_json():
    line = ("North Korea fired a Hwasong-18 missile, " * 4000).encode()
    assert_clean(read_bytes(line, ".txt"))
    assert_clean(read_bytes(b"[" * 100_000 + b"]" * 100_000, ".json"))
    assert_clean(read_bytes(b'{"text": ' + b"[" * 50_000 + b"]" * 50_000 + b"}", ".json"))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=800), suffix=st.sampled_from(SUFFIXES))
def test_import_of_hostile_files_is_clean_and_atomic(cli, db_url, data, suffix):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"hostile{suffix}"
        path.write_bytes(data)
        engine = create_engine(db_url)
        with engine.connect() as connection:
            before = connection.execute(text("SELECT COUNT(*) FROM sources")).scalar() if _ready(connection) else 0
        code, out, err = cli("import", str(path))
        assert code in (0, 1) and "Traceback" not in out + err
        assert all(line.startswith("error: ") for line in err.splitlines())
        with engine.connect() as connection:
            after = connection.execute(text("SELECT COUNT(*) FROM sources")).scalar()
            orphans = connection.execute(text(
                "SELECT COUNT(*) FROM claims c WHERE c.source_id IS NOT NULL AND NOT EXISTS "
                "(SELECT 1 FROM sources s WHERE s.id = c.source_id)")).scalar()
        engine.dispose()
        assert orphans == 0
        if code == 1:
            assert after == before, "a refused file wrote a source"
        else:
            assert after - before in (0, 1)


def _ready(connection) -> bool:
    try:
        connection.execute(text("SELECT 1 FROM sources LIMIT 1"))
        return True
    except Exception:  # not migrated yet: the first import creates the schema
        connection.rollback()
        return False
