"""Importing a feed from the web, one job against several: a local RSS feed of news-style articles
(bench/corpus.py) whose entries link to pages on loopback hosts (127.0.0.1, 127.0.0.2, ...) that each answer
in --latency seconds. Politeness is the default one (at most 2 requests at a time per host, their starts at
least 0.1 s apart), so with one host --jobs is bounded by those 2 requests in flight; a feed whose entries
link to several sites (as an aggregator's do) is not.

    python bench/bench_web_import.py [--items 500] [--latency 0.1] [--hosts 8] [--jobs 1,4]
        [--engines sqlite,postgresql] [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test]
"""

import argparse
import html
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from catalogue.db import open_engine
from catalogue.fetch import Fetcher, FetchSettings
from catalogue.importer import import_paths
from catalogue.web import WebReader

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import articles  # noqa: E402
from local_http import LocalServer, Reply  # noqa: E402
from scratch import postgres_schema  # noqa: E402

NAV = "".join(f'<li><a href="/section/{n}">Section {n}</a></li>' for n in range(12))


def page(n: int, article: str) -> str:
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in article.split("\n") if p.strip())
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Story {n}</title>"
            f"<meta property='og:site_name' content='Local Wire'>"
            f"<meta property='article:published_time' content='2024-03-{n % 28 + 1:02d}T10:00:00Z'></head><body>"
            f"<nav><ul>{NAV}</ul></nav><article><h1>Story {n}</h1>{paragraphs}</article>"
            "<footer><p>Copyright 2024 Local Wire. All rights reserved.</p></footer></body></html>")


def feed(links: list[str]) -> str:
    items = "".join(f"<item><title>Story {n}</title><link>{link}</link><guid>story-{n}</guid></item>"
                    for n, link in enumerate(links))
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Local Wire</title>{items}</channel></rss>'


def run(url: str, feed_url: str, jobs: int) -> tuple[float, int]:
    engine = open_engine(url)
    started = time.perf_counter()
    with Fetcher(FetchSettings()) as fetcher:
        report = import_paths(engine, [feed_url], WebReader(fetcher=fetcher, jobs=jobs), jobs=jobs)
    elapsed = time.perf_counter() - started
    engine.dispose()
    assert report.documents_failed == 0, report.documents[:3]
    return elapsed, report.documents_new


def hashes(url: str) -> list[str]:
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = [row[0] for row in connection.execute(text("SELECT sha256 FROM sources ORDER BY id"))]
    engine.dispose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=500)
    parser.add_argument("--latency", type=float, default=0.1, help="Seconds each page takes to answer.")
    parser.add_argument("--hosts", type=int, default=8, help="Loopback hosts the entries' pages are spread over.")
    parser.add_argument("--jobs", default="1,4")
    parser.add_argument("--engines", default="sqlite")
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()

    servers = [LocalServer(f"127.0.0.{h + 1}", latency=args.latency) for h in range(args.hosts)]
    texts = list(articles(args.items, seed=7))
    links = []
    for n, article in enumerate(texts):
        server = servers[n % len(servers)]
        links.append(server.route(f"/story/{n}", Reply(body=page(n, article), headers={
            "Content-Type": "text/html; charset=utf-8"})))
    feed_url = servers[0].route("/feed.xml", Reply(body=feed(links), headers={"Content-Type": "application/rss+xml"}))
    for server in servers:
        server.__enter__()
    print(f"{args.items} entries on {args.hosts} host(s), pages answering in {args.latency * 1000:.0f} ms, "
          f"{sum(len(t) for t in texts) / len(texts) / 1000:.1f} KB of text each")
    try:
        for engine_name in args.engines.split(","):
            seconds: dict[int, float] = {}
            catalogues = []
            for jobs in map(int, args.jobs.split(",")):
                with tempfile.TemporaryDirectory() as folder:
                    drop = None
                    if engine_name == "sqlite":
                        url = f"sqlite:///{Path(folder) / 'bench.db'}"
                    else:
                        url, drop = postgres_schema(args.postgres, "bench")
                    try:
                        elapsed, new = run(url, feed_url, jobs)
                        catalogues.append(hashes(url))
                    finally:
                        if drop:
                            drop()
                seconds[jobs] = elapsed
                print(f"{engine_name}, --jobs {jobs}: {new} documents in {elapsed:.1f} s "
                      f"({new / elapsed:.1f} documents/s)")
            assert all(c == catalogues[0] for c in catalogues), "jobs changed the catalogue"
            slowest = seconds[min(seconds)]
            for jobs, elapsed in seconds.items():
                if jobs != min(seconds):
                    print(f"{engine_name}: --jobs {jobs} is {slowest / elapsed:.2f}x as fast as --jobs {min(seconds)} "
                          "(same catalogue)")
    finally:
        for server in servers:
            server.__exit__(None, None, None)


if __name__ == "__main__":
    main()
