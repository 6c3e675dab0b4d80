"""where each source came from; a system's curated category

Every source records the path it was imported from as given ('file:line' in JSON Lines, '-' for standard
input); sources imported before have none. A system's category set by an analyst (catalogue set) is
stored on the system and is system_overview's category, over the claims.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 23:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

COMMENT = ("Where it was imported from: the file path as given ('file:line' in JSON Lines), '-' for standard "
           "input; null for sources imported before it was recorded.")


CATEGORY_COMMENT = "Category set by an analyst (catalogue set); when set, it is system_overview's category."

# The view of 0001, with a curated category over the claims' best-supported one.
_DERIVED = """(SELECT c.value FROM claims c
      WHERE c.system_id = s.id AND c.attribute = '{attribute}' AND c.status NOT IN ('retracted', 'disputed')
        AND NOT (c.value = 'ballistic_missile' AND EXISTS (
              SELECT 1 FROM claims r WHERE r.system_id = c.system_id AND r.attribute = 'category'
                AND r.value IN ('icbm', 'irbm', 'mrbm', 'srbm', 'slbm') AND r.status NOT IN ('retracted', 'disputed')))
      GROUP BY c.value
      ORDER BY SUM(CASE WHEN c.status = 'confirmed' THEN 1000
                        WHEN c.extractor = 'reference-list' THEN 1 ELSE 10 END) DESC,
               MIN(c.id)
      LIMIT 1)"""


def _overview(category: str) -> str:
    return f"""
CREATE VIEW system_overview AS
SELECT s.id AS system_id,
       s.slug,
       s.name,
       s.country,
       {category} AS category,
       {_DERIVED.format(attribute="fuel")} AS fuel,
       (SELECT COUNT(*) FROM claims c WHERE c.system_id = s.id) AS claim_count,
       (SELECT COUNT(DISTINCT m.source_id) FROM mentions m WHERE m.system_id = s.id) AS source_count,
       (SELECT MIN(src.published) FROM mentions m JOIN sources src ON src.id = m.source_id
         WHERE m.system_id = s.id) AS first_seen,
       (SELECT MAX(src.published) FROM mentions m JOIN sources src ON src.id = m.source_id
         WHERE m.system_id = s.id) AS last_seen
FROM systems s
"""


ACTIONS = "'alias_add', 'rename', 'merge', 'claim_status'"
NEW_ACTIONS = f"{ACTIONS}, 'set_category', 'set_country'"


def _actions(old: str, new: str, comment: str, old_comment: str) -> None:
    with op.batch_alter_table('curations') as batch_op:  # no full-text triggers on curations: a rebuild is safe
        batch_op.drop_constraint(op.f('ck_curations_action'), type_='check')
        batch_op.create_check_constraint(op.f('ck_curations_action'), sa.text(f"action IN ({new})"))
        batch_op.alter_column('action', existing_type=sa.String(length=20), existing_nullable=False,
                              comment=comment, existing_comment=old_comment)


ACTION_COMMENT = 'alias_add, rename, merge or claim_status.'
NEW_ACTION_COMMENT = 'alias_add, rename, merge, claim_status, set_category or set_country.'


def upgrade() -> None:
    # add_column outside batch mode: on SQLite a batch would rebuild the table and drop its full-text triggers.
    op.add_column('sources', sa.Column('origin', sa.Text(), nullable=True, comment=COMMENT))
    op.execute("DROP VIEW system_overview")
    op.add_column('systems', sa.Column('category', sa.String(length=50), nullable=True, comment=CATEGORY_COMMENT))
    op.execute(_overview(f"COALESCE(s.category, {_DERIVED.format(attribute='category')})"))
    _actions(ACTIONS, NEW_ACTIONS, NEW_ACTION_COMMENT, ACTION_COMMENT)


def downgrade() -> None:
    # Dropping origin or category with values in them is refused by catalogue.db.downgrade unless --yes.
    # The older schema has no such actions: their records go (catalogue.db.downgrade counts them as lost rows).
    op.execute("DELETE FROM curations WHERE action IN ('set_category', 'set_country')")
    _actions(NEW_ACTIONS, ACTIONS, ACTION_COMMENT, NEW_ACTION_COMMENT)
    op.execute("DROP VIEW system_overview")
    op.drop_column('systems', 'category')
    op.execute(_overview(_DERIVED.format(attribute="category")))
    op.drop_column('sources', 'origin')
