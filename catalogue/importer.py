"""Importing articles: read, extract, and write them in batches, one transaction each.

A document whose text was imported before is "unchanged" and writes nothing. A document that fails
(reading, hashing, extraction, writing: whatever the exception) is reported alone on one line naming
its file, writes no row, and the others go on.
"""

import multiprocessing
import random
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from pydantic import BaseModel, Field
from sqlalchemy import Connection, Engine, bindparam, delete, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from catalogue.curation import reapply_claim_statuses
from catalogue.db import is_valid_id, one_statement, read_session, session_scope, writer
from catalogue.errors import CatalogueError, InputError, NotFoundError
from catalogue.extract import extract
from catalogue.models import Claim, Event, Mention, Observation, Relation, Source
from catalogue.readers import Reader, one_line
from catalogue.schemas import Document, Extraction
from catalogue.writer import BatchWriter, DocumentResult, Timings, insert_sources

__all__ = ["DocumentResult", "ImportReport", "Timings", "import_document", "import_items", "import_paths", "reextract"]


class ImportReport(BaseModel):
    documents_new: int = 0
    documents_unchanged: int = 0
    documents_failed: int = 0
    systems_new: int = 0
    systems_updated: int = 0
    claims_added: int = 0
    events_added: int = 0
    observations_added: int = 0
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
        self.observations_added += result.observations
        self.relations_added += result.relations


BATCH_DOCUMENTS = 100  # documents per transaction
BATCH_SECONDS = 1.0  # ...or fewer, so that a slow stream of documents is still committed every second
CONFLICT_RETRIES = 10

ProgressCallback = Callable[[DocumentResult], None]
# A document read (or the reader's error) and its extraction: done by a worker, a worker's error, or None.
WorkItem = tuple[Document | InputError, Extraction | str | None]
Outcome = tuple[str, list] | str  # what a worker sends back: (extractor version, systems), or the error
CHUNK_DOCUMENTS = 2  # documents per task sent to a worker


def import_document(engine: Engine, document: Document, dry_run: bool = False) -> DocumentResult:
    """Import one document in one transaction; a dry run writes it and rolls back."""
    results: list[DocumentResult] = []
    _write_all(engine, iter([(document, None)]), dry_run, Timings(), ImportReport(dry_run=dry_run), results.append)
    return results[0]


def import_paths(engine: Engine, paths: list[str], reader: Reader | None = None, dry_run: bool = False,
                 progress: ProgressCallback | None = None, jobs: int = 1,
                 timings: Timings | None = None) -> ImportReport:
    """Import every document under paths. Documents are written in batches, one transaction each
    (BATCH_DOCUMENTS documents or BATCH_SECONDS of reading); a batch that fails is written again one
    document per transaction, so a failing document is rolled back alone and the others go on.

    With jobs > 1, extraction runs in that many processes, a batch at a time (memory stays flat),
    and this process writes the results in the order the documents were read. A dry run writes each
    batch and rolls it back, so its report is the one the import would give.
    """
    reader = reader or Reader()
    report = import_items(engine, reader.read(paths), dry_run, progress, jobs, timings)
    report.files_skipped = len(reader.skipped)
    return report


def import_items(engine: Engine, items: Iterable[Document | InputError], dry_run: bool = False,
                 progress: ProgressCallback | None = None, jobs: int = 1,
                 timings: Timings | None = None) -> ImportReport:
    """Import documents (or report the errors of those that could not be read) as import_paths does; pages and
    feed entries fetched from the web come this way."""
    timings = timings or Timings()
    report = ImportReport(dry_run=dry_run)
    items = _timed(iter(items), timings)
    if jobs <= 1:
        _write_all(engine, ((item, None) for item in items), dry_run, timings, report, progress)
    else:
        workers = _Workers(jobs)
        try:
            _write_all(engine, _extracted_in(workers, items, jobs, timings), dry_run, timings, report, progress)
        except BaseException:
            workers.close(wait=False)
            raise
        workers.close(wait=True)
    return report


class _Workers:
    """Extraction processes. When a task fails (its worker raised outside _extract_safely, or died), each of
    its documents is extracted again alone in a separate one-process executor, so that a failure there is
    that document's own error; a pool broken by a dying worker is replaced, and the run goes on."""

    def __init__(self, jobs: int):
        self.jobs = jobs
        self.pool = _executor(jobs)
        self.isolated: ProcessPoolExecutor | None = None

    def submit(self, documents: list[Document]) -> "Future[list[Outcome]]":
        try:
            return self.pool.submit(_extract_all, documents)
        except BrokenProcessPool:  # a worker died: its tasks and those in flight fail, later ones go on
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = _executor(self.jobs)
            return self.pool.submit(_extract_all, documents)

    def outcomes(self, documents: list[Document], future: "Future[list[Outcome]]") -> list[Outcome]:
        try:
            return future.result()
        except Exception:
            return [self._alone(document) for document in documents]

    def _alone(self, document: Document) -> Outcome:
        self.isolated = self.isolated or _executor(1)
        try:
            return self.isolated.submit(_extract_all, [document]).result()[0]
        except BrokenProcessPool:
            self.isolated.shutdown(wait=False, cancel_futures=True)
            self.isolated = None
            return "extraction failed: its worker process died (out of memory, or killed)"
        except Exception as exc:
            return f"extraction failed: {_described(exc)}"

    def close(self, wait: bool) -> None:
        for executor in (self.pool, self.isolated):
            if executor is not None:
                executor.shutdown(wait=wait, cancel_futures=True)


def _extracted_in(workers: _Workers, items: Iterator, jobs: int, timings: Timings) -> Iterator[WorkItem]:
    """Documents with their extractions; the workers extract the next batch while this one is written."""
    def submit(batch: list) -> tuple:
        documents = [item for item in batch if isinstance(item, Document)]
        chunks = [documents[i:i + CHUNK_DOCUMENTS] for i in range(0, len(documents), CHUNK_DOCUMENTS)]
        return batch, [(chunk, workers.submit(chunk)) for chunk in chunks]

    def collect(batch: list, tasks: list) -> Iterator[WorkItem]:
        extractions: dict[int, Extraction | str] = {}
        for chunk, future in tasks:
            with timings.phase("extract"):
                outcomes = workers.outcomes(chunk, future)
            for document, outcome in zip(chunk, outcomes, strict=True):
                extractions[id(document)] = _extraction(document, outcome)
        for item in batch:
            yield item, extractions.get(id(item))

    # Enough documents in flight to keep every worker busy while this process writes a whole batch,
    # and no more: memory stays flat whatever the corpus.
    ahead: deque = deque()
    depth = 2 * BATCH_DOCUMENTS // (jobs * 8) + 1
    for batch in _batches(items, jobs * 8):
        ahead.append(submit(batch))
        if len(ahead) > depth:
            yield from collect(*ahead.popleft())
    while ahead:
        yield from collect(*ahead.popleft())


def _write_all(engine: Engine, work: Iterator[WorkItem], dry_run: bool, timings: Timings, report: ImportReport,
               progress: ProgressCallback | None) -> None:
    connection = writer(engine).connect()
    try:
        batch: list[WorkItem] = []
        opened = 0.0
        for item in work:
            if not batch:
                opened = time.perf_counter()
            batch.append(item)
            if len(batch) >= BATCH_DOCUMENTS or time.perf_counter() - opened >= BATCH_SECONDS:
                _flush(_write_batch(engine, connection, batch, dry_run, timings), report, progress)
                batch = []
        if batch:
            _flush(_write_batch(engine, connection, batch, dry_run, timings), report, progress)
    finally:
        connection.close()


def _write_batch(engine: Engine, connection: Connection, batch: list[WorkItem], dry_run: bool,
                 timings: Timings) -> list[DocumentResult]:
    """The batch's results in reading order: failures of reading or extraction, then one transaction for
    the rest; if it fails (a conflict with another importer, a bad document), one transaction each."""
    results: list[DocumentResult | None] = []
    documents: list[tuple[int, Extraction]] = []  # position in results, extraction
    hashes: dict[int, str | Exception] = {}  # id(document) -> its text's hash, or why it has none
    for item, _ in batch:
        if isinstance(item, Document):
            try:
                hashes[id(item)] = item.sha256
            except Exception as exc:  # text that is no Unicode (lone surrogates) cannot be hashed
                hashes[id(item)] = exc
    known = _known_sources(engine, [h for h in hashes.values() if isinstance(h, str)], timings)
    for item, extraction in batch:
        if isinstance(item, InputError):
            results.append(_failed(item.path, item.problem))
        elif isinstance(hashes[id(item)], Exception):
            results.append(_failed(item.path, f"cannot hash the text: {_described(hashes[id(item)])}"))
        elif isinstance(extraction, str):
            results.append(_failed(item.path, extraction))
        elif hashes[id(item)] in known:  # no need to extract it; the write re-checks in its transaction
            results.append(DocumentResult(path=item.path, status="unchanged", source_id=known[hashes[id(item)]],
                                          title=item.title))
        else:
            outcome = extraction or _extract(item, timings)
            results.append(outcome if isinstance(outcome, DocumentResult) else None)
            if isinstance(outcome, Extraction):
                documents.append((len(results) - 1, outcome))
    if documents:
        try:
            written = _write_documents(connection, [e for _, e in documents], dry_run, timings)
        except Exception:  # rolled back; each document again in its own transaction
            written = [_write_alone(connection, extraction, dry_run, timings) for _, extraction in documents]
        for (index, _), result in zip(documents, written, strict=True):
            results[index] = result
    return results


def _extract(document: Document, timings: Timings) -> Extraction | DocumentResult:
    with timings.phase("extract"):
        extraction = _extraction(document, _extract_safely(document))
    return _failed(document.path, extraction) if isinstance(extraction, str) else extraction


def _extraction(document: Document, outcome: Outcome) -> Extraction | str:
    """A worker's outcome as the document's Extraction, or its error as one line."""
    if isinstance(outcome, str):
        return outcome
    try:
        return Extraction(document=document, extractor_version=outcome[0], systems=outcome[1])
    except Exception as exc:  # the extractor returned records that are not valid
        return f"extraction failed: {_described(exc)}"


def _failed(path: str, error: str) -> DocumentResult:
    """A failed document; its error is one line (a database's message may span several)."""
    return DocumentResult(path=path, status="failed", error=" ".join(error.split()))


def _described(exc: BaseException) -> str:
    return one_line(exc) if isinstance(exc, CatalogueError) else f"{exc.__class__.__name__}: {one_line(exc)}"


def _known_sources(engine: Engine, hashes: list[str], timings: Timings) -> dict[str, int]:
    """Texts imported before, read without the writer's lock (the write re-checks in its transaction)."""
    if not hashes:
        return {}
    with timings.phase("write"), one_statement(engine).connect() as connection:
        return _imported(connection, hashes)


def _imported(connection: Connection, hashes: list[str]) -> dict[str, int]:
    """Source ids of the texts among hashes imported before."""
    query = select(Source.sha256, Source.id).where(Source.sha256.in_(sorted(set(hashes))))
    return dict(connection.execute(query).all())


def _write_documents(connection: Connection, extractions: list[Extraction], dry_run: bool,
                     timings: Timings) -> list[DocumentResult]:
    """Write the documents in one transaction (rolled back in a dry run)."""
    transaction = connection.begin()
    try:
        with timings.phase("write"):
            known = _imported(connection, [e.document.sha256 for e in extractions])
        results: list[tuple[str, DocumentResult]] = []
        firsts: dict[str, DocumentResult] = {}  # hash -> result of the batch's first document with that text
        fresh: list[Extraction] = []
        for extraction in extractions:
            document = extraction.document
            if document.sha256 in known or document.sha256 in firsts:  # imported before, or earlier in this batch
                result = DocumentResult(path=document.path, status="unchanged", title=document.title)
            else:
                result = firsts[document.sha256] = DocumentResult(path=document.path, status="new",
                                                                   title=document.title)
                fresh.append(extraction)
            results.append((document.sha256, result))
        if fresh:
            with timings.phase("write"):
                source_ids = insert_sources(connection, fresh)
            for source_id, extraction in zip(source_ids, fresh, strict=True):
                firsts[extraction.document.sha256].source_id = source_id
            BatchWriter(connection, timings).write(
                [(firsts[e.document.sha256].source_id, e, firsts[e.document.sha256]) for e in fresh])
        for sha256, result in results:
            if result.source_id is None:
                result.source_id = known.get(sha256) or firsts[sha256].source_id
        with timings.phase("write"):
            if dry_run:
                transaction.rollback()
                for _, result in results:
                    result.source_id = None
            else:
                transaction.commit()
        return [result for _, result in results]
    except BaseException:
        transaction.rollback()
        raise


def _write_alone(connection: Connection, extraction: Extraction, dry_run: bool,
                 timings: Timings) -> DocumentResult:
    path = extraction.document.path
    for attempt in range(CONFLICT_RETRIES):
        try:
            [result] = _write_documents(connection, [extraction], dry_run, timings)
            return result
        except (IntegrityError, OperationalError) as exc:
            # Another importer wrote the same source, system or alias (or PostgreSQL chose this transaction
            # to end a deadlock): try again, seeing what it committed.
            if attempt == CONFLICT_RETRIES - 1:
                return _failed(path, f"database refused the write: {exc.__class__.__name__}: {exc.orig}")
            time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))
        except CatalogueError as exc:
            return _failed(path, str(exc))
        except Exception as exc:  # a bug must not stop the other documents; this one was rolled back
            return _failed(path, f"internal error, nothing written: {_described(exc)}")
    raise AssertionError("unreachable")


def _flush(results: list[DocumentResult], report: ImportReport, progress: ProgressCallback | None) -> None:
    for result in results:
        report.add(result)
        if progress is not None:
            progress(result)


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


def _executor(jobs: int) -> ProcessPoolExecutor:
    # A ProcessPoolExecutor, not a multiprocessing.Pool: a worker that dies breaks the executor's futures
    # (BrokenProcessPool) where a Pool would wait for its lost task for ever.
    return ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn"))


def _extract_all(documents: list[Document]) -> list[Outcome]:
    return [_extract_safely(document) for document in documents]


def _extract_safely(document: Document) -> Outcome:
    """(extractor version, systems) — a worker does not send the text back — or the error as one line."""
    try:
        extraction = extract(document)
        return extraction.extractor_version, extraction.systems
    except (Exception, SystemExit) as exc:  # that document's failure; a stray sys.exit() ends no import
        return f"extraction failed: {_described(exc)}"


def reextract(engine: Engine, source_ids: Iterable[int] | None = None) -> ImportReport:
    """Re-run extraction on stored texts; each source's extracted records are replaced atomically.
    Extraction runs outside any write transaction, so curation and imports are not kept waiting by it."""
    report = ImportReport()
    with read_session(engine) as session:
        ids = list(source_ids) if source_ids is not None else list(session.scalars(select(Source.id)))
        known = set(session.scalars(select(Source.id).where(Source.id.in_([i for i in ids if is_valid_id(i)]))))
    missing = [i for i in ids if i not in known]
    if missing:
        raise NotFoundError(f"no source with id {', '.join(map(str, missing))}")
    for source_id in ids:
        with read_session(engine) as session:
            source = session.get(Source, source_id)
            document = Document(text=source.text, title=source.title, url=source.url, publisher=source.publisher,
                                published=source.published, published_precision=source.published_precision,
                                language=source.language, path=f"source {source_id}")
        extraction = extract(document)
        result = DocumentResult(path=document.path, status="reextracted", source_id=source_id, title=document.title)
        with session_scope(engine) as session:
            before = _claim_keys(session, source_id)
            for table in (Mention, Relation, Observation, Event):
                session.execute(delete(table).where(table.source_id == source_id))
            session.execute(update(Source).where(Source.id == source_id)
                            .values(extractor_version=extraction.extractor_version))
            BatchWriter(session.connection()).write([(source_id, extraction, result)])
            _keep_claim_ids(session, source_id, before)
            reapply_claim_statuses(session, source_id)
        report.add(result)
    return report


CLAIM_KEY = (Claim.system_id, Claim.attribute, Claim.value, Claim.start, Claim.end)
CLAIM_FIELDS = ("value_number", "unit", "stated", "claimant", "quote", "extractor", "extractor_version")


def _claim_keys(session, source_id: int) -> dict[int, tuple]:
    return {row[0]: tuple(row[1:]) for row in session.execute(
        select(Claim.id, *CLAIM_KEY).where(Claim.source_id == source_id))}


def _keep_claim_ids(session, source_id: int, before: dict[int, tuple]) -> None:
    """A claim found again (same system, attribute, value and quote span) keeps its id, so scripts that name
    claims by id survive a reextract: the old row takes the new row's fields and the new row goes. Old claims
    not found again go."""
    waiting: dict[tuple, list[int]] = {}
    for claim_id, key in sorted(before.items()):
        waiting.setdefault(key, []).append(claim_id)
    fresh = session.execute(select(Claim.id, *CLAIM_KEY, *(getattr(Claim, f) for f in CLAIM_FIELDS))
                            .where(Claim.source_id == source_id, Claim.id.not_in(list(before) or [0]))
                            .order_by(Claim.id)).all()
    replaced, updates = [], []
    for row in fresh:
        kept = waiting.get(tuple(row[1:1 + len(CLAIM_KEY)]))
        if kept:
            updates.append({"b_id": kept.pop(0), **dict(zip(CLAIM_FIELDS, row[1 + len(CLAIM_KEY):], strict=True))})
            replaced.append(row[0])
    if updates:  # one executemany
        session.connection().execute(update(Claim.__table__).where(Claim.__table__.c.id == bindparam("b_id"))
                                     .values({f: bindparam(f) for f in CLAIM_FIELDS}), updates)
    gone = replaced + [claim_id for ids in waiting.values() for claim_id in ids]
    if gone:
        session.execute(delete(Claim).where(Claim.id.in_(gone)))
