"""`show` and `search` latency (median, p95) on a catalogue with about 1M claims, on SQLite and PostgreSQL.
The rows are generated directly (bulk inserts through the same schema), not by importing articles;
on PostgreSQL the tables are then vacuumed and analysed, as autovacuum would after a bulk load.

    python bench/bench_lookup.py [--claims 1000000] [--engines sqlite,postgresql] [--queries 200]
"""

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from catalogue.db import open_engine
from catalogue.lookup import system_detail
from catalogue.search import search

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scratch import postgres_schema  # noqa: E402

WORDS = ["missile", "launch", "test", "solid", "fuel", "range", "warhead", "tsunami", "parade", "drone", "hypersonic", "orbit", "satellite", "submarine", "engine", "stage", "payload", "nuclear", "capable", "flew", "altitude", "trajectory"]
# A vocabulary with a long tail, as in news text: a few words everywhere, most words rare.
VOCABULARY = WORDS + [f"{a}{b}{c}" for a in ("kal", "mor", "ves", "tun", "dra", "pel")
                      for b in ("an", "or", "ix", "eb", "ul", "ad", "it", "om", "ey", "ak") for c in range(50)]
WEIGHTS = [1 / (rank + 1) for rank in range(len(VOCABULARY))]


def populate(engine, claims: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    systems = max(1000, claims // 200)
    sources = max(100, claims // 100)
    now = "2024-01-01 00:00:00"
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO sources (title, sha256, text, imported_at, extractor_version, published) "
            "VALUES (:title, :sha, :text, :now, 'bench', '2024-01-01')"),
            [{"title": f"Article {n}", "sha": f"{n:064x}", "now": now,
              "text": " ".join(rng.choices(VOCABULARY, WEIGHTS, k=300))} for n in range(sources)])
        connection.execute(text(
            "INSERT INTO systems (slug, name, created_at, updated_at) VALUES (:slug, :name, :now, :now)"),
            [{"slug": f"system-{n}", "name": f"System-{n}", "now": now} for n in range(systems)])
        ids = dict(connection.execute(text("SELECT slug, id FROM systems")).all())
        source_ids = [row[0] for row in connection.execute(text("SELECT id FROM sources"))]
        connection.execute(text(
            "INSERT INTO aliases (system_id, name, normalized, kind) VALUES (:id, :name, :key, 'name')"),
            [{"id": ids[f"system-{n}"], "name": f"System-{n}", "key": f"system{n}"} for n in range(systems)])
        system_ids = list(ids.values())
        batch = []
        for n in range(claims):
            quote = " ".join(rng.choices(VOCABULARY, WEIGHTS, k=18)) + "."
            batch.append({"system": rng.choice(system_ids), "attribute": rng.choice(["capability", "range", "fuel"]),
                          "value": rng.choice(WORDS), "quote": quote, "source": rng.choice(source_ids), "now": now})
            if len(batch) == 20_000 or n == claims - 1:
                connection.execute(text(
                    "INSERT INTO claims (system_id, attribute, value, quote, start, \"end\", source_id, extractor, "
                    "extractor_version, status, created_at) VALUES (:system, :attribute, :value, :quote, 0, 10, "
                    ":source, 'bench', 'bench', 'claimed', :now)"), batch)
                batch = []
    if engine.dialect.name == "postgresql":
        # What autovacuum does to a table after a bulk load: statistics, hint bits and the visibility map.
        # Without it the first read of every page writes it back, which no catalogue at rest does.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    return [f"System-{n}" for n in range(systems)]


def timed(function, arguments) -> list[float]:
    times = []
    for argument in arguments:
        started = time.perf_counter()
        function(argument)
        times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    print(f"{args.claims:,} claims; {args.queries} queries each")
    print(f"{'engine':<12}{'populate s':>11}{'show med ms':>13}{'show p95':>10}{'search med ms':>15}{'search p95':>12}")
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.engines.split(","):
            if name == "sqlite":
                url, drop = f"sqlite:///{Path(tmp) / 'lookup.db'}", None
            else:
                url, drop = postgres_schema(args.postgres, "bench")
            try:
                engine = open_engine(url)
                started = time.perf_counter()
                names = populate(engine, args.claims, seed=3)
                populated = time.perf_counter() - started
                rng = random.Random(9)
                show = timed(lambda n, e=engine: system_detail(e, n), rng.choices(names, k=args.queries))
                found = timed(lambda q, e=engine: search(e, q, 20),
                              [" ".join(rng.sample(VOCABULARY[200:2000], 2)) for _ in range(args.queries)])
                engine.dispose()
            finally:
                if drop:
                    drop()
            p95 = lambda xs: statistics.quantiles(xs, n=20)[-1]  # noqa: E731
            print(f"{name:<12}{populated:>11.1f}{statistics.median(show):>13.2f}{p95(show):>10.2f}"
                  f"{statistics.median(found):>15.2f}{p95(found):>12.2f}")
    print("target: show under 5 ms median")


if __name__ == "__main__":
    main()
