"""Full-text search over claims and source texts: SQLite FTS5, PostgreSQL stored tsvectors (migrations 0002, 0003).

A query is words and "quoted phrases"; a hit has every word and every phrase (the phrase's words in order).
Each kind is ranked with a limit, so that a common word does not rank every match: the engine finds the
CANDIDATES most recently imported matches through its full-text index, newest first, stopping there, ranks
those and keeps the best `limit`. A query with fewer matches than CANDIDATES ranks them all; one with more
(a word found in most claims, "missile") ranks its CANDIDATES newest.

Ranking, best first, comparable within one query:
- SQLite claims: BM25's term-frequency part (k1 1.2, b 0.75): matches in the claim's value and quote, its
  length in words against the candidates' average. Not FTS5's bm25(): its inverse document frequency counts
  every row that holds each word before ranking the first (20 ms for "missile" at 1M claims, 65 ms for a
  phrase of two common words), whatever the limit. Claims are short: frequency and length rank them.
- SQLite sources: FTS5's bm25() (sources are about a fiftieth as many as claims: counting them is cheap).
- PostgreSQL: ts_rank() of the stored tsvectors (no document frequency either).
"""

import datetime as dt
import re

from pydantic import BaseModel
from sqlalchemy import Engine, text

from catalogue.errors import CatalogueError

MARK_START, MARK_END = "[[", "]]"
CANDIDATES = 200  # matches ranked per kind at most: the most recently imported ones
K1, B = 1.2, 0.75  # BM25's usual constants, FTS5's too


class SearchHit(BaseModel):
    kind: str  # claim or source
    score: float  # higher is better, comparable within one query's hits of one kind
    snippet: str  # matches between [[ and ]]
    source_id: int | None
    source_title: str | None
    source_published: dt.date | None = None
    source_precision: str | None = None
    system: str | None = None
    attribute: str | None = None
    value: str | None = None
    claimant: str | None = None


# The candidates: the newest matches through the FTS5 index (ORDER BY rowid DESC stops after :candidates).
# A match's instances are counted from highlight() (one \x01 before each), its words from its spaces.
_SQLITE_CLAIMS = f"""
WITH candidates AS MATERIALIZED (
    SELECT rowid AS id,
           length(coalesce(highlight(fts_claims, 0, char(1), ''), '')) - length(coalesce(value, ''))
         + length(coalesce(highlight(fts_claims, 1, char(1), ''), '')) - length(coalesce(quote, '')) AS found,
           length(value || ' ' || coalesce(quote, '')) - length(replace(value || ' ' || coalesce(quote, ''), ' ', ''))
         + 1 AS words
    FROM fts_claims WHERE fts_claims MATCH :query ORDER BY rowid DESC LIMIT :candidates),
best AS MATERIALIZED (
    SELECT id, found * {K1 + 1} / (found + {K1} * ({1 - B} + {B} * words / avg(words) OVER ())) AS score
    FROM candidates ORDER BY score DESC, id DESC LIMIT :limit)
SELECT 'claim' AS kind, best.score,
       snippet(fts_claims, -1, '{MARK_START}', '{MARK_END}', '…', 24) AS snippet,
       c.source_id, src.title AS source_title, src.published AS source_published,
       src.published_precision AS source_precision, s.name AS system, c.attribute, c.value, c.claimant
FROM best JOIN fts_claims ON fts_claims.rowid = best.id JOIN claims c ON c.id = best.id
JOIN systems s ON s.id = c.system_id LEFT JOIN sources src ON src.id = c.source_id
WHERE fts_claims MATCH :query ORDER BY best.score DESC, best.id DESC
"""
_SQLITE_SOURCES = f"""
WITH best AS MATERIALIZED (
    SELECT id, score FROM (
        SELECT rowid AS id, -bm25(fts_sources) AS score FROM fts_sources WHERE fts_sources MATCH :query
        ORDER BY rowid DESC LIMIT :candidates)
    ORDER BY score DESC, id DESC LIMIT :limit)
SELECT 'source' AS kind, best.score,
       snippet(fts_sources, 1, '{MARK_START}', '{MARK_END}', '…', 24) AS snippet,
       src.id AS source_id, src.title AS source_title, src.published AS source_published,
       src.published_precision AS source_precision
FROM best JOIN fts_sources ON fts_sources.rowid = best.id JOIN sources src ON src.id = best.id
WHERE fts_sources MATCH :query ORDER BY best.score DESC, best.id DESC
"""
_HEADLINE = f"'StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=35, MinWords=12, ShortWord=2'"
_QUERY = "websearch_to_tsquery('english', :query)"  # inline, so that the planner sees the words it estimates
# The planner picks per query: a rare word through the GIN index, a common one by reading the primary key
# backwards until :candidates rows match.
_POSTGRES_CLAIMS = f"""
WITH candidates AS MATERIALIZED (
    SELECT id, fts_document FROM claims WHERE fts_document @@ {_QUERY} ORDER BY id DESC LIMIT :candidates),
best AS MATERIALIZED (
    SELECT id, ts_rank(fts_document, {_QUERY}) AS score FROM candidates ORDER BY score DESC, id DESC LIMIT :limit)
SELECT 'claim' AS kind, best.score,
       ts_headline('english', coalesce(c.quote, c.value), {_QUERY}, {_HEADLINE}) AS snippet,
       c.source_id, src.title AS source_title, src.published AS source_published,
       src.published_precision AS source_precision, s.name AS system, c.attribute, c.value, c.claimant
FROM best JOIN claims c ON c.id = best.id JOIN systems s ON s.id = c.system_id
LEFT JOIN sources src ON src.id = c.source_id
ORDER BY best.score DESC, best.id DESC
"""
_POSTGRES_SOURCES = f"""
WITH candidates AS MATERIALIZED (
    SELECT id, fts_document FROM sources WHERE fts_document @@ {_QUERY} ORDER BY id DESC LIMIT :candidates),
best AS MATERIALIZED (
    SELECT id, ts_rank(fts_document, {_QUERY}) AS score FROM candidates ORDER BY score DESC, id DESC LIMIT :limit)
SELECT 'source' AS kind, best.score,
       ts_headline('english', src.text, {_QUERY}, {_HEADLINE}) AS snippet,
       src.id AS source_id, src.title AS source_title, src.published AS source_published,
       src.published_precision AS source_precision
FROM best JOIN sources src ON src.id = best.id
ORDER BY best.score DESC, best.id DESC
"""


def parse_query(query: str) -> list[list[str]]:
    """The words and phrases of a query: text between double quotes is a phrase (an unclosed quote runs to the
    end); punctuation separates words and is otherwise ignored."""
    terms = []
    for n, part in enumerate(query.split('"')):
        words = re.findall(r"\w+", part)
        if n % 2:  # inside quotes
            terms += [words] if words else []
        else:
            terms += [[word] for word in words]
    if not terms:
        raise CatalogueError("search: give at least one word to look for")
    return terms


def match_expression(terms: list[list[str]]) -> str:
    """Every term quoted: FTS5 reads "a b" as a phrase and "a" "b" as both words, as websearch_to_tsquery does,
    and no word is read as an operator (OR, NOT, NEAR)."""
    return " ".join('"' + " ".join(words) + '"' for words in terms)


def search(engine: Engine, query: str, limit: int = 20, candidates: int = CANDIDATES) -> list[SearchHit]:
    """Claims first, then sources: of each kind, the best `limit` hits among the `candidates` newest matches,
    best first."""
    expression = match_expression(parse_query(query))
    limit, candidates = max(0, limit), max(1, candidates, limit)
    postgres = engine.dialect.name == "postgresql"
    statements = (_POSTGRES_CLAIMS, _POSTGRES_SOURCES) if postgres else (_SQLITE_CLAIMS, _SQLITE_SOURCES)
    parameters = {"query": expression, "limit": limit, "candidates": candidates}
    hits: list[SearchHit] = []
    with engine.connect() as connection:
        if postgres:
            # A plan for these words, never a generic one: a plan made without them (as psycopg's prepared
            # statements get after a few calls) would read a common word through the GIN index, every match.
            connection.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
        for statement in statements:
            rows = connection.execute(text(statement), parameters).mappings()
            hits.extend(SearchHit.model_validate({**row, "snippet": " ".join(row["snippet"].split())})
                        for row in rows)
    return hits
