"""system_overview: a finer class the text states refines a broad one

The view's best-supported category follows ExtractedSystem.best: besides a range class refining
"ballistic missile" (0001), a kind of drone the text states ("underwater drone", "kamikaze drone") refines
"drone", and an anti-ship missile refines "cruise missile" ("an anti-ship cruise missile"); those two only
when stated in an article, not by the reference list.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 10:10:00
"""

from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

_LIVE = "r.status NOT IN ('retracted', 'disputed')"


def _refined(broad: str, finer: str, stated_only: bool) -> str:
    stated = " AND r.extractor <> 'reference-list'" if stated_only else ""
    return (f"""AND NOT (c.value = '{broad}' AND EXISTS (
              SELECT 1 FROM claims r WHERE r.system_id = c.system_id AND r.attribute = 'category'
                AND r.value IN ({finer}) AND {_LIVE}{stated}))""")


def _derived(attribute: str, refinements: str) -> str:
    return f"""(SELECT c.value FROM claims c
      WHERE c.system_id = s.id AND c.attribute = '{attribute}' AND c.status NOT IN ('retracted', 'disputed')
        {refinements}
      GROUP BY c.value
      ORDER BY SUM(CASE WHEN c.status = 'confirmed' THEN 1000
                        WHEN c.extractor = 'reference-list' THEN 1 ELSE 10 END) DESC,
               MIN(c.id)
      LIMIT 1)"""


_BALLISTIC = _refined("ballistic_missile", "'icbm', 'irbm', 'mrbm', 'srbm', 'slbm'", stated_only=False)
_FINER = "\n        ".join([
    _BALLISTIC,
    _refined("unmanned_aerial_vehicle", "'loitering_munition', 'unmanned_underwater_vehicle'", stated_only=True),
    _refined("cruise_missile", "'anti_ship_missile'", stated_only=True),
])


def _overview(refinements: str) -> str:
    return f"""
CREATE VIEW system_overview AS
SELECT s.id AS system_id,
       s.slug,
       s.name,
       s.country,
       COALESCE(s.category, {_derived("category", refinements)}) AS category,
       {_derived("fuel", _BALLISTIC)} AS fuel,
       (SELECT COUNT(*) FROM claims c WHERE c.system_id = s.id) AS claim_count,
       (SELECT COUNT(DISTINCT m.source_id) FROM mentions m WHERE m.system_id = s.id) AS source_count,
       (SELECT MIN(src.published) FROM mentions m JOIN sources src ON src.id = m.source_id
         WHERE m.system_id = s.id) AS first_seen,
       (SELECT MAX(src.published) FROM mentions m JOIN sources src ON src.id = m.source_id
         WHERE m.system_id = s.id) AS last_seen
FROM systems s
"""


def upgrade() -> None:
    op.execute("DROP VIEW system_overview")
    op.execute(_overview(_FINER))


def downgrade() -> None:
    op.execute("DROP VIEW system_overview")
    op.execute(_overview(_BALLISTIC))
