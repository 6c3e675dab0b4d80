"""system_overview: the refinement test looks up the system's own claims

The test "does a finer class refine this broad one" (0007) was correlated to the claim it filters
(r.system_id = c.system_id): PostgreSQL may then run it as one hashed pass over every system's category
claims (17 ms at 17,000 category claims, most of a `catalogue show`). Correlated to the system (s.id), it is
a lookup of that system's claims through ix_claims_system_attribute. Same rows on both engines.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 16:00:00
"""

import importlib

from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

# The view as 0007 defines it (a frozen migration: its text stays as it is), correlated to the system instead.
_0007 = importlib.import_module("catalogue.migrations.versions.0007_finer_categories_in_overview")
_BY_CLAIM, _BY_SYSTEM = "r.system_id = c.system_id", "r.system_id = s.id"


def upgrade() -> None:
    op.execute("DROP VIEW system_overview")
    op.execute(_0007._overview(_0007._FINER).replace(_BY_CLAIM, _BY_SYSTEM))


def downgrade() -> None:
    op.execute("DROP VIEW system_overview")
    op.execute(_0007._overview(_0007._FINER))
