"""No document stops an import: whatever fails while reading, validating, hashing, extracting or writing one
document is that document's one-line error naming its file (and line, for .jsonl); it writes no row, the
others land, and the run exits 1. On SQLite and PostgreSQL; `pytest --long` runs more examples."""

import itertools
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import threading
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, text

from catalogue import importer
from catalogue.writer import BatchWriter

from conftest import SEED_ARTICLE, canonical

GOLDEN = Path(__file__).resolve().parent / "golden"
CASES = [json.loads(line) for path in sorted(GOLDEN.glob("*.jsonl"))
         for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
GOOD = "Iran unveiled the Fattah hypersonic missile on Tuesday, state media said.\n"
NEUTRAL = {"cwd": "/"}  # run the installed catalogue, not the source tree (see test_reliability)


def catalogue_command(db_url: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "catalogue", "--db", db_url, *args]


def source_texts(db_url: str) -> list[str]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(text("SELECT text FROM sources")).scalars())
    finally:
        engine.dispose()


def error_lines(err: str) -> list[str]:
    lines = err.strip().splitlines()
    assert all(line.startswith("error: ") for line in lines), err
    return lines


# --- The reproductions of issue 10: each bad document is one line, the good one beside it lands ---

ONE_LINE_ERRORS = {
    "feb30.md": (b"---\npublished: 2023-02-30\n---\nNorth Korea fired a KN-23.\n",
                 "malformed front matter: published: 2023-02-30 is not a valid date"),
    "year0.md": (b"---\npublished: 0000-01-01\n---\nNorth Korea fired a KN-23.\n",
                 "malformed front matter: published: 0000-01-01 is not a valid date"),
    "number.md": (b"---\npublished: 12345\n---\nNorth Korea fired a KN-23.\n",
                  "malformed front matter: published: 12345 is not a date such as 2023-07-28"),
    "bool.md": (b"---\npublished: true\n---\nNorth Korea fired a KN-23.\n",
                "malformed front matter: published: true is not a date such as 2023-07-28"),
    "tagged.md": (b"---\ntitle: !!int " + b"7" * 5000 + b"\n---\nNorth Korea fired a KN-23.\n",
                  "malformed front matter: Exceeds the limit (4300 digits) for integer string conversion"),
    "negative.json": (b'{"text": "North Korea fired a KN-23.", "published": -5}',
                      "malformed metadata: published: -5 is not a date such as 2023-07-28"),
    "listtitle.json": (b'{"text": "North Korea fired a KN-23.", "title": ["a", "b"]}',
                       "malformed metadata: title: must be text"),
    "digits.json": (b'{"text": "North Korea fired a KN-23.", "views": ' + b"9" * 5000 + b"}",
                    "malformed JSON: a number of 5,000 digits, longer than the 4,300 digits a number may have"),
    "surrogate.json": (b'{"text": "North Korea fired a KN-23 \\ud800."}',
                       "text contains a lone surrogate '\\ud800' at character 26, not valid Unicode"),
    "surrogatetitle.json": (b'{"text": "North Korea fired a KN-23.", "title": "bad \\udcff"}',
                            "malformed metadata: title: contains a lone surrogate '\\udcff' at character 4"),
    "badutf16.txt": (b"\xff\xfe" + "North Korea".encode("utf-16-le") + b"\x00\xd8",
                     "not valid UTF-16 despite its byte-order mark"),
}


@pytest.mark.parametrize("name", sorted(ONE_LINE_ERRORS))
def test_bad_value_is_its_documents_one_line_error(cli, db_url, tmp_path, name):
    data, message = ONE_LINE_ERRORS[name]
    (tmp_path / name).write_bytes(data)
    (tmp_path / "good.txt").write_text(GOOD)
    code, out, err = cli("import", str(tmp_path / name), str(tmp_path / "good.txt"))
    assert code == 1, out + err
    [line] = error_lines(err)
    assert line.startswith(f"error: {tmp_path / name}: {message}"), line
    assert "1 new, 0 unchanged, 1 failed" in out
    assert source_texts(db_url) == [GOOD.strip()]


def test_jsonl_errors_name_file_and_line(cli, db_url, tmp_path):
    rows = ['{"text": "North Korea fired a KN-23 on Monday."}',
            '{"text": "North Korea fired a KN-24 \\ud800 on Tuesday."}',
            '{"text": "Russia tested the Sarmat.", "published": "2023-02-30"}',
            '{"text": "Iran unveiled the Fattah.", "n": ' + "1" * 4301 + "}",
            '{"text": "China showed the DF-41 \u2028 at a parade."}',  # U+2028 is no line break in JSON Lines
            '{"text": "broken',
            '{"text": "Iran unveiled the Fattah on Friday."}']
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    code, out, err = cli("import", str(path))
    assert code == 1
    assert error_lines(err) == [
        f"error: {path}:2: text contains a lone surrogate '\\ud800' at character 26, not valid Unicode",
        f"error: {path}:3: malformed metadata: published: 2023-02-30 is not a valid date",
        f"error: {path}:4: malformed JSON: a number of 4,301 digits, longer than the 4,300 digits a number may have",
        f"error: {path}:6: malformed JSON: Unterminated string starting at column 10",
    ]
    assert len(source_texts(db_url)) == 3


@pytest.mark.parametrize("value, stored", [
    ("2023", "2023-01-01"), ("2023-07", "2023-07-01"), ("2023-07-28", "2023-07-28"), ("2023-7-8", "2023-07-08"),
    ("2023-07-28T23:30:00Z", "2023-07-28"), ("'2023-07-28'", "2023-07-28"), ("", "None"),
])
def test_good_dates_in_front_matter_are_kept(cli, db_url, tmp_path, value, stored):
    path = tmp_path / "dated.md"
    path.write_text(f"---\ntitle: 007\npublished: {value}\n---\nNorth Korea fired a KN-23.\n")
    code, out, err = cli("import", str(path))
    assert code == 0, err
    engine = create_engine(db_url)
    with engine.connect() as connection:
        assert tuple(map(str, connection.execute(text("SELECT title, published FROM sources")).one())) == (
            "007", stored)  # YAML would have made the title the number 7
    engine.dispose()


@pytest.mark.parametrize("encoding, mark", [("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff"),
                                            ("utf-32-le", b"\xff\xfe\x00\x00"), ("utf-32-be", b"\x00\x00\xfe\xff")])
def test_utf16_and_utf32_with_a_byte_order_mark_are_decoded(cli, db_url, tmp_path, encoding, mark):
    article = "Le missile nord-coréen Hwasong-17 a été exposé à Pyongyang, selon l’agence KCNA — 北朝鮮.\n"
    (tmp_path / "plain.txt").write_bytes(mark + article.encode(encoding))
    front = "---\ntitle: Deux\npublished: 2024-01-15\n---\n" + article.replace("Hwasong-17", "Hwasong-18")
    (tmp_path / "front.md").write_bytes(mark + front.encode(encoding))
    record = json.dumps({"text": article.replace("Hwasong-17", "KN-23"), "title": "Trois"}, ensure_ascii=False)
    (tmp_path / "record.json").write_bytes(mark + record.encode(encoding))
    code, out, err = cli("import", str(tmp_path))
    assert code == 0 and err == "", err
    texts = source_texts(db_url)
    assert sorted(texts) == sorted([article.strip(), article.strip().replace("Hwasong-17", "Hwasong-18"),
                                    article.strip().replace("Hwasong-17", "KN-23")])


def test_a_fifo_is_refused_not_waited_on(db_url, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    fifo = folder / "pipe.txt"
    os.mkfifo(fifo)
    (folder / "good.txt").write_text(GOOD)
    done = subprocess.run(catalogue_command(db_url, "import", str(fifo), str(folder / "good.txt")),
                          capture_output=True, text=True, timeout=120, **NEUTRAL)
    assert done.returncode == 1, done.stderr
    assert error_lines(done.stderr) == [
        f"error: {fifo}: not a regular file (a pipe, socket or device); use - to read standard input"]
    # Inside a folder, a FIFO is skipped like any other file that is not an article.
    done = subprocess.run(catalogue_command(db_url, "import", str(folder), "--json"),
                          capture_output=True, text=True, timeout=120, **NEUTRAL)
    report = json.loads(done.stdout)
    assert done.returncode == 0 and (report["documents_unchanged"], report["files_skipped"]) == (1, 1), done.stderr


def test_standard_input_stops_reading_at_the_limit(db_url):
    limit, written = 100_000, 0
    chunk = b"North Korea fired a KN-23 missile. " * 1000
    with subprocess.Popen(catalogue_command(db_url, "import", "-", "--max-bytes", str(limit)), stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, **NEUTRAL) as process:

        def feed() -> None:  # an endless article: reading it whole would never end
            nonlocal written
            try:
                while written < 1_000_000_000:
                    process.stdin.write(chunk)
                    written += len(chunk)
            except (BrokenPipeError, ValueError, OSError):
                pass

        feeder = threading.Thread(target=feed, daemon=True)
        feeder.start()
        try:
            process.wait(timeout=120)  # not communicate(): it would close standard input at once
        finally:
            process.kill()
        feeder.join(timeout=10)
        err = process.stderr.read().decode()
    assert process.returncode == 1
    assert error_lines(err) == [f"error: -: input is over the limit of {limit:,} bytes"]
    assert written < 20 * limit  # it stopped reading just past the limit (plus what the pipe buffers)
    assert source_texts(db_url) == []


# --- Extraction: any exception is the document's error, in one process or in several ---

def test_any_extraction_exception_is_the_documents_error(cli, db_url, tmp_path, monkeypatch):
    real = importer.extract

    def flaky(document):
        if "Sarmat" in document.text:
            raise KeyError("sarmatsarmat")
        if "Kinzhal" in document.text:
            raise RecursionError("maximum recursion depth exceeded\nwhile extracting")
        return real(document)

    monkeypatch.setattr(importer, "extract", flaky)
    (tmp_path / "a.txt").write_text("Russia tested the Sarmat Sarmat missile. Later the Sarmat flew.\n")
    (tmp_path / "b.txt").write_text(GOOD)
    (tmp_path / "c.txt").write_text("Russia fired a Kinzhal at Kyiv, Ukraine's air force said.\n")
    code, out, err = cli("import", str(tmp_path))
    assert code == 1
    assert error_lines(err) == [
        f"error: {tmp_path / 'a.txt'}: extraction failed: KeyError: 'sarmatsarmat'",
        f"error: {tmp_path / 'c.txt'}: extraction failed: RecursionError: maximum recursion depth exceeded "
        "while extracting"]
    assert source_texts(db_url) == [GOOD.strip()]


def poison_workers() -> None:
    """Initializer of the test's extraction processes: some documents make a worker fail in ways
    _extract_safely cannot catch (a result that cannot be sent back, a process that dies)."""
    real = importer.extract

    class Unpicklable:
        extractor_version = "poison"
        systems = [lambda: None]

    def extract(document):
        if "POISON-EXIT" in document.text:
            os._exit(3)
        if "POISON-UNSENDABLE" in document.text:
            return Unpicklable()
        if "POISON-RAISE" in document.text:
            raise ValueError("poisoned on purpose")
        return real(document)

    importer.extract = extract


def poisoned_executor(jobs: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn"), initializer=poison_workers)


def test_a_worker_that_raises_or_dies_does_not_stop_the_run(cli, db_url, tmp_path, monkeypatch):
    monkeypatch.setattr(importer, "_executor", poisoned_executor)
    poisons = {7: "POISON-RAISE", 20: "POISON-UNSENDABLE", 33: "POISON-EXIT", 34: "POISON-EXIT"}
    cases = itertools.cycle(CASES)
    for n in range(60):
        (tmp_path / f"{n:03d}.txt").write_text(f"Dispatch {n}. {poisons.get(n, '')}\n{next(cases)['text']}\n")
    code, out, err = cli("import", str(tmp_path), "--jobs", "2")
    assert code == 1, err
    assert error_lines(err) == [
        f"error: {tmp_path / '007.txt'}: extraction failed: ValueError: poisoned on purpose",
        f"error: {tmp_path / '020.txt'}: extraction failed: AttributeError: Can't pickle local object "
        "'poison_workers.<locals>.Unpicklable.<lambda>'",
        f"error: {tmp_path / '033.txt'}: extraction failed: its worker process died (out of memory, or killed)",
        f"error: {tmp_path / '034.txt'}: extraction failed: its worker process died (out of memory, or killed)",
    ]
    landed = {t.split(".", 1)[0] for t in source_texts(db_url)}
    assert landed == {f"Dispatch {n}" for n in range(60) if n not in poisons}


# --- Writing: a failure in the middle of a batch loses none of the batch's other documents ---

def test_failures_in_the_middle_of_batches_keep_the_others(cli, db_url, tmp_path, monkeypatch):
    real_write, real_extract = BatchWriter._write_events, importer.extract

    def write_events(self, events):
        if any("WRITE-FAILS" in row["event"]["quote"] for row in events):
            raise RuntimeError("disk on fire\nDETAIL: second line")
        real_write(self, events)

    def extract(document):
        if "EXTRACT-FAILS" in document.text:
            raise IndexError("list index out of range")
        return real_extract(document)

    monkeypatch.setattr(BatchWriter, "_write_events", write_events)
    monkeypatch.setattr(importer, "extract", extract)
    marks = {5: "WRITE-FAILS", 60: "EXTRACT-FAILS", 99: "WRITE-FAILS", 100: "WRITE-FAILS", 170: "EXTRACT-FAILS"}
    for n in range(210):
        mark = marks.get(n, "")
        body = (f"Dispatch {n}. North Korea launched a Hwasong-18 missile {mark} on Monday, KCNA said.\n" if mark
                else f"Dispatch {n}. {CASES[n % len(CASES)]['text']}\n")
        (tmp_path / f"{n:03d}.txt").write_text(body)
    (tmp_path / "130.json").write_text('{"text": "Dispatch 130. The KN-23.", "published": "2023-02-30"}')
    code, out, err = cli("import", str(tmp_path), "--json")
    report = json.loads(out)
    assert code == 1
    failed = {line.split(": ")[1]: line.split(": ", 2)[2] for line in error_lines(err)}
    assert failed == {
        str(tmp_path / "005.txt"): "internal error, nothing written: RuntimeError: disk on fire DETAIL: second line",
        str(tmp_path / "060.txt"): "extraction failed: IndexError: list index out of range",
        str(tmp_path / "099.txt"): "internal error, nothing written: RuntimeError: disk on fire DETAIL: second line",
        str(tmp_path / "100.txt"): "internal error, nothing written: RuntimeError: disk on fire DETAIL: second line",
        str(tmp_path / "130.json"): "malformed metadata: published: 2023-02-30 is not a valid date",
        str(tmp_path / "170.txt"): "extraction failed: IndexError: list index out of range",
    }
    landed = {t.split(".", 1)[0] for t in source_texts(db_url)}
    assert landed == {f"Dispatch {n}" for n in range(210) if n not in marks}
    assert (report["documents_new"], report["documents_failed"]) == (205, 6)
    assert len(canonical(db_url)["claims"]) == report["claims_added"]


# --- Property: mutated real documents; what lands is exactly the set valid by construction ---

GOOD_DATES = {"2023": "2023-01-01", "2023-07": "2023-07-01", "2023-07-28": "2023-07-28", "2023-7-8": "2023-07-08",
              "2023-07-28T10:00:00Z": "2023-07-28", "2023-07-28 10:00:00": "2023-07-28"}
BAD_DATES = ["2023-02-30", "0000-01-01", "12345", "true", "2023-13-01", "-5", "yesterday"]
ENCODINGS = {"utf-8": ("", "utf-8"), "utf-8-sig": ("\ufeff", "utf-8"), "utf-16-le": ("\ufeff", "utf-16-le"),
             "utf-16-be": ("\ufeff", "utf-16-be")}
MUTATIONS = ["none", "good_date", "bad_date", "doubled", "cut", "huge_number", "surrogate", "truncated"]
document_specs = st.lists(st.tuples(
    st.integers(0, len(CASES) - 1), st.sampled_from(["md", "txt", "json", "jsonl"]), st.sampled_from(sorted(ENCODINGS)),
    st.sampled_from(MUTATIONS), st.sampled_from(sorted(GOOD_DATES)), st.sampled_from(BAD_DATES),
    st.floats(0, 1)), min_size=1, max_size=12)
serial = itertools.count()


def build(spec: tuple, folder: Path, jsonl: list[str]) -> tuple[str, str, bool, str | None, str]:
    """Write one document; (path as reported, marker, valid by construction, stored date, expected error)."""
    case, kind, encoding, mutation, good_date, bad_date, fraction = spec
    marker = f"Dispatch {next(serial)}"
    body, names = CASES[case]["text"], [s["name"] for s in CASES[case].get("systems", [])]
    if mutation == "doubled":  # a system named twice running: "the Hwasong-18 Hwasong-18 missile"
        name = next((n for n in names if n in body), body.split()[0])
        body = body.replace(name, f"{name} {name}", 1)
    if mutation == "cut":  # a fragment: the article cut off anywhere
        body = body[:int(len(body) * fraction)]
    article = f"{marker}.\n{body}"
    if kind == "txt" or mutation in ("huge_number", "surrogate", "truncated") and kind == "md":
        mutation = mutation if mutation in ("doubled", "cut") else "none"
        kind = "txt"
    date = {"good_date": good_date, "bad_date": bad_date}.get(mutation)
    valid = mutation in ("none", "good_date", "doubled", "cut")
    error = {"bad_date": "published: ", "huge_number": "digits", "surrogate": "lone surrogate",
             "truncated": "malformed JSON"}.get(mutation, "")
    if kind in ("txt", "md"):
        content = article if kind == "txt" else (
            f"---\ntitle: {marker}\n" + (f"published: {date}\n" if date else "") + f"---\n{article}")
    else:
        record = {"text": article + ("\ud800" if mutation == "surrogate" else ""), "title": marker}
        if date is not None:
            record["published"] = True if date == "true" else int(date) if date.lstrip("-").isdigit() else date
        content = json.dumps(record, ensure_ascii=mutation == "surrogate" or kind == "jsonl")
        if mutation == "huge_number":
            content = content[:-1] + ', "views": ' + "9" * 4400 + "}"
        if mutation == "truncated":
            content = content[:max(1, int(len(content) * fraction) - 1)]
    if kind == "jsonl":
        jsonl.append(content)
        return f"{folder / 'all.jsonl'}:{len(jsonl)}", marker, valid, GOOD_DATES.get(date), error
    bom, codec = ENCODINGS[encoding]
    path = folder / f"{marker.split()[1]}.{kind}"
    path.write_bytes((bom + content).encode(codec))
    return str(path), marker, valid, GOOD_DATES.get(date) if valid else None, error


def test_mutated_real_documents_land_exactly_when_valid(cli, db_url, long_run):
    @settings(max_examples=120 if long_run else 8, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(specs=document_specs)
    def run(specs):
        with tempfile.TemporaryDirectory() as name:
            folder, jsonl = Path(name), []
            expected = [build(spec, folder, jsonl) for spec in specs]
            if jsonl:
                (folder / "all.jsonl").write_text("\n".join(jsonl) + "\n", encoding="utf-8")
            code, out, err = cli("import", str(folder))
        assert "Traceback" not in out + err
        failed = {line[len("error: "):].split(": ", 1)[0]: line for line in error_lines(err)}
        assert failed.keys() == {path for path, _, valid, _, _ in expected if not valid}, err
        for path, _, valid, _, error in expected:
            assert valid or error in failed[path], failed[path]
        assert code == (1 if failed else 0)
        engine = create_engine(db_url)
        with engine.connect() as connection:
            stored = {t.split(".", 1)[0]: str(p) for t, p in connection.execute(text(
                "SELECT text, published FROM sources WHERE text LIKE 'Dispatch %'"))}
        engine.dispose()
        mine = {marker for _, marker, _, _, _ in expected}
        assert {m for m in stored if m in mine} == {marker for _, marker, valid, _, _ in expected if valid}
        for _, marker, valid, date, _ in expected:
            if valid:
                assert stored[marker] == str(date), (marker, stored[marker], date)

    run()


def test_the_seed_article_doubled_and_cut_still_imports(cli, db_url, tmp_path):
    article = SEED_ARTICLE.read_text(encoding="utf-8")
    (tmp_path / "doubled.txt").write_text(article.replace("Hwasong-18", "Hwasong-18 Hwasong-18"))
    (tmp_path / "cut.txt").write_text(article[: len(article) // 3])
    (tmp_path / "repro.txt").write_text("It showed the Hwasong-18 Hwasong-18 missile. Later the Hwasong-18 flew.\n")
    code, out, err = cli("import", str(tmp_path))
    assert code == 0 and err == "", err
    assert len(source_texts(db_url)) == 3
