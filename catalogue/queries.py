"""Read-only lookups, each a typed function returning Pydantic models."""

import datetime as dt
from typing import get_args

from pydantic import BaseModel
from sqlalchemy import Engine, text

from catalogue.db import is_valid_id
from catalogue.errors import CatalogueError
from catalogue.extract.rules import CATEGORIES, Fuel
from catalogue.units import format_number


class SystemRow(BaseModel):
    id: int
    slug: str
    name: str
    category: str | None
    fuel: str | None
    country: str | None
    claims: int
    sources: int
    first_seen: dt.date | None
    last_seen: dt.date | None


def known_value(what: str, given: str, known: "list[str] | tuple[str, ...]") -> str:
    """given as one of the known slugs: ICBM is icbm, "Cruise missile" is cruise_missile; else an error listing them."""
    slug = "_".join(given.casefold().replace("-", " ").split())
    if slug not in known:
        raise CatalogueError(f"unknown {what} {given!r}; use one of: {', '.join(known)}")
    return slug


def list_systems(engine: Engine, category: str | None = None, country: str | None = None, fuel: str | None = None,
                 source_id: int | None = None) -> list[SystemRow]:
    """Systems from the system_overview view, filtered (ignoring case; an unknown category or fuel is
    refused, naming the known ones); names sorted case-insensitively."""
    clauses, params = [], {}
    if category:
        clauses.append("o.category = :category")
        params["category"] = known_value("category", category, CATEGORIES)
    if fuel:
        clauses.append("o.fuel = :fuel")
        params["fuel"] = known_value("fuel", fuel, get_args(Fuel))
    if country:
        clauses.append("LOWER(o.country) = LOWER(:country)")
        params["country"] = country
    if source_id is not None:
        if not is_valid_id(source_id):
            return []
        clauses.append("EXISTS (SELECT 1 FROM mentions m WHERE m.system_id = o.system_id AND m.source_id = :source)")
        params["source"] = source_id
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    sql = text(
        "SELECT o.system_id AS id, o.slug, o.name, o.category, o.fuel, o.country, o.claim_count AS claims, "
        f"o.source_count AS sources, o.first_seen, o.last_seen FROM system_overview o {where} "
        "ORDER BY LOWER(o.name)"
    )
    with engine.connect() as connection:
        return [SystemRow.model_validate(dict(row)) for row in connection.execute(sql, params).mappings()]


# --- one system ---
class ClaimView(BaseModel):
    id: int
    attribute: str
    value: str
    unit: str | None
    stated: str | None
    claimant: str | None
    quote: str | None
    start: int | None
    end: int | None
    status: str
    extractor: str
    source_id: int | None
    source_title: str | None
    source_published: dt.date | None
    source_precision: str | None


class ObservationView(BaseModel):
    id: int
    attribute: str
    value: str
    value_number: float | None
    unit: str | None
    stated: str | None
    claimant: str | None
    quote: str
    start: int
    end: int

    def summary(self) -> str:
        """'flew 1,000 km (about 1,000 kilometers)': the normalised value, then the words as written."""
        value = self.value
        if self.value_number is not None and value == format_number(self.value_number):
            value = f"{self.value_number:,.10g}"  # thousands separated: 18,000
        value = f"Mach {value}" if self.unit == "mach" else f"{value} {self.unit}" if self.unit else value
        said = f" ({self.stated})" if self.stated and self.stated != value else ""
        return f"{OBSERVATION_LABELS.get(self.attribute, self.attribute)} {value}{said}"


OBSERVATION_LABELS = {"distance_flown": "flew", "apogee": "apogee", "flight_time": "flight time", "speed": "speed"}


class EventView(BaseModel):
    id: int
    kind: str
    date: dt.date | None
    date_precision: str | None
    location: str | None
    claimant: str | None
    quote: str
    source_id: int
    source_title: str | None
    source_published: dt.date | None
    source_precision: str | None
    observations: list[ObservationView]

    def observed(self) -> str:
        return "; ".join(observation.summary() for observation in self.observations)


class RelationView(BaseModel):
    id: int
    kind: str
    direction: str  # "outgoing": this system → other; "incoming": other → this system
    other: str
    claimant: str | None
    quote: str
    start: int
    end: int
    source_id: int
    source_title: str | None
    source_published: dt.date | None
    source_precision: str | None
    extractor: str


class AliasView(BaseModel):
    id: int
    name: str
    kind: str


class SystemDetail(BaseModel):
    id: int
    slug: str
    name: str
    country: str | None
    category: str | None
    fuel: str | None
    aliases: list[AliasView]
    claims: list[ClaimView]
    events: list[EventView]
    relations: list[RelationView]
    curated: list[str] = []  # attributes an analyst set (catalogue set): category, country

    def claims_for(self, attribute: str) -> list[ClaimView]:
        return [c for c in self.claims if c.attribute == attribute]

    def conflicting(self, attribute: str) -> bool:
        live = {c.value for c in self.claims_for(attribute) if c.status not in ("retracted", "disputed")}
        return len(live) > 1


# --- sources ---
class SourceRow(BaseModel):
    id: int
    title: str | None
    publisher: str | None
    url: str | None
    published: dt.date | None
    published_precision: str | None
    language: str | None
    sha256: str
    imported_at: dt.datetime
    extractor_version: str
    origin: str | None
    fetched_at: dt.datetime | None = None  # fetched from the web: url is then the final URL
    previous_id: int | None = None  # the earlier version of the same page
    systems: list[str]


class SourceDetail(SourceRow):
    characters: int
    claims: int
    events: int


def list_sources(engine: Engine, source_id: int | None = None) -> list[SourceRow]:
    where = "WHERE src.id = :id" if source_id is not None else ""
    sql = text(
        "SELECT src.id, src.title, src.publisher, src.url, src.published, src.published_precision, src.language, "
        "src.sha256, src.imported_at, src.extractor_version, src.origin, src.fetched_at, src.previous_id "
        "FROM sources src "
        f"{where} ORDER BY src.id"
    )
    names = text("SELECT DISTINCT m.source_id, s.name FROM mentions m JOIN systems s ON s.id = m.system_id "
                 + ("WHERE m.source_id = :id " if source_id is not None else "") + "ORDER BY s.name")
    with engine.connect() as connection:
        params = {"id": source_id}
        systems: dict[int, list[str]] = {}
        for row in connection.execute(names, params):
            systems.setdefault(row.source_id, []).append(row.name)
        return [SourceRow.model_validate({**row, "systems": systems.get(row["id"], [])})
                for row in connection.execute(sql, params).mappings()]


def source_detail(engine: Engine, source_id: int) -> SourceDetail:
    from catalogue.errors import NotFoundError

    rows = list_sources(engine, source_id) if is_valid_id(source_id) else []
    if not rows:
        raise NotFoundError(f"no source with id {source_id}")
    with engine.connect() as connection:
        counts = connection.execute(text(
            "SELECT (SELECT COUNT(*) FROM claims WHERE source_id = :id) AS claims, "
            "(SELECT COUNT(*) FROM events WHERE source_id = :id) AS events, "
            "(SELECT LENGTH(text) FROM sources WHERE id = :id) AS characters"), {"id": source_id}).mappings().one()
    return SourceDetail(**rows[0].model_dump(), **counts)
