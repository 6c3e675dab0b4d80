"""sources fetched from the web, their versions, and followed feeds

A source fetched from the web records when (fetched_at; its url is the final URL, its origin the URL as
given) and the earlier version of the same page (previous_id) when its text changed. Followed feeds
(feeds) keep their conditional-GET validators and last error; the entries already imported (feed_items)
are skipped at the next poll.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

ORIGIN_COMMENT = ("Where it was imported from: the file path as given ('file:line' in JSON Lines), '-' for standard "
                  "input; null for sources imported before it was recorded.")
NEW_ORIGIN_COMMENT = ("Where it was imported from: the file path as given ('file:line' in JSON Lines), '-' for "
                      "standard input, the URL as given (a feed entry's link as its feed gives it); null for sources "
                      "imported before it was recorded.")
FETCHED_AT_COMMENT = ("When it was fetched from the web ('url' is then the final URL, after redirects); null for "
                      "files.")
PREVIOUS_COMMENT = ("sources.id of the earlier version of this page: the source last fetched from the same final URL, "
                    "whose text has since changed; null for a first version.")


def upgrade() -> None:
    # Columns added in place, not in batch mode: on SQLite a batch would rebuild sources and drop its full-text
    # triggers (which is also why previous_id has no foreign key).
    op.add_column('sources', sa.Column('fetched_at', sa.DateTime(timezone=True), nullable=True,
                                       comment=FETCHED_AT_COMMENT))
    op.add_column('sources', sa.Column('previous_id', sa.Integer(), nullable=True, comment=PREVIOUS_COMMENT))
    if op.get_bind().dialect.name == 'postgresql':  # SQLite stores no comments
        op.alter_column('sources', 'origin', existing_type=sa.Text(), existing_nullable=True,
                        comment=NEW_ORIGIN_COMMENT, existing_comment=ORIGIN_COMMENT)
    op.create_index(op.f('ix_sources_previous_id'), 'sources', ['previous_id'], unique=False)
    op.create_table('feeds',
    sa.Column('id', sa.Integer(), nullable=False, comment='Surrogate key.'),
    sa.Column('name', sa.String(length=200), nullable=False, comment='Short name, as --feed takes it.'),
    sa.Column('url', sa.String(length=2000), nullable=False, comment="The feed's URL (RSS, Atom or JSON Feed)."),
    sa.Column('etag', sa.Text(), nullable=True, comment='ETag of the last answer whose entries all imported; sent as If-None-Match.'),
    sa.Column('last_modified', sa.String(length=100), nullable=True, comment='Last-Modified of that answer; sent as If-Modified-Since.'),
    sa.Column('last_polled_at', sa.DateTime(timezone=True), nullable=True, comment='When catalogue update last polled it; null before the first poll.'),
    sa.Column('last_error', sa.Text(), nullable=True, comment='What went wrong at the last poll (the feed, or its entries that failed); null when nothing.'),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False, comment='When it was added.'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feeds')),
    sa.UniqueConstraint('name', name=op.f('uq_feeds_name')),
    sa.UniqueConstraint('url', name=op.f('uq_feeds_url')),
    comment='Feeds followed (catalogue feeds add): catalogue update imports their new entries.'
    )
    op.create_table('feed_items',
    sa.Column('id', sa.Integer(), nullable=False, comment='Surrogate key.'),
    sa.Column('feed_id', sa.Integer(), nullable=False, comment='The feed listing the entry.'),
    sa.Column('guid', sa.Text(), nullable=True, comment="The entry's id (RSS guid, Atom id, JSON Feed id)."),
    sa.Column('link', sa.Text(), nullable=True, comment="The entry's link as the feed gives it."),
    sa.Column('source_id', sa.Integer(), nullable=True, comment='The source imported from it (null once that source is deleted).'),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False, comment='When it was imported.'),
    sa.ForeignKeyConstraint(['feed_id'], ['feeds.id'], name=op.f('fk_feed_items_feed_id_feeds'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['source_id'], ['sources.id'], name=op.f('fk_feed_items_source_id_sources'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feed_items')),
    comment='Entries of a followed feed already imported: skipped by guid or link at the next poll, before anything is fetched.'
    )
    op.create_index(op.f('ix_feed_items_feed_id'), 'feed_items', ['feed_id'], unique=False)
    op.create_index(op.f('ix_feed_items_source_id'), 'feed_items', ['source_id'], unique=False)


def downgrade() -> None:
    # Dropping feeds, their entries or the new sources columns with data in them is refused by
    # catalogue.db.downgrade unless --yes.
    op.drop_index(op.f('ix_feed_items_source_id'), table_name='feed_items')
    op.drop_index(op.f('ix_feed_items_feed_id'), table_name='feed_items')
    op.drop_table('feed_items')
    op.drop_table('feeds')
    op.drop_index(op.f('ix_sources_previous_id'), table_name='sources')
    if op.get_bind().dialect.name == 'postgresql':
        op.alter_column('sources', 'origin', existing_type=sa.Text(), existing_nullable=True,
                        comment=ORIGIN_COMMENT, existing_comment=NEW_ORIGIN_COMMENT)
    op.drop_column('sources', 'previous_id')
    op.drop_column('sources', 'fetched_at')
