"""`search` latency by query class and `show` latency warm and cold, on SQLite and PostgreSQL.

search: a catalogue of --claims claims (default 1M; a source per 100 claims) generated directly (bulk inserts
through the same schema, the words drawn from a vocabulary with a long tail, as in news text, a quarter of the
claims holding one of a few phrases reporting uses), then per query class --queries searches of
`search(engine, query, limit=20)` (claims and sources, as `catalogue search` does), p50 and p95 in ms. The classes
of the target: rare word, common word, two common words, phrase; then two shown for what they cost: a middling word
(in a few thousand claims) and a phrase whose common words are next to each other only by chance. The catalogue's
files are read into the OS's page cache first (as a catalogue in use is); the queries' pages are not necessarily in
the database's own cache (PostgreSQL's shared_buffers, SQLite's page cache).

show: a catalogue built by importing --documents articles of the benchmark corpus (bench/corpus.py: events with
their observations, relations, aliases, category claims), imported once into SQLite and copied row for row into
PostgreSQL (one extraction for both engines); then `system_detail` (catalogue show) of systems the articles name:
- warm: the same engine (its pooled connection, the database's caches) after one untimed pass over the names;
- cold: a new engine for each lookup, timed from the call to the result, connecting included: on SQLite a new
  connection with an empty page cache (the file stays in the OS's cache: a dropped cache needs root); on
  PostgreSQL a new server process with empty catalogue caches (shared buffers and the OS's cache stay warm).
  Statement compilation stays cached in this process (a new `catalogue show` process compiles it too).

On PostgreSQL both catalogues are vacuumed and analysed after loading, as autovacuum does after a bulk load.

    python bench/bench_lookup.py [--claims 1000000] [--documents 4000] [--queries 200] [--jobs 2]
        [--engines sqlite,postgresql] [--postgres URL] [--workdir DIR]

--workdir keeps the catalogues (SQLite files in DIR, PostgreSQL schemas bench_lookup_*) and reuses them when run again.
"""

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from catalogue.db import make_engine, open_engine
from catalogue.importer import import_paths
from catalogue.lookup import system_detail
from catalogue.search import match_expression, parse_query, search

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import write_corpus  # noqa: E402
from scratch import kept_postgres_schema, postgres_schema  # noqa: E402

WORDS = ["missile", "launch", "test", "solid", "fuel", "range", "warhead", "tsunami", "parade", "drone", "hypersonic",
         "orbit", "satellite", "submarine", "engine", "stage", "payload", "nuclear", "capable", "flew", "altitude",
         "trajectory"]
# A vocabulary with a long tail, as in news text: a few words everywhere, most words rare.
VOCABULARY = WORDS + [f"{a}{b}{c}" for a in ("kal", "mor", "ves", "tun", "dra", "pel")
                      for b in ("an", "or", "ix", "eb", "ul", "ad", "it", "om", "ey", "ak") for c in range(50)]
WEIGHTS = [1 / (rank + 1) for rank in range(len(VOCABULARY))]
# What reporting writes as one phrase: a quarter of the claims hold one, a source several.
PHRASES = ["solid fuel", "nuclear warhead", "missile launch", "hypersonic missile", "submarine launch",
           "satellite launch", "engine test", "payload capable"]
LIMIT = 20


def words(rng: random.Random, count: int, phrases: int) -> str:
    """count words of the vocabulary, `phrases` of their pairs replaced by a phrase."""
    drawn = rng.choices(VOCABULARY, WEIGHTS, k=count)
    for _ in range(phrases):
        at = rng.randrange(count - 1)
        drawn[at:at + 2] = rng.choice(PHRASES).split()
    return " ".join(drawn)


def populate(engine, claims: int, seed: int) -> None:
    rng = random.Random(seed)
    systems = max(1000, claims // 200)
    sources = max(100, claims // 100)
    now = "2024-01-01 00:00:00"
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO sources (title, sha256, text, imported_at, extractor_version, published) "
            "VALUES (:title, :sha, :text, :now, 'bench', '2024-01-01')"),
            [{"title": f"Article {n}", "sha": f"{n:064x}", "now": now,
              "text": words(rng, 300, phrases=3)} for n in range(sources)])
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
            quote = words(rng, 18, phrases=rng.random() < 0.25) + "."
            batch.append({"system": rng.choice(system_ids), "attribute": rng.choice(["capability", "range", "fuel"]),
                          "value": rng.choice(WORDS), "quote": quote, "source": rng.choice(source_ids), "now": now})
            if len(batch) == 20_000 or n == claims - 1:
                connection.execute(text(
                    "INSERT INTO claims (system_id, attribute, value, quote, start, \"end\", source_id, extractor, "
                    "extractor_version, status, created_at) VALUES (:system, :attribute, :value, :quote, 0, 10, "
                    ":source, 'bench', 'bench', 'claimed', :now)"), batch)
                batch = []


def query_classes(rng: random.Random, count: int) -> dict[str, list[str]]:
    """Queries of each class: a rare word (of the vocabulary's long tail), a common one, two common ones, a phrase
    reporting uses (PHRASES). Then two that the target does not cover: a word neither rare nor common (ranks
    100-600: 3,000 to 20,000 claims of a million), and two common words as a phrase where they are next to each
    other only by chance (a few hundred claims, though each word is in tens of thousands)."""
    def pair():
        while " ".join(words := rng.sample(WORDS, 2)) in PHRASES:
            pass
        return words

    return {
        "rare word": [rng.choice(VOCABULARY[1000:]) for _ in range(count)],
        "common word": [rng.choice(WORDS) for _ in range(count)],
        "two common words": [" ".join(pair()) for _ in range(count)],
        "phrase": [f'"{rng.choice(PHRASES)}"' for _ in range(count)],
        "middling word": [rng.choice(VOCABULARY[100:600]) for _ in range(count)],
        "chance phrase": ['"{} {}"'.format(*pair()) for _ in range(count)],
    }


def matches(engine, query: str) -> tuple[int, int]:
    """How many claims and sources hold the query (counted in full, untimed)."""
    expression = match_expression(parse_query(query))
    if engine.dialect.name == "sqlite":
        sql = ["SELECT COUNT(*) FROM fts_claims WHERE fts_claims MATCH :q",
               "SELECT COUNT(*) FROM fts_sources WHERE fts_sources MATCH :q"]
    else:
        sql = [f"SELECT COUNT(*) FROM {table} WHERE fts_document @@ websearch_to_tsquery('english', :q)"
               for table in ("claims", "sources")]
    with engine.connect() as connection:
        claims, sources = (connection.execute(text(statement), {"q": expression}).scalar() for statement in sql)
    return claims, sources


def timed(function: Callable, arguments) -> list[float]:
    times = []
    for argument in arguments:
        started = time.perf_counter()
        function(argument)
        times.append((time.perf_counter() - started) * 1000)
    return times


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def vacuum(url: str) -> None:
    # What autovacuum does to a table after a bulk load: statistics, hint bits and the visibility map.
    # Without it the first read of every page writes it back, which no catalogue at rest does.
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def read_into_os_cache(url: str) -> None:
    """Read the catalogue's files once, so that they are in the OS's page cache, as a catalogue in use is (this VM
    drops files from its page cache within minutes). SQLite: the database file and its WAL; PostgreSQL: every
    table, TOAST table and index of the schema, through pg_read_binary_file (a superuser's, else skipped)."""
    if url.startswith("sqlite"):
        path = Path(make_url(url).database)
        for part in (path, path.with_name(path.name + "-wal")):
            if part.exists():
                with part.open("rb") as file:
                    while file.read(1 << 24):
                        pass
        return
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            files = connection.execute(text(
                "SELECT pg_relation_filepath(c.oid), pg_relation_size(c.oid) FROM pg_class c "
                "WHERE c.relkind IN ('r', 'i', 't') AND pg_relation_size(c.oid) > 0 AND (c.relnamespace = "
                "current_schema()::regnamespace OR c.oid IN (SELECT reltoastrelid FROM pg_class t WHERE "
                "t.relnamespace = current_schema()::regnamespace) OR c.oid IN (SELECT indexrelid FROM pg_index "
                "WHERE indrelid IN (SELECT reltoastrelid FROM pg_class t WHERE t.relnamespace = "
                "current_schema()::regnamespace)))")).all()
            chunk, segment = 1 << 26, 1 << 30
            for path, size in files:
                for offset in range(0, size, chunk):
                    name = path if offset < segment else f"{path}.{offset // segment}"
                    connection.execute(text("SELECT length(pg_read_binary_file(:name, :offset, :length, true))"),
                                       {"name": name, "offset": offset % segment, "length": chunk})
    except Exception as exc:  # noqa: BLE001 (a measurement aid: without it the figures say so)
        print(f"note: PostgreSQL's files not read into the OS cache ({exc.__class__.__name__})")
    finally:
        engine.dispose()


def catalogue_at(engine_name: str, kind: str, args, tmp: Path) -> tuple[str, bool, Callable[[], None]]:
    """A URL for the catalogue of this kind ('search' or 'show'), whether it holds one already (--workdir), and
    how to drop it (nothing with --workdir)."""
    size = f"{args.claims}" if kind == "search" else f"{args.documents}d"
    if engine_name == "sqlite":
        folder = args.workdir or tmp
        path = folder / f"bench_lookup_{kind}_{size}.db"
        return f"sqlite:///{path}", bool(args.workdir) and path.exists(), lambda: None
    if not args.workdir:
        url, drop = postgres_schema(args.postgres, f"bench_{kind}")
        return url, False, drop
    url, exists = kept_postgres_schema(args.postgres, f"bench_lookup_{kind}_{size}")
    return url, exists, lambda: None


def bench_search(args, tmp: Path) -> None:
    print(f"\nsearch: {args.claims:,} claims, {max(100, args.claims // 100):,} sources; {args.queries} queries a "
          f"class; limit {LIMIT}; ms")
    print(f"{'engine':<12}{'class':<18}{'p50':>8}{'p95':>8}{'max':>8}{'  matching claims (median, of 10 queries)':>30}")
    for engine_name in args.engines:
        url, exists, drop = catalogue_at(engine_name, "search", args, tmp)
        try:
            engine = open_engine(url)
            if not exists:
                started = time.perf_counter()
                populate(engine, args.claims, seed=3)
                if engine_name == "postgresql":
                    vacuum(url)
                print(f"{engine_name:<12}populated in {time.perf_counter() - started:.0f} s")
            read_into_os_cache(url)
            classes = query_classes(random.Random(9), args.queries)
            for name, queries in classes.items():
                times = timed(lambda q, e=engine: search(e, q, LIMIT), queries)
                counts = sorted(matches(engine, q)[0] for q in queries[:10])
                print(f"{engine_name:<12}{name:<18}{statistics.median(times):>8.2f}{p95(times):>8.2f}{max(times):>8.2f}"
                      f"{statistics.median(counts):>14,.0f}  (e.g. {queries[0]})")
            engine.dispose()
        finally:
            drop()
    print("target: every class under 20 ms p95 (the first four; the last two are shown as what they cost)")


# Tables in foreign-key order, as the importer fills them.
TABLES = ["sources", "systems", "aliases", "claims", "mentions", "events", "event_systems", "observations",
          "relations", "curations"]


def copy_catalogue(source_url: str, target_url: str) -> None:
    """Copy every row of the SQLite catalogue into the empty, migrated PostgreSQL one (COPY, same ids)."""
    import psycopg

    source = create_engine(source_url)
    url = make_url(target_url)
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with source.connect() as reading, psycopg.connect(dsn) as writing:
        with writing.cursor() as cursor:
            for table in TABLES:
                result = reading.execute(text(f"SELECT * FROM {table}"))
                names = list(result.keys())
                columns = ", ".join(f'"{name}"' for name in names)
                with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in result:
                        copy.write_row(row)
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                               f"(SELECT COALESCE(MAX(id), 1) FROM {table}))" if table != "event_systems" else "SELECT 1")
        writing.commit()
    source.dispose()


def build_show_catalogue(args, tmp: Path, urls: dict[str, str]) -> None:
    """Import the corpus into SQLite once; PostgreSQL gets the same rows."""
    folder = tmp / "corpus"
    write_corpus(folder, args.documents, seed=7)
    sqlite_url = urls.get("sqlite") or f"sqlite:///{tmp / 'show.db'}"
    engine = open_engine(sqlite_url)
    started = time.perf_counter()
    report = import_paths(engine, [str(folder)], jobs=args.jobs)
    engine.dispose()
    assert report.documents_failed == 0, report.documents_failed
    print(f"imported {report.documents_new:,} documents in {time.perf_counter() - started:.0f} s (jobs {args.jobs})")
    if "postgresql" in urls:
        open_engine(urls["postgresql"]).dispose()  # migrated, empty
        copy_catalogue(sqlite_url, urls["postgresql"])
        vacuum(urls["postgresql"])


def bench_show(args, tmp: Path) -> None:
    places = {name: catalogue_at(name, "show", args, tmp) for name in args.engines}
    try:
        if not all(exists for _, exists, _ in places.values()):
            build_show_catalogue(args, tmp, {name: url for name, (url, _, _) in places.items()})
        first = create_engine(places[args.engines[0]][0])
        with first.connect() as connection:
            sizes = {table: connection.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar()
                     for table in ("sources", "systems", "aliases", "claims", "events", "observations", "relations",
                                   "mentions")}
            categories = connection.execute(text("SELECT COUNT(*) FROM claims WHERE attribute = 'category'")).scalar()
            names = [row[0] for row in connection.execute(text(
                "SELECT name FROM systems s WHERE EXISTS (SELECT 1 FROM mentions m WHERE m.system_id = s.id) "
                "ORDER BY id"))]
        first.dispose()
        print(f"\nshow: a catalogue of {args.documents:,} imported articles: "
              + ", ".join(f"{count:,} {table}" for table, count in sizes.items()) + f" ({categories:,} category claims)")
        rng = random.Random(5)
        sample = rng.choices(names, k=args.queries)
        cold_sample = sample[:min(len(sample), 50)]
        print(f"{len(names):,} systems named by the articles; {args.queries} lookups warm, {len(cold_sample)} cold; ms")
        print(f"{'engine':<12}{'warm p50':>9}{'p95':>8}{'cold p50':>10}{'p95':>8}{'connect p50':>13}"
              f"{'  records per system shown (median: claims, events, relations)'}")
        for engine_name, (url, _, _) in places.items():
            read_into_os_cache(url)
            engine = make_engine(url)
            details = [system_detail(engine, name) for name in sample]  # the untimed pass: caches warm
            warm = timed(lambda n, e=engine: system_detail(e, n), sample)
            engine.dispose()
            cold, connect = [], []
            for name in cold_sample:
                engine = make_engine(url)
                cold += timed(lambda n, e=engine: system_detail(e, n), [name])
                engine.dispose()
                engine = make_engine(url)
                connect += timed(lambda _, e=engine: e.connect().close(), [None])
                engine.dispose()
            shape = [statistics.median(len(getattr(d, part)) for d in details) for part in ("claims", "events",
                                                                                          "relations")]
            print(f"{engine_name:<12}{statistics.median(warm):>9.2f}{p95(warm):>8.2f}{statistics.median(cold):>10.2f}"
                  f"{p95(cold):>8.2f}{statistics.median(connect):>13.2f}  {shape[0]:.0f}, {shape[1]:.0f}, {shape[2]:.0f}")
    finally:
        for _, _, drop in places.values():
            drop()
    print("target: show under 5 ms median (warm)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--documents", type=int, default=4000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--only", choices=["search", "show"])
    args = parser.parse_args()
    args.engines = args.engines.split(",")
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        if args.only != "show":
            bench_search(args, Path(tmp))
        if args.only != "search":
            bench_show(args, Path(tmp))


if __name__ == "__main__":
    main()
