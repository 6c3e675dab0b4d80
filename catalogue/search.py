"""Full-text search over claims and source texts: SQLite FTS5, PostgreSQL stored tsvectors (migrations 0002, 0003).

A query is words and "quoted phrases"; a hit holds every word and every phrase (its words next to each other,
in order). Each kind is ranked with a limit, so that a common word does not rank every match: the full-text
index gives the matches newest first and stops after `candidates` of them (CANDIDATES, 200); those are ranked
and the best `limit` kept. A query with fewer matches ranks them all; one with more ("missile", in most
claims) ranks its newest 200: what it shows is the best of the latest reporting, not of all of it.

Ranking, best first, comparable within one query's hits of one kind:
- SQLite claims: BM25's term-frequency part (k1 1.2, b 0.75): the matches in the claim's value and quote,
  counted by FTS5's highlight(), against its length in words relative to the candidates' average. Not FTS5's
  bm25(): its inverse document frequency counts every row holding each word before it ranks the first one
  (20 ms for "missile" at 1M claims, 65 ms for a phrase of two common words), whatever the limit.
- SQLite sources: FTS5's bm25() (sources are a few percent of the claims: counting the ones that hold each word
  took under 5 ms at 10,000 sources).
- PostgreSQL: ts_rank() of the stored tsvectors (term frequency, no document frequency either).
"""

import datetime as dt
import re

from pydantic import BaseModel
from sqlalchemy import Engine, text

from catalogue.errors import CatalogueError

MARK_START, MARK_END = "[[", "]]"
CANDIDATES = 200  # matches ranked per kind at most: the newest ones
SNIPPET_WORDS = 24
K1, B = 1.2, 0.75  # BM25's usual constants (FTS5's own)
_OPEN, _CLOSE = "\x01", "\x02"  # highlight() marks, made [[ ]] in snippets


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


# The candidates come from the FTS5 index newest first (ORDER BY rowid DESC stops after :candidates). A claim's
# matches are the \x01 marks highlight() puts before each; its words are its spaces plus one. The best keep their
# highlighted text, which makes their snippet: no second pass over the index.
_SQLITE_CLAIMS = f"""
WITH candidates AS MATERIALIZED (
    SELECT rowid AS id, highlight(fts_claims, 0, char(1), char(2)) AS marked_value,
           coalesce(highlight(fts_claims, 1, char(1), char(2)), '') AS marked_quote,
           length(value || ' ' || coalesce(quote, '')) - length(replace(value || ' ' || coalesce(quote, ''), ' ', ''))
           + 1 AS words
    FROM fts_claims WHERE fts_claims MATCH :query ORDER BY rowid DESC LIMIT :candidates),
counted AS (
    SELECT *, length(marked_value || marked_quote) - length(replace(marked_value || marked_quote, char(1), ''))
              AS found, avg(words) OVER () AS average
    FROM candidates),
best AS MATERIALIZED (
    SELECT id, marked_value, marked_quote, found * {K1 + 1} / (found + {K1} * ({1 - B} + {B} * words / average))
           AS score
    FROM counted ORDER BY score DESC, id DESC LIMIT :limit)
SELECT 'claim' AS kind, best.score, best.marked_value, best.marked_quote,
       c.source_id, src.title AS source_title, src.published AS source_published,
       src.published_precision AS source_precision, s.name AS system, c.attribute, c.value, c.claimant
FROM best JOIN claims c ON c.id = best.id JOIN systems s ON s.id = c.system_id
LEFT JOIN sources src ON src.id = c.source_id
ORDER BY best.score DESC, best.id DESC
"""
_SQLITE_SOURCES = f"""
WITH best AS MATERIALIZED (
    SELECT id, score FROM (
        SELECT rowid AS id, -bm25(fts_sources) AS score FROM fts_sources WHERE fts_sources MATCH :query
        ORDER BY rowid DESC LIMIT :candidates)
    ORDER BY score DESC, id DESC LIMIT :limit)
SELECT 'source' AS kind, best.score,
       snippet(fts_sources, 1, '{MARK_START}', '{MARK_END}', '…', {SNIPPET_WORDS}) AS snippet,
       src.id AS source_id, src.title AS source_title, src.published AS source_published,
       src.published_precision AS source_precision
FROM best JOIN fts_sources ON fts_sources.rowid = best.id JOIN sources src ON src.id = best.id
WHERE fts_sources MATCH :query ORDER BY best.score DESC, best.id DESC
"""
_HEADLINE = f"'StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=35, MinWords=12, ShortWord=2'"
_QUERY = "websearch_to_tsquery('english', :query)"  # inline: the planner estimates how common these words are
# One statement, one round trip. Per kind, the planner picks: a rare word through the GIN index, a common one
# by reading the primary key backwards until :candidates rows match. ts_headline parses the whole text it is
# given: a source's is cut to the stretch around the first place one of the query's words is written
# (the whole text when that stretch shows no match: a word written differently from its stem).
_POSTGRES = f"""
WITH claim_candidates AS MATERIALIZED (
    SELECT id, fts_document FROM claims WHERE fts_document @@ {_QUERY} ORDER BY id DESC LIMIT :candidates),
best_claims AS MATERIALIZED (
    SELECT id, ts_rank(fts_document, {_QUERY}) AS score FROM claim_candidates
    ORDER BY score DESC, id DESC LIMIT :limit),
source_candidates AS MATERIALIZED (
    SELECT id, fts_document FROM sources WHERE fts_document @@ {_QUERY} ORDER BY id DESC LIMIT :candidates),
best_sources AS MATERIALIZED (
    SELECT id, ts_rank(fts_document, {_QUERY}) AS score FROM source_candidates
    ORDER BY score DESC, id DESC LIMIT :limit),
stems AS MATERIALIZED (SELECT tsvector_to_array(to_tsvector('english', :words)) AS stems)
SELECT * FROM (
    SELECT 'claim' AS kind, best.score, best.id AS rank_id,
           ts_headline('english', coalesce(c.quote, c.value), {_QUERY}, {_HEADLINE}) AS snippet,
           c.source_id, src.title AS source_title, src.published AS source_published,
           src.published_precision AS source_precision, s.name AS system, c.attribute, c.value, c.claimant
    FROM best_claims best JOIN claims c ON c.id = best.id JOIN systems s ON s.id = c.system_id
    LEFT JOIN sources src ON src.id = c.source_id
    UNION ALL
    SELECT 'source', best.score, best.id,
           CASE WHEN strpos(near.snippet, '{MARK_START}') > 0 THEN near.snippet
                ELSE ts_headline('english', src.text, {_QUERY}, {_HEADLINE}) END,
           src.id, src.title, src.published, src.published_precision, NULL, NULL, NULL, NULL
    FROM best_sources best JOIN sources src ON src.id = best.id
    CROSS JOIN LATERAL (SELECT min(coalesce(nullif(strpos(src.text, stem), 0),
                                            nullif(strpos(lower(src.text), stem), 0))) AS at
                        FROM stems, unnest(stems.stems) stem) word
    LEFT JOIN LATERAL (SELECT ts_headline('english', substr(src.text, greatest(1, word.at - 250), 750), {_QUERY},
                                          {_HEADLINE}) AS snippet WHERE word.at IS NOT NULL) near ON true
) hits
ORDER BY kind, score DESC, rank_id DESC
"""


MAX_TERMS = 20  # words and phrases in one query: more say nothing more, and each costs an index lookup
# A word, with the hyphens inside a designator ("Hwasong-18", "KN-23"): PostgreSQL's parser reads "-18" as one
# token, so a query split at the hyphen would find nothing there; FTS5 reads the quoted word as a phrase.
_WORD = re.compile(r"\w+(?:[\-‐‑]\w+)*")


def parse_query(query: str) -> list[list[str]]:
    """The words and phrases of a query: text between double quotes is a phrase (an unclosed quote runs to the
    end); punctuation separates words (but for hyphens inside one) and is otherwise ignored. A word or phrase
    given twice counts once; more than MAX_TERMS is a one-line error."""
    terms: list[list[str]] = []
    for n, part in enumerate(query.split('"')):
        words = _WORD.findall(part)
        if n % 2:  # inside quotes
            terms += [words] if words else []
        else:
            terms += [[word] for word in words]
    terms = [list(term) for term in dict.fromkeys(tuple(w.casefold() for w in t) for t in terms)]
    if not terms:
        raise CatalogueError("search: give at least one word to look for")
    if len(terms) > MAX_TERMS:
        raise CatalogueError(f"search: {len(terms)} different words and phrases; give at most {MAX_TERMS}")
    return terms


def match_expression(terms: list[list[str]]) -> str:
    """Every term quoted: FTS5 reads "a b" as a phrase and "a" "b" as both words, as websearch_to_tsquery does,
    and no word is read as an operator (OR, NOT, NEAR)."""
    return " ".join('"' + " ".join(words) + '"' for words in terms)


def snippet(marked: str, words: int = SNIPPET_WORDS) -> str:
    """A highlighted text cut to the `words` words holding the most matches, the matches between [[ and ]],
    '…' where it was cut (what FTS5's snippet() makes of a source)."""
    tokens = marked.split()
    if len(tokens) > words:
        counts, sums, depth = [0], [0], 0  # running count and sum of the positions of words inside a match
        for i, token in enumerate(tokens):
            depth += token.count(_OPEN)
            inside = depth > 0
            counts.append(counts[-1] + inside)
            sums.append(sums[-1] + i * inside)
            depth -= token.count(_CLOSE)

        def held(first: int) -> tuple[int, float]:  # most matched words, then the matches nearest the middle
            count = counts[first + words] - counts[first]
            middle = (sums[first + words] - sums[first]) / count if count else first
            return count, -abs(first + (words - 1) / 2 - middle)

        best = max(range(len(tokens) - words + 1), key=held)
        tokens = tokens[best:best + words]
        opened = 0  # a match the cut splits is closed at the cut, or opened at its start
        for token in tokens:
            opened += token.count(_OPEN) - token.count(_CLOSE)
            if opened < 0:
                tokens[0], opened = _OPEN + tokens[0], 0
        tokens[-1] += _CLOSE * opened
        tokens = (["…"] if best else []) + tokens + (["…"] if best + words < len(marked.split()) else [])
    return " ".join(tokens).replace(_OPEN, MARK_START).replace(_CLOSE, MARK_END)


def search(engine: Engine, query: str, limit: int = 20, candidates: int = CANDIDATES) -> list[SearchHit]:
    """Claims first, then sources: of each kind, the best `limit` hits among its `candidates` (at least `limit`)
    newest matches, best first."""
    terms = parse_query(query)
    limit = max(0, limit)
    parameters = {"query": match_expression(terms), "limit": limit, "candidates": max(1, candidates, limit),
                  "words": " ".join(word for words in terms for word in words)}
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            # For this transaction only. A plan for these words, never a generic one: a plan made without them
            # (as psycopg's prepared statements get after a few calls) would read a common word through the GIN
            # index, every match. A random page costs about what a sequential one does (the catalogue is in
            # memory or on SSD): a word in a few thousand claims is read through the GIN index, not by reading
            # the newest rows until enough match.
            connection.exec_driver_sql("SET LOCAL plan_cache_mode = force_custom_plan; "
                                       "SET LOCAL random_page_cost = 1.1")
            rows = [dict(row) for row in connection.execute(text(_POSTGRES), parameters).mappings()]
        else:
            rows = [{**row, "snippet": snippet(row["marked_quote"] if _OPEN in row["marked_quote"]
                                               else row["marked_value"])}
                    for row in connection.execute(text(_SQLITE_CLAIMS), parameters).mappings()]
            rows += [dict(row) for row in connection.execute(text(_SQLITE_SOURCES), parameters).mappings()]
    return [SearchHit.model_validate({**row, "snippet": " ".join(row["snippet"].split())}) for row in rows]
