"""Importing articles: extract, resolve each system to the catalogue, write one transaction per document.

A document whose text was imported before is "unchanged" and writes nothing. A document that fails
rolls back alone; the others go on.
"""

import random
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from pydantic import BaseModel, Field
from sqlalchemy import Connection, Engine, delete, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from catalogue.curation import reapply_claim_statuses
from catalogue.db import session_scope, writer
from catalogue.errors import CatalogueError, InputError, NotFoundError
from catalogue.extract import extract
from catalogue.extract.normalize import fold, slugify
from catalogue.models import Alias, Claim, Event, Mention, Relation, Source, System, event_systems, utcnow
from catalogue.readers import Reader
from catalogue.schemas import Document, ExtractedSystem, Extraction

RELATION_KINDS = {"resembles", "compared_to", "variant_of"}


class PlannedClaim(BaseModel):
    system: str
    attribute: str
    value: str
    unit: str | None
    claimant: str | None
    quote: str | None


class DocumentResult(BaseModel):
    path: str
    status: str  # new, unchanged, failed, reextracted
    source_id: int | None = None
    title: str | None = None
    error: str | None = None
    systems_new: list[str] = []
    systems_updated: list[str] = []
    claims: int = 0
    events: int = 0
    relations: int = 0
    planned: list[PlannedClaim] = []


class ImportReport(BaseModel):
    documents_new: int = 0
    documents_unchanged: int = 0
    documents_failed: int = 0
    systems_new: int = 0
    systems_updated: int = 0
    claims_added: int = 0
    events_added: int = 0
    relations_added: int = 0
    files_skipped: int = 0
    dry_run: bool = False
    documents: list[DocumentResult] = Field(
        default_factory=list, description="Failed documents; in a dry run or re-extraction, every document.")

    def add(self, result: DocumentResult) -> None:
        # Memory stays flat over any number of documents: only failures, dry runs and re-extractions
        # are listed one by one; everything else is counted.
        if result.status in ("failed", "reextracted") or self.dry_run:
            self.documents.append(result)
        if result.status == "failed":
            self.documents_failed += 1
            return
        if result.status == "unchanged":
            self.documents_unchanged += 1
            return
        self.documents_new += result.status == "new"
        self.systems_new += len(result.systems_new)
        self.systems_updated += len(result.systems_updated)
        self.claims_added += result.claims
        self.events_added += result.events
        self.relations_added += result.relations


class Timings:
    """Seconds spent in each phase of an import: read, extract, resolve, write (for the benchmarks)."""

    def __init__(self) -> None:
        self.seconds = {"read": 0.0, "extract": 0.0, "resolve": 0.0, "write": 0.0}

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] += time.perf_counter() - started


@dataclass
class _Resolved:
    id: int
    name: str
    created: bool


class _Writer:
    """Writes one extraction in the caller's transaction with a handful of set-based statements:
    resolve every system at once (existing aliases, new systems, new aliases), then bulk-insert
    mentions, claims, relations and events."""

    def __init__(self, connection: Connection, extraction: Extraction, source_id: int, title: str | None,
                 timings: "Timings | None" = None):
        self.connection = connection
        self.extraction = extraction
        self.source_id = source_id
        self.version = extraction.extractor_version
        self.timings = timings or Timings()
        self.result = DocumentResult(path=extraction.document.path, status="new", title=title)

    def write(self) -> DocumentResult:
        with self.timings.phase("resolve"):
            resolved = self._resolve_all()
        with self.timings.phase("write"):
            mentions, claims, relations, events = [], [], [], {}
            pending_reference: list[tuple[_Resolved, dict]] = []
            for extracted in self.extraction.systems:
                target = resolved[extracted.name]
                mentions += self._mentions(extracted, target)
                self._claims(extracted, target, resolved, claims, relations, pending_reference)
                self._collect_events(extracted, target, events)
                bucket = self.result.systems_new if target.created else self.result.systems_updated
                if target.name not in bucket:
                    bucket.append(target.name)
            claims += self._new_reference_claims(pending_reference)
            for table, rows in ((Mention.__table__, mentions), (Claim.__table__, claims),
                                (Relation.__table__, relations)):
                if rows:
                    self.connection.execute(table.insert(), rows)
            self._write_events(events)
            self.result.claims, self.result.relations = len(claims), len(relations)
        return self.result

    def _resolve_all(self) -> dict[str, _Resolved]:
        systems = self.extraction.systems
        names = {s.name: list(dict.fromkeys([s.name, *(a.name for a in s.aliases)])) for s in systems}
        keys = {name: [k for k in dict.fromkeys(fold(n) for n in forms) if k] for name, forms in names.items()}
        wanted = sorted({k for ks in keys.values() for k in ks})
        owners = dict(self.connection.execute(
            select(Alias.normalized, Alias.system_id).where(Alias.normalized.in_(wanted))).all()) if wanted else {}
        existing_ids = {owners[k] for ks in keys.values() for k in ks if k in owners}
        existing = {row.id: row for row in self.connection.execute(
            select(System.id, System.name, System.country).where(System.id.in_(existing_ids)))}
        resolved: dict[str, _Resolved] = {}
        to_create: list[ExtractedSystem] = []
        for system in systems:
            owner = next((owners[k] for k in keys[system.name] if k in owners), None)
            if owner is None:
                to_create.append(system)
                continue
            resolved[system.name] = _Resolved(owner, existing[owner].name, False)
            if existing[owner].country is None and system.country:
                self.connection.execute(update(System).where(System.id == owner, System.country.is_(None))
                                        .values(country=system.country))
        if to_create:
            slugs = self._free_slugs([slugify(s.name) for s in to_create])
            now = utcnow()
            rows = [{"slug": slug, "name": s.name[:200], "country": s.country, "created_at": now, "updated_at": now}
                    for s, slug in zip(to_create, slugs, strict=True)]
            table = System.__table__
            ids = self.connection.execute(table.insert().returning(table.c.id, sort_by_parameter_order=True),
                                          rows).scalars().all()
            for system, new_id in zip(to_create, ids, strict=True):
                resolved[system.name] = _Resolved(new_id, system.name, True)
        aliases = []
        for system in systems:
            kinds = {alias.name: alias.kind for alias in system.aliases}
            for form in names[system.name]:
                key = fold(form)
                if key and key not in owners:
                    owners[key] = resolved[system.name].id
                    aliases.append({"system_id": owners[key], "name": form[:200], "normalized": key,
                                    "kind": kinds.get(form, "name"), "source_id": self.source_id})
        if aliases:
            self.connection.execute(Alias.__table__.insert(), aliases)
        return resolved

    def _free_slugs(self, bases: list[str]) -> list[str]:
        taken = set(self.connection.execute(select(System.slug).where(System.slug.in_(bases))).scalars())
        slugs = []
        for base in bases:
            slug, n = base, 2
            if slug in taken:
                taken |= set(self.connection.execute(
                    select(System.slug).where(System.slug.like(f"{base}-%"))).scalars())
            while slug in taken:
                slug, n = f"{base}-{n}", n + 1
            taken.add(slug)
            slugs.append(slug)
        return slugs

    def _mentions(self, extracted: ExtractedSystem, system: _Resolved) -> list[dict]:
        spans = {}
        for span in extracted.mentions:
            spans.setdefault(span.start, span)
        return [{"system_id": system.id, "source_id": self.source_id, "surface": span.text[:300],
                 "start": span.start, "end": span.end} for span in spans.values()]

    def _claims(self, extracted: ExtractedSystem, target: _Resolved, resolved: dict[str, _Resolved],
                claims: list[dict], relations: list[dict], pending_reference: list) -> None:
        for claim in extracted.claims:
            if claim.attribute in RELATION_KINDS:
                other = resolved.get(claim.value)
                if other is not None and other.id != target.id:
                    relations.append({
                        "subject_id": target.id, "object_id": other.id, "kind": claim.attribute,
                        "claimant": claim.claimant, "quote": claim.quote, "start": claim.start, "end": claim.end,
                        "source_id": self.source_id, "extractor": claim.rule, "extractor_version": self.version})
                continue
            row = {
                "system_id": target.id, "attribute": claim.attribute, "value": claim.value,
                "value_number": claim.value_number, "unit": claim.unit, "claimant": claim.claimant,
                "quote": claim.quote, "start": claim.start, "end": claim.end, "source_id": self.source_id,
                "extractor": claim.rule, "extractor_version": self.version, "status": "claimed",
                "created_at": utcnow()}
            if claim.rule == "reference-list":
                row["source_id"] = None  # the reference list speaks once per system, not once per article
                pending_reference.append((target, row))
                continue
            claims.append(row)
            self.result.planned.append(PlannedClaim(system=target.name, attribute=claim.attribute,
                                                    value=claim.value, unit=claim.unit, claimant=claim.claimant,
                                                    quote=claim.quote))

    def _new_reference_claims(self, pending: list[tuple[_Resolved, dict]]) -> list[dict]:
        known_ids = [target.id for target, _ in pending if not target.created]
        present = set(self.connection.execute(
            select(Claim.system_id, Claim.attribute, Claim.value).where(
                Claim.system_id.in_(known_ids), Claim.extractor == "reference-list")).all()) if known_ids else set()
        rows = []
        for target, row in pending:
            key = (target.id, row["attribute"], row["value"])
            if key not in present:
                present.add(key)
                rows.append(row)
                self.result.planned.append(PlannedClaim(system=target.name, attribute=row["attribute"],
                                                        value=row["value"], unit=None, claimant=None, quote=None))
        return rows

    def _collect_events(self, extracted: ExtractedSystem, system: _Resolved, events: dict[tuple, dict]) -> None:
        for found in extracted.events:
            key = (found.kind, found.start, found.end, found.date, found.location)
            row = events.setdefault(key, {"event": {
                "kind": found.kind, "date": found.date, "date_precision": found.date_precision,
                "location": found.location, "claimant": found.claimant, "quote": found.quote, "start": found.start,
                "end": found.end, "source_id": self.source_id, "extractor": found.rule,
                "extractor_version": self.version}, "systems": []})
            if system.id not in row["systems"]:
                row["systems"].append(system.id)

    def _write_events(self, events: dict[tuple, dict]) -> None:
        if not events:
            return
        rows = list(events.values())
        table = Event.__table__
        ids = self.connection.execute(table.insert().returning(table.c.id, sort_by_parameter_order=True),
                                      [row["event"] for row in rows]).scalars().all()
        links = [{"event_id": event_id, "system_id": system_id}
                 for event_id, row in zip(ids, rows, strict=True) for system_id in row["systems"]]
        self.connection.execute(event_systems.insert(), links)
        self.result.events = len(rows)


def _insert_source(connection: Connection, document: Document, version: str) -> int:
    table = Source.__table__
    row = {"title": document.title, "publisher": document.publisher, "url": document.url,
           "published": document.published, "published_precision": document.published_precision,
           "language": document.language, "sha256": document.sha256, "text": document.text,
           "extractor_version": version, "imported_at": utcnow()}
    return connection.execute(table.insert().returning(table.c.id), row).scalar_one()


BATCH_DOCUMENTS = 100  # documents per transaction; each has its own savepoint
BATCH_SECONDS = 1.0  # ...and a transaction never stays open longer than this while documents arrive


class _DryRun(Exception):
    def __init__(self, result: DocumentResult):
        self.result = result


def _write_document(connection: Connection, document: Document, dry_run: bool, extraction: Extraction | None,
                    timings: Timings) -> DocumentResult:
    """One document in its own savepoint: all of it is written, or none of it."""
    try:
        with connection.begin_nested():
            existing = connection.scalar(select(Source.id).where(Source.sha256 == document.sha256))
            if existing is not None:
                return DocumentResult(path=document.path, status="unchanged", source_id=existing,
                                      title=document.title)
            if extraction is None:
                with timings.phase("extract"):
                    extraction = extract(document)
            source_id = _insert_source(connection, document, extraction.extractor_version)
            result = _Writer(connection, extraction, source_id, document.title, timings).write()
            result.source_id = source_id
            if dry_run:
                raise _DryRun(result)
            return result
    except _DryRun as rolled_back:
        rolled_back.result.source_id = None
        return rolled_back.result


def import_document(engine: Engine, document: Document, dry_run: bool = False) -> DocumentResult:
    """Import one document in one transaction; a dry run writes it and rolls back."""
    results: list[DocumentResult] = []
    _write_all(engine, iter([(document, None)]), dry_run, Timings(), ImportReport(dry_run=dry_run), results.append)
    return results[0]


ProgressCallback = Callable[[DocumentResult], None]


def import_paths(engine: Engine, paths: list[str], reader: Reader | None = None, dry_run: bool = False,
                 progress: ProgressCallback | None = None, jobs: int = 1,
                 timings: Timings | None = None) -> ImportReport:
    """Import every document under paths. Each document is written whole or not at all (its own savepoint
    in a transaction committed every BATCH_DOCUMENTS documents or BATCH_SECONDS); a failing document is
    rolled back alone and the others go on.

    With jobs > 1, extraction runs in that many processes, a batch at a time (memory stays flat),
    and this process writes the results in the order the documents were read.
    """
    reader = reader or Reader()
    timings = timings or Timings()
    report = ImportReport(dry_run=dry_run)
    items = _timed(reader.read(paths), timings)
    if jobs <= 1:
        work = ((item, None) for item in items)
        _write_all(engine, work, dry_run, timings, report, progress)
    else:
        with _pool(jobs) as pool:
            _write_all(engine, _extracted_in(pool, items, jobs, timings), dry_run, timings, report, progress)
    report.files_skipped = len(reader.skipped)
    return report


def _extracted_in(pool, items: Iterator, jobs: int, timings: Timings) -> Iterator[tuple]:
    """Documents with their extractions; the workers extract the next batch while this one is written."""
    def submit(batch: list) -> tuple:
        documents = [item for item in batch if isinstance(item, Document)]
        return batch, documents, pool.map_async(_extract_safely, documents)

    def collect(batch: list, documents: list[Document], waiting) -> Iterator[tuple]:
        with timings.phase("extract"):
            outcomes = waiting.get()
        extractions = {}
        for document, outcome in zip(documents, outcomes, strict=True):
            extractions[id(document)] = outcome if isinstance(outcome, str) else Extraction(
                document=document, extractor_version=outcome[0], systems=outcome[1])
        for item in batch:
            yield item, extractions.get(id(item))

    ahead = None
    for batch in _batches(items, jobs * 8):
        submitted = submit(batch)
        if ahead is not None:
            yield from collect(*ahead)
        ahead = submitted
    if ahead is not None:
        yield from collect(*ahead)


CONFLICT_RETRIES = 10


def _write_all(engine: Engine, work: Iterator[tuple], dry_run: bool, timings: Timings, report: ImportReport,
               progress: ProgressCallback | None) -> None:
    pending: list[DocumentResult] = []
    connection = writer(engine).connect()
    transaction, opened = None, 0.0
    try:
        for item, extraction in work:
            started, before = time.perf_counter(), dict(timings.seconds)
            for attempt in range(CONFLICT_RETRIES):
                if transaction is None:
                    transaction, opened = connection.begin(), time.perf_counter()
                try:
                    pending.append(_import_item(connection, item, dry_run, extraction, timings))
                    break
                except (IntegrityError, OperationalError) as exc:
                    # Another importer holds or wrote the same source, system or alias (or PostgreSQL chose
                    # this transaction to end a deadlock). The document's savepoint is rolled back: commit the
                    # complete documents before it, release our locks, and try it again seeing theirs.
                    transaction.commit()
                    transaction = None
                    _flush(pending, report, progress)
                    if attempt == CONFLICT_RETRIES - 1:
                        pending.append(DocumentResult(path=item.path, status="failed", error=(
                            f"database refused the write: {exc.__class__.__name__}: {exc.orig}")))
                    time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))
            if len(pending) >= BATCH_DOCUMENTS or time.perf_counter() - opened >= BATCH_SECONDS:
                if transaction is not None:
                    transaction.commit()
                    transaction = None
                _flush(pending, report, progress)
            # The source row, the bulk writes and the commits count as writing.
            inner = sum(timings.seconds[k] - before[k] for k in ("extract", "resolve", "write"))
            timings.seconds["write"] += max(0.0, time.perf_counter() - started - inner)
        if transaction is not None:
            with timings.phase("write"):
                transaction.commit()
        _flush(pending, report, progress)
    finally:
        connection.close()


def _flush(pending: list[DocumentResult], report: ImportReport, progress: ProgressCallback | None) -> None:
    for result in pending:
        report.add(result)
        if progress is not None:
            progress(result)
    pending.clear()


def _timed(items: Iterator[Document | InputError], timings: Timings) -> Iterator[Document | InputError]:
    while True:
        with timings.phase("read"):
            item = next(items, None)
        if item is None:
            return
        yield item


def _batches(items: Iterator, size: int) -> Iterator[list]:
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _pool(jobs: int):
    import multiprocessing

    return multiprocessing.get_context("spawn").Pool(jobs)


def _extract_safely(document: Document) -> tuple[str, list] | str:
    """In a worker: (extractor version, systems) — the text is not sent back — or the error as text."""
    try:
        extraction = extract(document)
        return extraction.extractor_version, extraction.systems
    except Exception as exc:  # reported as that document's failure
        return f"extraction failed: {exc.__class__.__name__}: {exc}"


def _import_item(connection: Connection, item: Document | InputError, dry_run: bool,
                 extraction: Extraction | str | None, timings: Timings) -> DocumentResult:
    if isinstance(item, InputError):
        return DocumentResult(path=item.path, status="failed", error=item.problem)
    if isinstance(extraction, str):
        return DocumentResult(path=item.path, status="failed", error=extraction)
    try:
        return _write_document(connection, item, dry_run, extraction, timings)
    except CatalogueError as exc:
        return DocumentResult(path=item.path, status="failed", error=str(exc))
    except (IntegrityError, OperationalError):
        raise  # a conflict with another importer: the caller retries
    except Exception as exc:  # a bug must not stop the other documents; this one was rolled back
        return DocumentResult(path=item.path, status="failed",
                              error=f"internal error, nothing written: {exc.__class__.__name__}: {exc}")


def reextract(engine: Engine, source_ids: Iterable[int] | None = None) -> ImportReport:
    """Re-run extraction on stored texts; each source's extracted records are replaced atomically."""
    report = ImportReport()
    with session_scope(engine) as session:
        ids = list(source_ids) if source_ids is not None else list(session.scalars(select(Source.id)))
        known = set(session.scalars(select(Source.id).where(Source.id.in_(ids))))
    missing = [i for i in ids if i not in known]
    if missing:
        raise NotFoundError(f"no source with id {', '.join(map(str, missing))}")
    for source_id in ids:
        with session_scope(engine) as session:
            source = session.get(Source, source_id)
            document = Document(text=source.text, title=source.title, url=source.url, publisher=source.publisher,
                                published=source.published, published_precision=source.published_precision,
                                language=source.language, path=f"source {source_id}")
            for table in (Claim, Mention, Relation, Event):
                session.execute(delete(table).where(table.source_id == source_id))
            extraction = extract(document)
            source.extractor_version = extraction.extractor_version
            session.flush()
            result = _Writer(session.connection(), extraction, source_id, source.title).write()
            reapply_claim_statuses(session, source_id)
            result.status, result.source_id = "reextracted", source_id
        report.add(result)
    return report
