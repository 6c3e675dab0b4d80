"""PostgreSQL search: adjacent word pairs in the tsvectors, and a BRIN index on claims by id

A phrase ("trajectory altitude") was found through the GIN index as every row holding both words, each then
read to check that they stand next to each other: tens of thousands of rows for two common words that are
adjacent only by chance. Each tsvector now also holds the pairs of words it has next to each other, as
lexemes "a b" (a space never occurs inside a parsed lexeme), so the index finds the rows holding the pair.

A word in a few thousand claims was found as every matching row, read from a table larger than the
server's cache, to keep the newest 200: the BRIN index lets search look in the newest ids first
(catalogue.search), reading only the matches there.

Engine-specific, outside the models (see catalogue.db.include_object).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 12:00:00
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

SOURCES = "to_tsvector('english', coalesce(title, '') || ' ' || text)"
CLAIMS = "to_tsvector('english', value || ' ' || coalesce(quote, ''))"

# The lexemes at positions p and p + 1, as one lexeme "a b": what a two-word phrase needs next to each other.
WORD_PAIRS = """
CREATE FUNCTION catalogue_word_pairs(document tsvector) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_to_tsvector(array_agg(DISTINCT a.lexeme || ' ' || b.lexeme)), ''::tsvector)
    FROM (SELECT lexeme, unnest(positions) AS position FROM unnest(document)) a
    JOIN (SELECT lexeme, unnest(positions) AS position FROM unnest(document)) b ON b.position = a.position + 1
$$
"""
# A term's tsquery (a word, a designator, a quoted phrase): the pair lexeme alone when it has two words next
# to each other, which the index answers exactly, with no row read to check positions; its words next to each
# other and every pair when it has more. A pair lexeme is quoted for the tsquery parser.
TERM_QUERY = r"""
CREATE FUNCTION catalogue_term_query(term text) RETURNS tsquery
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN pairs.query IS NULL THEN phraseto_tsquery('english', term)
                WHEN positions.n = 2 THEN pairs.query::tsquery
                ELSE phraseto_tsquery('english', term) && pairs.query::tsquery END
    FROM (SELECT to_tsvector('english', term) AS v) vector
    CROSS JOIN LATERAL (SELECT count(*) AS n FROM unnest(vector.v) u, unnest(u.positions) p) positions
    CROSS JOIN LATERAL (
        SELECT string_agg('''' || replace(replace(lexeme, '\', '\\'), '''', '''''') || '''', ' & ') AS query
        FROM unnest(catalogue_word_pairs(vector.v))) pairs
$$
"""
# A search's tsquery: every term's. Immutable: the planner computes it once, from the query's own words, and
# estimates how many rows hold them. NULL when no term has a word to look for ("the"): nothing matches.
SEARCH_QUERY = """
CREATE FUNCTION catalogue_search_query(terms text[]) RETURNS tsquery
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT string_agg('(' || query::text || ')', ' & ')::tsquery
    FROM unnest(terms) term CROSS JOIN LATERAL catalogue_term_query(term) query WHERE numnode(query) > 0
$$
"""


def _documents(pairs: bool) -> None:
    for table, expression in (("sources", SOURCES), ("claims", CLAIMS)):
        document = f"{expression} || catalogue_word_pairs({expression})" if pairs else expression
        op.execute(f"DROP INDEX IF EXISTS ix_fts_{table}")
        op.execute(f"ALTER TABLE {table} DROP COLUMN fts_document")
        op.execute(f"ALTER TABLE {table} ADD COLUMN fts_document tsvector GENERATED ALWAYS AS ({document}) STORED")
        op.execute(f"CREATE INDEX ix_fts_{table} ON {table} USING GIN (fts_document)")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(WORD_PAIRS)
    op.execute(TERM_QUERY)
    op.execute(SEARCH_QUERY)
    _documents(pairs=True)
    # Claims are added in id order, so a range of ids is a range of pages; new ranges summarised as they fill.
    op.execute("CREATE INDEX ix_fts_claims_recency ON claims USING BRIN (id) WITH (autosummarize = on)")
    # The planner's statistics of the new columns (how common each word is), without waiting for autovacuum.
    op.execute("ANALYZE sources")
    op.execute("ANALYZE claims")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_fts_claims_recency")
    _documents(pairs=False)
    op.execute("DROP FUNCTION catalogue_search_query(text[])")
    op.execute("DROP FUNCTION catalogue_term_query(text)")
    op.execute("DROP FUNCTION catalogue_word_pairs(tsvector)")
