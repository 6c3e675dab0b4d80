"""Reading feeds: RSS 2.0 (and 0.9x, 1.0) and Atom through feedparser, JSON Feed by its specification.

A feed is a list of entries, each with what identifies it across polls (guid, link), its title, date and
its own content as plain text (the fallback when its linked page cannot be read).
"""

import datetime as dt
import hashlib
import json
import re
from typing import Any, Literal

from pydantic import BaseModel

from catalogue.errors import InputError

FeedFormat = Literal["rss", "atom", "json"]
XML_FEED_TYPES = {"application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/xml",
                  "text/xml"}
JSON_FEED_TYPES = {"application/feed+json", "application/json"}
JSON_FEED_VERSION = "https://jsonfeed.org/version/"


class FeedEntry(BaseModel):
    guid: str | None = None
    link: str | None = None
    title: str | None = None
    published: str | None = None  # ISO date, valid for Metadata
    content: str | None = None  # plain text

    @property
    def key(self) -> str:
        """What names the entry across polls: its guid, else its link, else a hash of what it says."""
        if self.guid or self.link:
            return self.guid or self.link or ""
        return "sha256:" + hashlib.sha256(f"{self.title}\n{self.content}".encode("utf-8", "replace")).hexdigest()


class ParsedFeed(BaseModel):
    format: FeedFormat
    title: str | None = None
    entries: list[FeedEntry]


def looks_like_feed(body: bytes, content_type: str | None) -> bool:
    """Whether a body is worth parsing as a feed: a feed media type, or XML or JSON that starts like one."""
    head = body[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if content_type in JSON_FEED_TYPES:
        return JSON_FEED_VERSION.encode() in body[:4096].replace(b"\\/", b"/")
    if content_type in XML_FEED_TYPES or content_type in (None, "application/octet-stream", "text/plain"):
        if head.startswith((b"<rss", b"<feed", b"<rdf")):
            return True
        return head.startswith(b"<?xml") and b"<html" not in head and re.search(rb"<(rss|feed|rdf:rdf)\b", head) is not None
    if content_type == "text/html":  # some servers send their feeds as text/html
        return head.startswith((b"<rss", b"<feed")) or (head.startswith(b"<?xml") and b"<html" not in head)
    return False


def parse_feed(body: bytes, url: str, content_type: str | None) -> ParsedFeed:
    """The feed's entries; an InputError naming url when the body is no feed or a broken one."""
    head = body[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    if content_type in JSON_FEED_TYPES or head.startswith(b"{"):
        return _json_feed(body, url)
    import feedparser

    parsed = feedparser.parse(body, response_headers={"content-type": content_type or "application/xml",
                                                       "content-location": url})
    if not parsed.version:
        problem = getattr(parsed.get("bozo_exception"), "getMessage", lambda: "")() or "not RSS or Atom"
        raise InputError(url, f"not a feed that can be read: {' '.join(str(problem).split())}")
    entries = [FeedEntry(guid=_text(e.get("id")), link=_text(e.get("link")), title=_text(e.get("title")),
                         published=_struct_date(e.get("published_parsed") or e.get("updated_parsed")),
                         content=_entry_content(e))
               for e in parsed.entries]
    return ParsedFeed(format="atom" if parsed.version.startswith("atom") else "rss",
                      title=_text(parsed.feed.get("title")), entries=entries)


def _json_feed(body: bytes, url: str) -> ParsedFeed:
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise InputError(url, f"malformed JSON Feed: {' '.join(str(exc).split())[:200]}") from None
    if not isinstance(data, dict) or not str(data.get("version", "")).startswith(JSON_FEED_VERSION):
        raise InputError(url, "JSON, but not a JSON Feed (no version https://jsonfeed.org/version/...)")
    items = data.get("items")
    if not isinstance(items, list):
        raise InputError(url, "malformed JSON Feed: 'items' is not a list")
    entries = []
    for item in items:
        if not isinstance(item, dict):
            continue
        content = _text(item.get("content_text"))
        if content is None and isinstance(item.get("content_html"), str):
            content = html_text(item["content_html"])
        link = _text(item.get("url")) or _text(item.get("external_url"))
        entries.append(FeedEntry(guid=_text(item.get("id")), link=link, title=_text(item.get("title")),
                                 published=_iso_date(item.get("date_published") or item.get("date_modified")),
                                 content=content or _text(item.get("summary"))))
    return ParsedFeed(format="json", title=_text(data.get("title")), entries=entries)


def _text(value: Any) -> str | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    return value.strip() or None


def _struct_date(value: Any) -> str | None:
    try:
        return dt.date(*value[:3]).isoformat() if value else None
    except (TypeError, ValueError):
        return None


def _iso_date(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        return None


def _entry_content(entry: Any) -> str | None:
    """The entry's fullest text: its content, else its summary; HTML made plain."""
    for detail in [*(entry.get("content") or []), entry.get("summary_detail")]:
        if not detail or not detail.get("value"):
            continue
        value = detail["value"]
        return _text(value if detail.get("type") == "text/plain" else html_text(value))
    return None


_BLOCKS = ("p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "tr", "section", "article")


def html_text(fragment: str) -> str | None:
    """An HTML fragment as the plain text a reader sees: blocks as paragraphs, no markup."""
    from lxml import etree
    from lxml import html as lxml_html

    if not fragment.strip():
        return None
    try:
        root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return _text(fragment)
    for element in list(root.iter("script", "style")):
        element.drop_tree()
    for element in root.iter(*_BLOCKS):
        element.tail = "\n\n" + (element.tail or "")
    for element in root.iter("br"):
        element.tail = "\n" + (element.tail or "")
    lines = (" ".join(line.split()) for line in root.text_content().split("\n"))
    return _text(re.sub(r"\n{3,}", "\n\n", "\n".join(lines)))
