"""Full-text search over claims and source texts: SQLite FTS5, PostgreSQL stored tsvectors (migrations 0002, 0003)."""

import datetime as dt
import re

from pydantic import BaseModel
from sqlalchemy import Engine, text

from catalogue.errors import CatalogueError

MARK_START, MARK_END = "[[", "]]"


class SearchHit(BaseModel):
    kind: str  # claim or source
    score: float  # higher is better, comparable within one engine
    snippet: str  # matches between [[ and ]]
    source_id: int | None
    source_title: str | None
    source_published: dt.date | None = None
    source_precision: str | None = None
    system: str | None = None
    attribute: str | None = None
    value: str | None = None
    claimant: str | None = None


_SQLITE_CLAIMS = f"""
SELECT 'claim' AS kind, -bm25(fts_claims) AS score,
       snippet(fts_claims, -1, '{MARK_START}', '{MARK_END}', '…', 24) AS snippet,
       c.source_id, src.title AS source_title, src.published AS source_published,
       src.published_precision AS source_precision, s.name AS system, c.attribute, c.value, c.claimant
FROM fts_claims JOIN claims c ON c.id = fts_claims.rowid JOIN systems s ON s.id = c.system_id
LEFT JOIN sources src ON src.id = c.source_id
WHERE fts_claims MATCH :query ORDER BY bm25(fts_claims) LIMIT :limit
"""
_SQLITE_SOURCES = f"""
SELECT 'source' AS kind, -bm25(fts_sources) AS score,
       snippet(fts_sources, 1, '{MARK_START}', '{MARK_END}', '…', 24) AS snippet,
       src.id AS source_id, src.title AS source_title, src.published AS source_published,
       src.published_precision AS source_precision
FROM fts_sources JOIN sources src ON src.id = fts_sources.rowid
WHERE fts_sources MATCH :query ORDER BY bm25(fts_sources) LIMIT :limit
"""
_HEADLINE = f"'StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=35, MinWords=12, ShortWord=2'"
_POSTGRES_CLAIMS = f"""
SELECT 'claim' AS kind, ts_rank(c.fts_document, q) AS score,
       ts_headline('english', coalesce(c.quote, c.value), q, {_HEADLINE}) AS snippet,
       c.source_id, src.title AS source_title, src.published AS source_published,
       src.published_precision AS source_precision, s.name AS system, c.attribute, c.value, c.claimant
FROM claims c JOIN systems s ON s.id = c.system_id LEFT JOIN sources src ON src.id = c.source_id,
     websearch_to_tsquery('english', :query) q
WHERE c.fts_document @@ q
ORDER BY score DESC, c.id LIMIT :limit
"""
_POSTGRES_SOURCES = f"""
SELECT 'source' AS kind, ts_rank(src.fts_document, q) AS score,
       ts_headline('english', src.text, q, {_HEADLINE}) AS snippet,
       src.id AS source_id, src.title AS source_title, src.published AS source_published,
       src.published_precision AS source_precision
FROM sources src, websearch_to_tsquery('english', :query) q
WHERE src.fts_document @@ q
ORDER BY score DESC, src.id LIMIT :limit
"""


def search(engine: Engine, query: str, limit: int = 20) -> list[SearchHit]:
    """Claims first-class, then sources, each ranked by the engine's relevance."""
    words = re.findall(r"\w+", query)
    if not words:
        raise CatalogueError("search: give at least one word to look for")
    if engine.dialect.name == "sqlite":
        statements, phrase = (_SQLITE_CLAIMS, _SQLITE_SOURCES), " ".join(f'"{w}"' for w in words)
    else:
        statements, phrase = (_POSTGRES_CLAIMS, _POSTGRES_SOURCES), " ".join(words)
    hits: list[SearchHit] = []
    with engine.connect() as connection:
        for statement in statements:
            rows = connection.execute(text(statement), {"query": phrase, "limit": limit}).mappings()
            hits.extend(SearchHit.model_validate({**row, "snippet": " ".join(row["snippet"].split())})
                        for row in rows)
    return hits
