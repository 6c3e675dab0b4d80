"""URLs as documents: a page's main text (trafilatura, as for saved pages), or each entry of a feed.

A page's source records the URL as given (origin), the final URL after redirects (url) and when it was
fetched. Its date is the page's metadata, else the HTTP Last-Modified, else none: never a date guessed
from the text. A feed entry is its linked page when that can be fetched and yields text, else the entry's
own content; the entry's title, date and link come first.

With jobs > 1, `jobs` threads fetch ahead while the importer extracts and writes; documents still come
out in the order of the arguments and of each feed's entries, so the catalogue is the one one job builds.
"""

import codecs
import datetime as dt
import email.utils
import re
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from catalogue.errors import InputError
from catalogue.feeds import FeedEntry, ParsedFeed, looks_like_feed, parse_feed
from catalogue.fetch import FEED_ACCEPT, PAGE_ACCEPT, Fetched, Fetcher, check_url
from catalogue.readers import BYTE_ORDER_MARKS, Metadata, Reader, decode, one_line, to_document
from catalogue.schemas import Document

HTML_TYPES = {"text/html", "application/xhtml+xml"}
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.I)
# Browsers read these labels as windows-1252 (WHATWG Encoding); so do we.
_AS_CP1252 = {"iso-8859-1", "iso8859-1", "latin1", "latin-1", "us-ascii", "ascii", "l1"}

Item = Document | InputError


def is_url(path: str) -> bool:
    """An argument naming a URL (any scheme: ftp:// is refused by name, not read as a file)."""
    return bool(_URL.match(path))


@dataclass
class FeedSource:
    """Where a feed's entries come from: what a document of an entry takes from its feed."""

    url: str
    title: str | None
    fetched_at: dt.datetime


@dataclass
class WebReader(Reader):
    """A Reader that also takes URLs (pages or feeds) among its paths; the fetcher sets the politeness."""

    fetcher: Fetcher | None = None
    jobs: int = 1
    _tasks: "_Tasks | None" = field(default=None, init=False, repr=False)  # the running read's fetch threads

    def read(self, paths: list[str]) -> Iterator[Item]:
        if not any(is_url(p) for p in paths):
            yield from super().read(paths)
            return
        with _Tasks(self.jobs) as tasks:
            self._tasks = tasks
            window: deque = deque()
            pending = iter(paths)

            def fill() -> None:  # URLs a few arguments ahead are fetched while earlier ones are imported
                while len(window) < 4 * self.jobs and (path := next(pending, None)) is not None:
                    window.append(tasks.submit(self._guarded(path, self._url, path)) if is_url(path) else path)

            fill()
            while window:
                entry = window.popleft()
                fill()
                if isinstance(entry, str):
                    yield from super().read([entry])
                else:
                    yield from _flatten(entry.result())

    def read_entries(self, entries: list[tuple[FeedEntry, FeedSource]]) -> Iterator[Item]:
        """One document (or its error) per entry, in order."""
        with _Tasks(self.jobs) as tasks:
            futures = [tasks.submit(self._guarded(self._entry_path(e, s, n), self._entry, e, s, n))
                       for n, (e, s) in enumerate(entries, 1)]
            yield from _flatten(futures)

    # --- tasks: each returns items, or futures of more items (a feed's entries) ---

    def _url(self, url: str) -> list:
        fetched = self._fetcher.get(check_url(url), accept=f"{PAGE_ACCEPT},{FEED_ACCEPT}")
        if looks_like_feed(fetched.body, fetched.content_type):
            feed = parse_feed(fetched.body, fetched.final_url, fetched.content_type)
            source = FeedSource(url=url, title=feed.title, fetched_at=fetched.fetched_at)
            if not feed.entries:
                raise InputError(url, "the feed has no entries")
            return [self._tasks.submit(self._guarded(self._entry_path(e, source, n), self._entry, e, source, n))
                    for n, e in enumerate(feed.entries, 1)]
        return [page_document(fetched, self.overrides)]

    def _entry(self, entry: FeedEntry, source: FeedSource, number: int) -> list:
        return [entry_document(self._fetcher, entry, source, self._entry_path(entry, source, number), self.overrides)]

    @staticmethod
    def _entry_path(entry: FeedEntry, source: FeedSource, number: int) -> str:
        return entry.link or entry.guid or f"{source.url} (entry {number})"

    @property
    def _fetcher(self) -> Fetcher:
        if self.fetcher is None:
            raise InputError("-", "no fetcher given for URLs")
        return self.fetcher

    def _guarded(self, path: str, task: Callable[..., list], *args: Any) -> Callable[[], list]:
        """The task, whose every failure is the item's one-line error naming its URL."""
        def run() -> list:
            try:
                return task(*args)
            except InputError as exc:
                return [exc if exc.path == path else InputError(path, exc.problem)]
            except Exception as exc:  # a bug must not stop the other URLs: this one fails, naming why
                return [InputError(path, f"cannot read: {exc.__class__.__name__}: {one_line(exc)}")]
        return run


def page_document(fetched: Fetched, overrides: Metadata | None = None, path: str | None = None,
                  publisher: str | None = None) -> Document:
    """The page's main text and metadata; an InputError when it is not HTML or has no main text."""
    path = path or fetched.url
    if fetched.content_type not in HTML_TYPES and not _sniffed_html(fetched):
        raise InputError(path, f"not HTML or a feed ({fetched.content_type or 'no media type'})")
    try:
        import trafilatura
    except ImportError:
        raise InputError(path, "reading HTML needs the 'html' extra: pip install 'catalogue[html]'") from None
    # Dates from the page's metadata only: a date in the article's text is no publication date.
    result = trafilatura.bare_extraction(page_html(fetched, path), url=fetched.final_url, with_metadata=True,
                                         include_comments=False, include_tables=False,
                                         date_extraction_params={"extensive_search": False, "original_date": True})
    data = result.as_dict() if hasattr(result, "as_dict") else (result or {})
    if not data.get("text"):
        raise InputError(path, "no main text found in the page")
    meta = lenient_metadata(title=data.get("title"), url=fetched.final_url,
                            publisher=data.get("sitename") or data.get("author") or publisher,
                            published=data.get("date") or http_date(fetched.last_modified),
                            language=data.get("language"))
    document = to_document(data["text"], meta.merged(overrides), path)
    return document.model_copy(update={"fetched_at": fetched.fetched_at})


def entry_document(fetcher: Fetcher, entry: FeedEntry, source: FeedSource, path: str,
                   overrides: Metadata | None = None) -> Document:
    """A feed entry's document: its linked page when it yields text, else the entry's own content."""
    stated = lenient_metadata(title=entry.title, published=entry.published).merged(overrides)
    problem = "the entry has no link"
    if entry.link:
        try:
            fetched = fetcher.get(check_url(entry.link))
            return page_document(fetched, stated, path, publisher=source.title)
        except InputError as exc:
            problem = exc.problem
    if not entry.content:
        raise InputError(path, f"{problem}, and the entry has no content of its own")
    meta = lenient_metadata(url=entry.link, publisher=source.title).merged(stated)
    return to_document(entry.content, meta, path).model_copy(update={"fetched_at": source.fetched_at})


def lenient_metadata(**values: Any) -> Metadata:
    """Metadata a site gives, each value kept when valid and dropped when not (a 400-character site name, a
    date such as 2023-02-30): a page is not refused for what its publisher wrote in its head."""
    kept = {}
    for key, value in values.items():
        try:
            kept[key] = getattr(Metadata.model_validate({key: value}), key)
        except ValidationError:
            continue
    return Metadata(**kept)


def http_date(value: str | None) -> str | None:
    """An HTTP date (Last-Modified) as an ISO date, or None."""
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value).date().isoformat()
    except (TypeError, ValueError, IndexError):
        return None


def page_html(fetched: Fetched, path: str) -> str:
    """The body as text: a byte-order mark, else the charset the server or the page declares, else detected."""
    body = fetched.body
    if not body.strip():
        raise InputError(path, "empty body")
    if not body.startswith(tuple(mark for mark, _ in BYTE_ORDER_MARKS)):
        if b"\x00" in body[:8192]:
            raise InputError(path, f"binary body (NUL bytes) served as {fetched.content_type or 'no media type'}")
        found = _META_CHARSET.search(body[:4096])
        for label in (fetched.charset, found.group(1).decode("ascii") if found else None):
            if not label:
                continue
            label = "cp1252" if label.lower() in _AS_CP1252 else label
            try:
                codecs.lookup(label)
                return body.decode(label)
            except (LookupError, UnicodeDecodeError):
                continue  # a wrong or unknown label: detection below
    return decode(body, path)


def _sniffed_html(fetched: Fetched) -> bool:
    if fetched.content_type not in (None, "application/octet-stream", "text/plain"):
        return False
    head = fetched.body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html"))


class _Lazy:
    """A task run when its result is first wanted: with one job, one thing is fetched at a time, in order."""

    def __init__(self, task: Callable[[], list]):
        self.task: Callable[[], list] | None = task
        self.value: list = []

    def result(self) -> list:
        if self.task is not None:
            self.value, self.task = self.task(), None
        return self.value


class _Tasks:
    """Fetch tasks on `jobs` threads, or lazily in the reading thread for one job."""

    def __init__(self, jobs: int):
        self.pool = ThreadPoolExecutor(jobs, thread_name_prefix="catalogue-fetch") if jobs > 1 else None

    def submit(self, task: Callable[[], list]) -> "Future[list] | _Lazy":
        return self.pool.submit(task) if self.pool is not None else _Lazy(task)

    def __enter__(self) -> "_Tasks":
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:  # an interrupted import leaves no fetch queued
            self.pool.shutdown(wait=exc[0] is None, cancel_futures=True)


def _flatten(entries: list) -> Iterator[Item]:
    for entry in entries:
        if isinstance(entry, Future | _Lazy):
            yield from _flatten(entry.result())
        else:
            yield entry


def feed_of(fetched: Fetched) -> ParsedFeed:
    """The fetched body as a feed; an InputError naming its URL when it is none."""
    if not looks_like_feed(fetched.body, fetched.content_type):
        raise InputError(fetched.url, f"not a feed ({fetched.content_type or 'no media type'})")
    return parse_feed(fetched.body, fetched.final_url, fetched.content_type)
