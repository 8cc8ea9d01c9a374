"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-26 03:51:53.605710
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from storage.models.types import UTCDateTime


revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('admin_unit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('unit_type', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('folded_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('level', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['admin_unit.id'], name=op.f('fk_admin_unit_parent_id_admin_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admin_unit')),
    sa.UniqueConstraint('level', 'code', 'valid_from', name='uq_admin_unit_code_period')
    )
    with op.batch_alter_table('admin_unit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_admin_unit_code'), ['code'], unique=False)
        batch_op.create_index('ix_admin_unit_folded', ['folded_name'], unique=False)
        batch_op.create_index(batch_op.f('ix_admin_unit_level'), ['level'], unique=False)
        batch_op.create_index(batch_op.f('ix_admin_unit_parent_id'), ['parent_id'], unique=False)

    op.create_table('category',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('name_vi', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('name_en', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('due_days', sa.Integer(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_category'))
    )
    op.create_table('channel_credential',
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('access_token', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('refresh_token', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('expires_at', UTCDateTime(), nullable=True),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('channel', name=op.f('pk_channel_credential'))
    )
    op.create_table('invite_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('external_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invite_attempt'))
    )
    with op.batch_alter_table('invite_attempt', schema=None) as batch_op:
        batch_op.create_index('ix_invite_attempt_who_when', ['channel', 'external_id', 'at'], unique=False)

    op.create_table('person',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('full_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('locale', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
    sa.Column('digest_enabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person'))
    )
    op.create_table('processed_update',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('update_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('processed_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_processed_update')),
    sa.UniqueConstraint('channel', 'update_id', name='uq_processed_update')
    )
    with op.batch_alter_table('processed_update', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_processed_update_processed_at'), ['processed_at'], unique=False)

    op.create_table('sequence_counter',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_sequence_counter'))
    )
    op.create_table('channel_identity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('external_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('display_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('platform_locale', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('unreachable_since', UTCDateTime(), nullable=True),
    sa.Column('unreachable_reason', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('last_seen_at', UTCDateTime(), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_channel_identity_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_channel_identity')),
    sa.UniqueConstraint('channel', 'external_id', name='uq_identity_external')
    )
    with op.batch_alter_table('channel_identity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_channel_identity_person_id'), ['person_id'], unique=False)

    op.create_table('cooperative',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('folded_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('registration_code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('sector', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
    sa.Column('founded_on', sa.Date(), nullable=True),
    sa.Column('dissolved_on', sa.Date(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('members', sa.Integer(), nullable=True),
    sa.Column('ocop_stars', sa.Integer(), nullable=True),
    sa.Column('high_tech', sa.Boolean(), nullable=False),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('director_name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['commune_id'], ['admin_unit.id'], name=op.f('fk_cooperative_commune_id_admin_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cooperative')),
    sa.UniqueConstraint('registration_code', name='uq_cooperative_registration_code')
    )
    with op.batch_alter_table('cooperative', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cooperative_commune_id'), ['commune_id'], unique=False)
        batch_op.create_index('ix_cooperative_name_commune', ['folded_name', 'commune_id'], unique=False)

    op.create_table('meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('quarter', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('logged_by_person_id', sa.Integer(), nullable=True),
    sa.Column('notes', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['commune_id'], ['admin_unit.id'], name=op.f('fk_meeting_commune_id_admin_unit')),
    sa.ForeignKeyConstraint(['logged_by_person_id'], ['person.id'], name=op.f('fk_meeting_logged_by_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting'))
    )
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.create_index('ix_meeting_commune_quarter', ['commune_id', 'quarter'], unique=False)

    op.create_table('office',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['unit_id'], ['admin_unit.id'], name=op.f('fk_office_unit_id_admin_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_office')),
    sa.UniqueConstraint('key', name=op.f('uq_office_key'))
    )
    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dedupe_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('recipient', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', UTCDateTime(), nullable=False),
    sa.Column('claimed_until', UTCDateTime(), nullable=True),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('sent_at', UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_outbox_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_outbox_dedupe_key'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_person_id'), ['person_id'], unique=False)

    op.create_table('plan_target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_code', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('scope_unit_id', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.Integer(), nullable=False),
    sa.Column('period_end', sa.Integer(), nullable=False),
    sa.Column('metric', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('target_min', sa.Float(), nullable=False),
    sa.Column('target_max', sa.Float(), nullable=True),
    sa.Column('unit_of_measure', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.ForeignKeyConstraint(['scope_unit_id'], ['admin_unit.id'], name=op.f('fk_plan_target_scope_unit_id_admin_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_target')),
    sa.UniqueConstraint('plan_code', 'scope_unit_id', 'metric', name='uq_plan_target_metric')
    )
    with op.batch_alter_table('plan_target', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_target_scope_unit_id'), ['scope_unit_id'], unique=False)

    op.create_table('unit_ancestor',
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('ancestor_id', sa.Integer(), nullable=False),
    sa.Column('depth', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['ancestor_id'], ['admin_unit.id'], name=op.f('fk_unit_ancestor_ancestor_id_admin_unit')),
    sa.ForeignKeyConstraint(['unit_id'], ['admin_unit.id'], name=op.f('fk_unit_ancestor_unit_id_admin_unit')),
    sa.PrimaryKeyConstraint('unit_id', 'ancestor_id', name=op.f('pk_unit_ancestor'))
    )
    with op.batch_alter_table('unit_ancestor', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_ancestor_ancestor_id'), ['ancestor_id'], unique=False)

    op.create_table('unit_current',
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('current_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['current_id'], ['admin_unit.id'], name=op.f('fk_unit_current_current_id_admin_unit')),
    sa.ForeignKeyConstraint(['unit_id'], ['admin_unit.id'], name=op.f('fk_unit_current_unit_id_admin_unit')),
    sa.PrimaryKeyConstraint('unit_id', 'current_id', name=op.f('pk_unit_current'))
    )
    with op.batch_alter_table('unit_current', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_current_current_id'), ['current_id'], unique=False)

    op.create_table('unit_succession',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('old_id', sa.Integer(), nullable=False),
    sa.Column('new_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['new_id'], ['admin_unit.id'], name=op.f('fk_unit_succession_new_id_admin_unit')),
    sa.ForeignKeyConstraint(['old_id'], ['admin_unit.id'], name=op.f('fk_unit_succession_old_id_admin_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_succession')),
    sa.UniqueConstraint('old_id', 'new_id', name='uq_unit_succession_pair')
    )
    with op.batch_alter_table('unit_succession', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_succession_new_id'), ['new_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_unit_succession_old_id'), ['old_id'], unique=False)

    op.create_table('cooperative_rating',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cooperative_id', sa.Integer(), nullable=False),
    sa.Column('scheme', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('grade', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('operating_effectively', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['cooperative_id'], ['cooperative.id'], name=op.f('fk_cooperative_rating_cooperative_id_cooperative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cooperative_rating')),
    sa.UniqueConstraint('cooperative_id', 'scheme', 'year', name='uq_rating_per_scheme_year')
    )
    with op.batch_alter_table('cooperative_rating', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cooperative_rating_cooperative_id'), ['cooperative_id'], unique=False)

    op.create_table('dialog_state',
    sa.Column('identity_id', sa.Integer(), nullable=False),
    sa.Column('flow', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('step', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('draft', sa.JSON(), nullable=False),
    sa.Column('expires_at', UTCDateTime(), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['identity_id'], ['channel_identity.id'], name=op.f('fk_dialog_state_identity_id_channel_identity')),
    sa.PrimaryKeyConstraint('identity_id', name=op.f('pk_dialog_state'))
    )
    op.create_table('feedback_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('cooperative_id', sa.Integer(), nullable=False),
    sa.Column('author_person_id', sa.Integer(), nullable=True),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('category_key', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('assignee_office_id', sa.Integer(), nullable=True),
    sa.Column('assignee_unit_id', sa.Integer(), nullable=True),
    sa.Column('due_at', UTCDateTime(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.Column('first_response_at', UTCDateTime(), nullable=True),
    sa.Column('resolved_at', UTCDateTime(), nullable=True),
    sa.Column('closed_at', UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['assignee_office_id'], ['office.id'], name=op.f('fk_feedback_item_assignee_office_id_office')),
    sa.ForeignKeyConstraint(['assignee_unit_id'], ['admin_unit.id'], name=op.f('fk_feedback_item_assignee_unit_id_admin_unit')),
    sa.ForeignKeyConstraint(['author_person_id'], ['person.id'], name=op.f('fk_feedback_item_author_person_id_person')),
    sa.ForeignKeyConstraint(['category_key'], ['category.key'], name=op.f('fk_feedback_item_category_key_category')),
    sa.ForeignKeyConstraint(['commune_id'], ['admin_unit.id'], name=op.f('fk_feedback_item_commune_id_admin_unit')),
    sa.ForeignKeyConstraint(['cooperative_id'], ['cooperative.id'], name=op.f('fk_feedback_item_cooperative_id_cooperative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_item')),
    sa.UniqueConstraint('reference', name=op.f('uq_feedback_item_reference'))
    )
    with op.batch_alter_table('feedback_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_item_category_key'), ['category_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_item_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_item_commune_status', ['commune_id', 'status'], unique=False)
        batch_op.create_index('ix_item_cooperative_created', ['cooperative_id', 'created_at'], unique=False)
        batch_op.create_index('ix_item_status_due', ['status', 'due_at'], unique=False)

    op.create_table('invite',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('cooperative_id', sa.Integer(), nullable=True),
    sa.Column('created_by_person_id', sa.Integer(), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('expires_at', UTCDateTime(), nullable=False),
    sa.Column('redeemed_at', UTCDateTime(), nullable=True),
    sa.Column('redeemed_by_person_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['cooperative_id'], ['cooperative.id'], name=op.f('fk_invite_cooperative_id_cooperative')),
    sa.ForeignKeyConstraint(['created_by_person_id'], ['person.id'], name=op.f('fk_invite_created_by_person_id_person')),
    sa.ForeignKeyConstraint(['redeemed_by_person_id'], ['person.id'], name=op.f('fk_invite_redeemed_by_person_id_person')),
    sa.ForeignKeyConstraint(['unit_id'], ['admin_unit.id'], name=op.f('fk_invite_unit_id_admin_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invite')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_invite_code_hash'))
    )
    op.create_table('meeting_attendance',
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('cooperative_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['cooperative_id'], ['cooperative.id'], name=op.f('fk_meeting_attendance_cooperative_id_cooperative')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_meeting_attendance_meeting_id_meeting')),
    sa.PrimaryKeyConstraint('meeting_id', 'cooperative_id', name=op.f('pk_meeting_attendance'))
    )
    op.create_table('ocop_product',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cooperative_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('stars', sa.Integer(), nullable=False),
    sa.Column('certified_on', sa.Date(), nullable=True),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['cooperative_id'], ['cooperative.id'], name=op.f('fk_ocop_product_cooperative_id_cooperative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ocop_product'))
    )
    with op.batch_alter_table('ocop_product', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ocop_product_cooperative_id'), ['cooperative_id'], unique=False)

    op.create_table('feedback_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('actor_person_id', sa.Integer(), nullable=True),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('from_status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('to_status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('internal', sa.Boolean(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_person_id'], ['person.id'], name=op.f('fk_feedback_event_actor_person_id_person')),
    sa.ForeignKeyConstraint(['item_id'], ['feedback_item.id'], name=op.f('fk_feedback_event_item_id_feedback_item')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_event'))
    )
    with op.batch_alter_table('feedback_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_event_item_id'), ['item_id'], unique=False)

    op.create_table('meeting_item',
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['feedback_item.id'], name=op.f('fk_meeting_item_item_id_feedback_item')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_meeting_item_meeting_id_meeting')),
    sa.PrimaryKeyConstraint('meeting_id', 'item_id', name=op.f('pk_meeting_item'))
    )
    op.create_table('role_assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('cooperative_id', sa.Integer(), nullable=True),
    sa.Column('valid_from', UTCDateTime(), nullable=False),
    sa.Column('valid_to', UTCDateTime(), nullable=True),
    sa.Column('invite_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("(role = 'admin') OR (unit_id IS NOT NULL) OR (cooperative_id IS NOT NULL)", name=op.f('ck_role_assignment_ck_role_has_scope')),
    sa.ForeignKeyConstraint(['cooperative_id'], ['cooperative.id'], name=op.f('fk_role_assignment_cooperative_id_cooperative')),
    sa.ForeignKeyConstraint(['invite_id'], ['invite.id'], name=op.f('fk_role_assignment_invite_id_invite')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_role_assignment_person_id_person')),
    sa.ForeignKeyConstraint(['unit_id'], ['admin_unit.id'], name=op.f('fk_role_assignment_unit_id_admin_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_role_assignment'))
    )
    with op.batch_alter_table('role_assignment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_role_assignment_cooperative_id'), ['cooperative_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_role_assignment_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index('ix_role_person_active', ['person_id', 'valid_to'], unique=False)

    op.create_table('attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('media_kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('file_ref', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('file_name', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('mime_type', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('size_bytes', sa.Integer(), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['feedback_event.id'], name=op.f('fk_attachment_event_id_feedback_event')),
    sa.ForeignKeyConstraint(['item_id'], ['feedback_item.id'], name=op.f('fk_attachment_item_id_feedback_item')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachment'))
    )
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachment_item_id'), ['item_id'], unique=False)



_TABLES_TO_DROP: list[tuple[str, list[str]]] = [
    ('attachment', ['ix_attachment_item_id']),
    ('role_assignment', ['ix_role_person_active', 'ix_role_assignment_unit_id', 'ix_role_assignment_cooperative_id']),
    ('meeting_item', []),
    ('feedback_event', ['ix_feedback_event_item_id']),
    ('ocop_product', ['ix_ocop_product_cooperative_id']),
    ('meeting_attendance', []),
    ('invite', []),
    ('feedback_item', ['ix_item_status_due', 'ix_item_cooperative_created', 'ix_item_commune_status', 'ix_feedback_item_created_at', 'ix_feedback_item_category_key']),
    ('dialog_state', []),
    ('cooperative_rating', ['ix_cooperative_rating_cooperative_id']),
    ('unit_succession', ['ix_unit_succession_old_id', 'ix_unit_succession_new_id']),
    ('unit_current', ['ix_unit_current_current_id']),
    ('unit_ancestor', ['ix_unit_ancestor_ancestor_id']),
    ('plan_target', ['ix_plan_target_scope_unit_id']),
    ('outbox', ['ix_outbox_person_id', 'ix_outbox_due']),
    ('office', []),
    ('meeting', ['ix_meeting_commune_quarter']),
    ('cooperative', ['ix_cooperative_name_commune', 'ix_cooperative_commune_id']),
    ('channel_identity', ['ix_channel_identity_person_id']),
    ('sequence_counter', []),
    ('processed_update', ['ix_processed_update_processed_at']),
    ('person', []),
    ('invite_attempt', ['ix_invite_attempt_who_when']),
    ('channel_credential', []),
    ('category', []),
    ('admin_unit', ['ix_admin_unit_parent_id', 'ix_admin_unit_level', 'ix_admin_unit_folded', 'ix_admin_unit_code']),
]


def downgrade() -> None:
    # Every table, children first, with the indexes its batch drops before it.
    for table, indexes in _TABLES_TO_DROP:
        if indexes:
            with op.batch_alter_table(table, schema=None) as batch_op:
                for index in indexes:
                    batch_op.drop_index(batch_op.f(index))
        op.drop_table(table)
