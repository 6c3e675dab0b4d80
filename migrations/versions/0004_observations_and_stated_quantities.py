"""observations of events, and quantities as stated

A launch's measurements (distance flown, apogee, flight time, speed) are stored on its event, apart from
the claims about what a system can do; every quantity keeps its words as written (stated) beside its
normalised value and unit.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 19:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

# Column comments changed on claims: PostgreSQL stores them; SQLite has none, and altering a column there
# would rebuild the claims table and drop its full-text triggers, so it is left alone.
CLAIM_COMMENTS = {
    ('attribute', sa.VARCHAR(length=30), False): (
        'category, fuel, capability, range, speed, payload, warhead, stages, status, or a relation (resembles, compared_to, variant_of).',
        'category, fuel, capability, status, warhead; a quantity: range, range_min, speed, payload, warhead_weight, launch_weight, length, warheads, stages; or a relation (resembles, compared_to, variant_of).'),
    ('value', sa.TEXT(), False): (
        'Normalised value: a vocabulary slug, a number or a phrase.',
        "Normalised value: a vocabulary slug, a phrase, or a number in 'unit' ('400-700' for a span)."),
    ('value_number', sa.DOUBLE_PRECISION(precision=53), True): (
        'The numeric value of a quantity.',
        "The numeric value of a quantity in 'unit' (the upper end of a span)."),
    ('unit', sa.VARCHAR(length=20), True): (
        'Normalised unit of a quantity: km, kg, mach, t.',
        'Normalised unit of a quantity: km (distances), m (length), kg, mach, s; null for counts.'),
}


def _comment_claims(new: bool) -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for (column, type_, nullable), (old_comment, new_comment) in CLAIM_COMMENTS.items():
        op.alter_column('claims', column, existing_type=type_, existing_nullable=nullable,
                        comment=new_comment if new else old_comment,
                        existing_comment=old_comment if new else new_comment)


def upgrade() -> None:
    op.create_table('observations',
    sa.Column('id', sa.Integer(), nullable=False, comment='Surrogate key.'),
    sa.Column('event_id', sa.Integer(), nullable=False, comment='The event measured.'),
    sa.Column('source_id', sa.Integer(), nullable=False, comment='The reporting source.'),
    sa.Column('attribute', sa.String(length=30), nullable=False, comment='distance_flown, apogee (km), flight_time (s) or speed (mach).'),
    sa.Column('value', sa.Text(), nullable=False, comment="Normalised value in 'unit': '1000', '400-700' for a span."),
    sa.Column('value_number', sa.Float(), nullable=True, comment="The numeric value in 'unit' (the upper end of a span)."),
    sa.Column('unit', sa.String(length=20), nullable=True, comment='Normalised unit: km, s or mach.'),
    sa.Column('stated', sa.String(length=100), nullable=True, comment="The quantity exactly as written, within the quote: 'about 1,000 kilometers'."),
    sa.Column('claimant', sa.String(length=200), nullable=True, comment='Who reports it; null: the outlet itself.'),
    sa.Column('quote', sa.Text(), nullable=False, comment='The sentence stating it, exactly as in the source.'),
    sa.Column('start', sa.Integer(), nullable=False, comment='Offset of the quote in sources.text.'),
    sa.Column('end', sa.Integer(), nullable=False, comment='End offset: text[start:end] == quote.'),
    sa.Column('extractor', sa.String(length=100), nullable=False, comment='Rule that found the observation.'),
    sa.Column('extractor_version', sa.String(length=50), nullable=False, comment='Version of the extractor and its rules.'),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False, comment='When the observation was recorded.'),
    sa.CheckConstraint("attribute IN ('distance_flown', 'apogee', 'flight_time', 'speed')", name=op.f('ck_observations_attribute')),
    sa.CheckConstraint('"end" >= "start"', name=op.f('ck_observations_span')),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_observations_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['source_id'], ['sources.id'], name=op.f('fk_observations_source_id_sources'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_observations')),
    comment='What one event measured (how far, how high, how long, how fast that launch flew), as opposed to claims about what a system can do.'
    )
    op.create_index(op.f('ix_observations_event_id'), 'observations', ['event_id'], unique=False)
    op.create_index(op.f('ix_observations_source_id'), 'observations', ['source_id'], unique=False)
    # Not in batch mode: SQLite adds (and drops) a plain column in place, keeping claims' triggers.
    op.add_column('claims', sa.Column('stated', sa.String(length=100), nullable=True, comment="The quantity exactly as written, within the quote: 'about 600km', 'Mach 5'."))
    _comment_claims(new=True)


def downgrade() -> None:
    # Dropping observations or claims.stated with data in them is refused by catalogue.db.downgrade unless --yes.
    _comment_claims(new=False)
    op.drop_column('claims', 'stated')
    op.drop_index(op.f('ix_observations_source_id'), table_name='observations')
    op.drop_index(op.f('ix_observations_event_id'), table_name='observations')
    op.drop_table('observations')
