"""Following feeds: add, list, remove, and update (poll each feed, import its entries not seen before).

A poll is a conditional GET (ETag, Last-Modified): 304 is "no change". Entries already imported are
skipped by guid or link before anything is fetched. An entry is marked seen once its document is written
(new, or unchanged: its text was imported before); an entry that failed is tried again at the next poll,
so a feed's validators are kept only from a poll whose entries all imported.
"""

import datetime as dt
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Engine, func, or_, select

from catalogue.db import read_session, session_scope
from catalogue.errors import CatalogueError, InputError, NotFoundError
from catalogue.feeds import FeedEntry, ParsedFeed
from catalogue.fetch import FEED_ACCEPT, Fetched, Fetcher, check_url
from catalogue.importer import DocumentResult, ImportReport, import_items
from catalogue.models import Feed, FeedItem, utcnow
from catalogue.web import FeedSource, WebReader, feed_of

MAX_URL_BYTES = 2000  # feeds.url is indexed; a longer URL is no feed address anyone types


class FeedRow(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    url: str
    created_at: dt.datetime
    last_polled_at: dt.datetime | None
    items_seen: int = 0
    last_error: str | None


class FeedPoll(BaseModel):
    """What one feed's poll did."""

    name: str
    url: str
    status: Literal["imported", "no change", "failed"]
    not_modified: bool = False  # the server answered 304
    entries: int = 0  # in the feed as fetched
    entries_new: int = 0  # not seen before: fetched and imported
    documents_new: int = 0
    documents_unchanged: int = 0
    documents_failed: int = 0
    error: str | None = None


class UpdateReport(BaseModel):
    feeds: list[FeedPoll]
    documents: ImportReport


def add_feed(engine: Engine, fetcher: Fetcher, url: str, name: str | None = None) -> FeedRow:
    """Follow a feed. It is fetched once to check that it is one (RSS, Atom or JSON Feed); its name is the given
    one, else its title, else its host. Nothing is imported until the next update."""
    check_url(url)
    if len(url.encode("utf-8")) > MAX_URL_BYTES:
        raise InputError(url, f"URL longer than {MAX_URL_BYTES:,} bytes")
    if name is not None and not name.strip():
        raise CatalogueError("--name: must not be empty")
    with read_session(engine) as session:
        existing = session.scalar(select(Feed).where(Feed.url == url))
        if existing is not None:
            raise CatalogueError(f"{url}: already followed, as {existing.name}")
        if name is not None and session.scalar(select(Feed).where(Feed.name == name.strip())):
            raise CatalogueError(f"a feed named {name.strip()!r} is followed already; choose another --name")
    feed = feed_of(fetcher.get(url, accept=FEED_ACCEPT))
    chosen = (name or feed.title or urlsplit(url).hostname or url).strip()[:200]
    with session_scope(engine) as session:
        taken = set(session.scalars(select(Feed.name).where(Feed.name.like(f"{chosen[:190]}%"))))
        if chosen in taken and name is not None:
            raise CatalogueError(f"a feed named {chosen!r} is followed already; choose another --name")
        unique, n = chosen, 2
        while unique in taken:  # two feeds titled alike: "Defense News", "Defense News 2"
            unique, n = f"{chosen[:190]} {n}", n + 1
        row = Feed(name=unique, url=url)
        session.add(row)
        session.flush()
        return FeedRow.model_validate(row)


def list_feeds(engine: Engine) -> list[FeedRow]:
    seen = (select(FeedItem.feed_id, func.count().label("n")).group_by(FeedItem.feed_id)).subquery()
    with read_session(engine) as session:
        rows = session.execute(select(Feed, func.coalesce(seen.c.n, 0))
                               .outerjoin(seen, seen.c.feed_id == Feed.id).order_by(Feed.name)).all()
        return [FeedRow.model_validate(feed).model_copy(update={"items_seen": n}) for feed, n in rows]


def remove_feed(engine: Engine, name: str) -> FeedRow:
    """Stop following a feed; the documents imported from it stay."""
    with session_scope(engine) as session:
        feed = _named(session, name)
        row = FeedRow.model_validate(feed)
        session.delete(feed)
        return row


def _named(session, name: str) -> Feed:
    feed = session.scalar(select(Feed).where(Feed.name == name))
    if feed is None:
        known = ", ".join(session.scalars(select(Feed.name).order_by(Feed.name))) or "none yet"
        raise NotFoundError(f"no feed named {name!r} (followed: {known})")
    return feed


@dataclass
class _Polled:
    """A feed's poll while the update runs: its answer, its entries not seen before, their import results."""

    feed_id: int
    poll: FeedPoll
    fetched: Fetched | None = None
    source: FeedSource | None = None
    new: list[FeedEntry] = field(default_factory=list)
    results: list[DocumentResult] = field(default_factory=list)


def update_feeds(engine: Engine, fetcher: Fetcher, names: list[str] | None = None, jobs: int = 1,
                 progress: Callable[[DocumentResult], None] | None = None) -> UpdateReport:
    """Poll the feeds (all, or those named) and import their new entries; --jobs as for import."""
    with read_session(engine) as session:
        feeds = [_named(session, n) for n in names] if names else list(session.scalars(select(Feed).order_by(Feed.name)))
        feeds = [(f.id, f.name, f.url, f.etag, f.last_modified) for f in feeds]
    with ThreadPoolExecutor(max(1, min(jobs, len(feeds) or 1))) as pool:
        polls = list(pool.map(lambda feed: _poll(fetcher, *feed), feeds))
    for polled in polls:
        if polled.fetched is not None and not polled.fetched.not_modified:
            _drop_seen(engine, polled)
    entries = [(entry, polled.source) for polled in polls for entry in polled.new]
    owners = [polled for polled in polls for _ in polled.new]
    results: list[DocumentResult] = []

    def collect(result: DocumentResult) -> None:
        results.append(result)
        if progress is not None:
            progress(result)

    reader = WebReader(fetcher=fetcher, jobs=jobs, max_bytes=fetcher.settings.max_bytes)
    documents = import_items(engine, reader.read_entries(entries), progress=collect, jobs=jobs)
    for polled, result in zip(owners, results, strict=True):
        polled.results.append(result)
    for polled in polls:
        _record(engine, polled)
    return UpdateReport(feeds=[p.poll for p in polls], documents=documents)


def _poll(fetcher: Fetcher, feed_id: int, name: str, url: str, etag: str | None,
          last_modified: str | None) -> _Polled:
    poll = FeedPoll(name=name, url=url, status="no change")
    try:
        fetched = fetcher.get(url, accept=FEED_ACCEPT, etag=etag, last_modified=last_modified)
        if fetched.not_modified:
            poll.not_modified = True
            return _Polled(feed_id=feed_id, poll=poll, fetched=fetched)
        feed: ParsedFeed = feed_of(fetched)
    except InputError as exc:
        poll.status, poll.error = "failed", exc.problem
        return _Polled(feed_id=feed_id, poll=poll)
    poll.entries = len(feed.entries)
    source = FeedSource(url=url, title=feed.title, fetched_at=fetched.fetched_at)
    return _Polled(feed_id=feed_id, poll=poll, fetched=fetched, source=source, new=_distinct(feed.entries))


def _distinct(entries: list[FeedEntry]) -> list[FeedEntry]:
    """Entries in feed order, an entry listed twice (same guid or link) once."""
    keys: set[str] = set()
    kept = []
    for entry in entries:
        names = {k for k in (entry.guid, entry.link, entry.key) if k}
        if names & keys:
            continue
        keys |= names
        kept.append(entry)
    return kept


def _drop_seen(engine: Engine, polled: _Polled) -> None:
    """Leave out the entries imported before (same guid or same link), before anything is fetched."""
    guids = [e.guid or e.key for e in polled.new]
    links = [e.link for e in polled.new if e.link]
    seen_guids: set[str] = set()
    seen_links: set[str] = set()
    with read_session(engine) as session:
        for chunk in range(0, max(len(guids), len(links)), 500):
            condition = or_(FeedItem.guid.in_(guids[chunk:chunk + 500]), FeedItem.link.in_(links[chunk:chunk + 500]))
            for guid, link in session.execute(select(FeedItem.guid, FeedItem.link)
                                              .where(FeedItem.feed_id == polled.feed_id, condition)):
                seen_guids.add(guid)
                seen_links.add(link)
    seen_links.discard(None)
    polled.new = [e for e in polled.new if (e.guid or e.key) not in seen_guids and e.link not in seen_links]
    polled.poll.entries_new = len(polled.new)


def _record(engine: Engine, polled: _Polled) -> None:
    """The poll's outcome on its feed, in one transaction: entries imported are seen; validators kept when
    nothing failed (a failed entry is fetched again next time, which a 304 would prevent)."""
    poll = polled.poll
    failed = [r for r in polled.results if r.status == "failed"]
    poll.documents_new = sum(r.status == "new" for r in polled.results)
    poll.documents_unchanged = sum(r.status == "unchanged" for r in polled.results)
    poll.documents_failed = len(failed)
    if poll.status != "failed" and polled.results:
        poll.status = "imported" if not failed or len(failed) < len(polled.results) else "failed"
    if failed:
        first = failed[0]
        poll.error = (f"{len(failed)} of {len(polled.results)} entries failed; first: {first.path}: {first.error}"
                      if len(polled.results) > 1 else f"{first.path}: {first.error}")
    now = utcnow()
    with session_scope(engine) as session:
        feed = session.get(Feed, polled.feed_id)
        if feed is None:  # removed while this update ran
            return
        feed.last_polled_at = now
        feed.last_error = poll.error
        for entry, result in zip(polled.new, polled.results, strict=True):
            if result.status in ("new", "unchanged"):
                session.add(FeedItem(feed_id=feed.id, guid=entry.guid or entry.key, link=entry.link,
                                     source_id=result.source_id, seen_at=now))
        if polled.fetched is not None and not polled.fetched.not_modified and not failed:
            feed.etag, feed.last_modified = polled.fetched.etag, (polled.fetched.last_modified or "")[:100] or None
