"""Nothing lost, nothing half-written: kill -9, concurrent importers, hostile input, migrations with data.

Long variants (larger articles) run with `pytest --long`.
"""

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, inspect, text

from catalogue.extract import extract
from catalogue.readers import Reader

from conftest import SEED_ARTICLE, canonical, fresh_postgres_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from corpus import write_corpus  # noqa: E402

RELATIONS = {"resembles", "compared_to", "variant_of"}


def importer(db_url: str, *paths: Path) -> list[str]:
    return [sys.executable, "-m", "catalogue", "--db", db_url, "import", *map(str, paths), "--json"]


# Run the installed catalogue from a neutral folder: from the checkout, `python -m catalogue` would
# import the source tree instead (which has no catalogue.migrations until installed).
NEUTRAL = {"cwd": "/"}


def expected_counts(folder: Path) -> dict[str, tuple[int, int, int]]:
    """Per document hash: the mentions, claims and events a complete import writes."""
    expected = {}
    for document in Reader().read([str(folder)]):
        systems = extract(document).systems
        mentions = sum(len({m.start for m in s.mentions}) for s in systems)
        claims = sum(1 for s in systems for c in s.claims if c.rule != "reference-list" and c.attribute not in RELATIONS)
        events = len({(e.kind, e.start, e.end, e.date, e.location) for s in systems for e in s.events})
        expected[document.sha256] = (mentions, claims, events)
    return expected


def check_complete_or_absent(db_url: str, expected: dict[str, tuple[int, int, int]]) -> int:
    engine = create_engine(db_url)
    if not inspect(engine).has_table("sources"):  # killed before its first migration committed
        engine.dispose()
        return 0
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT s.sha256, (SELECT COUNT(*) FROM mentions m WHERE m.source_id = s.id), "
            "(SELECT COUNT(*) FROM claims c WHERE c.source_id = s.id), "
            "(SELECT COUNT(*) FROM events e WHERE e.source_id = s.id) FROM sources s")).all()
        if engine.dialect.name == "sqlite":
            assert connection.execute(text("PRAGMA foreign_key_check")).all() == []
    engine.dispose()
    for sha, *found in rows:
        assert tuple(found) == expected[sha], f"source {sha[:12]} is incomplete: {found} != {expected[sha]}"
    return len(rows)


def fresh_url(db_url: str, tmp_path: Path, name: str):
    if db_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / name}", lambda: None
    return fresh_postgres_url(db_url.split("?")[0])


def test_kill_nine_leaves_every_source_complete_or_absent(db_url, tmp_path, long_run):
    corpus = tmp_path / "corpus"
    write_corpus(corpus, 1000, seed=11, min_kb=2 if long_run else 1, max_kb=10 if long_run else 3)
    expected = expected_counts(corpus)
    rng = random.Random(2024)
    kills, present, longest = 0, [], 2.0
    while kills < 20:
        process = subprocess.Popen(importer(db_url, corpus), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   **NEUTRAL)
        time.sleep(rng.uniform(0.3, longest))
        if process.poll() is not None:
            break
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        kills += 1
        present.append(check_complete_or_absent(db_url, expected))
        if present[-1] > len(expected) * kills / 25:  # ahead of a pace that leaves work for 20 kills: kill sooner
            longest = max(0.4, longest * 0.6)
        elif present[-1] == (present[-2] if kills > 1 else 0):  # nothing committed before the kill (a loaded machine)
            longest = min(6.0, longest * 1.5)
    # The pace adapts to the machine; a loaded one may finish a little early, and ten kills still land mid-batch.
    assert kills >= 10, f"the import finished after {kills} kills; make the corpus larger"
    assert present[-1] > present[0], "the killed runs made no progress"
    finished = subprocess.run(importer(db_url, corpus), capture_output=True, text=True, check=False, **NEUTRAL)
    assert finished.returncode == 0, finished.stderr
    assert check_complete_or_absent(db_url, expected) == len(expected)

    reference_url, drop = fresh_url(db_url, tmp_path, "reference.db")
    try:
        clean = subprocess.run(importer(reference_url, corpus), capture_output=True, text=True, check=False,
                               **NEUTRAL)
        assert clean.returncode == 0, clean.stderr
        assert canonical(db_url) == canonical(reference_url)
    finally:
        drop()


def test_four_concurrent_importers_lose_and_duplicate_nothing(db_url, tmp_path, long_run):
    chunks = []
    for n in range(4):
        folder = tmp_path / f"chunk{n}"
        write_corpus(folder, 60 if not long_run else 300, seed=100 + n, min_kb=1, max_kb=4)
        chunks.append(folder)
    processes = [subprocess.Popen(importer(db_url, chunks[n], chunks[(n + 1) % 4]), stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, **NEUTRAL) for n in range(4)]
    for process in processes:
        out, err = process.communicate(timeout=600)
        assert process.returncode == 0, err
    reference_url, drop = fresh_url(db_url, tmp_path, "reference.db")
    try:
        clean = subprocess.run(importer(reference_url, *chunks), capture_output=True, text=True, check=False,
                               **NEUTRAL)
        assert clean.returncode == 0, clean.stderr
        concurrent, sequential = canonical(db_url), canonical(reference_url)
    finally:
        drop()
    # Import order differs, so compare what does not depend on it: which sources, which names, which facts.
    assert concurrent["sources"] == sequential["sources"]
    assert sorted(r[1] for r in concurrent["systems"]) == sorted(r[1] for r in sequential["systems"])
    assert len({r[1] for r in concurrent["systems"]}) == len(concurrent["systems"]), "a system was duplicated"
    assert sorted(r[0] for r in concurrent["aliases"]) == sorted(r[0] for r in sequential["aliases"])
    names = dict((slug, name) for slug, name, _ in concurrent["systems"])
    reference_names = dict((slug, name) for slug, name, _ in sequential["systems"])

    def facts(dump, by_slug):
        return sorted((by_slug[r[0]], *r[1:5], r[5]) for r in dump["claims"] if r[5] != "None")

    assert facts(concurrent, names) == facts(sequential, reference_names)


def test_migrations_down_and_up_keep_the_data(db_url, cli):
    assert cli("import", str(SEED_ARTICLE))[0] == 0
    before = canonical(db_url)
    code, _, err = cli("db", "downgrade", "0004")  # 0005 records each source's origin: that is lost
    assert code == 1 and "column sources.origin (1 value)" in err
    assert cli("db", "downgrade", "0004", "--yes")[0] == 0
    assert canonical(db_url) == before
    for revision in ("-1", "0001"):  # one step, then past the full-text and curation tables
        assert cli("db", "downgrade", revision)[0] == 0
        assert canonical(db_url) == before
    assert cli("db", "upgrade")[0] == 0
    assert canonical(db_url) == before
    code, out, _ = cli("search", "tsunami", "--json")
    assert code == 0 and "Haeil" in out  # the full-text index was rebuilt


def test_downgrade_refuses_to_drop_curations(db_url, cli):
    cli("import", str(SEED_ARTICLE))
    assert cli("rename", "Haeil", "Haeil-1")[0] == 0
    code, _, err = cli("db", "downgrade", "0001")
    assert code == 1 and "curations" in err and len(err.strip().splitlines()) == 1
    assert cli("show", "Haeil-1")[0] == 0
