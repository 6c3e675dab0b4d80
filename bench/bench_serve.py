"""`catalogue serve` latency: a system page and a source page at 1M claims, on SQLite and PostgreSQL.

The catalogue is the lookup benchmark's search catalogue (bench/bench_lookup.py's populate(): --claims claims over
claims/200 systems and claims/100 sources, about 200 claims a system and 100 a source). The app is the one
`catalogue serve` runs, reading through the read-only engine (SQLite: the file opened read-only with the
authorizer; PostgreSQL: the reader role of `catalogue db reader`), asked in process through Starlette's test
client (HTTP without a socket), so the figures are the app's: routing, lookups, rendering. Per page, --requests
requests of random systems or sources after one untimed pass over the same ones: median, p95, and the page's size.
The HTML page and its JSON are timed apart; the systems list and a claimant filter are shown as what they cost.

    python bench/bench_serve.py [--claims 1000000] [--requests 200] [--engines sqlite,postgresql]
        [--postgres URL] [--workdir DIR]

--workdir keeps the catalogues (SQLite files in DIR, PostgreSQL schemas bench_serve_*) and reuses them when run again.
"""

import argparse
import random
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

from sqlalchemy import text

from catalogue.db import open_engine
from catalogue.serve.app import create_app
from catalogue.sql import create_reader, drop_reader, read_only_engine

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_lookup import populate, vacuum  # noqa: E402
from scratch import kept_postgres_schema, postgres_schema  # noqa: E402

with warnings.catch_warnings():  # Starlette 1.x would rather have httpx2 for its test client; httpx still works
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

TARGET_MS = 50


def catalogue(engine_name: str, args, tmp: Path) -> tuple[str, bool, object]:
    """The catalogue's URL, whether it is populated already (--workdir), and how to drop it."""
    if engine_name == "sqlite":
        path = (args.workdir or tmp) / f"bench_serve_{args.claims}.db"
        return f"sqlite:///{path}", bool(args.workdir) and path.exists(), lambda: None
    if not args.workdir:
        url, drop = postgres_schema(args.postgres, "bench_serve")
        return url, False, drop
    url, exists = kept_postgres_schema(args.postgres, f"bench_serve_{args.claims}")
    return url, exists, lambda: None


def timed(client: TestClient, paths: list[str], json: bool = False) -> tuple[list[float], int]:
    headers = {"Accept": "application/json"} if json else {}
    times, size = [], 0
    for path in paths:
        started = time.perf_counter()
        response = client.get(path, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code, response.text[:200])
        size += len(response.content)
    return times, size // max(1, len(paths))


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]


def report(engine_name: str, what: str, times: list[float], size: int, target: bool) -> None:
    median = statistics.median(times)
    verdict = ("met" if median < TARGET_MS else "NOT met") if target else ""
    print(f"{engine_name:<12}{what:<22}{median:>9.2f}{p95(times):>9.2f}{size / 1000:>10.1f} KB  {verdict}")


def bench(engine_name: str, args, tmp: Path) -> None:
    url, exists, drop = catalogue(engine_name, args, tmp)
    owner = open_engine(url)
    try:
        if not exists:
            started = time.perf_counter()
            populate(owner, args.claims, seed=3)
            if engine_name == "postgresql":
                vacuum(url)
            print(f"{engine_name:<12}populated in {time.perf_counter() - started:.0f} s")
        if engine_name == "postgresql":
            create_reader(owner)
        with owner.connect() as connection:
            systems = [row[0] for row in connection.execute(text("SELECT slug FROM systems ORDER BY id"))]
            sources = [row[0] for row in connection.execute(text("SELECT id FROM sources ORDER BY id"))]
            claims = connection.execute(text("SELECT COUNT(*) FROM claims")).scalar()
        reader = read_only_engine(owner)
        rng = random.Random(11)
        system_paths = [f"/systems/{slug}" for slug in rng.choices(systems, k=args.requests)]
        source_paths = [f"/sources/{n}" for n in rng.choices(sources, k=args.requests)]
        with TestClient(create_app(reader)) as client:
            print(f"{engine_name:<12}{claims:,} claims, {len(systems):,} systems, {len(sources):,} sources")
            for what, paths, json, target in [("system page", system_paths, False, True),
                                              ("system page, JSON", system_paths, True, False),
                                              ("source page", source_paths, False, True),
                                              ("source page, JSON", source_paths, True, False)]:
                timed(client, paths, json)  # the untimed pass: caches warm
                report(engine_name, what, *timed(client, paths, json), target)
            for what, paths in [("systems list", ["/systems?sort=claims&order=desc"] * 3),
                                ("claims of a claimant", ["/claims?claimant=kcna"] * 3)]:
                timed(client, paths[:1])
                report(engine_name, what, *timed(client, paths), False)
        reader.dispose()
    finally:
        if engine_name == "postgresql" and not args.workdir:
            drop_reader(owner)
        owner.dispose()
        drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args()
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
    print(f"{'engine':<12}{'page':<22}{'p50 ms':>9}{'p95 ms':>9}{'size':>10}")
    with tempfile.TemporaryDirectory() as tmp:
        for engine_name in args.engines.split(","):
            bench(engine_name, args, Path(tmp))
    print(f"target: a system page and a source page under {TARGET_MS} ms median")


if __name__ == "__main__":
    main()
