"""catalogue serve: the read-only web view, its pages and their JSON through an HTTP client, on SQLite and
PostgreSQL; hostile article text escaped; the engine it reads through cannot write; and one end-to-end run in a
real headless browser (Debian's Chromium driven by Playwright, nothing downloaded)."""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import warnings
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path

import httpx
import lxml.html
import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from catalogue.browse import SpanRecord
from catalogue.cli import app as cli_app
from catalogue.db import open_engine
from catalogue.serve.app import CSP, create_app
from catalogue.serve.marks import mark_text
from catalogue.serve.server import allowed_hosts, listen
from catalogue.sql import read_only_engine

with warnings.catch_warnings():  # Starlette 1.x would rather have httpx2 for its test client; httpx still works
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from conftest import IN_CI, SEED_ARTICLE, canonical, scratch_postgres

HOSTILE = """---
title: "<script>alert('title')</script> Hwasong-18 <img src=x onerror=alert('title')>"
published: 2023-08-02
publisher: "<b onmouseover=alert('publisher')>Wire</b>"
url: "javascript:alert('url')"
---
<script>alert('first line')</script> Hwasong-18 report
KCNA said the Hwasong-18 uses liquid fuel <img src=x onerror=alert('quote')> and can reach 15,000 km.
Analysts said the Hwasong-18 is an intercontinental ballistic missile, see <a href="javascript:alert('link')">this</a>.
"""
JSON = {"Accept": "application/json"}


def run_cli(url: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli_app, ["--db", url, *args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def ok(url: str, *args: str) -> str:
    code, out, err = run_cli(url, *args)
    assert code == 0, (args, err)
    return out


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def catalogue_url(request, tmp_path_factory):
    """One catalogue per engine for the whole module (the view only reads it): the seed article, an article of
    hostile text that also contradicts the seed's fuel, one claim of each curation status, and the reader role."""
    folder = tmp_path_factory.mktemp(request.param)
    drop = None
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'catalogue.db'}"
    else:
        url, drop = scratch_postgres()
    hostile = folder / "hostile.txt"
    hostile.write_text(HOSTILE, encoding="utf-8")
    try:
        ok(url, "import", str(SEED_ARTICLE), str(hostile))
        claims = {(c["attribute"], c["value"]): c["id"] for c in json.loads(ok(url, "show", "Hwasong-17", "--json"))["claims"]}
        ok(url, "claim", "confirm", str(claims["category", "icbm"]))
        ok(url, "claim", "dispute", str(claims["capability", "the regime's longest-range intercontinental ballistic missile"]))
        haeil = json.loads(ok(url, "show", "Reaper-like drone", "--json"))
        ok(url, "claim", "retract", str(next(c["id"] for c in haeil["claims"] if c["attribute"] == "status")))
        ok(url, "db", "reader")
        yield url
    finally:
        if request.param == "postgresql":
            run_cli(url, "db", "reader", "--drop")
        if drop:
            drop()


@pytest.fixture(scope="module")
def reader(catalogue_url):
    engine = read_only_engine(open_engine(catalogue_url, "read"))
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def client(reader):
    with TestClient(create_app(reader)) as test_client:
        yield test_client


def page(client, path: str, status: int = 200):
    response = client.get(path)
    assert response.status_code == status, (path, response.text[:500])
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"] == CSP
    return lxml.html.fromstring(response.text)


def as_json(client, path: str, status: int = 200):
    response = client.get(path, headers=JSON)
    assert response.status_code == status, (path, response.text[:500])
    assert response.headers["content-type"] == "application/json"
    return response.json()


def words(element) -> str:
    return " ".join(element.text_content().split())


def source_id(url: str, hostile: bool = False) -> int:
    rows = json.loads(ok(url, "sources", "--json"))
    return next(r["id"] for r in rows if ("<script>" in (r["title"] or "")) == hostile)


# --- the pages ------------------------------------------------------------------------------------------------------


def test_home_lists_systems_with_counts_facets_and_sorting(client):
    home = page(client, "/")
    rows = {words(tr.xpath("td[1]/a")[0]): [words(td) for td in tr.xpath("td")] for tr in home.xpath("//tbody/tr")}
    assert set(rows) == {"Haeil", "Hwasong-17", "Hwasong-18", "MQ-9 Reaper", "Poseidon", "Reaper-like drone"}
    assert rows["Hwasong-18"][4:6] == ["7", "2"]  # claims, sources
    assert "conflicting" in rows["Hwasong-18"][0] and "conflicting" not in rows["Haeil"][0]
    listing = as_json(client, "/systems")
    assert listing["total"] == 6 and {f["value"]: f["count"] for f in listing["facets"]["category"]}["icbm"] == 2
    assert {f["value"]: f["count"] for f in listing["facets"]["conflicting"]} == {"yes": 1, "no": 5}
    assert {f["value"]: f["count"] for f in listing["facets"]["fuel"]} == {None: 5, "solid": 1}
    facet_links = {words(a): a.get("href") for a in home.xpath("//aside//a")}
    assert as_json(client, facet_links["icbm"])["total"] == 2
    by_claims = as_json(client, "/systems?sort=claims&order=desc")["systems"]
    assert by_claims[0]["name"] == "Hwasong-18" and by_claims[0]["claims"] == max(s["claims"] for s in by_claims)
    assert set(by_claims[0]) == {"id", "slug", "name", "category", "fuel", "country", "claims", "sources",
                                 "first_seen", "last_seen", "conflicting"}  # `systems --json`, and the flag


@pytest.mark.parametrize(("query", "names"), [
    ("q=hwaseong18", ["Hwasong-18"]), ("q=reaper", ["MQ-9 Reaper", "Reaper-like drone"]),
    ("category=ICBM", ["Hwasong-17", "Hwasong-18"]), ("country=north+korea&category=icbm", ["Hwasong-17", "Hwasong-18"]),
    ("fuel=solid", ["Hwasong-18"]), ("conflicting=yes", ["Hwasong-18"]), ("q=kn-28", ["Hwasong-17"]),
])
def test_systems_filters(client, query, names):
    assert [s["name"] for s in as_json(client, f"/systems?{query}")["systems"]] == names


def test_conflicts_are_found_alike_in_short_and_long_lists(reader, monkeypatch):
    from catalogue import browse

    short = browse.browse_systems(reader)
    monkeypatch.setattr(browse, "SHORT_LIST", 0)  # every list tested as a long one: one pass over all claims
    assert browse.browse_systems(reader) == short
    assert [s.name for s in browse.browse_systems(reader, browse.SystemFilters(conflicting=True)).systems] == [
        "Hwasong-18"]


@pytest.mark.parametrize(("query", "message"), [
    ("category=rocket", "unknown category 'rocket'; use one of: icbm"), ("fuel=steam", "unknown fuel 'steam'"),
    ("sort=price", "query parameter sort"), ("page=0", "not a page number"), ("order=up", "neither asc nor desc"),
])
def test_bad_filters_are_one_message_not_a_traceback(client, query, message):
    assert message in as_json(client, f"/systems?{query}", 400)["error"]
    html = page(client, f"/systems?{query}", 400)
    assert message.split(";")[0] in words(html) and "Traceback" not in words(html)


@pytest.mark.parametrize(("url", "message"), [
    ("/systems/%00", "query parameter name: holds a NUL character"),
    ("/systems?q=%00", "query parameter q: holds a NUL character"),
    ("/claims?claimant=kc%00na", "query parameter claimant: holds a NUL character"),
    ("/systems?q=" + "x" * 5000, "query parameter q: 5,000 characters; at most 1,000"),
    ("/search?q=" + "+".join(f"word{n}" for n in range(30)), "search: 30 different words and phrases"),
])
def test_a_parameter_no_database_takes_is_refused_naming_it(client, url, message):
    """A NUL (PostgreSQL refuses it, SQLite cut the pattern there and matched everything) or an endless value
    (SQLite: pattern too complex), or a search of more words than it looks for, is a 400 naming the problem, not
    a 503 from the database nor a request held for minutes."""
    assert message in as_json(client, url, 400)["error"]


def test_system_page_names_best_values_claims_timeline_and_relations(client, catalogue_url):
    haeil = page(client, "/systems/haeil")
    assert words(haeil.xpath("//h1")[0]) == "Haeil"
    capability = haeil.get_element_by_id("attribute-capability")
    claim = capability.xpath(".//li[contains(@class, 'claim')]")[0]
    assert "said by Pyongyang" in words(claim) and "capable of producing radioactive tsunamis" in words(claim)
    shown = json.loads(ok(catalogue_url, "show", "Haeil", "--json"))
    quoted = next(c for c in shown["claims"] if c["value"] == "producing radioactive tsunamis")
    link = claim.xpath(".//a[@class='source']")[0]
    assert link.get("href") == f"/sources/{quoted['source_id']}#span-{quoted['start']}-{quoted['end']}"
    assert words(link).startswith(f"source {quoted['source_id']}: Kim Jong-un displays") and "(2023-07-28)" in words(link)
    assert claim.get("id") == f"claim-{quoted['id']}"
    timeline = haeil.get_element_by_id("timeline")
    assert "spring 2023 test" in words(timeline) and "It was tested last spring." in words(timeline)
    relation = haeil.get_element_by_id("relations").xpath(".//a[text()='Poseidon']")[0]
    assert words(page(client, relation.get("href")).xpath("//h1")[0]) == "Poseidon"
    # The JSON is what `catalogue show NAME --json` prints.
    assert as_json(client, "/systems/haeil") == shown
    assert as_json(client, "/systems/Hwaseong%2018") == json.loads(ok(catalogue_url, "show", "Hwasong-18", "--json"))


def test_conflicting_values_side_by_side_with_best_and_curation_status(client):
    hwasong18 = page(client, "/systems/hwasong18")
    fuel = hwasong18.get_element_by_id("attribute-fuel")
    assert "conflicting claims" in words(fuel.xpath("h2")[0])
    cards = fuel.xpath(".//div[contains(@class, 'side-by-side')]/article")
    assert [words(card.xpath("h3")[0]).split()[0] for card in cards] == ["solid", "liquid"]
    assert "best supported" in words(cards[0]) and "said by KCNA" in words(cards[1])
    assert "uses solid fuel" in words(cards[0]) and "uses liquid fuel" in words(cards[1])
    hwasong17 = page(client, "/systems/hwasong-17")
    statuses = {words(li.xpath(".//span[contains(@class, 'status')]")[0]): li.get("class")
                for li in hwasong17.xpath("//li[contains(@class, 'claim')]")}
    assert {"confirmed", "disputed"} <= set(statuses) and "status-disputed" in statuses["disputed"]
    drone = page(client, "/systems/reaper-like-drone")
    assert drone.xpath("//li[contains(@class, 'status-retracted')]//span[text()='retracted']")


def test_unknown_system_is_a_404_with_suggestions(client):
    missing = page(client, "/systems/Hwasung-17", 404)
    assert "no system named 'Hwasung-17'" in words(missing)
    assert [a.get("href") for a in missing.xpath("//p[contains(., 'Did you mean')]/a")] == [
        "/systems/Hwasong-17", "/systems/Hwasong-18"]
    assert as_json(client, "/systems/Hwasung-17", 404)["suggestions"] == ["Hwasong-17", "Hwasong-18"]
    assert "no such page" in as_json(client, "/nowhere", 404)["error"]


def test_source_page_marks_every_span_at_its_offsets(client, catalogue_url):
    seed = source_id(catalogue_url)
    data = as_json(client, f"/sources/{seed}")
    assert {"title", "publisher", "url", "published", "sha256", "origin", "systems", "claims", "text"} <= set(data)
    text_ = data["text"]
    exported = {c["id"]: c for s in json.loads(ok(catalogue_url, "export"))["systems"] for c in s["claims"]
                if c["source_id"] == seed and c["id"] is not None}
    claim_spans = [s for s in data["spans"] if s["kind"] == "claim"]
    assert {s["id"] for s in claim_spans} == set(exported)
    for span in data["spans"]:
        assert 0 <= span["start"] < span["end"] <= len(text_)
        if span["kind"] == "claim":
            assert text_[span["start"]:span["end"]] == exported[span["id"]]["quote"]
        if span["kind"] == "mention":
            assert text_[span["start"]:span["end"]] == span["value"]
    html = page(client, f"/sources/{seed}")
    article = html.get_element_by_id("text")
    for sup in article.xpath(".//sup[@class='refs']"):
        links = [a.get("href") for a in sup.xpath("a")]
        assert all(re.fullmatch(r"/systems/[\w-]+#(claim|event|relation)-\d+", href) for href in links), links
        sup.drop_tree()  # what is left is the article's text
    assert article.text_content() == text_
    for span in claim_spans:
        mark = html.get_element_by_id(f"span-{span['start']}-{span['end']}")
        assert mark.tag == "mark" and mark.text_content() == text_[span["start"]:span["end"]]
    tsunami = next(s for s in claim_spans if s["attribute"] == "capability" and s["system"] == "Haeil")
    refs = page(client, f"/sources/{seed}").get_element_by_id(f"span-{tsunami['start']}-{tsunami['end']}") \
        .getnext()  # the links that follow the mark
    assert f"/systems/haeil#claim-{tsunami['id']}" in [a.get("href") for a in refs.xpath("a")]
    assert [a.get("href") for a in article.xpath(".//a[@class='mention'][text()='Haeil']")] == ["/systems/haeil"]


def test_claims_filter_by_claimant_attribute_system_source_and_status(client, catalogue_url):
    kcna = as_json(client, "/claims?claimant=kcna")["claims"]
    assert kcna and all("kcna" in c["claimant"].lower() for c in kcna)
    assert {c["attribute"] for c in kcna} == {"fuel", "capability", "range"}
    keys = set(json.loads(ok(catalogue_url, "show", "Haeil", "--json"))["claims"][0])
    assert keys <= set(kcna[0]) and {"system", "system_id", "source_title"} <= set(kcna[0])
    assert [c["value"] for c in as_json(client, "/claims?system=hwasong18&attribute=fuel")["claims"]] == [
        "liquid", "solid"]
    assert {c["system"] for c in as_json(client, "/claims?attribute=capability&claimant=pyongyang")["claims"]} == {
        "Haeil"}
    seed = source_id(catalogue_url)
    in_seed = as_json(client, f"/claims?source={seed}")["claims"]
    assert in_seed and {c["source_id"] for c in in_seed} == {seed}
    assert [c["status"] for c in as_json(client, "/claims?status=retracted")["claims"]] == ["retracted"]
    stored = [c for s in json.loads(ok(catalogue_url, "export"))["systems"] for c in s["claims"] if c["id"]]
    first, second = (as_json(client, f"/claims?page={n}") for n in (1, 2))
    assert [c["id"] for c in first["claims"]] == sorted((c["id"] for c in stored), reverse=True)  # newest first
    assert not first["more"] and second["claims"] == []
    html = page(client, "/claims?claimant=KCNA")
    rows = html.xpath("//table[contains(@class, 'claims')]/tbody/tr")
    assert len(rows) == 3 and all("KCNA" in words(row.xpath("td[5]")[0]) for row in rows)
    claimant_link = page(client, "/systems/haeil").xpath("//a[@class='claimant'][text()='Pyongyang']")[0]
    assert claimant_link.get("href") == "/claims?claimant=Pyongyang"
    assert "no system named 'nowhere'" in as_json(client, "/claims?system=nowhere", 404)["error"]


def test_search_marks_matches_and_links_to_the_system(client, catalogue_url):
    html = page(client, "/search?q=tsunami")
    hits = html.xpath("//ol[@class='hits']/li")
    assert [h.get("class") for h in hits] == ["hit claim", "hit claim", "hit source"]
    assert [words(m) for m in html.xpath("//p[@class='snippet']/mark")] == ["tsunamis"] * 3
    assert hits[0].xpath(".//a[@class='system']")[0].get("href") == "/systems/Haeil"
    found = as_json(client, "/search?q=tsunami")
    assert found["hits"] == json.loads(ok(catalogue_url, "search", "tsunami", "--json"))
    assert page(client, "/search").xpath("//ol") == []
    assert "give at least one word" in as_json(client, "/search?q=%21%21", 400)["error"]


# --- safety ---------------------------------------------------------------------------------------------------------


class Tags(HTMLParser):
    """Every tag and attribute the browser would see."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_hostile_text_is_escaped_everywhere(client, catalogue_url):
    hostile = source_id(catalogue_url, hostile=True)
    paths = ["/", "/systems/hwasong18", f"/sources/{hostile}", "/sources", "/claims?claimant=kcna",
             "/claims?claimant=analysts", "/search?q=alert", "/search?q=%3Cscript%3E", "/systems/%3Cscript%3E"]
    for path in paths:
        response = client.get(path)
        assert response.status_code in (200, 404), path
        parser = Tags()
        parser.feed(response.text)
        for tag, attributes in parser.tags:
            assert tag not in ("script", "img", "iframe", "object", "embed", "b"), (path, tag)
            for name, value in attributes.items():
                assert not name.startswith("on") and name != "style", (path, tag, name)
                assert not (value or "").strip().lower().startswith(("javascript:", "data:")), (path, tag, name)
    source = client.get(f"/sources/{hostile}").text
    assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;" in source
    assert "&lt;img src=x onerror=alert(&#39;quote&#39;)&gt;" in source
    html = lxml.html.fromstring(source)
    url = html.xpath("//dt[text()='URL']/following-sibling::dd[1]")[0]
    assert url.xpath(".//a") == [] and "javascript:alert('url')" in words(url)
    assert "<b onmouseover=alert('publisher')>Wire</b>" in words(html.xpath("//dt[text()='Publisher']/following-sibling::dd[1]")[0])
    assert "<script>" in words(html.xpath("//h1")[0])
    search = page(client, "/search?q=onerror")
    assert "img src=x onerror=alert('quote')>" in words(search.xpath("//p[@class='snippet']")[0])


def test_security_headers_and_no_script_needed(client):
    for path in ["/", "/systems/haeil", "/sources/1", "/claims", "/search?q=drone", "/nowhere", "/static/style.css"]:
        response = client.get(path)
        assert response.headers["content-security-policy"] == CSP, path
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert "<script" not in response.text and " style=" not in response.text
    assert "script-src" not in CSP and "'unsafe-inline'" not in CSP and CSP.startswith("default-src 'none'")


# --- read-only ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_no_route_writes(client, method):
    for path in ["/", "/systems", "/systems/haeil", "/sources/1", "/claims", "/search?q=x"]:
        response = client.request(method, path)
        assert response.status_code == 405, (method, path)
        assert "read-only" in response.text and "GET" in response.headers["allow"]


@pytest.mark.parametrize(("accept", "json"), [
    ("application/json", True), ("text/html", False), ("", False), ("*/*", False),
    ("application/json;q=0", False), ("application/jsonx", False),
    ("text/html;q=0.1, application/json", True), ("text/html, application/json", False),
])
def test_json_is_served_when_the_accept_header_prefers_it(client, accept, json):
    response = client.get("/systems/haeil", headers={"Accept": accept})
    assert response.headers["content-type"].startswith("application/json" if json else "text/html"), accept


def test_the_engine_cannot_write_and_pages_leave_the_catalogue_as_it_was(client, reader, catalogue_url):
    before = canonical(catalogue_url)
    for path in ["/", "/systems/haeil", "/sources/1", "/claims?claimant=kcna", "/search?q=tsunami", "/sources"]:
        client.get(path)
        client.get(path, headers=JSON)
    assert canonical(catalogue_url) == before
    for statement in ("UPDATE claims SET value = 'x'", "CREATE TABLE t (x INTEGER)"):
        with reader.connect() as connection, pytest.raises(Exception, match="not authorized|read-only|denied"):
            connection.execute(text(statement))
    if reader.dialect.name == "postgresql":
        with reader.connect() as connection:
            user, read_only = connection.execute(text(
                "SELECT current_user, current_setting('transaction_read_only')")).one()
        assert user.startswith("catalogue_reader_") and read_only == "on"


def test_hosts_other_than_its_own_are_refused(reader):
    with TestClient(create_app(reader, allowed_hosts("127.0.0.1")), base_url="http://127.0.0.1:8000") as local:
        assert local.get("/").status_code == 200
        assert local.get("/", headers={"Host": "localhost:8000"}).status_code == 200
        assert local.get("/", headers={"Host": "rebound.example"}).status_code == 400
    assert allowed_hosts("0.0.0.0") is None and allowed_hosts("::1")[0] == "[::1]"


def test_a_database_failure_and_a_bug_are_one_line_pages(tmp_path, caplog):
    gone = create_engine(f"sqlite:///{tmp_path / 'no' / 'such.db'}")
    with TestClient(create_app(gone)) as broken:
        response = broken.get("/systems/haeil")
        assert response.status_code == 503 and "the database could not answer: unable to open database file" in \
            response.text and "Traceback" not in response.text
        assert broken.get("/", headers=JSON).json()["error"].startswith("the database could not answer")
    with TestClient(create_app(None)) as misconfigured:  # no engine at all: a bug, not a user's error
        response = misconfigured.get("/claims")
        assert response.status_code == 500 and response.headers["content-security-policy"] == CSP
        assert "internal error (AttributeError)" in response.text and "Traceback" not in response.text
    assert "serve: /claims: internal error: AttributeError" in caplog.text


# --- the command ----------------------------------------------------------------------------------------------------


def test_serve_command_binds_to_loopback_and_stops_on_ctrl_c(catalogue_url):
    process = subprocess.Popen([sys.executable, "-m", "catalogue", "--db", catalogue_url, "serve", "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd="/")
    try:
        line = process.stderr.readline()
        address = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert address, line
        served = httpx.get(f"http://127.0.0.1:{address[1]}/systems/haeil", headers=JSON, timeout=10)
        assert served.status_code == 200 and served.json()["name"] == "Haeil"
        assert httpx.get(f"http://127.0.0.1:{address[1]}/sources/1", timeout=10).status_code == 200
        # Run from /, the installed package answers (in CI a wheel): its templates and style sheet came along.
        style = httpx.get(f"http://127.0.0.1:{address[1]}/static/style.css", timeout=10)
        assert style.status_code == 200 and style.headers["content-type"].startswith("text/css")
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=20)
    assert process.returncode == 0 and "Traceback" not in err, err


def test_serve_command_errors_are_one_line(catalogue_url, tmp_path):
    code, _, err = run_cli(f"sqlite:///{tmp_path / 'missing.db'}", "serve")
    assert code == 1 and "no such catalogue" in err and len(err.strip().splitlines()) == 1
    taken = listen("127.0.0.1", 0)
    try:
        code, _, err = run_cli(catalogue_url, "serve", "--port", str(taken.getsockname()[1]))
    finally:
        taken.close()
    assert code == 1 and err.startswith("error: serve: cannot listen on 127.0.0.1:") and len(err.splitlines()) == 1
    if catalogue_url.startswith("postgresql"):
        code, _, err = run_cli(catalogue_url, "serve", "--role", "no_such_reader_role")
        assert code == 1 and "cannot connect as the reader role no_such_reader_role" in err
        assert "catalogue db reader" in err and len(err.strip().splitlines()) == 1


# --- the marks ------------------------------------------------------------------------------------------------------


def span(kind: str, start: int, end: int, record_id: int = 1, system: str = "Alpha") -> SpanRecord:
    return SpanRecord(kind=kind, id=record_id, event_id=record_id if kind == "event" else None, start=start, end=end,
                      system_id=1, system=system, system_slug=system.lower(), attribute="capability",
                      value="x", unit=None, claimant=None, status="claimed")


def test_marks_nest_split_crossings_and_escape():
    text_ = "<b>Alpha</b> fires & flies. Then <i>it</i> lands."
    spans = [span("claim", 0, 27, 1), span("claim", 0, 27, 2), span("mention", 3, 8),
             span("event", 20, 43, 3), span("relation", 28, 49, 4)]
    marked = str(mark_text(text_, spans))
    assert "<b>" not in marked and "&lt;b&gt;Alpha" not in marked and "&lt;i&gt;it&lt;/i&gt;" in marked
    tree = lxml.html.fromstring(f"<div>{marked}</div>")
    for sup in tree.xpath(".//sup"):
        sup.drop_tree()
    assert tree.text_content() == text_
    outer = tree.get_element_by_id("span-0-27")
    assert outer.text_content() == text_[0:27] and "claim" in outer.get("class")
    assert outer.xpath("a[@class='mention']")[0].text_content() == "Alpha"
    assert tree.get_element_by_id("span-20-43").text_content() == text_[20:27]  # crosses 0-27: split there
    assert tree.get_element_by_id("span-28-49").text_content() == text_[28:43]  # crossed by 20-43
    for kind, start, end in [("event", 20, 43), ("relation", 28, 49)]:
        pieces = tree.xpath(f".//mark[@class='{kind}'][not(ancestor::mark[@class='{kind}'])]")
        assert "".join(p.text_content() for p in pieces) == text_[start:end]
    refs = lxml.html.fromstring(f"<div>{mark_text(text_, spans)}</div>").xpath(".//sup/a/@href")
    assert refs == ["/systems/alpha#claim-1", "/systems/alpha#claim-2", "/systems/alpha#event-3",
                    "/systems/alpha#relation-4"]
    assert str(mark_text("abc", [span("claim", 2, 9), span("claim", 1, 1)])) == "abc"  # out of the text: no mark


# --- a real browser -------------------------------------------------------------------------------------------------


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if found := shutil.which(name):
            return found
    return None


@pytest.fixture(scope="module")
def browser():
    """One headless browser for the module: Debian's Chromium, driven by Playwright (which downloads nothing)."""
    executable = chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        executable = None
    if executable is None:
        message = "no browser: install Debian's chromium and the playwright package (.ci/run does)"
        (pytest.fail if IN_CI else pytest.skip)(message)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable,
                                              args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield launched
        launched.close()


@contextmanager
def serving(engine):
    """The app on a real socket, served by uvicorn in a thread, as `catalogue serve` serves it."""
    import uvicorn

    sock = listen("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn.Config(create_app(engine, allowed_hosts("127.0.0.1")), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(20)
        sock.close()


def test_browser_search_to_system_to_claim_to_its_marked_sentence(browser, reader, catalogue_url, tmp_path_factory):
    shots = Path(os.environ.get("CATALOGUE_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    shots.mkdir(parents=True, exist_ok=True)
    engine_name = reader.dialect.name
    with serving(reader) as base:
        tab = browser.new_page(viewport={"width": 1280, "height": 900})
        problems: list[str] = []
        tab.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
        tab.on("pageerror", lambda error: problems.append(str(error)))
        tab.goto(base + "/")
        tab.fill("header form.search input[name=q]", "tsunami")
        tab.press("header form.search input[name=q]", "Enter")
        tab.wait_for_url("**/search?q=tsunami")
        assert tab.locator("p.snippet mark").first.inner_text() == "tsunamis"
        tab.locator("ol.hits li.claim a.system", has_text="Haeil").first.click()
        tab.wait_for_url("**/systems/Haeil")
        tab.screenshot(path=str(shots / f"system-haeil-{engine_name}.png"), full_page=True)
        claim = tab.locator("#attribute-capability li.claim", has_text="radioactive tsunamis")
        claim.locator("a.source").click()
        tab.wait_for_url(re.compile(r"/sources/\d+#span-\d+-\d+$"))
        target = tab.locator("mark:target")
        assert target.count() == 1
        assert "capable of producing radioactive tsunamis" in target.inner_text()
        assert target.is_visible() and tab.evaluate(
            "() => { const r = document.querySelector('mark:target').getBoundingClientRect();"
            " return r.top >= 0 && r.bottom <= window.innerHeight; }")
        screenshot = shots / f"claim-in-source-{engine_name}.png"
        tab.screenshot(path=str(screenshot))
        assert screenshot.stat().st_size > 10_000
        tab.close()
    assert problems == [], problems  # no CSP violation, no missing resource, no script error
    print(f"screenshots: {shots}")
