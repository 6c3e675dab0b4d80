"""Lookups for browsing the catalogue (the web view, `catalogue serve`): systems with facets, claims by who made
them, one system's claims grouped by what they say, one source's text with every extracted span. Typed functions
returning Pydantic models, as the other lookups; the rows keep the shapes of `systems --json` and the export."""

import datetime as dt
from collections import Counter
from typing import Literal, get_args

from pydantic import BaseModel
from sqlalchemy import Engine, bindparam, text

from catalogue.db import is_valid_id, one_statement, read_session
from catalogue.extract.normalize import fold
from catalogue.extract.rules import CATEGORIES, Fuel
from catalogue.lookup import resolve_system, system_detail
from catalogue.queries import ClaimView, SourceDetail, SystemDetail, SystemRow, known_value, source_detail
from catalogue.schemas import ClaimOut

# Attributes a system has one value of: two live values of one of them conflict. A system has many capabilities
# and statuses, so different ones do not conflict.
SINGLE_VALUED = ("category", "fuel", "range", "range_min", "speed", "payload", "warhead_weight", "launch_weight",
                 "length", "warheads", "stages")
LIVE = "c.status NOT IN ('retracted', 'disputed')"  # what decides a system's values (system_overview's rule)
SORTS = ("name", "category", "fuel", "country", "claims", "sources", "first_seen", "last_seen")
PAGE = 100


def _like(value: str) -> str:
    """A LIKE pattern matching value anywhere, its own % and _ taken literally (ESCAPE '!')."""
    return "%" + value.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%"


# --- systems -------------------------------------------------------------------------------------------------------


class SystemListRow(SystemRow):
    conflicting: bool  # two live claims of one single-valued attribute (SINGLE_VALUED) disagree


class FacetCount(BaseModel):
    value: str | None  # None: not known ("-" in tables)
    count: int


class SystemFilters(BaseModel):
    q: str | None = None  # part of any name or alias, folded as lookups fold names
    category: str | None = None
    country: str | None = None
    fuel: str | None = None
    conflicting: bool | None = None
    sort: Literal["name", "category", "fuel", "country", "claims", "sources", "first_seen", "last_seen"] = "name"
    descending: bool = False
    offset: int = 0
    limit: int = PAGE


class SystemList(BaseModel):
    filters: SystemFilters
    total: int  # systems matching the filters; `systems` is one page of them
    systems: list[SystemListRow]
    facets: dict[str, list[FacetCount]]  # category, country, fuel, conflicting: over the systems matching


# Systems with two live values of one single-valued attribute, in one pass over those claims: a grouped scan costs
# a third of a per-system test on PostgreSQL when every system is listed. A short list tests only its own systems.
_CONFLICTED = f"""SELECT DISTINCT c.system_id FROM claims c
    WHERE c.attribute IN ({", ".join(f"'{a}'" for a in SINGLE_VALUED)}) AND {LIVE} {{only}}
    GROUP BY c.system_id, c.attribute HAVING MIN(c.value) <> MAX(c.value)"""
SHORT_LIST = 500


def browse_systems(engine: Engine, filters: SystemFilters | None = None) -> SystemList:
    """Systems matching the filters, one page sorted as asked, with the counts of each facet's values among all
    the systems matching (system_overview holds the derived values)."""
    filters = filters or SystemFilters()
    clauses, params = [], {}
    if filters.q and filters.q.strip():
        clauses.append("(EXISTS (SELECT 1 FROM aliases a WHERE a.system_id = o.system_id "
                       "AND a.normalized LIKE :key ESCAPE '!') OR LOWER(o.name) LIKE :words ESCAPE '!')")
        params.update(key=_like(fold(filters.q)), words=_like(filters.q.strip().lower()))
    if filters.category:
        clauses.append("o.category = :category")
        params["category"] = known_value("category", filters.category, CATEGORIES)
    if filters.fuel:
        clauses.append("o.fuel = :fuel")
        params["fuel"] = known_value("fuel", filters.fuel, get_args(Fuel))
    if filters.country:
        clauses.append("LOWER(o.country) = LOWER(:country)")
        params["country"] = filters.country
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    sql = text(
        "SELECT o.system_id AS id, o.slug, o.name, o.category, o.fuel, o.country, o.claim_count AS claims, "
        f"o.source_count AS sources, o.first_seen, o.last_seen FROM system_overview o {where}")
    with one_statement(engine).connect() as connection:
        found = [dict(row) for row in connection.execute(sql, params).mappings()]
        ids = [row["id"] for row in found]
        if len(ids) <= SHORT_LIST:
            conflicted = text(_CONFLICTED.format(only="AND c.system_id IN :ids")).bindparams(
                bindparam("ids", expanding=True))
            conflicted_ids = set(connection.execute(conflicted, {"ids": ids}).scalars()) if ids else set()
        else:
            conflicted_ids = set(connection.execute(text(_CONFLICTED.format(only=""))).scalars())
    rows = [SystemListRow(**row, conflicting=row["id"] in conflicted_ids) for row in found]
    if filters.conflicting is not None:
        rows = [row for row in rows if row.conflicting == filters.conflicting]
    # Facets and order here: the view computes each system's values once, for every use of them.
    facets = {name: _facet(getattr(row, name) for row in rows) for name in ("category", "country", "fuel")}
    facets["conflicting"] = _facet("yes" if row.conflicting else "no" for row in rows)
    rows.sort(key=lambda row: (row.name.casefold(), row.id))
    if filters.sort != "name":
        known = [row for row in rows if getattr(row, filters.sort) is not None]
        known.sort(key=lambda row: getattr(row, filters.sort), reverse=filters.descending)
        rows = known + [row for row in rows if getattr(row, filters.sort) is None]  # unknown last, either way
    elif filters.descending:
        rows.reverse()
    start = max(0, filters.offset)
    return SystemList(filters=filters, total=len(rows), systems=rows[start:start + max(1, filters.limit)],
                      facets=facets)


def _facet(values) -> list[FacetCount]:
    counts = Counter(values)
    return [FacetCount(value=value, count=count)
            for value, count in sorted(counts.items(), key=lambda item: (-item[1], item[0] is None, item[0] or ""))]


# --- one system ----------------------------------------------------------------------------------------------------


class ValueGroup(BaseModel):
    value: str
    unit: str | None
    live: bool  # some claim of this value is neither disputed nor retracted
    claims: list[ClaimView]


class AttributeGroup(BaseModel):
    attribute: str
    conflicting: bool  # a single-valued attribute with more than one live value: shown side by side
    values: list[ValueGroup]


class SystemPage(BaseModel):
    detail: SystemDetail
    groups: list[AttributeGroup]  # category and fuel first, then the other attributes in the detail's order
    event_spans: dict[int, tuple[int, int]]  # event id: its quote's offsets, to link to it in its source


def system_page(engine: Engine, name: str) -> SystemPage:
    """One system (by any name, as `show`) with its claims grouped by attribute and value."""
    detail = system_detail(engine, name)
    attributes = ["category", "fuel", *dict.fromkeys(c.attribute for c in detail.claims)]
    groups = [group for group in (claim_groups(detail, a) for a in dict.fromkeys(attributes)) if group.values]
    spans = text("SELECT e.id, e.start, e.\"end\" FROM events e JOIN event_systems es ON es.event_id = e.id "
                 "WHERE es.system_id = :id")
    with one_statement(engine).connect() as connection:
        event_spans = {row.id: (row.start, row.end) for row in connection.execute(spans, {"id": detail.id})}
    return SystemPage(detail=detail, groups=groups, event_spans=event_spans)


def claim_groups(detail: SystemDetail, attribute: str) -> AttributeGroup:
    """The claims of one attribute by value (value and unit), the best-supported values first."""
    by_value: dict[tuple[str, str | None], list[ClaimView]] = {}
    for claim in detail.claims_for(attribute):
        by_value.setdefault((claim.value, claim.unit), []).append(claim)
    best = getattr(detail, attribute, None) if attribute in ("category", "fuel") else None

    def live(claims: list[ClaimView]) -> list[ClaimView]:
        return [c for c in claims if c.status not in ("retracted", "disputed")]

    values = [ValueGroup(value=value, unit=unit, live=bool(live(claims)), claims=claims)
              for (value, unit), claims in by_value.items()]
    values.sort(key=lambda g: (g.value != best, not g.live,
                               -sum(c.status == "confirmed" for c in g.claims), -len(live(g.claims))))
    conflicting = attribute in SINGLE_VALUED and len({g.value for g in values if g.live}) > 1
    return AttributeGroup(attribute=attribute, conflicting=conflicting, values=values)


# --- claims --------------------------------------------------------------------------------------------------------


class ClaimRow(ClaimOut):
    """A claim as the export writes it, with its system and its source's title and date."""

    system_id: int
    system: str
    system_slug: str
    source_title: str | None
    source_published: dt.date | None
    source_precision: str | None


class ClaimFilters(BaseModel):
    claimant: str | None = None  # part of the claimant, any case: "kcna" finds "North Korea's KCNA"
    attribute: str | None = None
    system: str | None = None  # any name of the system, as `show` takes it
    source_id: int | None = None
    status: Literal["claimed", "confirmed", "disputed", "retracted"] | None = None
    offset: int = 0
    limit: int = PAGE


class ClaimList(BaseModel):
    filters: ClaimFilters
    system_name: str | None  # the system the filter named, by its canonical name
    claims: list[ClaimRow]  # newest first
    more: bool  # another page follows


def browse_claims(engine: Engine, filters: ClaimFilters | None = None) -> ClaimList:
    """Claims matching every filter given, newest first, one page."""
    filters = filters or ClaimFilters()
    clauses, params = [], {}
    system_name = None
    if filters.system and filters.system.strip():
        with read_session(engine) as session:
            system = resolve_system(session, filters.system)  # unknown: "did you mean"
            system_name, params["system"] = system.name, system.id
        clauses.append("c.system_id = :system")
    if filters.claimant and filters.claimant.strip():
        clauses.append("LOWER(c.claimant) LIKE :claimant ESCAPE '!'")
        params["claimant"] = _like(filters.claimant.strip().lower())
    if filters.attribute and filters.attribute.strip():
        clauses.append("c.attribute = :attribute")
        params["attribute"] = "_".join(filters.attribute.casefold().split())
    if filters.source_id is not None:
        clauses.append("c.source_id = :source")
        params["source"] = filters.source_id if is_valid_id(filters.source_id) else 0
    if filters.status:
        clauses.append("c.status = :status")
        params["status"] = filters.status
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    limit = max(1, filters.limit)
    sql = text(
        "SELECT c.id, c.status, c.attribute, c.value, c.unit, c.quote, c.start, c.\"end\", c.claimant, c.source_id, "
        "c.extractor || '@' || c.extractor_version AS extractor, c.stated, s.id AS system_id, s.name AS system, "
        "s.slug AS system_slug, src.title AS source_title, src.published AS source_published, "
        "src.published_precision AS source_precision "
        "FROM claims c JOIN systems s ON s.id = c.system_id LEFT JOIN sources src ON src.id = c.source_id "
        f"{where} ORDER BY c.id DESC LIMIT :limit OFFSET :offset")
    params.update(limit=limit + 1, offset=max(0, filters.offset))  # one more: is there a next page?
    with one_statement(engine).connect() as connection:
        rows = [ClaimRow.model_validate(dict(row)) for row in connection.execute(sql, params).mappings()]
    return ClaimList(filters=filters, system_name=system_name, claims=rows[:limit], more=len(rows) > limit)


# --- one source ----------------------------------------------------------------------------------------------------


class SpanRecord(BaseModel):
    """One extracted record's place in its source's text: text[start:end] is its quote (a mention: the name)."""

    kind: Literal["claim", "event", "observation", "relation", "mention"]
    id: int
    event_id: int | None  # an event's own id; an observation's event
    start: int
    end: int
    system_id: int  # the system it is about (an event or observation: one record per system involved)
    system: str
    system_slug: str
    attribute: str | None  # a claim's or observation's attribute, an event's kind, a relation's kind
    value: str | None  # a claim's value, an event's location, a relation's other system, a mention's words
    unit: str | None
    claimant: str | None
    status: str | None  # a claim's curation status


class SourcePage(SourceDetail):
    """`source --json` with the stored text and every extracted span in it, in the order of the text."""

    text: str
    spans: list[SpanRecord]


_NONE_INT, _NONE_TEXT = "CAST(NULL AS INTEGER)", "CAST(NULL AS VARCHAR(20))"
_SPANS = f"""
SELECT 'claim' AS kind, c.id, {_NONE_INT} AS event_id, c.start, c."end", s.id AS system_id, s.name AS system,
       s.slug AS system_slug, c.attribute, c.value, c.unit, c.claimant, c.status
FROM claims c JOIN systems s ON s.id = c.system_id WHERE c.source_id = :id AND c.start IS NOT NULL
UNION ALL
SELECT 'event', e.id, e.id, e.start, e."end", s.id, s.name, s.slug, e.kind, e.location, {_NONE_TEXT}, e.claimant,
       {_NONE_TEXT}
FROM events e JOIN event_systems es ON es.event_id = e.id JOIN systems s ON s.id = es.system_id WHERE e.source_id = :id
UNION ALL
SELECT 'observation', o.id, o.event_id, o.start, o."end", s.id, s.name, s.slug, o.attribute, o.value, o.unit,
       o.claimant, {_NONE_TEXT}
FROM observations o JOIN event_systems es ON es.event_id = o.event_id JOIN systems s ON s.id = es.system_id
WHERE o.source_id = :id
UNION ALL
SELECT 'relation', r.id, {_NONE_INT}, r.start, r."end", s.id, s.name, s.slug, r.kind, other.name, {_NONE_TEXT},
       r.claimant, {_NONE_TEXT}
FROM relations r JOIN systems s ON s.id = r.subject_id JOIN systems other ON other.id = r.object_id
WHERE r.source_id = :id
UNION ALL
SELECT 'mention', m.id, {_NONE_INT}, m.start, m."end", s.id, s.name, s.slug, {_NONE_TEXT}, m.surface, {_NONE_TEXT},
       {_NONE_TEXT}, {_NONE_TEXT}
FROM mentions m JOIN systems s ON s.id = m.system_id WHERE m.source_id = :id
"""
_KIND_ORDER = {"claim": 0, "relation": 1, "event": 2, "observation": 3, "mention": 4}


def source_page(engine: Engine, source_id: int) -> SourcePage:
    """One source: its metadata, its stored text, and every claim, event, observation, relation and mention with
    the offsets of its words in that text."""
    detail = source_detail(engine, source_id)  # unknown: NotFoundError
    with one_statement(engine).connect() as connection:
        stored = connection.execute(text("SELECT text FROM sources WHERE id = :id"), {"id": source_id}).scalar_one()
        spans = [SpanRecord.model_validate(dict(row))
                 for row in connection.execute(text(_SPANS), {"id": source_id}).mappings()]
    spans.sort(key=lambda s: (s.start, -s.end, _KIND_ORDER[s.kind], s.id, s.system))
    return SourcePage(**detail.model_dump(), text=stored, spans=spans)
