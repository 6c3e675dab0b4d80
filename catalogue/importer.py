"""Importing articles: extract, resolve each system to the catalogue, write one transaction per document.

A document whose text was imported before is "unchanged" and writes nothing. A document that fails
rolls back alone; the others go on.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from pydantic import BaseModel
from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from catalogue.curation import reapply_claim_statuses
from catalogue.db import session_scope
from catalogue.errors import CatalogueError, InputError, NotFoundError
from catalogue.extract import extract
from catalogue.extract.normalize import fold, slugify
from catalogue.models import Alias, Claim, Event, Mention, Relation, Source, System, event_systems
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
    documents: list[DocumentResult] = []

    def add(self, result: DocumentResult) -> None:
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


@dataclass
class _Resolved:
    system: System
    created: bool


class _Writer:
    """Writes one extraction into an open session (the caller owns the transaction)."""

    def __init__(self, session: Session, extraction: Extraction, source: Source):
        self.session = session
        self.extraction = extraction
        self.source = source
        self.version = extraction.extractor_version
        self.result = DocumentResult(path=extraction.document.path, status="new", title=source.title)

    def write(self) -> DocumentResult:
        resolved = {system.name: self._resolve(system) for system in self.extraction.systems}
        self.session.flush()
        events: dict[tuple, Event] = {}
        for extracted in self.extraction.systems:
            target = resolved[extracted.name]
            self._mentions(extracted, target.system)
            self._claims(extracted, target.system, resolved)
            self._events(extracted, target.system, events)
            bucket = self.result.systems_new if target.created else self.result.systems_updated
            if target.system.name not in bucket:
                bucket.append(target.system.name)
        self.session.flush()
        return self.result

    def _resolve(self, extracted: ExtractedSystem) -> _Resolved:
        names = [extracted.name, *(alias.name for alias in extracted.aliases)]
        keys = list(dict.fromkeys(fold(name) for name in names if fold(name)))
        rows = self.session.execute(select(Alias.normalized, Alias.system_id).where(Alias.normalized.in_(keys)))
        owners = dict(rows.all())
        owner_id = owners.get(keys[0]) or next((owners[k] for k in keys if k in owners), None)
        if owner_id is not None:
            system, created = self.session.get(System, owner_id), False
        else:
            system = System(slug=self._free_slug(slugify(extracted.name)), name=extracted.name,
                            country=extracted.country)
            self.session.add(system)
            self.session.flush()
            created = True
        if system.country is None and extracted.country:
            system.country = extracted.country
        kinds = {alias.name: alias.kind for alias in extracted.aliases}
        for name, key in ((name, fold(name)) for name in names):
            if key and key not in owners:
                owners[key] = system.id
                self.session.add(Alias(system_id=system.id, name=name, normalized=key,
                                       kind=kinds.get(name, "name"), source_id=self.source.id))
        return _Resolved(system, created)

    def _free_slug(self, base: str) -> str:
        taken = set(self.session.scalars(select(System.slug).where(System.slug.like(f"{base}%"))))
        slug, n = base, 2
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        return slug

    def _mentions(self, extracted: ExtractedSystem, system: System) -> None:
        seen = set()
        for span in extracted.mentions:
            if span.start in seen:
                continue
            seen.add(span.start)
            self.session.add(Mention(system_id=system.id, source_id=self.source.id, surface=span.text[:300],
                                     start=span.start, end=span.end))

    def _claims(self, extracted: ExtractedSystem, system: System, resolved: dict[str, _Resolved]) -> None:
        for claim in extracted.claims:
            if claim.attribute in RELATION_KINDS:
                target = resolved.get(claim.value)
                if target is None or target.system.id == system.id:
                    continue
                self.session.add(Relation(
                    subject_id=system.id, object_id=target.system.id, kind=claim.attribute, claimant=claim.claimant,
                    quote=claim.quote, start=claim.start, end=claim.end, source_id=self.source.id,
                    extractor=claim.rule, extractor_version=self.version))
                self.result.relations += 1
                continue
            if claim.rule == "reference-list":
                if self.session.scalar(select(Claim.id).where(
                        Claim.system_id == system.id, Claim.extractor == "reference-list",
                        Claim.attribute == claim.attribute, Claim.value == claim.value)) is not None:
                    continue
                source_id = None
            else:
                source_id = self.source.id
            self.session.add(Claim(
                system_id=system.id, attribute=claim.attribute, value=claim.value, value_number=claim.value_number,
                unit=claim.unit, claimant=claim.claimant, quote=claim.quote, start=claim.start, end=claim.end,
                source_id=source_id, extractor=claim.rule, extractor_version=self.version))
            self.result.claims += 1
            self.result.planned.append(PlannedClaim(system=system.name, attribute=claim.attribute,
                                                    value=claim.value, unit=claim.unit, claimant=claim.claimant,
                                                    quote=claim.quote))

    def _events(self, extracted: ExtractedSystem, system: System, events: dict[tuple, Event]) -> None:
        for found in extracted.events:
            key = (found.kind, found.start, found.end, found.date, found.location)
            event = events.get(key)
            if event is None:
                event = Event(kind=found.kind, date=found.date, date_precision=found.date_precision,
                              location=found.location, claimant=found.claimant, quote=found.quote,
                              start=found.start, end=found.end, source_id=self.source.id, extractor=found.rule,
                              extractor_version=self.version)
                self.session.add(event)
                self.session.flush()
                events[key] = event
                self.result.events += 1
            self.session.execute(event_systems.insert().values(event_id=event.id, system_id=system.id))


def _new_source(document: Document, version: str) -> Source:
    return Source(title=document.title, publisher=document.publisher, url=document.url,
                  published=document.published, published_precision=document.published_precision,
                  language=document.language, sha256=document.sha256, text=document.text,
                  extractor_version=version)


def import_document(engine: Engine, document: Document, dry_run: bool = False) -> DocumentResult:
    """Import one document in one transaction; a dry run writes it and rolls back."""
    for attempt in range(3):
        try:
            return _import_once(engine, document, dry_run)
        except (IntegrityError, OperationalError):
            # Another importer wrote the same source or alias first: look again with its rows visible.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


class _DryRun(Exception):
    def __init__(self, result: DocumentResult):
        self.result = result


def _import_once(engine: Engine, document: Document, dry_run: bool) -> DocumentResult:
    try:
        with session_scope(engine) as session:
            existing = session.scalar(select(Source.id).where(Source.sha256 == document.sha256))
            if existing is not None:
                return DocumentResult(path=document.path, status="unchanged", source_id=existing,
                                      title=document.title)
            extraction = extract(document)
            source = _new_source(document, extraction.extractor_version)
            session.add(source)
            session.flush()
            result = _Writer(session, extraction, source).write()
            result.source_id = source.id
            if dry_run:
                raise _DryRun(result)
            return result
    except _DryRun as rolled_back:
        rolled_back.result.source_id = None
        return rolled_back.result


ProgressCallback = Callable[[DocumentResult], None]


def import_paths(engine: Engine, paths: list[str], reader: Reader | None = None, dry_run: bool = False,
                 progress: ProgressCallback | None = None) -> ImportReport:
    """Import every document under paths; each document commits or fails alone."""
    reader = reader or Reader()
    report = ImportReport(dry_run=dry_run)
    for item in reader.read(paths):
        report.add(_import_item(engine, item, dry_run))
        if progress is not None:
            progress(report.documents[-1])
    report.files_skipped = len(reader.skipped)
    return report


def _import_item(engine: Engine, item: Document | InputError, dry_run: bool) -> DocumentResult:
    if isinstance(item, InputError):
        return DocumentResult(path=item.path, status="failed", error=item.problem)
    try:
        return import_document(engine, item, dry_run)
    except CatalogueError as exc:
        return DocumentResult(path=item.path, status="failed", error=str(exc))
    except (IntegrityError, OperationalError) as exc:
        return DocumentResult(path=item.path, status="failed",
                              error=f"database refused the write: {exc.__class__.__name__}: {exc.orig}")
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
            result = _Writer(session, extraction, source).write()
            reapply_claim_statuses(session, source_id)
            result.status, result.source_id = "reextracted", source_id
        report.add(result)
    return report
