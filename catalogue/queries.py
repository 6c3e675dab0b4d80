"""Read-only lookups, each a typed function returning Pydantic models."""

import datetime as dt

from pydantic import BaseModel
from sqlalchemy import Engine, text


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


def list_systems(engine: Engine, category: str | None = None, country: str | None = None, fuel: str | None = None,
                 source_id: int | None = None) -> list[SystemRow]:
    """Systems from the system_overview view, filtered; names sorted case-insensitively."""
    clauses, params = [], {}
    if category:
        clauses.append("o.category = :category")
        params["category"] = category
    if fuel:
        clauses.append("o.fuel = :fuel")
        params["fuel"] = fuel
    if country:
        clauses.append("LOWER(o.country) = LOWER(:country)")
        params["country"] = country
    if source_id is not None:
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
