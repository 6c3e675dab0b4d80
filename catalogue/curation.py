"""Corrections by analysts: add an alias, rename, merge two systems, set a system's category or country,
confirm/dispute/retract a claim.

Every action is recorded in `curations` (what, when, who) and survives re-extraction: aliases and
merges live in the alias table that resolves every later import, and claim statuses are re-applied
to the re-extracted claims by their source, attribute, value and offset.
"""

import getpass
import os

from pydantic import BaseModel
from sqlalchemy import Engine, delete, exists, select, update
from sqlalchemy.orm import Session, aliased

from catalogue.db import is_valid_id, session_scope
from catalogue.errors import CatalogueError, NotFoundError
from catalogue.extract.normalize import fold
from catalogue.lookup import resolve_system
from catalogue.models import (
    CLAIM_STATUSES,
    Alias,
    Claim,
    Curation,
    Mention,
    Relation,
    System,
    event_systems,
)

ACTOR_ENV = "CATALOGUE_USER"


class CurationResult(BaseModel):
    curation_id: int | None  # None: nothing to change, nothing recorded
    action: str
    system: str | None
    detail: str


NAME_LENGTH = Alias.__table__.c.name.type.length
ACTOR_LENGTH = Curation.__table__.c.actor.type.length


def actor() -> str:
    try:
        name = os.environ.get(ACTOR_ENV) or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
    if len(name) > ACTOR_LENGTH:
        raise CatalogueError(f"${ACTOR_ENV}: a user name has at most {ACTOR_LENGTH} characters, not {len(name)}")
    return name


def _checked_name(command: str, name: str) -> str:
    """A name a curation may give: some letters or digits, no longer than the name columns."""
    if not fold(name):
        raise CatalogueError(f"{command}: the name needs letters or digits")
    if len(name) > NAME_LENGTH:
        raise CatalogueError(f"{command}: a name has at most {NAME_LENGTH} characters, not {len(name)}")
    return fold(name)


def _record(session: Session, **values) -> Curation:
    curation = Curation(actor=actor(), **values)
    session.add(curation)
    session.flush()
    return curation


def add_alias(engine: Engine, system_name: str, alias: str, note: str | None = None) -> CurationResult:
    key = _checked_name("alias add", alias)
    with session_scope(engine) as session:
        system = resolve_system(session, system_name)
        owner = session.scalar(select(Alias.system_id).where(Alias.normalized == key))
        if owner is not None and owner != system.id:
            other = session.get(System, owner)
            raise CatalogueError(f"alias add: {alias!r} already names {other.name}; use merge to join them")
        if owner is not None:  # already this system's name: a second curation would record nothing new
            return CurationResult(curation_id=None, action="alias_add", system=system.name,
                                  detail=f"{alias} already names {system.name}; nothing recorded")
        session.add(Alias(system_id=system.id, name=alias, normalized=key, kind="name"))
        curation = _record(session, action="alias_add", system_id=system.id, new_value=alias, note=note)
        return CurationResult(curation_id=curation.id, action="alias_add", system=system.name,
                              detail=f"{alias} now names {system.name}")


def rename(engine: Engine, system_name: str, new_name: str, note: str | None = None) -> CurationResult:
    key = _checked_name("rename", new_name)
    with session_scope(engine) as session:
        system = resolve_system(session, system_name)
        owner = session.scalar(select(Alias.system_id).where(Alias.normalized == key))
        if owner is not None and owner != system.id:
            raise CatalogueError(f"rename: {new_name!r} already names {session.get(System, owner).name}")
        old = system.name
        system.name = new_name
        if owner is None:
            session.add(Alias(system_id=system.id, name=new_name, normalized=key, kind="name"))
        curation = _record(session, action="rename", system_id=system.id, old_value=old, new_value=new_name,
                           note=note)
        return CurationResult(curation_id=curation.id, action="rename", system=new_name,
                              detail=f"{old} renamed {new_name}")


def merge(engine: Engine, keep_name: str, other_name: str, note: str | None = None) -> CurationResult:
    """Move everything of OTHER onto KEEP; OTHER's names become KEEP's aliases."""
    with session_scope(engine) as session:
        keep, other = resolve_system(session, keep_name), resolve_system(session, other_name)
        if keep.id == other.id:
            raise CatalogueError(f"merge: {keep_name!r} and {other_name!r} are the same system")
        for name in (other.name, other.slug):
            key = fold(name)
            if session.scalar(select(Alias.id).where(Alias.normalized == key)) is None:
                session.add(Alias(system_id=keep.id, name=name, normalized=key, kind="name"))
        session.execute(update(Alias).where(Alias.system_id == other.id).values(system_id=keep.id))
        session.execute(update(Claim).where(Claim.system_id == other.id).values(system_id=keep.id))
        kept = aliased(Mention)
        session.execute(delete(Mention).where(Mention.system_id == other.id, exists().where(
            kept.system_id == keep.id, kept.source_id == Mention.source_id, kept.start == Mention.start)))
        session.execute(update(Mention).where(Mention.system_id == other.id).values(system_id=keep.id))
        kept_events = select(event_systems.c.event_id).where(event_systems.c.system_id == keep.id)
        session.execute(delete(event_systems).where(event_systems.c.system_id == other.id,
                                                    event_systems.c.event_id.in_(kept_events)))
        session.execute(update(event_systems).where(event_systems.c.system_id == other.id)
                        .values(system_id=keep.id))
        session.execute(update(Relation).where(Relation.subject_id == other.id).values(subject_id=keep.id))
        session.execute(update(Relation).where(Relation.object_id == other.id).values(object_id=keep.id))
        session.execute(delete(Relation).where(Relation.subject_id == Relation.object_id))
        session.execute(update(Curation).where(Curation.system_id == other.id).values(system_id=keep.id))
        if keep.country is None:
            keep.country = other.country
        if keep.category is None:
            keep.category = other.category
        merged_name = other.name
        session.delete(other)
        session.flush()
        curation = _record(session, action="merge", system_id=keep.id, old_value=merged_name, new_value=keep.name,
                           note=note)
        return CurationResult(curation_id=curation.id, action="merge", system=keep.name,
                              detail=f"{merged_name} merged into {keep.name}")


SETTABLE = ("category", "country")
COUNTRY_LENGTH = System.__table__.c.country.type.length


def set_attribute(engine: Engine, system_name: str, attribute: str, value: str,
                  note: str | None = None) -> CurationResult:
    """Set a system's category (a known one: ICBM is icbm) or country. Both live on the system row, which
    reextract leaves alone and imports fill only when empty, so the setting lasts; the category then is
    system_overview's category, over the claims."""
    from catalogue.extract.rules import CATEGORIES
    from catalogue.queries import known_value

    if attribute not in SETTABLE:
        raise CatalogueError(f"set: can set {' or '.join(SETTABLE)}, not {attribute!r}")
    if attribute == "category":
        value = known_value("category", value, CATEGORIES)
    else:
        value = " ".join(value.split())
        if not fold(value):
            raise CatalogueError("set: the country needs letters")
        if len(value) > COUNTRY_LENGTH:
            raise CatalogueError(f"set: a country has at most {COUNTRY_LENGTH} characters, not {len(value)}")
    with session_scope(engine) as session:
        system = resolve_system(session, system_name)
        old = getattr(system, attribute)
        setattr(system, attribute, value)
        curation = _record(session, action=f"set_{attribute}", system_id=system.id, old_value=old,
                           new_value=value, note=note)
        return CurationResult(curation_id=curation.id, action=f"set_{attribute}", system=system.name,
                              detail=f"{system.name}: {attribute} {old or '-'} → {value}")


def set_claim_status(engine: Engine, claim_id: int, status: str, note: str | None = None) -> CurationResult:
    if status not in CLAIM_STATUSES:
        raise CatalogueError(f"claim: status must be one of {', '.join(CLAIM_STATUSES)}")
    with session_scope(engine) as session:
        claim = session.get(Claim, claim_id) if is_valid_id(claim_id) else None
        if claim is None:
            raise NotFoundError(f"no claim with id {claim_id}")
        old = claim.status
        claim.status = status
        curation = _record(session, action="claim_status", system_id=claim.system_id, claim_id=claim.id,
                           source_id=claim.source_id, claim_attribute=claim.attribute, claim_value=claim.value,
                           claim_start=claim.start, old_value=old, new_value=status, note=note)
        system = session.get(System, claim.system_id)
        return CurationResult(curation_id=curation.id, action="claim_status", system=system.name,
                              detail=f"claim {claim_id} ({claim.attribute} {claim.value}) {old} → {status}")


def reapply_claim_statuses(session: Session, source_id: int) -> int:
    """After re-extraction of a source: set the curated statuses on the claims found again."""
    applied = 0
    curations = session.scalars(select(Curation).where(Curation.source_id == source_id,
                                                       Curation.action == "claim_status").order_by(Curation.id))
    for curation in curations:
        claim = session.scalar(select(Claim).where(
            Claim.source_id == source_id, Claim.attribute == curation.claim_attribute,
            Claim.value == curation.claim_value, Claim.start == curation.claim_start))
        if claim is not None:
            claim.status = curation.new_value
            curation.claim_id = claim.id
            applied += 1
    return applied
