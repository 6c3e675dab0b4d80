"""Finding a system by any of its names, and everything the catalogue holds about it."""

import difflib

from pydantic import TypeAdapter
from sqlalchemy import Engine, case, column, select, table
from sqlalchemy.orm import Session, aliased

from catalogue.db import session_scope
from catalogue.errors import NotFoundError
from catalogue.extract.normalize import fold
from catalogue.models import Alias, Claim, Event, Relation, Source, System, event_systems
from catalogue.queries import AliasView, ClaimView, EventView, RelationView, SystemDetail


class SystemNotFound(NotFoundError):
    def __init__(self, name: str, suggestions: list[str]):
        self.suggestions = suggestions
        hint = f"; did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"no system named {name!r}{hint}")


def resolve_system(session: Session, name: str) -> System:
    """The system any alias names, insensitive to case, spaces, hyphens and transliteration."""
    key = fold(name)
    system = session.scalar(select(System).join(Alias, Alias.system_id == System.id)
                            .where(Alias.normalized == key)) if key else None
    if system is None:
        system = session.scalar(select(System).where(System.slug == name.strip().casefold()))
    if system is None:
        raise SystemNotFound(name, suggest(session, name))
    return system


def suggest(session: Session, name: str, limit: int = 5) -> list[str]:
    """Closest names by fuzzy matching over every alias, shown as the systems' canonical names."""
    rows = session.execute(select(Alias.normalized, System.name).join(System, System.id == Alias.system_id)).all()
    by_key = {key: system for key, system in rows}
    close = difflib.get_close_matches(fold(name), list(by_key), n=limit * 3, cutoff=0.6)
    return list(dict.fromkeys(by_key[key] for key in close))[:limit]


# One validation call for all of a system's claims: much faster than one model per row.
_CLAIMS = TypeAdapter(list[ClaimView])
_OVERVIEW = table("system_overview", column("system_id"), column("category"), column("fuel"))


def system_detail(engine: Engine, name: str) -> SystemDetail:
    """Everything about one system, in a few Core queries (this is the analyst's most frequent lookup)."""
    key = fold(name)
    systems, aliases = System.__table__, Alias.__table__
    columns = (systems.c.id, systems.c.slug, systems.c.name, systems.c.country)
    with engine.connect() as connection:
        row = connection.execute(select(*columns).join(aliases, aliases.c.system_id == systems.c.id)
                                 .where(aliases.c.normalized == key)).mappings().first() if key else None
        if row is None:
            row = connection.execute(select(*columns).where(systems.c.slug == name.strip().casefold())).mappings().first()
        if row is None:
            with session_scope(engine) as session:
                raise SystemNotFound(name, suggest(session, name))
        # Filtered by id, the view computes one row; joined, SQLite would compute it for every system.
        derived = connection.execute(select(_OVERVIEW.c.category, _OVERVIEW.c.fuel)
                                     .where(_OVERVIEW.c.system_id == row["id"])).mappings().first()
        return _detail(connection, {**row, **(derived or {"category": None, "fuel": None})})


def _detail(connection, system) -> SystemDetail:
    system_id = system["id"]
    aliases = [AliasView.model_construct(name=r.name, kind=r.kind) for r in connection.execute(
        select(Alias.name, Alias.kind).where(Alias.system_id == system_id).order_by(Alias.id))]
    # Core rows and model_construct: a system may have thousands of claims, all read from our own tables.
    claims = _CLAIMS.validate_python([{**r, "extractor": f"{r['extractor']}@{r['extractor_version']}"}
                                      for r in connection.execute(
        select(Claim.id, Claim.attribute, Claim.value, Claim.unit, Claim.claimant, Claim.quote, Claim.start,
               Claim.end, Claim.status, Claim.extractor, Claim.extractor_version, Claim.source_id,
               Source.title.label("source_title"), Source.published.label("source_published"))
        .outerjoin(Source, Source.id == Claim.source_id)
        .where(Claim.system_id == system_id).order_by(Claim.attribute, Claim.id)).mappings().all()])
    events = [EventView.model_construct(**r) for r in connection.execute(
        select(Event.id, Event.kind, Event.date, Event.date_precision, Event.location, Event.claimant, Event.quote,
               Event.source_id, Source.title.label("source_title"))
        .join(event_systems, event_systems.c.event_id == Event.id).join(Source, Source.id == Event.source_id)
        .where(event_systems.c.system_id == system_id)).mappings()]
    events.sort(key=lambda e: (e.date is None, e.date or 0, e.id))
    other = aliased(System)
    relations = []
    for r in connection.execute(
            select(Relation.kind, Relation.subject_id, Relation.claimant, Relation.quote, Relation.start, Relation.end,
                   Relation.source_id, Relation.extractor, Relation.extractor_version,
                   other.name.label("other"), Source.title.label("source_title"))
            .join(Source, Source.id == Relation.source_id)
            .join(other, other.id == case((Relation.subject_id == system_id, Relation.object_id),
                                          else_=Relation.subject_id))
            .where((Relation.subject_id == system_id) | (Relation.object_id == system_id))
            .order_by(Relation.id)).mappings():
        relations.append(RelationView.model_construct(
            kind=r["kind"], direction="outgoing" if r["subject_id"] == system_id else "incoming", other=r["other"],
            claimant=r["claimant"], quote=r["quote"], start=r["start"], end=r["end"], source_id=r["source_id"],
            source_title=r["source_title"], extractor=f"{r['extractor']}@{r['extractor_version']}"))
    return SystemDetail.model_construct(
        id=system_id, slug=system["slug"], name=system["name"], country=system["country"],
        category=system["category"], fuel=system["fuel"], aliases=aliases, claims=claims, events=events,
        relations=relations)
