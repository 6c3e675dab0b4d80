"""Writing extractions: a batch of documents in a constant number of set-based statements.

Systems are resolved for the whole batch at once (one alias lookup, one insert of new systems), then
each table gets one multi-row insert. The caller owns the transaction: a batch is written whole or
not at all, and the importer falls back to one document per transaction when a batch fails.
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from pydantic import BaseModel
from sqlalchemy import Connection, bindparam, func, select, update

from catalogue.extract.normalize import fold, slugify
from catalogue.models import (
    Alias,
    Claim,
    Event,
    Mention,
    Observation,
    Relation,
    Source,
    System,
    event_systems,
    utcnow,
)
from catalogue.schemas import ExtractedSystem, Extraction

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
    observations: int = 0
    relations: int = 0
    planned: list[PlannedClaim] = []


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
class _SystemRef:
    """A catalogue system; id is None until a system new in this batch is inserted."""
    id: int | None
    name: str
    country: str | None
    new: bool = False  # created by this batch, inserted once the batch is resolved


@dataclass
class _Item:
    source_id: int
    extraction: Extraction
    result: DocumentResult
    systems: dict[str, _SystemRef] = field(default_factory=dict)  # extracted name -> catalogue system


def insert_sources(connection: Connection, extractions: list[Extraction]) -> list[int]:
    """One source row per extracted document; their ids in the same order. A page fetched again from the same
    final URL with another text is a new version: it points at the one before (previous_id)."""
    now = utcnow()
    rows = []
    latest = _latest_versions(connection, {e.document.url for e in extractions
                                           if e.document.fetched_at is not None and e.document.url})
    for extraction in extractions:
        d = extraction.document
        rows.append({"title": d.title, "publisher": d.publisher, "url": d.url, "published": d.published,
                     "published_precision": d.published_precision, "language": d.language, "sha256": d.sha256,
                     "text": d.text, "extractor_version": extraction.extractor_version, "imported_at": now,
                     "origin": d.path, "fetched_at": d.fetched_at,
                     "previous_id": latest.get(d.url) if d.fetched_at is not None else None})
    table = Source.__table__
    ids = list(connection.execute(table.insert().returning(table.c.id, sort_by_parameter_order=True),
                                  rows).scalars())
    # Two versions of one page in the same batch: the later points at the earlier, inserted just now.
    chained = []
    for row, source_id in zip(rows, ids, strict=True):
        if row["fetched_at"] is None or not row["url"]:
            continue
        if latest.get(row["url"]) != row["previous_id"]:
            chained.append({"b_id": source_id, "b_previous": latest[row["url"]]})
        latest[row["url"]] = source_id
    if chained:
        connection.execute(update(table).where(table.c.id == bindparam("b_id"))
                           .values(previous_id=bindparam("b_previous")), chained)
    return ids


def _latest_versions(connection: Connection, urls: set[str]) -> dict[str, int]:
    """The last source fetched from each of urls, if any."""
    if not urls:
        return {}
    query = (select(Source.url, func.max(Source.id)).where(Source.url.in_(sorted(urls)), Source.fetched_at.is_not(None))
             .group_by(Source.url))
    return {url: source_id for url, source_id in connection.execute(query)}


class BatchWriter:
    """Writes the extractions of documents whose sources exist, in the caller's transaction."""

    def __init__(self, connection: Connection, timings: Timings | None = None):
        self.connection = connection
        self.timings = timings or Timings()

    def write(self, batch: list[tuple[int, Extraction, DocumentResult]]) -> None:
        """Fill each result (status and path set by the caller) with what its document added."""
        items = [_Item(source_id, extraction, result) for source_id, extraction, result in batch]
        with self.timings.phase("resolve"):
            self._resolve(items)
        with self.timings.phase("write"):
            mentions, claims, relations, events = [], [], [], []
            pending_reference: list[tuple[_Item, _SystemRef, dict]] = []
            for item in items:
                item_events: dict[tuple, dict] = {}
                for extracted in item.extraction.systems:
                    target = item.systems[extracted.name]
                    mentions += self._mentions(item, extracted, target)
                    self._claims(item, extracted, target, claims, relations, pending_reference)
                    self._collect_events(item, extracted, target, item_events)
                item.result.events = len(item_events)
                item.result.observations = sum(len(row["observations"]) for row in item_events.values())
                events += item_events.values()
            claims += self._new_reference_claims(pending_reference)
            for table, rows in ((Mention.__table__, mentions), (Claim.__table__, claims),
                                (Relation.__table__, relations)):
                if rows:
                    self.connection.execute(table.insert(), rows)
            self._write_events(events)

    def _resolve(self, items: list[_Item]) -> None:
        """Map every extracted name to a catalogue system through folded aliases, creating the systems
        and aliases not yet known. Documents are taken in order, so a system created by one is found by
        the next, exactly as if each were imported alone."""
        forms = {}  # extracted system -> its names, the name first
        for item in items:
            for system in item.extraction.systems:
                forms[id(system)] = list(dict.fromkeys([system.name, *(a.name for a in system.aliases)]))
        wanted = sorted({key for names in forms.values() for key in map(fold, names) if key})
        owners: dict[str, _SystemRef] = {}
        if wanted:
            found = self.connection.execute(select(Alias.normalized, System.id, System.name, System.country)
                                            .join(System, System.id == Alias.system_id)
                                            .where(Alias.normalized.in_(wanted))).all()
            known: dict[int, _SystemRef] = {}
            for key, system_id, name, country in found:
                owners[key] = known.setdefault(system_id, _SystemRef(system_id, name, country))
        created, countries, aliases = [], {}, []
        for item in items:
            for system in item.extraction.systems:
                names = forms[id(system)]
                keys = [k for k in dict.fromkeys(map(fold, names)) if k]
                ref = next((owners[k] for k in keys if k in owners), None)
                if ref is None:
                    ref = _SystemRef(None, system.name, system.country, new=True)
                    created.append(ref)
                    item.result.systems_new.append(ref.name)
                elif ref.name not in item.result.systems_new + item.result.systems_updated:
                    item.result.systems_updated.append(ref.name)
                if ref.country is None and system.country:
                    ref.country = system.country
                    if not ref.new:
                        countries[ref.id] = system.country
                item.systems[system.name] = ref
                kinds = {alias.name: alias.kind for alias in system.aliases}
                for form in names:
                    key = fold(form)
                    if key and key not in owners:
                        owners[key] = ref
                        aliases.append((ref, {"name": form[:200], "normalized": key, "kind": kinds.get(form, "name"),
                                              "source_id": item.source_id}))
        if countries:
            self.connection.execute(
                update(System).where(System.id == bindparam("b_id"), System.country.is_(None))
                .values(country=bindparam("b_country")),
                [{"b_id": system_id, "b_country": country} for system_id, country in countries.items()])
        if created:
            self._insert_systems(created)
        if aliases:
            self.connection.execute(Alias.__table__.insert(), [{**row, "system_id": ref.id} for ref, row in aliases])

    def _insert_systems(self, created: list[_SystemRef]) -> None:
        now = utcnow()
        slugs = self._free_slugs([slugify(ref.name) for ref in created])
        rows = [{"name": ref.name[:200], "slug": slug, "country": ref.country, "created_at": now, "updated_at": now}
                for ref, slug in zip(created, slugs, strict=True)]
        table = System.__table__
        ids = self.connection.execute(table.insert().returning(table.c.id, sort_by_parameter_order=True),
                                      rows).scalars().all()
        for ref, new_id in zip(created, ids, strict=True):
            ref.id, ref.new = new_id, False

    def _free_slugs(self, bases: list[str]) -> list[str]:
        taken = set(self.connection.execute(select(System.slug).where(System.slug.in_(set(bases)))).scalars())
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

    @staticmethod
    def _mentions(item: _Item, extracted: ExtractedSystem, system: _SystemRef) -> list[dict]:
        spans = {}
        for span in extracted.mentions:
            spans.setdefault(span.start, span)
        return [{"system_id": system.id, "source_id": item.source_id, "surface": span.text[:300],
                 "start": span.start, "end": span.end} for span in spans.values()]

    @staticmethod
    def _claims(item: _Item, extracted: ExtractedSystem, target: _SystemRef, claims: list[dict],
                relations: list[dict], pending_reference: list) -> None:
        version, now = item.extraction.extractor_version, utcnow()
        for claim in extracted.claims:
            if claim.attribute in RELATION_KINDS:
                other = item.systems.get(claim.value)
                if other is not None and other.id != target.id:
                    relations.append({
                        "subject_id": target.id, "object_id": other.id, "kind": claim.attribute,
                        "claimant": claim.claimant, "quote": claim.quote, "start": claim.start, "end": claim.end,
                        "source_id": item.source_id, "extractor": claim.rule, "extractor_version": version})
                    item.result.relations += 1
                continue
            row = {
                "system_id": target.id, "attribute": claim.attribute, "value": claim.value,
                "value_number": claim.value_number, "unit": claim.unit, "stated": claim.stated, "claimant": claim.claimant,
                "quote": claim.quote, "start": claim.start, "end": claim.end, "source_id": item.source_id,
                "extractor": claim.rule, "extractor_version": version, "status": "claimed", "created_at": now}
            if claim.rule == "reference-list":
                row["source_id"] = None  # the reference list speaks once per system, not once per article
                pending_reference.append((item, target, row))
                continue
            claims.append(row)
            item.result.claims += 1
            item.result.planned.append(PlannedClaim(system=target.name, attribute=claim.attribute,
                                                    value=claim.value, unit=claim.unit, claimant=claim.claimant,
                                                    quote=claim.quote))

    def _new_reference_claims(self, pending: list[tuple[_Item, _SystemRef, dict]]) -> list[dict]:
        ids = sorted({target.id for _, target, _ in pending})
        present = set(self.connection.execute(
            select(Claim.system_id, Claim.attribute, Claim.value).where(
                Claim.system_id.in_(ids), Claim.extractor == "reference-list")).all()) if ids else set()
        rows = []
        for item, target, row in pending:
            key = (target.id, row["attribute"], row["value"])
            if key not in present:
                present.add(key)
                rows.append(row)
                item.result.claims += 1
                item.result.planned.append(PlannedClaim(system=target.name, attribute=row["attribute"],
                                                        value=row["value"], unit=None, claimant=None, quote=None))
        return rows

    @staticmethod
    def _collect_events(item: _Item, extracted: ExtractedSystem, system: _SystemRef,
                        events: dict[tuple, dict]) -> None:
        """One event row per event of the document, whichever of its systems lists it, with the systems
        taking part and the observations of every listing (the same one once)."""
        version, now = item.extraction.extractor_version, utcnow()
        for found in extracted.events:
            key = (found.kind, found.start, found.end, found.date, found.location)
            row = events.setdefault(key, {"event": {
                "kind": found.kind, "date": found.date, "date_precision": found.date_precision,
                "location": found.location, "claimant": found.claimant, "quote": found.quote, "start": found.start,
                "end": found.end, "source_id": item.source_id, "extractor": found.rule,
                "extractor_version": version}, "systems": [], "observations": {}})
            if system.id not in row["systems"]:
                row["systems"].append(system.id)
            for seen in found.observations:
                row["observations"].setdefault((seen.attribute, seen.value, seen.unit, seen.start, seen.end), {
                    "source_id": item.source_id, "attribute": seen.attribute, "value": seen.value,
                    "value_number": seen.value_number, "unit": seen.unit, "stated": seen.stated,
                    "claimant": seen.claimant, "quote": seen.quote, "start": seen.start, "end": seen.end,
                    "extractor": seen.rule, "extractor_version": version, "created_at": now})

    def _write_events(self, events: list[dict]) -> None:
        if not events:
            return
        table = Event.__table__
        ids = self.connection.execute(table.insert().returning(table.c.id, sort_by_parameter_order=True),
                                      [row["event"] for row in events]).scalars().all()
        links = [{"event_id": event_id, "system_id": system_id}
                 for event_id, row in zip(ids, events, strict=True) for system_id in row["systems"]]
        self.connection.execute(event_systems.insert(), links)
        observations = [{**observation, "event_id": event_id} for event_id, row in zip(ids, events, strict=True)
                        for observation in row["observations"].values()]
        if observations:
            self.connection.execute(Observation.__table__.insert(), observations)
