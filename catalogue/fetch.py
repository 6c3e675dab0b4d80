"""Fetching pages and feeds politely, because updates run unattended.

Every request names catalogue and its version, obeys the host's robots.txt, waits its turn (at most
`per_host` requests in flight to one host, starts at least `delay` apart, or robots.txt's Crawl-delay),
and reads at most `max_bytes` of body. 429 and 503 wait as Retry-After asks; other 5xx, timeouts and
dropped connections are tried again with a doubling backoff, a bounded number of times. Every failure is
a FetchError: one line naming the URL and the reason.
"""

import datetime as dt
import email.utils
import random
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

from pydantic import BaseModel, ConfigDict, Field

from catalogue import __version__
from catalogue.errors import CatalogueError, InputError
from catalogue.readers import max_bytes_default

AGENT = "catalogue"  # the product token robots.txt rules name
USER_AGENT = f"{AGENT}/{__version__} (weapons-system catalogue; news importer)"
PAGE_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"
FEED_ACCEPT = ("application/rss+xml,application/atom+xml,application/feed+json,application/xml;q=0.9,"
               "text/xml;q=0.9,application/json;q=0.8,*/*;q=0.5")
REDIRECTS = {301, 302, 303, 307, 308}
ROBOTS_MAX_BYTES = 500_000  # RFC 9309 asks crawlers to read at least 500 KiB of it


def web_extra() -> None:
    """Refuse clearly when the optional dependencies are missing."""
    try:
        import feedparser  # noqa: F401
        import httpx  # noqa: F401
    except ImportError:
        raise CatalogueError("importing from the web needs the 'web' extra: pip install 'catalogue[web]'") from None


class FetchSettings(BaseModel):
    """Limits of one run; the defaults are the command line's."""

    model_config = ConfigDict(frozen=True)

    connect_timeout: float = Field(10.0, gt=0)
    read_timeout: float = Field(30.0, gt=0, description="Longest wait for the next bytes of an answer.")
    total_timeout: float = Field(120.0, gt=0, description="Longest time to read one body, however it trickles.")
    retries: int = Field(3, ge=0, description="Tries after the first, for 5xx, 429, timeouts and dropped connections.")
    backoff: float = Field(1.0, ge=0, description="First wait before trying again; doubles each time.")
    max_retry_after: float = Field(120.0, ge=0, description="Longest Retry-After honoured; longer fails the URL.")
    per_host: int = Field(2, ge=1)
    delay: float = Field(0.1, ge=0, description="Least time between the starts of two requests to one host.")
    max_redirects: int = Field(10, ge=0)
    max_bytes: int = Field(default_factory=max_bytes_default)
    user_agent: str = USER_AGENT


class Fetched(BaseModel):
    """One answer: 200 with its body, or 304 (not modified) without one."""

    url: str = Field(description="The URL as given.")
    final_url: str = Field(description="The URL after redirects.")
    status: int
    content_type: str | None = Field(None, description="Media type, lower case, without parameters.")
    charset: str | None = None
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None
    fetched_at: dt.datetime

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class FetchError(InputError):
    """A URL that could not be fetched. `status` is the HTTP status when the server answered one."""

    def __init__(self, url: str, problem: str, status: int | None = None, network: bool = False):
        super().__init__(url, problem)
        self.status = status
        self.network = network  # DNS, refused, timeout: the host is not answering, not refusing this URL


class _Retry(Exception):
    """An attempt that may be tried again, after `wait` seconds (None: the backoff)."""

    def __init__(self, problem: str, wait: float | None = None, status: int | None = None):
        super().__init__(problem)
        self.problem, self.wait, self.status = problem, wait, status


class _Host:
    """One host's turns: at most `slots` requests at a time, their starts at least `delay` apart."""

    def __init__(self, slots: int, delay: float):
        self.slots = threading.BoundedSemaphore(slots)
        self.lock = threading.Lock()
        self.delay = delay
        self.next_start = 0.0

    @contextmanager
    def turn(self) -> Iterator[None]:
        with self.slots:
            with self.lock:
                now = time.monotonic()
                start = max(now, self.next_start)
                self.next_start = start + self.delay
            if start > now:
                time.sleep(start - now)
            yield


def check_url(url: str) -> str:
    """The URL if it can be fetched: http or https with a host; else a FetchError naming why."""
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise FetchError(url, f"not a valid URL: {exc}") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise FetchError(url, f"only http and https URLs are fetched, not {parts.scheme or 'a bare path'}")
    if not parts.hostname:
        raise FetchError(url, "the URL names no host")
    return url


class Fetcher:
    """An HTTP client shared by a run's threads; use it as a context manager."""

    def __init__(self, settings: FetchSettings | None = None):
        import httpx

        self.settings = settings or FetchSettings()
        s = self.settings
        timeout = httpx.Timeout(connect=s.connect_timeout, read=s.read_timeout, write=s.read_timeout,
                                pool=None)  # waiting for a pooled connection is the per-host turn's business
        # Redirects are followed here, hop by hop, so that each is checked (scheme, robots.txt, loops); proxies
        # and certificates come from the environment (HTTPS_PROXY, NO_PROXY, SSL_CERT_FILE), as analysts' networks need.
        self.client = httpx.Client(timeout=timeout, follow_redirects=False, headers={"User-Agent": s.user_agent})
        self._hosts: dict[str, _Host] = {}
        self._robots: dict[str, RobotFileParser | None] = {}
        self._robots_failed: dict[str, FetchError] = {}  # origins whose robots.txt could not be read this run
        self._robots_locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def __enter__(self) -> "Fetcher":
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.close()

    def get(self, url: str, accept: str = PAGE_ACCEPT, etag: str | None = None,
            last_modified: str | None = None) -> Fetched:
        """GET url, following redirects (each hop checked against its robots.txt); conditional when given
        a validator, where 304 is an answer, not an error."""
        check_url(url)
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        target, seen = url, {url}
        for _ in range(self.settings.max_redirects + 1):
            self._obey_robots(url, target)
            status, response_headers, body = self._request(url, target, headers, self.settings.max_bytes)
            if status in REDIRECTS:
                location = response_headers.get("location")
                if not location:
                    raise FetchError(url, f"{status} redirect without a Location", status)
                target = urljoin(target, location.strip())
                try:
                    check_url(target)
                except FetchError as exc:
                    raise FetchError(url, f"redirected to {target}: {exc.problem}", status) from None
                if target in seen:
                    raise FetchError(url, f"redirect loop ({target} again)", status)
                seen.add(target)
                continue
            media, _, params = (response_headers.get("content-type") or "").partition(";")
            charset = next((p.split("=", 1)[1].strip().strip('"\'') for p in params.split(";")
                            if p.strip().lower().startswith("charset=")), None)
            return Fetched(url=url, final_url=target, status=status, content_type=media.strip().lower() or None,
                           charset=charset or None, body=body, etag=response_headers.get("etag"),
                           last_modified=response_headers.get("last-modified"), fetched_at=dt.datetime.now(dt.UTC))
        raise FetchError(url, f"more than {self.settings.max_redirects} redirects")

    # --- one request, tried again when the server or the network may recover ---

    def _request(self, url: str, target: str, headers: dict[str, str], limit: int,
                 cut: bool = False) -> tuple[int, dict[str, str], bytes]:
        s = self.settings
        for attempt in range(s.retries + 1):
            try:
                with self._host(target).turn():
                    return self._once(url, target, headers, limit, cut)
            except _Retry as retry:
                if attempt == s.retries:
                    tries = f" after {s.retries + 1} tries" if s.retries else ""
                    raise FetchError(url, f"{retry.problem}{tries}", retry.status,
                                     network=retry.status is None) from None
                wait = retry.wait if retry.wait is not None else s.backoff * 2 ** attempt * random.uniform(1, 1.25)
                time.sleep(wait)
        raise AssertionError("unreachable")

    def _once(self, url: str, target: str, headers: dict[str, str], limit: int,
              cut: bool) -> tuple[int, dict[str, str], bytes]:
        import httpx

        try:
            with self.client.stream("GET", target, headers=headers) as response:
                status = response.status_code
                if status in (429, 503):
                    raise _Retry(_status_line(response), self._retry_after(url, response), status)
                if status >= 500:
                    raise _Retry(_status_line(response), status=status)
                answer = {k.lower(): v for k, v in response.headers.items()}
                if status in REDIRECTS or status == 304:
                    return status, answer, b""
                if not 200 <= status < 300:
                    raise FetchError(url, _status_line(response), status)
                return status, answer, self._body(url, response, limit, cut)
        except httpx.TimeoutException as exc:
            what = "connecting" if isinstance(exc, httpx.ConnectTimeout) else "waiting for the server"
            limit_s = self.settings.connect_timeout if isinstance(exc, httpx.ConnectTimeout) else \
                self.settings.read_timeout
            raise _Retry(f"timed out {what} ({limit_s:g} s)") from None
        except httpx.ConnectError as exc:
            raise FetchError(url, _connect_problem(exc, target), network=True) from None
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
            raise _Retry(f"connection dropped: {_reason(exc)}") from None
        except httpx.HTTPError as exc:
            raise FetchError(url, f"{exc.__class__.__name__}: {_reason(exc)}") from None

    def _body(self, url: str, response, limit: int, cut: bool) -> bytes:
        """The body, streamed: refused (or, with cut, ended) past limit bytes, or past the total timeout."""
        declared = response.headers.get("content-length", "")
        if not cut and declared.isdigit() and int(declared) > limit:
            raise FetchError(url, f"body of {int(declared):,} bytes, over the limit of {limit:,}", response.status_code)
        deadline = time.monotonic() + self.settings.total_timeout
        body = bytearray()
        for chunk in response.iter_bytes():  # decompressed: the limit holds for what a gzip bomb expands to
            body += chunk
            if len(body) > limit:
                if cut:
                    return bytes(body[:limit])
                raise FetchError(url, f"body over the limit of {limit:,} bytes", response.status_code)
            if time.monotonic() > deadline:
                raise FetchError(url, f"body still arriving after {self.settings.total_timeout:g} s; given up",
                                 response.status_code)
        return bytes(body)

    def _retry_after(self, url: str, response) -> float | None:
        """Seconds Retry-After asks for (a number or an HTTP date); None when absent or unreadable."""
        value = (response.headers.get("retry-after") or "").strip()
        if not value:
            return None
        if value.isdigit():
            seconds = float(value)
        else:
            try:
                when = email.utils.parsedate_to_datetime(value)
            except (TypeError, ValueError):
                return None
            if when.tzinfo is None:
                when = when.replace(tzinfo=dt.UTC)
            seconds = max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())
        if seconds > self.settings.max_retry_after:
            raise FetchError(url, f"{_status_line(response)}; Retry-After asks for {seconds:g} s, more than the "
                                  f"{self.settings.max_retry_after:g} s this run waits", response.status_code)
        return seconds

    # --- politeness ---

    def _host(self, target: str) -> _Host:
        name = (urlsplit(target).hostname or "").lower()
        with self._lock:
            host = self._hosts.get(name)
            if host is None:
                host = self._hosts[name] = _Host(self.settings.per_host, self.settings.delay)
            return host

    def _obey_robots(self, url: str, target: str) -> None:
        parts = urlsplit(target)
        origin = f"{parts.scheme.lower()}://{parts.netloc.lower()}"
        with self._lock:
            lock = self._robots_locks.setdefault(origin, threading.Lock())
        with lock:  # one fetch of an origin's robots.txt; the other threads wait for its rules
            if origin in self._robots_failed:  # read once per run: a failing robots.txt fails every URL of it
                failed = self._robots_failed[origin]
                raise FetchError(url, failed.problem, failed.status, network=failed.network)
            if origin not in self._robots:
                try:
                    self._robots[origin] = self._read_robots(url, origin)
                except FetchError as exc:
                    self._robots_failed[origin] = exc
                    raise
        rules = self._robots[origin]
        if rules is not None and not rules.can_fetch(AGENT, target):
            raise FetchError(url, f"robots.txt disallows it ({origin}/robots.txt)")

    def _read_robots(self, url: str, origin: str) -> RobotFileParser | None:
        """The origin's rules; None (all allowed) when it has none (4xx, RFC 9309). A server error means
        everything is disallowed for now; DNS, refusals and timeouts fail the URL with their own reason."""
        robots_url = f"{origin}/robots.txt"
        try:
            status, headers, body = 0, {}, b""
            target = robots_url
            for _ in range(5):  # RFC 9309: follow at least five redirects
                status, headers, body = self._request(url, target, {"Accept": "text/plain"}, ROBOTS_MAX_BYTES,
                                                      cut=True)
                if status not in REDIRECTS or not headers.get("location"):
                    break
                target = urljoin(target, headers["location"])
        except FetchError as exc:
            if exc.status is not None and 400 <= exc.status < 500 and exc.status != 429:
                return None  # unavailable: all allowed; 429 (too many requests) is unreachable, as a 5xx
            if exc.network:
                raise
            raise FetchError(url, f"robots.txt unreadable ({exc.problem}); nothing fetched from this host",
                             exc.status) from None
        if status in REDIRECTS or status == 304:
            return None
        rules = RobotFileParser(robots_url)
        rules.parse(body.decode("utf-8", "replace").splitlines())
        delay = rules.crawl_delay(AGENT)
        if delay:
            host = self._host(robots_url)
            host.delay = max(host.delay, float(delay))
        return rules


def _status_line(response) -> str:
    return f"{response.status_code} {response.reason_phrase}".strip()


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or exc.__class__.__name__


def _connect_problem(exc: BaseException, target: str) -> str:
    """DNS or refused, named as a person would: the OS error behind httpx's ConnectError."""
    parts = urlsplit(target)
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, socket.gaierror):
            return f"DNS: cannot resolve host {parts.hostname}"
        if isinstance(cause, ConnectionRefusedError):
            return f"connection refused by {parts.netloc}"
        cause = cause.__cause__ or cause.__context__
    text = _reason(exc)
    if "Name or service not known" in text or "nodename nor servname" in text or "Temporary failure in name" in text:
        return f"DNS: cannot resolve host {parts.hostname}"
    if "refused" in text.lower():
        return f"connection refused by {parts.netloc}"
    return f"cannot connect to {parts.netloc}: {text}"
