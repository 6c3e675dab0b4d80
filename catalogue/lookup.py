"""Finding a system by any of its names, and everything the catalogue holds about it."""

import difflib

from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

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


def system_detail(engine: Engine, name: str) -> SystemDetail:
    with session_scope(engine) as session:
        system = resolve_system(session, name)
        return _detail(session, system)


def _detail(session: Session, system: System) -> SystemDetail:
    overview = session.execute(text("SELECT category, fuel FROM system_overview WHERE system_id = :id"),
                               {"id": system.id}).one_or_none()
    aliases = [AliasView(name=a.name, kind=a.kind)
               for a in session.scalars(select(Alias).where(Alias.system_id == system.id).order_by(Alias.id))]
    # Core rows and model_construct: a system may have thousands of claims, all read from our own tables.
    claim_rows = session.connection().execute(
        select(Claim.id, Claim.attribute, Claim.value, Claim.unit, Claim.claimant, Claim.quote, Claim.start,
               Claim.end, Claim.status, Claim.extractor, Claim.extractor_version, Claim.source_id,
               Source.title.label("source_title"), Source.published.label("source_published"))
        .outerjoin(Source, Source.id == Claim.source_id)
        .where(Claim.system_id == system.id).order_by(Claim.attribute, Claim.id)).mappings().all()
    claims = [ClaimView.model_construct(**{**row, "extractor": f"{row['extractor']}@{row['extractor_version']}"})
              for row in claim_rows]
    events = [
        EventView(id=e.id, kind=e.kind, date=e.date, date_precision=e.date_precision, location=e.location,
                  claimant=e.claimant, quote=e.quote, source_id=e.source_id, source_title=title)
        for e, title in session.execute(
            select(Event, Source.title).join(event_systems, event_systems.c.event_id == Event.id)
            .join(Source, Source.id == Event.source_id).where(event_systems.c.system_id == system.id))
    ]
    events.sort(key=lambda e: (e.date is None, e.date or 0, e.id))
    relations = []
    for relation, title in session.execute(
            select(Relation, Source.title).join(Source, Source.id == Relation.source_id)
            .where((Relation.subject_id == system.id) | (Relation.object_id == system.id)).order_by(Relation.id)):
        outgoing = relation.subject_id == system.id
        other = session.get(System, relation.object_id if outgoing else relation.subject_id)
        relations.append(RelationView(
            kind=relation.kind, direction="outgoing" if outgoing else "incoming", other=other.name,
            claimant=relation.claimant, quote=relation.quote, start=relation.start, end=relation.end,
            source_id=relation.source_id, source_title=title,
            extractor=f"{relation.extractor}@{relation.extractor_version}"))
    return SystemDetail(
        id=system.id, slug=system.slug, name=system.name, country=system.country,
        category=overview.category if overview else None, fuel=overview.fuel if overview else None,
        aliases=aliases, claims=claims, events=events, relations=relations,
    )
