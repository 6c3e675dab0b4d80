"""The export, catalogue-export/3 (described key by key in docs/export.md): JSON, JSON Lines or CSV,
and its JSON Schema."""

import csv
import io
import json
from collections import defaultdict
from collections.abc import Iterator

from sqlalchemy import Engine, column, select, table
from sqlalchemy.orm import Session

from catalogue.db import read_session
from catalogue.models import Alias, Claim, Event, Observation, Relation, Source, System, event_systems
from catalogue.schemas import ClaimOut, EventOut, ExportOut, ObservationOut, SourceOut, SystemOut, edtf

FORMATS = ("json", "jsonl", "csv")
# One row per claim (record "claim") and per observation of an event (record "observation", with the event's
# kind and date); the columns of catalogue-export/1 come first, in their old places, then those of /2, then /3.
CSV_COLUMNS = ["system_id", "system", "attribute", "value", "unit", "claimant", "quote", "start", "end",
               "source_id", "extractor", "stated", "record", "event_kind", "event_date", "claim_id", "status"]


def export_schema() -> dict:
    return ExportOut.model_json_schema(mode="serialization")


def sources_out(session: Session) -> list[SourceOut]:
    return [SourceOut(id=s.id, title=s.title, publisher=s.publisher, url=s.url,
                      published=edtf(s.published, s.published_precision), sha256=s.sha256,
                      origin=s.origin)
            for s in session.scalars(select(Source).order_by(Source.id))]


def systems_out(session: Session, system_ids: list[int] | None = None) -> list[SystemOut]:
    """Systems with aliases, claims (relations included, as the contract has them) and events."""
    def only(column):
        return column.in_(system_ids) if system_ids is not None else True

    systems = list(session.scalars(select(System).where(only(System.id)).order_by(System.name, System.id)))
    overview = table("system_overview", column("system_id"), column("category"), column("fuel"))
    derived = {row.system_id: row for row in session.execute(
        select(overview.c.system_id, overview.c.category, overview.c.fuel).where(only(overview.c.system_id)))}
    aliases: dict[int, list[str]] = defaultdict(list)
    for alias in session.scalars(select(Alias).where(only(Alias.system_id)).order_by(Alias.id)):
        aliases[alias.system_id].append(alias.name)
    claims: dict[int, list[ClaimOut]] = defaultdict(list)
    for claim in session.scalars(select(Claim).where(only(Claim.system_id)).order_by(Claim.id)):
        claims[claim.system_id].append(ClaimOut(
            id=claim.id, status=claim.status, attribute=claim.attribute, value=claim.value, unit=claim.unit, quote=claim.quote, start=claim.start,
            end=claim.end, claimant=claim.claimant, source_id=claim.source_id,
            extractor=f"{claim.extractor}@{claim.extractor_version}", stated=claim.stated))
    names = dict(session.execute(select(System.id, System.name)).all())
    for relation in session.scalars(select(Relation).where(only(Relation.subject_id)).order_by(Relation.id)):
        claims[relation.subject_id].append(ClaimOut(
            attribute=relation.kind, value=names[relation.object_id], unit=None, quote=relation.quote,
            start=relation.start, end=relation.end, claimant=relation.claimant, source_id=relation.source_id,
            extractor=f"{relation.extractor}@{relation.extractor_version}"))
    observations: dict[int, list[ObservationOut]] = defaultdict(list)
    involved = select(event_systems.c.event_id).where(only(event_systems.c.system_id))
    for seen in session.scalars(select(Observation).where(Observation.event_id.in_(involved))
                                .order_by(Observation.id)):
        observations[seen.event_id].append(ObservationOut(
            attribute=seen.attribute, value=seen.value, unit=seen.unit, stated=seen.stated, quote=seen.quote,
            start=seen.start, end=seen.end, claimant=seen.claimant, source_id=seen.source_id,
            extractor=f"{seen.extractor}@{seen.extractor_version}"))
    events: dict[int, list[EventOut]] = defaultdict(list)
    for event, system_id in session.execute(
            select(Event, event_systems.c.system_id).join(event_systems, event_systems.c.event_id == Event.id)
            .where(only(event_systems.c.system_id)).order_by(Event.date, Event.id)):
        events[system_id].append(EventOut(kind=event.kind, date=edtf(event.date, event.date_precision),
                                          date_precision=event.date_precision, location=event.location,
                                          quote=event.quote, source_id=event.source_id,
                                          observations=observations[event.id]))
    result = []
    for system in systems:
        row = derived.get(system.id)
        result.append(SystemOut(
            id=system.id, name=system.name, aliases=[a for a in aliases[system.id] if a != system.name],
            country=system.country, category=row.category if row else None, fuel=row.fuel if row else None,
            claims=claims[system.id], events=events[system.id]))
    return result


def export(engine: Engine, fmt: str) -> Iterator[str]:
    """The export as text chunks, in the requested format."""
    with read_session(engine) as session:
        systems = systems_out(session)
        if fmt == "json":
            document = ExportOut(sources=sources_out(session), systems=systems)
            yield document.model_dump_json(indent=2) + "\n"
        elif fmt == "jsonl":
            for system in systems:
                yield system.model_dump_json() + "\n"
        elif fmt == "csv":
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\n")
            writer.writerow(CSV_COLUMNS)
            for system in systems:
                for claim in system.claims:
                    writer.writerow([system.id, system.name, claim.attribute, claim.value, claim.unit, claim.claimant,
                                     claim.quote, claim.start, claim.end, claim.source_id, claim.extractor,
                                     claim.stated, "claim", None, None, claim.id, claim.status])
                for event in system.events:
                    for seen in event.observations:
                        writer.writerow([system.id, system.name, seen.attribute, seen.value, seen.unit,
                                         seen.claimant, seen.quote, seen.start, seen.end, seen.source_id,
                                         seen.extractor, seen.stated, "observation", event.kind, event.date,
                                         None, None])
            yield buffer.getvalue()
        else:
            raise ValueError(f"unknown export format {fmt!r}")


def schema_json() -> str:
    return json.dumps(export_schema(), indent=2) + "\n"
