"""Reading articles: .txt/.md with optional YAML front matter, .html, .json, .jsonl, folders, stdin.

Every problem becomes an InputError naming the file; reading one bad file never stops the others.
"""

import datetime as dt
import json
import os
import re
import sys
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import frontmatter
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from catalogue.errors import InputError
from catalogue.schemas import Document, Precision

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
JSON_SUFFIXES = {".json", ".jsonl", ".ndjson"}
SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSON_SUFFIXES
DEFAULT_MAX_BYTES = 5_000_000
WESTERN_ENCODINGS = ("cp1252", "latin_1", "iso8859_15")
MAX_BYTES_ENV = "CATALOGUE_MAX_BYTES"


def max_bytes_default() -> int:
    value = os.environ.get(MAX_BYTES_ENV)
    return int(value) if value and value.isdigit() else DEFAULT_MAX_BYTES


class Metadata(BaseModel):
    """Metadata a file, a JSON object or the command line may give; unknown keys are ignored."""

    model_config = ConfigDict(extra="ignore")

    title: str | None = None
    url: str | None = None
    publisher: str | None = None
    published: str | None = None
    language: str | None = None

    @field_validator("title", "url", "publisher", "language", mode="before")
    @classmethod
    def _text(cls, value: Any) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str | int | float):
            raise ValueError("must be text")
        return str(value).strip() or None

    @field_validator("published", mode="before")
    @classmethod
    def _date(cls, value: Any) -> str | None:
        if value is None or value == "":
            return None
        if isinstance(value, dt.datetime):
            return value.date().isoformat()
        if isinstance(value, dt.date | int):
            return str(value.isoformat() if isinstance(value, dt.date) else value)
        if isinstance(value, str):
            parse_published(value)
            return value.strip()
        raise ValueError("must be a date such as 2023-07-28")

    def merged(self, overrides: "Metadata | None") -> "Metadata":
        if overrides is None:
            return self
        return self.model_copy(update=overrides.model_dump(exclude_none=True))


def parse_published(value: str) -> tuple[dt.date, Precision]:
    """2023-07-28 (day), 2023-07 (month), 2023 (year), or an ISO date-time."""
    text = value.strip()
    try:
        if re.fullmatch(r"\d{4}", text):
            return dt.date(int(text), 1, 1), "year"
        if re.fullmatch(r"\d{4}-\d{2}", text):
            year, month = map(int, text.split("-"))
            return dt.date(year, month, 1), "month"
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return dt.date.fromisoformat(text), "day"
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date(), "day"
    except ValueError:
        pass
    raise ValueError(f"published date {value!r} is not a date such as 2023-07-28")


def normalise_text(text: str) -> str:
    """NFC, LF line endings, no NUL, no trailing spaces at the end: the text every offset points into."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    return text.strip("\n\ufeff ").rstrip()


def decode(data: bytes, path: str) -> str:
    """UTF-8, else the encoding charset-normalizer detects with confidence; binary is refused."""
    if not data.strip():
        raise InputError(path, "empty file")
    if b"\x00" in data[:8192]:
        raise InputError(path, "binary file (contains NUL bytes), not a text article")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    matches = from_bytes(data)
    best = matches.best()
    if best is None or best.chaos > 0.2:
        raise InputError(path, "not valid UTF-8, and its encoding could not be detected")
    # Short texts fit several single-byte code pages equally well; news in Latin script is most often cp1252.
    western = [m for m in matches if m.encoding in WESTERN_ENCODINGS and m.chaos <= best.chaos + 0.01]
    return str(western[0] if western else best)


def _document(text: str, meta: Metadata, path: str) -> Document:
    text = normalise_text(text)
    if "\x00" in text:
        raise InputError(path, "text contains NUL characters")
    if not text.strip():
        raise InputError(path, "empty text")
    title = meta.title or next((line.strip() for line in text.splitlines() if line.strip()), None)
    published, precision = parse_published(meta.published) if meta.published else (None, None)
    return Document(
        text=text, title=title[:500] if title else None, url=meta.url, publisher=meta.publisher,
        published=published, published_precision=precision, language=meta.language, path=path,
    )


def _metadata(raw: Any, path: str, what: str) -> Metadata:
    if not isinstance(raw, dict):
        raise InputError(path, f"malformed {what}: expected a mapping of keys to values")
    try:
        return Metadata.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        field_name = ".".join(str(p) for p in error["loc"])
        raise InputError(path, f"malformed {what}: {field_name}: {error['msg']}") from None


def parse_text(raw: str, path: str, overrides: Metadata | None = None) -> Document:
    """A plain-text or Markdown article, with optional YAML front matter."""
    body, meta = raw.lstrip("\ufeff"), Metadata()
    if body.startswith("---"):
        try:
            post = frontmatter.loads(body)
        except yaml.YAMLError as exc:
            problem = str(exc).splitlines()[0]
            raise InputError(path, f"malformed front matter: {problem}") from None
        meta, body = _metadata(dict(post.metadata), path, "front matter"), post.content
    return _document(body, meta.merged(overrides), path)


def parse_html(raw: str, path: str, overrides: Metadata | None = None) -> Document:
    try:
        import trafilatura
    except ImportError:
        raise InputError(path, "reading HTML needs the 'html' extra: pip install 'catalogue[html]'") from None
    result = trafilatura.bare_extraction(raw, with_metadata=True, include_comments=False, include_tables=False)
    data = result.as_dict() if hasattr(result, "as_dict") else (result or {})
    if not data.get("text"):
        raise InputError(path, "no article text found in the HTML page")
    meta = Metadata(title=data.get("title"), url=data.get("url"), publisher=data.get("sitename"),
                    published=_safe_date(data.get("date")), language=data.get("language"))
    return _document(data["text"], meta.merged(overrides), path)


def _safe_date(value: Any) -> str | None:
    try:
        return Metadata(published=value).published
    except ValidationError:
        return None


def parse_json_object(obj: Any, path: str, overrides: Metadata | None = None) -> Document:
    if not isinstance(obj, dict):
        raise InputError(path, "malformed JSON: expected an object with a 'text' key")
    text = obj.get("text")
    if not isinstance(text, str):
        raise InputError(path, "malformed JSON: missing 'text' (a string)")
    return _document(text, _metadata(obj, path, "metadata").merged(overrides), path)


@dataclass
class Reader:
    """Reads documents from paths; yields a Document or an InputError for each, counts skipped files."""

    max_bytes: int = field(default_factory=max_bytes_default)
    overrides: Metadata | None = None
    skipped: list[str] = field(default_factory=list)

    def read(self, paths: list[str]) -> Iterator[Document | InputError]:
        for path in paths:
            if path == "-":
                yield from self._guard("-", lambda: self._from_bytes(sys.stdin.buffer.read(), "-", ".txt"))
                continue
            target = Path(path)
            if target.is_dir():
                files = sorted(p for p in target.rglob("*") if p.is_file() and not p.name.startswith("."))
                articles = [p for p in files if p.suffix.casefold() in SUFFIXES]
                self.skipped.extend(str(p) for p in files if p.suffix.casefold() not in SUFFIXES)
                if not articles:
                    yield InputError(path, "folder contains no articles (.txt, .md, .html, .json, .jsonl)")
                for article in articles:
                    yield from self._file(article)
            elif target.exists():
                yield from self._file(target)
            else:
                yield InputError(path, "no such file or folder")

    def _file(self, path: Path) -> Iterator[Document | InputError]:
        def load() -> list[Document | InputError]:
            size = path.stat().st_size
            if size > self.max_bytes:
                raise InputError(str(path), f"file is {size:,} bytes, over the limit of {self.max_bytes:,}")
            return self._from_bytes(path.read_bytes(), str(path), path.suffix.casefold())

        yield from self._guard(str(path), load)

    def _guard(self, path: str, load) -> Iterator[Document | InputError]:
        try:
            yield from load()
        except InputError as exc:
            yield exc
        except OSError as exc:
            yield InputError(path, f"cannot read: {exc.strerror or exc}")
        except RecursionError:
            yield InputError(path, "too deeply nested to read")

    def _from_bytes(self, data: bytes, path: str, suffix: str) -> list[Document | InputError]:
        if len(data) > self.max_bytes:
            raise InputError(path, f"input is {len(data):,} bytes, over the limit of {self.max_bytes:,}")
        raw = decode(data, path)
        if suffix in HTML_SUFFIXES:
            return [parse_html(raw, path, self.overrides)]
        if suffix == ".json":
            try:
                obj = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise InputError(path, f"malformed JSON: {exc.msg} at line {exc.lineno}") from None
            return [parse_json_object(obj, path, self.overrides)]
        if suffix in (".jsonl", ".ndjson"):
            return list(self._json_lines(raw, path))
        return [parse_text(raw, path, self.overrides)]

    def _json_lines(self, raw: str, path: str) -> Iterator[Document | InputError]:
        lines = [(n, line) for n, line in enumerate(raw.splitlines(), 1) if line.strip()]
        if not lines:
            yield InputError(path, "empty file")
        for number, line in lines:
            where = f"{path}:{number}"
            try:
                yield parse_json_object(json.loads(line), where, self.overrides)
            except json.JSONDecodeError as exc:
                yield InputError(where, f"malformed JSON: {exc.msg}")
            except InputError as exc:
                yield exc
