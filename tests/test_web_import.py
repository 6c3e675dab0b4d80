"""Importing from the web (issue 13), against HTTP servers these tests start on 127.0.0.1, on SQLite and
PostgreSQL: pages, feeds of each format, followed feeds polled twice, politeness and every kind of failure."""

import json
import socket
import time

import pytest
from local_http import LocalServer, Reply
from sqlalchemy import select

from catalogue.db import read_session
from catalogue.fetch import USER_AGENT, Fetcher, FetchSettings
from catalogue.importer import import_paths
from catalogue.models import FeedItem, Source
from catalogue.web import WebReader

from conftest import canonical

HTML = {"Content-Type": "text/html; charset=utf-8"}
FAST = FetchSettings(delay=0, backoff=0.01, retries=2, read_timeout=0.3, connect_timeout=1)

FATTAH = ["Iran unveiled the Fattah hypersonic missile on Tuesday, state media said.",
          "The missile has a range of 1,400 km, according to the Revolutionary Guards.",
          "Officials said the Fattah could reach speeds of Mach 13, a claim experts doubted."]
HWASONG = ["North Korea test-fired a Hwasong-18 ICBM on Monday, KCNA said.",
           "The Hwasong-18 uses solid fuel, South Korean officials said on Tuesday."]
KINZHAL = ["Russia said it had used the Kinzhal hypersonic missile against targets in Ukraine.",
           "The Kinzhal is launched from MiG-31 fighters, the defence ministry said."]


def page(title: str, paragraphs: list[str], head: str = "") -> str:
    """An article page as sites serve it: navigation, the article, related links and a footer around it."""
    nav = "".join(f'<li><a href="/section/{n}">Section {n} news</a></li>' for n in range(8))
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>{head}</head><body>"
            f"<header><nav><ul>{nav}</ul></nav></header>"
            f"<main><article><h1>{title}</h1>{body}</article></main>"
            "<aside><h3>Most read</h3><ul><li><a href='/x'>Markets rally as stocks climb</a></li></ul></aside>"
            "<footer><p>Copyright 2023 Wire Service. All rights reserved.</p><p>Subscribe to our newsletter "
            "for daily updates.</p></footer></body></html>")


def meta(site: str | None = None, date: str | None = None) -> str:
    return ((f'<meta property="og:site_name" content="{site}">' if site else "")
            + (f'<meta property="article:published_time" content="{date}">' if date else ""))


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch):
    """Requests go straight to the local servers, whatever proxy the environment names."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def server():
    with LocalServer() as local:
        yield local


def read_sources(db_url) -> list[Source]:
    from catalogue.db import open_engine

    engine = open_engine(db_url)
    with read_session(engine) as session:
        rows = list(session.scalars(select(Source).order_by(Source.id)))
    engine.dispose()
    return rows


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def web_import(engine, urls: list[str], settings: FetchSettings = FAST, jobs: int = 1):
    """Fetched by `jobs` threads; extracted in this process (extraction processes are test_import's business)."""
    with Fetcher(settings) as fetcher:
        return import_paths(engine, urls, WebReader(fetcher=fetcher, jobs=jobs))


# --- pages ---


def test_a_page_is_its_main_text_with_its_metadata_and_versions(cli, db_url, server, tmp_path):
    server.route("/news/fattah", Reply(body=page("Iran unveils Fattah", FATTAH, meta("Wire Service", "2023-06-06")),
                                       headers=HTML))
    old = server.route("/old-fattah", Reply(301, headers={"Location": "/news/fattah"}))
    undated = server.route("/undated", Reply(body=page("Hwasong-18 test", HWASONG), headers={
        **HTML, "Last-Modified": "Wed, 12 Jul 2023 08:00:00 GMT"}))
    bare = server.route("/bare", Reply(body=page("Kinzhal used", KINZHAL), headers=HTML))
    (tmp_path / "a.txt").write_text("Seoul said the Hwaseong 18 missile flew 1,000 km, officials said.\n")

    code, out, err = cli("import", old, str(tmp_path / "a.txt"), undated, bare, "--json")
    assert code == 0 and json.loads(out)["documents_new"] == 4, err
    fattah, text_file, hwasong, kinzhal = read_sources(db_url)
    assert fattah.text == "\n".join(["Iran unveils Fattah", *FATTAH])  # its heading, no navigation or footer
    assert (fattah.title, fattah.publisher, str(fattah.published)) == ("Iran unveils Fattah", "Wire Service",
                                                                        "2023-06-06")
    assert (fattah.origin, fattah.url) == (old, server.url("/news/fattah"))  # as given, and after the redirect
    assert fattah.fetched_at is not None and text_file.fetched_at is None and fattah.previous_id is None
    assert str(hwasong.published) == "2023-07-12"  # no date in the page: its Last-Modified
    assert kinzhal.published is None  # neither: left empty, never guessed from the text
    assert all(r.headers["User-Agent"] == USER_AGENT and "catalogue/0.1.0" in USER_AGENT for r in server.requests)

    code, out, _ = cli("import", server.url("/news/fattah"), "--json")  # same final URL, same text
    assert code == 0 and json.loads(out)["documents_unchanged"] == 1

    server.route("/news/fattah", Reply(body=page("Iran unveils Fattah", [*FATTAH, "The missile was shown to "
                                                 "foreign journalists in Tehran on Wednesday."]), headers=HTML))
    code, out, _ = cli("import", old, "--json")
    assert code == 0 and json.loads(out)["documents_new"] == 1
    sources = read_sources(db_url)
    assert len(sources) == 5 and sources[0].text == fattah.text  # the old version stays as it was
    assert (sources[4].url, sources[4].previous_id) == (server.url("/news/fattah"), fattah.id)
    code, out, _ = cli("source", str(sources[4].id), "--json")
    assert json.loads(out)["previous_id"] == fattah.id and json.loads(out)["fetched_at"]


def test_pages_in_other_encodings(engine, server):
    cafe = ["Le ministère a déclaré que le missile Fattah avait été testé mardi, selon l’agence officielle.",
            "Les analystes ont qualifié l’essai de « démonstration de force »."]
    declared = server.route("/latin", Reply(body=page("Essai à Téhéran", cafe).replace("utf-8", "windows-1252")
                                            .encode("cp1252"), headers={"Content-Type": "text/html; charset=windows-1252"}))
    in_meta = server.route("/cyrillic", Reply(body=page("Кинжал", ["Министерство обороны России заявило, что ракета "
                                                                     "Кинжал поразила цели на Украине."])
                                              .replace("utf-8", "windows-1251").encode("cp1251"),
                                              headers={"Content-Type": "text/html"}))
    report = web_import(engine, [declared, in_meta])
    assert report.documents_new == 2, report.documents
    with read_session(engine) as session:
        texts = list(session.scalars(select(Source.text).order_by(Source.id)))
    assert texts[0] == "\n".join(["Essai à Téhéran", *cafe]) and "Министерство обороны России" in texts[1]


# --- feeds ---

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Wire: world</title><link>{base}/</link><description>World news</description>
<item><title>Iran unveils the Fattah</title><link>{base}/news/fattah</link><guid isPermaLink="false">fattah-1</guid>
<pubDate>Wed, 07 Jun 2023 06:00:00 GMT</pubDate><description>A short teaser.</description></item>
<item><title>Hwasong-18 launch</title><link>{base}/gone/hwasong</link><guid isPermaLink="false">hw-18</guid>
<pubDate>Tue, 13 Jun 2023 09:00:00 GMT</pubDate>
<description>&lt;p&gt;North Korea test-fired a Hwasong-18 ICBM on Monday, KCNA said.&lt;/p&gt;&lt;p&gt;The Hwasong-18 uses solid fuel, South Korean officials said.&lt;/p&gt;</description></item>
{extra}</channel></rss>"""
ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Ministry press releases</title><id>urn:ministry</id>
<updated>2023-06-10T00:00:00Z</updated>
<entry><title>Kinzhal statement</title><id>urn:ministry:kinzhal</id><link rel="alternate" href="{base}/press/kinzhal"/>
<updated>2023-05-16T12:00:00Z</updated><summary>Statement.</summary></entry>
</feed>"""
JSON_FEED = {"version": "https://jsonfeed.org/version/1.1", "title": "State media", "items": [
    {"id": "sm-1", "url": "{base}/robots-only/haeil", "title": "Haeil tested", "date_published": "2023-04-08T03:00:00Z",
     "content_text": "North Korea said it had tested the Haeil underwater drone, capable of producing radioactive "
                     "tsunamis, KCNA reported."}]}


def serve_feeds(server: LocalServer, extra_rss: str = "") -> dict[str, str]:
    base = server.url("")
    server.route("/robots.txt", Reply(body="User-agent: *\nDisallow: /robots-only/\n", headers={
        "Content-Type": "text/plain"}))
    server.route("/news/fattah", Reply(body=page("Fattah unveiled", FATTAH, meta("Wire Service", "2023-06-06")),
                                       headers=HTML))
    server.route("/press/kinzhal", Reply(body=page("Statement", KINZHAL, meta("Ministry of Defence")), headers=HTML))
    feed = json.dumps(JSON_FEED).replace("{base}", base)
    return {
        "rss": server.route("/rss.xml", Reply(body=RSS.format(base=base, extra=extra_rss), headers={
            "Content-Type": "application/rss+xml", "ETag": '"rss-1"'})),
        "atom": server.route("/atom.xml", Reply(body=ATOM.format(base=base), headers={
            "Content-Type": "application/atom+xml", "Last-Modified": "Sat, 10 Jun 2023 00:00:00 GMT"})),
        "json": server.route("/feed.json", Reply(body=feed, headers={"Content-Type": "application/feed+json"})),
    }


def test_feeds_of_each_format_import_their_entries(cli, db_url, server):
    nothing = "<item><title>Gone for good</title><link>{base}/gone/nothing</link><guid>g-3</guid></item>"
    feeds = serve_feeds(server, extra_rss=nothing.format(base=server.url("")))
    code, out, err = cli("import", feeds["rss"], feeds["atom"], feeds["json"], "--json", "--retries", "0",
                         "--jobs", "2")  # two fetch threads, two extraction processes, one writer
    report = json.loads(out)
    assert code == 1 and (report["documents_new"], report["documents_failed"]) == (4, 1)
    assert err.strip() == (f"error: {server.url('/gone/nothing')}: 404 Not Found, and the entry has no content "
                           "of its own")
    by_origin = {s.origin: s for s in read_sources(db_url)}
    fattah = by_origin[server.url("/news/fattah")]  # the linked page's text, the entry's title and date
    assert fattah.text == "\n".join(["Fattah unveiled", *FATTAH])
    assert (fattah.title, str(fattah.published), fattah.publisher) == ("Iran unveils the Fattah", "2023-06-07",
                                                                        "Wire Service")
    hwasong = by_origin[server.url("/gone/hwasong")]  # the page is gone: the entry's own content, made plain
    assert hwasong.text == ("North Korea test-fired a Hwasong-18 ICBM on Monday, KCNA said.\n\n"
                            "The Hwasong-18 uses solid fuel, South Korean officials said.")
    assert (hwasong.title, str(hwasong.published), hwasong.publisher) == ("Hwasong-18 launch", "2023-06-13",
                                                                          "Wire: world")
    kinzhal = by_origin[server.url("/press/kinzhal")]  # Atom
    assert (kinzhal.title, str(kinzhal.published), kinzhal.text) == ("Kinzhal statement", "2023-05-16",
                                                                     "\n".join(["Statement", *KINZHAL]))
    haeil = by_origin[server.url("/robots-only/haeil")]  # JSON Feed; robots.txt keeps us off the page
    assert haeil.text.startswith("North Korea said it had tested the Haeil") and haeil.title == "Haeil tested"
    assert not server.hits("/robots-only/haeil") and server.hits("/robots.txt")


def test_a_followed_feed_polled_twice_fetches_nothing_new(cli, db_url, server):
    feeds = serve_feeds(server)
    for feed in feeds.values():
        code, out, err = cli("feeds", "add", feed)
        assert code == 0, err
    assert out.strip() == f"following State media: {feeds['json']}"
    code, _, err = cli("feeds", "add", feeds["rss"])
    assert code == 1 and err.strip() == f"error: {feeds['rss']}: already followed, as Wire: world"
    code, _, err = cli("feeds", "add", server.url("/news/fattah"))
    assert code == 1 and err.strip() == f"error: {server.url('/news/fattah')}: not a feed (text/html)"

    code, out, err = cli("update", "--json")
    report = json.loads(out)
    assert code == 0 and report["documents"]["documents_new"] == 4, err
    assert {p["name"]: p["entries_new"] for p in report["feeds"]} == {
        "Wire: world": 2, "Ministry press releases": 1, "State media": 1}
    fetched = len(server.requests)

    code, out, err = cli("update")  # RSS: 304 (ETag); Atom: 304 (Last-Modified); JSON Feed: every entry seen
    assert code == 0, err
    assert "Wire: world: no change (304 Not Modified)" in out
    assert "State media: no change (all 1 entry seen before)" in out
    pages = [r.path for r in server.requests[fetched:] if r.path != "/robots.txt"]
    assert sorted(pages) == ["/atom.xml", "/feed.json", "/rss.xml"]  # no entry fetched again
    assert server.hits("/rss.xml")[-1].headers["If-None-Match"] == '"rss-1"'
    assert server.hits("/atom.xml")[-1].headers["If-Modified-Since"] == "Sat, 10 Jun 2023 00:00:00 GMT"

    # A new entry: only it is fetched; the others are skipped by guid before anything is fetched.
    server.route("/news/kn23", Reply(body=page("KN-23", ["North Korea fired a KN-23 missile on Friday, Seoul said.",
                                                         "The KN-23 flew about 600 km, officials said."]),
                                     headers=HTML))
    extra = f"<item><title>KN-23</title><link>{server.url('/news/kn23')}</link><guid>kn-23</guid></item>"
    server.route("/rss.xml", Reply(body=RSS.format(base=server.url(""), extra=extra), headers={
        "Content-Type": "application/rss+xml", "ETag": '"rss-2"'}))
    fetched = len(server.requests)
    code, out, err = cli("update", "--feed", "Wire: world")
    assert code == 0 and "Wire: world: 1 new entry of 3: 1 new, 0 unchanged, 0 failed" in out, err
    assert [r.path for r in server.requests[fetched:] if r.path != "/robots.txt"] == ["/rss.xml", "/news/kn23"]

    code, out, _ = cli("feeds", "--json")
    listed = {f["name"]: f for f in json.loads(out)}
    assert listed["Wire: world"]["items_seen"] == 3 and listed["Wire: world"]["last_polled_at"]
    assert listed["Wire: world"]["last_error"] is None
    code, _, err = cli("update", "--feed", "nosuch")
    assert code == 1 and "no feed named 'nosuch'" in err
    code, out, _ = cli("feeds", "remove", "State media")
    assert code == 0 and len(json.loads(cli("feeds", "--json")[1])) == 2 and len(read_sources(db_url)) == 5


def test_a_failed_entry_is_tried_again_at_the_next_poll(engine, server):
    from catalogue.following import add_feed, list_feeds, update_feeds

    server.route("/news/fattah", Reply(500), Reply(500), Reply(500),  # down for this poll, back for the next
                 Reply(body=page("Fattah", FATTAH), headers=HTML))
    feed = server.route("/one.xml", Reply(body=RSS.format(base=server.url(""), extra="")
                                          .replace("<description>A short teaser.</description>", ""),
                                          headers={"Content-Type": "application/rss+xml", "ETag": '"one"'}))
    with Fetcher(FAST) as fetcher:
        add_feed(engine, fetcher, feed, "wire")
        first = update_feeds(engine, fetcher)
        [row] = list_feeds(engine)
        assert first.documents.documents_failed == 1 and row.items_seen == 1
        assert row.last_error.endswith("/news/fattah: 500 Internal Server Error after 3 tries, and the entry has no "
                                       "content of its own")
        second = update_feeds(engine, fetcher)  # the ETag was not kept: the whole feed again, the failed entry too
    assert "If-None-Match" not in server.hits("/one.xml")[-1].headers
    assert (second.documents.documents_new, second.feeds[0].entries_new) == (1, 1)
    [row] = list_feeds(engine)
    assert row.items_seen == 2 and row.last_error is None
    with read_session(engine) as session:
        assert session.scalar(select(FeedItem.source_id).where(FeedItem.guid == "fattah-1")) is not None


# --- politeness, limits and failures ---


def test_every_failure_is_one_line_naming_its_url_and_the_rest_goes_on(engine, server):
    server.route("/robots.txt", Reply(body="User-agent: catalogue\nDisallow: /private/\n"))
    good = server.route("/good", Reply(body=page("Fattah", FATTAH), headers=HTML))
    flaky = server.route("/flaky", Reply(500), Reply(body=page("Hwasong", HWASONG), headers=HTML))
    busy = server.route("/busy", Reply(429, headers={"Retry-After": "1"}),
                        Reply(body=page("Kinzhal", KINZHAL), headers=HTML))
    down = server.route("/down", Reply(503, headers={"Retry-After": "0"}), Reply(503),
                        Reply(body=page("Haeil", ["North Korea said it had tested the Haeil underwater drone."]),
                              headers=HTML))
    refused = f"http://127.0.0.1:{closed_port()}/page"
    small = FAST.model_copy(update={"max_bytes": 20_000})
    urls = {
        server.route("/private/memo", Reply(body=page("Memo", FATTAH), headers=HTML)):
            f"robots.txt disallows it ({server.url('')}/robots.txt)",
        server.route("/missing", Reply(404)): "404 Not Found",
        server.route("/broken", Reply(500)): "500 Internal Server Error after 3 tries",
        server.route("/later", Reply(429, headers={"Retry-After": "3600"})):
            "429 Too Many Requests; Retry-After asks for 3600 s, more than the 120 s this run waits",
        server.route("/slow", Reply(body=page("Slow", FATTAH), headers=HTML, delay=1.0)):
            "timed out waiting for the server (0.3 s) after 3 tries",
        server.route("/huge", Reply(body=b"<html>" + b"x" * 30_000, headers=HTML)):
            "body of 30,006 bytes, over the limit of 20,000",
        server.route("/endless", Reply(body=b"<html>" + b"x" * 30_000, headers=HTML, length=False)):
            "body over the limit of 20,000 bytes",
        server.route("/binary", Reply(body=b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 50, headers=HTML)):
            "binary body (NUL bytes) served as text/html",
        server.route("/image", Reply(body=b"GIF89a", headers={"Content-Type": "image/gif"})):
            "not HTML or a feed (image/gif)",
        server.route("/script-only", Reply(body="<html><body><div id='app'></div><script>start()</script></body></html>",
                                           headers=HTML)): "no main text found in the page",
        server.route("/loop", Reply(302, headers={"Location": "/loop-back"})):
            f"redirect loop ({server.url('/loop')} again)",
        refused: "connection refused by " + refused.split("/")[2],
        "ftp://127.0.0.1/file.html": "only http and https URLs are fetched, not ftp",
    }
    server.route("/loop-back", Reply(307, headers={"Location": "/loop"}))
    started = time.monotonic()
    report = web_import(engine, [good, *urls, flaky, busy, down], small)
    assert time.monotonic() - started < 20
    failed = {d.path: d.error for d in report.documents}
    assert failed == urls
    assert report.documents_new == 4 and report.documents_failed == len(urls)
    with read_session(engine) as session:
        assert sorted(session.scalars(select(Source.origin))) == sorted([good, flaky, busy, down])  # nothing partial
    assert not server.hits("/private/memo") and len(server.hits("/broken")) == 3 and len(server.hits("/flaky")) == 2
    assert len(server.hits("/later")) == 1 and len(server.hits("/down")) == 3
    first, second = server.hits("/busy")
    assert second.at - first.at >= 1.0  # Retry-After: 1


def test_the_command_line_reports_failures_in_one_line_each(cli, server):
    server.route("/robots.txt", Reply(body="User-agent: *\nDisallow: /private/\n"))
    good = server.route("/good", Reply(body=page("Fattah", FATTAH), headers=HTML))
    missing = server.route("/missing", Reply(404))
    private = server.route("/private/x", Reply(body=page("Memo", FATTAH), headers=HTML))
    slow = server.route("/slow", Reply(body=page("Slow", HWASONG), headers=HTML, delay=1.0))
    code, out, err = cli("import", good, missing, private, slow, "--retries", "0", "--timeout", "0.2", "--delay", "0")
    assert code == 1 and "documents: 1 new, 0 unchanged, 3 failed" in out
    assert err.splitlines() == [f"error: {missing}: 404 Not Found",
                                f"error: {private}: robots.txt disallows it ({server.url('')}/robots.txt)",
                                f"error: {slow}: timed out waiting for the server (0.2 s)"]


def test_at_most_two_requests_at_a_time_per_host_spaced_by_the_delay(engine, db_url, server, tmp_path):
    server.latency = 0.5  # longer than the delay, so that two requests overlap
    texts = [FATTAH, HWASONG, KINZHAL] * 2
    urls = [server.route(f"/p{n}", Reply(body=page(f"Story {n}", [*t, f"This is report number {n} of the day."]),
                                         headers=HTML)) for n, t in enumerate(texts)]
    polite = FAST.model_copy(update={"delay": 0.2, "read_timeout": 5})
    report = web_import(engine, urls, polite, jobs=4)
    assert report.documents_new == 6
    assert server.most_in_flight == 2  # four fetch threads, one host
    starts = sorted(r.at for r in server.requests if r.path != "/robots.txt")
    # The server stamps a request when its handler thread runs, some milliseconds after the client's turn began:
    # half the delay is the margin that keeps this test true on a loaded machine and false without the delay.
    assert all(b - a >= 0.1 for a, b in zip(starts, starts[1:], strict=False))
    with read_session(engine) as session:  # written in the order given, as one job writes them
        assert list(session.scalars(select(Source.origin).order_by(Source.id))) == urls
    one_job = f"sqlite:///{tmp_path / 'one.db'}"
    from catalogue.db import open_engine

    single = open_engine(one_job)
    web_import(single, urls, polite, jobs=1)
    single.dispose()
    assert canonical(one_job) == canonical(db_url)


def test_crawl_delay_of_robots_txt_is_obeyed(engine, server):
    server.route("/robots.txt", Reply(body="User-agent: *\nCrawl-delay: 1\n"))
    urls = [server.route(f"/p{n}", Reply(body=page(f"Story {n}", t), headers=HTML))
            for n, t in enumerate([FATTAH, HWASONG])]
    assert web_import(engine, urls, jobs=2).documents_new == 2
    first, second = (r.at for r in server.requests if r.path != "/robots.txt")
    assert second - first >= 0.9  # the server's stamps lag the client's turns by scheduling jitter


def test_connection_failures_are_named_as_a_person_would():
    """DNS is not tried for real (a lookup would leave the machine): the OS error behind httpx's ConnectError is."""
    import httpx

    from catalogue.fetch import _connect_problem

    unresolved = httpx.ConnectError("[Errno -2] Name or service not known")
    unresolved.__cause__ = socket.gaierror(-2, "Name or service not known")
    refused = httpx.ConnectError("[Errno 111] Connection refused")
    refused.__cause__ = ConnectionRefusedError(111, "Connection refused")
    assert _connect_problem(unresolved, "https://wire.invalid/a") == "DNS: cannot resolve host wire.invalid"
    assert _connect_problem(refused, "http://127.0.0.1:9/a") == "connection refused by 127.0.0.1:9"


def test_an_unreadable_robots_txt_is_asked_for_once_per_run(engine, server):
    """robots.txt answering 500 (or 429) disallows the host for the run, asked once, not again for every URL."""
    server.route("/robots.txt", Reply(500))
    urls = [server.route(f"/story{n}", Reply(body=page(f"Story {n}", FATTAH), headers=HTML)) for n in range(4)]
    report = web_import(engine, urls)
    assert report.documents_failed == 4 and report.documents_new == 0
    assert all("robots.txt unreadable" in (r.error or "") for r in report.documents)
    assert len(server.hits("/robots.txt")) == FAST.retries + 1  # the first URL's tries, none for the others
    assert not any(server.hits(f"/story{n}") for n in range(4))
