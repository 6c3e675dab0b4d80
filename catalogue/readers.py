"""Reading articles: .txt/.md with optional YAML front matter, .html, .json, .jsonl, folders, stdin.

Every problem becomes an InputError naming the file (and the line of a .jsonl); reading one bad file
never stops the others. A metadata value that is not valid (published: 2023-02-30, a title that is a
list) fails its document rather than being dropped, so nothing is written from half-understood input.
Lone surrogates (JSON "\\ud800") are refused, as NUL characters are: neither is text a database can store.
"""

import codecs
import datetime as dt
import json
import os
import re
import stat
import sys
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import frontmatter
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator

from catalogue.errors import InputError
from catalogue.models import Source
from catalogue.schemas import Document, Precision

MARKDOWN_SUFFIXES = {".md", ".markdown"}
TEXT_SUFFIXES = {".txt"} | MARKDOWN_SUFFIXES
HTML_SUFFIXES = {".html", ".htm"}
JSON_SUFFIXES = {".json", ".jsonl", ".ndjson"}
SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSON_SUFFIXES
DEFAULT_MAX_BYTES = 5_000_000
WESTERN_ENCODINGS = ("cp1252", "latin_1", "iso8859_15")
# Checked longest first: the UTF-32 LE mark begins with the UTF-16 LE one.
BYTE_ORDER_MARKS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
MAX_BYTES_ENV = "CATALOGUE_MAX_BYTES"
SURROGATE = re.compile("[\ud800-\udfff]")


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
    def _text(cls, value: Any, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str | int | float):
            raise ValueError("must be text")
        text = str(value).strip()
        refuse_surrogates(text, "contains")
        # The same limits on every engine (PostgreSQL enforces VARCHAR lengths, SQLite does not).
        limit = getattr(Source.__table__.c[info.field_name].type, "length", None)
        if limit and len(text) > limit:
            raise ValueError(f"has {len(text):,} characters, more than the {limit} allowed")
        return text or None

    @field_validator("published", mode="before")
    @classmethod
    def _date(cls, value: Any) -> str | None:
        if value is None or value == "":
            return None
        if isinstance(value, dt.datetime):
            return value.date().isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        # JSON has no dates: a whole number is a year (2023); true, -5, 12345 and 2023.5 are refused below.
        text = str(value).lower() if isinstance(value, bool) else str(value).strip()
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise ValueError(f"{shown(text)} is not a date such as 2023-07-28")
        parse_published(text)
        return text

    def merged(self, overrides: "Metadata | None") -> "Metadata":
        if overrides is None:
            return self
        return self.model_copy(update=overrides.model_dump(exclude_none=True))


def parse_published(value: str) -> tuple[dt.date, Precision]:
    """2023-07-28 (day), 2023-07 (month), 2023 (year), or an ISO date-time; else a ValueError whose
    message names the value (2023-02-30 is not a valid date)."""
    text = value.strip()
    try:
        if re.fullmatch(r"\d{4}", text):
            return dt.date(int(text), 1, 1), "year"
        if re.fullmatch(r"\d{4}-\d{1,2}", text):
            year, month = map(int, text.split("-"))
            return dt.date(year, month, 1), "month"
        if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", text):
            year, month, day = map(int, text.split("-"))
            return dt.date(year, month, day), "day"
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date(), "day"
    except ValueError:
        pass
    if re.fullmatch(r"\d{4}(-\d{1,2}){0,2}", text) or re.match(r"\d{4}-\d{2}-\d{2}T", text):
        raise ValueError(f"{shown(text)} is not a valid date")
    raise ValueError(f"{shown(text)} is not a date such as 2023-07-28")


def shown(value: str, limit: int = 40) -> str:
    """A value as an error message shows it: as written when short and printable, else escaped and cut."""
    if value.isprintable() and len(value) <= limit:
        return value
    return repr(value[:limit]) + ("..." if len(value) > limit else "")


def refuse_surrogates(text: str, what: str) -> None:
    """A lone surrogate (JSON "\\ud800", YAML "\\ud800") is no Unicode character: it cannot be hashed,
    stored or printed, so the document is refused rather than silently changed."""
    found = SURROGATE.search(text)
    if found:
        raise ValueError(f"{what} a lone surrogate {found.group()!r} at character {found.start():,}, "
                         "not valid Unicode")


def display_path(path: str | Path) -> str:
    """A path as printable, serialisable text: bytes of a file name that are not UTF-8 become \\xff escapes."""
    text = str(path)
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def normalise_text(text: str) -> str:
    """NFC, LF line endings, no NUL, no trailing spaces at the end: the text every offset points into."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    return text.strip("\n\ufeff ").rstrip()


def decode(data: bytes, path: str) -> str:
    """UTF-16 or UTF-32 with a byte-order mark, UTF-8, else the encoding charset-normalizer detects with
    confidence; binary is refused."""
    if not data.strip():
        raise InputError(path, "empty file")
    for mark, encoding in BYTE_ORDER_MARKS:
        if data.startswith(mark):
            try:
                return data.decode(encoding)  # the codec reads the mark for the byte order, and drops it
            except UnicodeDecodeError as exc:
                raise InputError(path, f"not valid {encoding.upper()} despite its byte-order mark: "
                                       f"{exc.reason} at byte {exc.start:,}") from None
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


TITLE_LENGTH = 120  # a derived title fits a table row beside its date


def derived_title(text: str, limit: int = TITLE_LENGTH) -> str | None:
    """A document's title when it gives none: its first line (a Markdown '# ' dropped), cut at a word near limit."""
    line = next((line.strip() for line in text.splitlines() if line.strip()), None)
    if line is None:
        return None
    line = re.sub(r"^#{1,6}\s+", "", line)
    if len(line) <= limit:
        return line
    cut = line.rfind(" ", 0, limit)
    head = line[:cut] if cut >= limit * 2 // 3 else line[:limit - 1]  # no space near the end: cut the word
    return head.rstrip(" ,;:-\u2013\u2014") + "\u2026"


def to_document(text: str, meta: Metadata, path: str) -> Document:
    text = normalise_text(text)
    if "\x00" in text:
        raise InputError(path, "text contains NUL characters")
    try:
        refuse_surrogates(text, "text contains")
    except ValueError as exc:
        raise InputError(path, str(exc)) from None
    if not text.strip():
        raise InputError(path, "empty text")
    title = meta.title or derived_title(text)
    published, precision = parse_published(meta.published) if meta.published else (None, None)
    return Document(
        text=text, title=title, url=meta.url, publisher=meta.publisher,
        published=published, published_precision=precision, language=meta.language, path=path,
    )


def _metadata(raw: Any, path: str, what: str) -> Metadata:
    if not isinstance(raw, dict):
        raise InputError(path, f"malformed {what}: expected a mapping of keys to values")
    try:
        return Metadata.model_validate(raw)
    except ValidationError as exc:
        raise InputError(path, f"malformed {what}: {validation_problem(exc)}") from None


def validation_problem(exc: ValidationError) -> str:
    """The first problem of a metadata validation, as one line: published: 2023-02-30 is not a valid date."""
    error = exc.errors()[0]
    field_name = ".".join(str(p) for p in error["loc"])
    problem = str(error["ctx"]["error"]) if error["type"] == "value_error" else error["msg"]
    return f"{field_name}: {problem}"


class _TextLoader(yaml.SafeLoader):
    """Front matter whose plain values stay text as written: `published: 2023-02-30` reaches validation
    (YAML would fail on it while building a date, naming no key) and `title: 007` keeps its zeros."""


_TextLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag == "tag:yaml.org,2002:null"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class _FrontMatter(frontmatter.YAMLHandler):
    def load(self, fm: str, **kwargs: object) -> Any:
        return yaml.load(fm, Loader=_TextLoader)


FRONT_MATTER = _FrontMatter()


# Markdown markup a reader does not see. Spans stay within a line and 300 characters, so an unclosed `**` costs
# a bounded look-ahead, not the rest of the text.
_MARKDOWN = [
    (re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$", re.M), r"\1"),  # "# Title" and "## Title ##"
    (re.compile(r"!?\[([^\[\]\n]{1,300})\]\([^)\s]{0,2000}(?:[ \t]+\"[^\"\n]{0,300}\")?\)"), r"\1"),  # [text](url)
    (re.compile(r"`([^`\n]{1,300})`"), r"\1"),
    (re.compile(r"(\*\*|__)(?=\S)([^\n]{1,300}?)(?<=\S)\1"), r"\2"),  # **strong**, __strong__
    (re.compile(r"(?<![\w*])\*(?=[^\s*])([^*\n]{1,300}?)(?<=[^\s*])\*(?![\w*])"), r"\1"),  # *emphasis*
    (re.compile(r"(?<![\w_])_(?=[^\s_])([^_\n]{1,300}?)(?<=[^\s_])_(?![\w_])"), r"\1"),  # _emphasis_, not snake_case
]


def plain_markdown(text: str) -> str:
    """Markdown as its reader sees it: headings, emphasis, links and code without their markup. The stored text
    is this one, so every quote and offset points at words a reader sees (`**Fattah**` is `Fattah`)."""
    for pattern, replacement in _MARKDOWN:
        text = pattern.sub(replacement, text)
    return text


def parse_text(raw: str, path: str, overrides: Metadata | None = None, markdown: bool = False) -> Document:
    """A plain-text or Markdown article (markup removed: plain_markdown), with optional YAML front matter."""
    body, meta = raw.lstrip("\ufeff"), Metadata()
    if FRONT_MATTER.detect(body):
        try:
            post = frontmatter.loads(body, handler=FRONT_MATTER)
        except yaml.YAMLError as exc:
            problem = str(exc).splitlines()[0]
            raise InputError(path, f"malformed front matter: {problem}") from None
        except ValueError as exc:  # an explicit tag YAML cannot build: !!int of 5,000 digits, !!timestamp 2023-02-30
            raise InputError(path, f"malformed front matter: {one_line(exc)}") from None
        meta, body = _metadata(dict(post.metadata), path, "front matter"), post.content
    return to_document(plain_markdown(body) if markdown else body, meta.merged(overrides), path)


def one_line(exc: BaseException, limit: int = 300) -> str:
    """An exception as one short line; Python's advice to call sys.set_int_max_str_digits is no user's."""
    text = " ".join(str(exc).split()).split("; use sys.set_int_max_str_digits")[0]
    return shown(text, limit) if len(text) > limit else text


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
    return to_document(data["text"], meta.merged(overrides), path)


def _safe_date(value: Any) -> str | None:
    try:
        return Metadata(published=value).published
    except ValidationError:
        return None


def load_json(text: str, path: str) -> Any:
    """A JSON value, or an InputError: malformed, too deeply nested, or a number too long for Python."""
    try:
        return json.loads(text, parse_int=_json_int)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}" if "\n" in text else f"column {exc.colno}"
        problem = exc.msg.removesuffix(" at")  # "Unterminated string starting at"
        raise InputError(path, f"malformed JSON: {problem} at {where}") from None
    except ValueError as exc:
        raise InputError(path, f"malformed JSON: {one_line(exc)}") from None
    except RecursionError:
        raise InputError(path, "malformed JSON: too deeply nested to read") from None


def _json_int(digits: str) -> int:
    try:
        return int(digits)
    except ValueError:  # over Python's int-string conversion limit
        raise ValueError(f"a number of {len(digits.lstrip('-')):,} digits, longer than the "
                         f"{sys.get_int_max_str_digits():,} digits a number may have") from None


def parse_json_object(obj: Any, path: str, overrides: Metadata | None = None) -> Document:
    if not isinstance(obj, dict):
        raise InputError(path, "malformed JSON: expected an object with a 'text' key")
    text = obj.get("text")
    if not isinstance(text, str):
        raise InputError(path, "malformed JSON: missing 'text' (a string)")
    return to_document(text, _metadata(obj, path, "metadata").merged(overrides), path)


def folder_files(folder: Path) -> tuple[list[Path], list[Path]]:
    """Every file under folder (hidden ones left out), sorted, and those of them that are articles."""
    entries = sorted(p for p in folder.rglob("*") if not p.name.startswith(".") and not p.is_dir())
    # A pipe, socket or device inside a folder is skipped like any other file that is no article.
    return entries, [p for p in entries if p.suffix.casefold() in SUFFIXES and p.is_file()]


def document_count(paths: list[str]) -> int | None:
    """How many documents (or their errors) reading paths gives, counted without reading a file;
    None when that needs reading: standard input or a JSON Lines file, which hold any number."""
    count = 0
    for path in paths:
        target = Path(path)
        try:
            files = folder_files(target)[1] if target.is_dir() else [target]
        except (OSError, ValueError):
            files = [target]  # reading it gives one error
        if path == "-" or any(f.suffix.casefold() in (".jsonl", ".ndjson") for f in files):
            return None
        count += max(len(files), 1)  # a folder without articles gives one error
    return count


@dataclass
class Reader:
    """Reads documents from paths; yields a Document or an InputError for each, counts skipped files.

    Whatever goes wrong with one path, file or line becomes that item's InputError and reading goes on."""

    max_bytes: int = field(default_factory=max_bytes_default)
    overrides: Metadata | None = None
    skipped: list[str] = field(default_factory=list)

    def read(self, paths: list[str]) -> Iterator[Document | InputError]:
        for path in paths:
            if path == "-":
                yield from self._guard("-", lambda: self._from_bytes(self._bounded(sys.stdin.buffer), "-", ".txt"))
                continue
            target, name = Path(path), display_path(path)
            try:
                is_dir, exists = target.is_dir(), target.exists()
            except (OSError, ValueError) as exc:  # a name too long, a NUL byte in it, no permission
                yield InputError(name, f"cannot read: {getattr(exc, 'strerror', None) or exc}")
                continue
            if is_dir:
                yield from self._folder(target, name)
            elif exists:
                yield from self._file(target)
            else:
                yield InputError(name, "no such file or folder")

    def _folder(self, target: Path, name: str) -> Iterator[Document | InputError]:
        try:
            entries, articles = folder_files(target)
        except OSError as exc:
            yield InputError(name, f"cannot read the folder: {exc.strerror or exc}")
            return
        chosen = set(articles)
        self.skipped.extend(display_path(p) for p in entries if p not in chosen)
        if not articles:
            yield InputError(name, "folder contains no articles (.txt, .md, .html, .json, .jsonl)")
        for article in articles:
            yield from self._file(article)

    def _file(self, path: Path) -> Iterator[Document | InputError]:
        name = display_path(path)

        def load() -> list[Document | InputError]:
            # Opened without waiting: opening a FIFO for reading would otherwise block until a writer comes.
            with open(os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)), "rb") as file:
                info = os.fstat(file.fileno())
                if not stat.S_ISREG(info.st_mode):
                    raise InputError(name, "not a regular file (a pipe, socket or device); "
                                           "use - to read standard input")
                if info.st_size > self.max_bytes:
                    raise InputError(name, f"file is {info.st_size:,} bytes, over the limit of {self.max_bytes:,}")
                return self._from_bytes(self._bounded(file), name, path.suffix.casefold())

        yield from self._guard(name, load)

    def _bounded(self, stream) -> bytes:
        """At most one byte over the limit: an endless or huge input is refused without being read whole."""
        return stream.read(self.max_bytes + 1)

    def _guard(self, path: str, load, *args: Any) -> Iterator[Document | InputError]:
        try:
            items = load(*args)
        except InputError as exc:
            items = [exc]
        except OSError as exc:
            items = [InputError(path, f"cannot read: {exc.strerror or exc}")]
        except RecursionError:
            items = [InputError(path, "too deeply nested to read")]
        except Exception as exc:  # a bug must not stop the other files: this one fails, naming why
            items = [InputError(path, f"cannot read: {exc.__class__.__name__}: {one_line(exc)}")]
        yield from items

    def _from_bytes(self, data: bytes, path: str, suffix: str) -> list[Document | InputError]:
        if len(data) > self.max_bytes:
            raise InputError(path, f"input is over the limit of {self.max_bytes:,} bytes")
        raw = decode(data, path)
        if suffix in HTML_SUFFIXES:
            return [parse_html(raw, path, self.overrides)]
        if suffix == ".json":
            return [parse_json_object(load_json(raw, path), path, self.overrides)]
        if suffix in (".jsonl", ".ndjson"):
            return list(self._json_lines(raw, path))
        return [parse_text(raw, path, self.overrides, markdown=suffix in MARKDOWN_SUFFIXES)]

    def _json_lines(self, raw: str, path: str) -> Iterator[Document | InputError]:
        # Lines end at \n only: str.splitlines would also cut at U+2028 and other breaks JSON strings may hold.
        lines = [(n, line) for n, line in enumerate(raw.split("\n"), 1) if line.strip()]
        if not lines:
            yield InputError(path, "empty file")
        for number, line in lines:
            where = f"{path}:{number}"
            yield from self._guard(where, self._json_line, line, where)

    def _json_line(self, line: str, where: str) -> list[Document | InputError]:
        return [parse_json_object(load_json(line, where), where, self.overrides)]
