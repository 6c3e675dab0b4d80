"""Finding a system by any of its names, and everything the catalogue holds about it."""

import datetime as dt
import difflib
import json

from sqlalchemy import Engine, bindparam, case, column, func, literal_column, select, table, union
from sqlalchemy.orm import Session

from catalogue.db import one_statement, read_session
from catalogue.errors import NotFoundError
from catalogue.extract.normalize import fold
from catalogue.models import (
    Alias,
    Claim,
    Curation,
    Event,
    Observation,
    Relation,
    Source,
    System,
    event_systems,
)
from catalogue.queries import SystemDetail
from catalogue.sqljson import as_text, embedded, json_array, json_array_of, json_object, json_object_of


class SystemNotFound(NotFoundError):
    def __init__(self, name: str, suggestions: list[str]):
        self.suggestions = suggestions
        hint = f"; did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"no system named {name!r}{hint}")


def _named(name: str) -> dict[str, str]:
    """The two keys a name is looked up by: its folded form among aliases, else a slug."""
    return {"key": fold(name), "slug": name.strip().casefold()}


def _named_system_id():
    """The id of the system whose folded alias is :key, else whose slug is :slug (one rule for every lookup)."""
    by_alias = select(Alias.system_id).where(Alias.normalized == bindparam("key")).correlate(None).scalar_subquery()
    by_slug = select(System.id).where(System.slug == bindparam("slug")).correlate(None).scalar_subquery()
    return func.coalesce(by_alias, by_slug)


def resolve_system(session: Session, name: str) -> System:
    """The system any alias names, insensitive to case, spaces, hyphens and transliteration."""
    system = session.scalar(select(System).where(System.id == _named_system_id()), _named(name))
    if system is None:
        raise SystemNotFound(name, suggest(session, name))
    return system


def suggest(session: Session, name: str, limit: int = 5) -> list[str]:
    """Closest names by fuzzy matching over every alias, shown as the systems' canonical names."""
    rows = session.execute(select(Alias.normalized, System.name).join(System, System.id == Alias.system_id)).all()
    by_key = {key: system for key, system in rows}
    close = difflib.get_close_matches(fold(name), list(by_key), n=limit * 3, cutoff=0.6)
    return list(dict.fromkeys(by_key[key] for key in close))[:limit]


_OVERVIEW = table("system_overview", column("system_id"), column("category"), column("fuel"))
_FIELDS: dict[str, tuple[str, ...]] = {}  # the fields of a claim, event, observation, relation: in _record's order
_LISTS: set[str] = set()  # the detail statement's columns that are JSON lists (set where it is built)


def _record(records: str, /, **fields):
    """A record as a JSON array of its values (its keys, the same for every row, are in _FIELDS[records]): half
    the size of an object, quicker to build and to read."""
    _FIELDS[records] = tuple(fields)
    return json_array(*fields.values())


def _objects(records: str, rows: list[list]) -> list[dict]:
    fields = _FIELDS[records]
    return [dict(zip(fields, row, strict=True)) for row in rows]


def _detail_statement():
    """One query, one round trip: the system a folded alias (or else its slug) names, with its aliases,
    claims, events (with their observations) and relations as JSON the database builds.
    Claims, events, observations and relations are arrays of values (see _record). The sources the records cite
    come once each, in `sources` (title, published, precision by id): looked up per record they were half the
    work, and their titles most of the document."""
    system, other = System.__table__.alias("s"), System.__table__.alias("other")
    aliases, claims, events, relations = Alias.__table__, Claim.__table__, Event.__table__, Relation.__table__
    sources, observations = Source.__table__, Observation.__table__

    def derived(name: str):  # the best-supported value, as the system_overview view defines it
        return select(_OVERVIEW.c[name]).where(_OVERVIEW.c.system_id == system.c.id).scalar_subquery()

    def array(query):
        return embedded(query.scalar_subquery())

    alias_rows = select(json_array_of(json_object(id=aliases.c.id, name=aliases.c.name, kind=aliases.c.kind))) \
        .where(aliases.c.system_id == system.c.id)
    claim_rows = select(json_array_of(_record(
        "claims", id=claims.c.id, attribute=claims.c.attribute, value=claims.c.value, unit=claims.c.unit,
        stated=claims.c.stated, claimant=claims.c.claimant, quote=claims.c.quote, start=claims.c.start,
        end=claims.c.end,
        status=claims.c.status, extractor=claims.c.extractor + literal_column("'@'") + claims.c.extractor_version,
        source_id=claims.c.source_id))).where(claims.c.system_id == system.c.id)
    observation_rows = select(json_array_of(_record(
        "observations", id=observations.c.id, attribute=observations.c.attribute, value=observations.c.value,
        value_number=observations.c.value_number, unit=observations.c.unit, stated=observations.c.stated,
        claimant=observations.c.claimant, quote=observations.c.quote, start=observations.c.start,
        end=observations.c.end))).where(observations.c.event_id == events.c.id)
    event_rows = select(json_array_of(_record(
        "events", id=events.c.id, kind=events.c.kind, date=events.c.date, date_precision=events.c.date_precision,
        location=events.c.location, claimant=events.c.claimant, quote=events.c.quote, source_id=events.c.source_id,
        observations=array(observation_rows)))) \
        .select_from(events.join(event_systems, event_systems.c.event_id == events.c.id)) \
        .where(event_systems.c.system_id == system.c.id)
    curations = Curation.__table__
    curated_rows = select(json_array_of(curations.c.action)).where(  # what `catalogue set` set: set_country...
        curations.c.system_id == system.c.id, curations.c.action.in_(["set_category", "set_country"]))
    outgoing = relations.c.subject_id == system.c.id
    other_name = select(other.c.name).where(  # by primary key: a join on the CASE hashes every system
        other.c.id == case((outgoing, relations.c.object_id), else_=relations.c.subject_id)) \
        .correlate(system, relations).scalar_subquery()
    relation_rows = select(json_array_of(_record(
        "relations", id=relations.c.id, kind=relations.c.kind,
        direction=case((outgoing, literal_column("'outgoing'")), else_=literal_column("'incoming'")),
        other=other_name, claimant=relations.c.claimant, quote=relations.c.quote, start=relations.c.start,
        end=relations.c.end, source_id=relations.c.source_id,
        extractor=relations.c.extractor + literal_column("'@'") + relations.c.extractor_version))) \
        .where(outgoing | (relations.c.object_id == system.c.id))
    cited = union(  # correlated to the system two levels up: said explicitly
        select(claims.c.source_id).where(claims.c.system_id == system.c.id).correlate(system),
        select(events.c.source_id).select_from(events.join(event_systems, event_systems.c.event_id == events.c.id))
        .where(event_systems.c.system_id == system.c.id).correlate(system),
        select(relations.c.source_id).where(outgoing | (relations.c.object_id == system.c.id)).correlate(system))
    cited = cited.subquery("cited")
    source_row = select(json_array(sources.c.title, sources.c.published, sources.c.published_precision)) \
        .where(sources.c.id == cited.c.source_id).scalar_subquery()  # by primary key: a join may hash every source
    source_rows = select(json_object_of(cited.c.source_id, embedded(source_row))) \
        .where(cited.c.source_id.is_not(None))
    # Columns, each list a JSON text: one document would have the database parse every list again to embed it.
    lists = {"aliases": alias_rows, "claims": claim_rows, "events": event_rows, "relations": relation_rows,
             "curated": curated_rows, "sources": source_rows}
    _LISTS.update(lists)
    return select(system.c.id, system.c.slug, system.c.name, system.c.country,
                  derived("category").label("category"), derived("fuel").label("fuel"),
                  *(as_text(rows.scalar_subquery()).label(kind) for kind, rows in lists.items())) \
        .where(system.c.id == _named_system_id())


_DETAIL = _detail_statement()


def system_detail(engine: Engine, name: str) -> SystemDetail:
    """Everything about one system (the analyst's most frequent lookup), in one query."""
    with one_statement(engine).connect() as connection:
        row = connection.execute(_DETAIL, _named(name)).one_or_none()
        if row is None:
            with read_session(engine) as session:
                raise SystemNotFound(name, suggest(session, name))
    document = {key: json.loads(value) if key in _LISTS else value for key, value in row._mapping.items()}
    cited = document.pop("sources")
    for kind in ("claims", "events", "relations"):
        document[kind] = _objects(kind, document[kind])
        for record in document[kind]:
            source = cited[str(record["source_id"])] if record["source_id"] is not None else (None, None, None)
            record["source_title"], record["source_published"], record["source_precision"] = source
    for event in document["events"]:
        event["observations"] = _objects("observations", event["observations"])
    detail = SystemDetail.model_validate(document)
    detail.curated = sorted({action.removeprefix("set_") for action in detail.curated})
    # JSON aggregates keep no order on SQLite before 3.44: order here, as the lookup promises.
    detail.aliases.sort(key=lambda a: a.id)
    detail.claims.sort(key=lambda c: (c.attribute, c.id))
    detail.events.sort(key=lambda e: (e.date is None, e.date or dt.date.min, e.id))
    for event in detail.events:
        event.observations.sort(key=lambda o: o.id)
    detail.relations.sort(key=lambda r: r.id)
    return detail
