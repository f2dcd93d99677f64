"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 00:45:01.835145
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('digest',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subscription', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('period_start', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('period_end', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('digest', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_digest_subscription'), ['subscription'], unique=False)

    op.create_table('feed',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('url', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('interval_s', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('etag', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('last_modified', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('next_poll_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('last_polled_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('last_success_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('last_error_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('error_count', sa.Integer(), nullable=False),
    sa.Column('items_seen', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('feed', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feed_url'), ['url'], unique=True)

    op.create_table('article',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('url', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('link', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('outlet', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('author', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('published', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('content_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('story', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('feed_id', sa.Integer(), nullable=True),
    sa.Column('first_seen_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['feed_id'], ['feed.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('url')
    )
    with op.batch_alter_table('article', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_article_content_hash'), ['content_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_article_story'), ['story'], unique=False)

    op.create_table('delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('digest_id', sa.Integer(), nullable=False),
    sa.Column('destination', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('label', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('next_attempt_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('sent_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['digest_id'], ['digest.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('digest_id', 'destination', name='uq_delivery')
    )
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_digest_id'), ['digest_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_delivery_status'), ['status'], unique=False)

    op.create_table('feed_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('feed_id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=True),
    sa.Column('seen_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['article.id'], ),
    sa.ForeignKeyConstraint(['feed_id'], ['feed.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('feed_id', 'key_hash', name='uq_feed_entry')
    )
    with op.batch_alter_table('feed_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feed_entry_feed_id'), ['feed_id'], unique=False)

    op.create_table('hit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('watchlist', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('entities', sa.JSON(), nullable=False),
    sa.Column('snippets', sa.JSON(), nullable=False),
    sa.Column('found_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['article.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('article_id', 'watchlist', name='uq_hit_article_watchlist')
    )
    with op.batch_alter_table('hit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hit_article_id'), ['article_id'], unique=False)
        batch_op.create_index('ix_hit_found_at', ['found_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_hit_watchlist'), ['watchlist'], unique=False)

    op.create_table('digest_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('digest_id', sa.Integer(), nullable=False),
    sa.Column('subscription', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('hit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['digest_id'], ['digest.id'], ),
    sa.ForeignKeyConstraint(['hit_id'], ['hit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('subscription', 'hit_id', name='uq_digest_item')
    )
    with op.batch_alter_table('digest_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_digest_item_digest_id'), ['digest_id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('digest_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_digest_item_digest_id'))

    op.drop_table('digest_item')
    with op.batch_alter_table('hit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hit_watchlist'))
        batch_op.drop_index('ix_hit_found_at')
        batch_op.drop_index(batch_op.f('ix_hit_article_id'))

    op.drop_table('hit')
    with op.batch_alter_table('feed_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feed_entry_feed_id'))

    op.drop_table('feed_entry')
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delivery_status'))
        batch_op.drop_index(batch_op.f('ix_delivery_digest_id'))

    op.drop_table('delivery')
    with op.batch_alter_table('article', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_article_story'))
        batch_op.drop_index(batch_op.f('ix_article_content_hash'))

    op.drop_table('article')
    with op.batch_alter_table('feed', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feed_url'))

    op.drop_table('feed')
    with op.batch_alter_table('digest', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_digest_subscription'))

    op.drop_table('digest')

