"""PostgreSQL full-text search on stored tsvector columns

Ranking recomputed to_tsvector() on every matching row; a stored generated column is computed once, at
write time. Engine-specific: the columns live outside the models (see catalogue.db.include_object).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 18:40:00
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SOURCES = "to_tsvector('english', coalesce(title, '') || ' ' || text)"
CLAIMS = "to_tsvector('english', value || ' ' || coalesce(quote, ''))"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, expression in (("sources", SOURCES), ("claims", CLAIMS)):
        op.execute(f"DROP INDEX IF EXISTS ix_fts_{table}")
        op.execute(f"ALTER TABLE {table} ADD COLUMN fts_document tsvector GENERATED ALWAYS AS ({expression}) STORED")
        op.execute(f"CREATE INDEX ix_fts_{table} ON {table} USING GIN (fts_document)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, expression in (("sources", SOURCES), ("claims", CLAIMS)):
        op.execute(f"DROP INDEX IF EXISTS ix_fts_{table}")
        op.execute(f"ALTER TABLE {table} DROP COLUMN fts_document")
        op.execute(f"CREATE INDEX ix_fts_{table} ON {table} USING GIN ({expression})")
