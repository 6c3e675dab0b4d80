"""End-to-end import speed on SQLite and PostgreSQL, split into phases (read, extract, resolve, write),
and the write phase against the practical limit measured in the same run: the same rows written by raw
sqlite3 executemany in one transaction (COPY on PostgreSQL).

    python bench/bench_import.py --documents 1000 [--jobs 1] [--engines sqlite,postgresql]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test]
"""

import argparse
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from catalogue.db import open_engine
from catalogue.importer import Timings, import_paths

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import write_corpus  # noqa: E402
from scratch import postgres_schema  # noqa: E402

# Tables in foreign-key order, as the importer fills them.
TABLES = ["sources", "systems", "aliases", "claims", "mentions", "events", "event_systems", "observations", "relations"]


def import_run(url: str, folder: Path, jobs: int) -> tuple[Timings, float, int]:
    engine = open_engine(url)
    timings = Timings()
    started = time.perf_counter()
    report = import_paths(engine, [str(folder)], jobs=jobs, timings=timings)
    elapsed = time.perf_counter() - started
    engine.dispose()
    assert report.documents_failed == 0, report.documents_failed
    return timings, elapsed, report.documents_new


def dump(url: str) -> dict[str, tuple[list[str], list[tuple]]]:
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = {}
        for table in TABLES:
            result = connection.execute(text(f"SELECT * FROM {table}"))
            keep = [i for i, column in enumerate(result.keys()) if column != "fts_document"]  # generated
            rows[table] = ([list(result.keys())[i] for i in keep], [tuple(r[i] for i in keep) for r in result])
    engine.dispose()
    return rows


def raw_sqlite(rows, path: Path) -> float:
    open_engine(f"sqlite:///{path}").dispose()  # same schema, triggers included
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    started = time.perf_counter()
    with connection:
        for table in TABLES:
            columns, values = rows[table]
            marks = ", ".join("?" * len(columns))
            quoted = ", ".join(f'"{c}"' for c in columns)
            connection.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({marks})", values)
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed


def raw_copy(rows, base_url: str) -> float:
    import psycopg

    url, drop = postgres_schema(base_url, "bench_raw")
    open_engine(url).dispose()
    schema = url.split("search_path%3D")[-1]
    dsn = base_url.replace("postgresql+psycopg://", "postgresql://")
    try:
        with psycopg.connect(dsn, options=f"-csearch_path={schema}") as connection:
            started = time.perf_counter()
            with connection.cursor() as cursor:
                for table in TABLES:
                    columns, values = rows[table]
                    quoted = ", ".join(f'"{c}"' for c in columns)
                    with cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                        for row in values:
                            copy.write_row(row)
            connection.commit()
            elapsed = time.perf_counter() - started
    finally:
        drop()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "corpus"
        write_corpus(folder, args.documents, args.seed)
        megabytes = sum(p.stat().st_size for p in folder.rglob("*.txt")) / 1e6
        print(f"corpus: {args.documents} documents, {megabytes:.1f} MB, seed {args.seed}; jobs {args.jobs}")
        print(f"{'engine':<12}{'total s':>9}{'docs/s':>9}{'read':>8}{'extract':>9}{'resolve':>9}{'write':>8}"
              f"{'raw s':>8}{'raw/ours':>10}")
        for engine_name in args.engines.split(","):
            if engine_name == "sqlite":
                url, cleanup = f"sqlite:///{Path(tmp) / 'bench.db'}", lambda: None
            else:
                url, cleanup = postgres_schema(args.postgres, "bench")
            try:
                timings, elapsed, new = import_run(url, folder, args.jobs)
                rows = dump(url)
                raw = raw_sqlite(rows, Path(tmp) / "raw.db") if engine_name == "sqlite" else raw_copy(rows, args.postgres)
            finally:
                cleanup()
            phases = timings.seconds
            ours = phases["resolve"] + phases["write"]
            print(f"{engine_name:<12}{elapsed:>9.1f}{new / elapsed:>9.0f}{phases['read']:>8.1f}{phases['extract']:>9.1f}"
                  f"{phases['resolve']:>9.1f}{phases['write']:>8.1f}{raw:>8.2f}{raw / ours:>10.2f}")
        print("raw/ours: raw write time / our resolve+write time for the same rows (target >= 0.33)")


if __name__ == "__main__":
    main()
