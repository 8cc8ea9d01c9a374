"""People, how they reach us, what role they hold where, and the invites that admit them."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models.types import UTCDateTime, utcnow


class Role(StrEnum):
    """What a person may do; the scope says where."""

    DIRECTOR = "director"
    COMMUNE_LEADER = "commune_leader"
    OFFICIAL = "official"
    ADMIN = "admin"


class AlertMode(StrEnum):
    """How a person who handles items hears of new ones."""

    NOW = "now"  # one message per event, at once
    DAILY = "daily"  # one digest a day
    OFF = "off"


class Person(SQLModel, table=True):
    """Someone registered through an invite."""

    __tablename__ = "person"

    id: int | None = Field(default=None, primary_key=True)
    full_name: str = Field(default="", max_length=200)
    # A Vietnamese mobile number in international form (84…), the template path's address.
    phone: str | None = Field(default=None, max_length=40)
    # Where the number came from (``storage.phones.PhoneSource``), so the person sees it.
    phone_source: str | None = Field(default=None, max_length=12)
    # Set when Zalo said the number has no Zalo account: no template goes there until the
    # number changes.
    phone_unreachable_since: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    locale: str | None = Field(default=None, max_length=8, description="Chosen language.")
    digest_enabled: bool = True
    alert_mode: str = Field(default=AlertMode.NOW, max_length=8)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Set when the person's data was erased at their request: the row stays (items keep
    # pointing at it), nameless, without phone, accounts or grants.
    erased_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class ChannelIdentity(SQLModel, table=True):
    """A person's account on one channel (Telegram user id, Zalo user id, web persona)."""

    __tablename__ = "channel_identity"
    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_identity_external"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    external_id: str = Field(max_length=64)
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    display_name: str = Field(default="", max_length=200)
    platform_locale: str | None = Field(default=None, max_length=16)
    unreachable_since: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    unreachable_reason: str | None = Field(default=None, max_length=200)
    # When the person last wrote from this account, and how many messages were sent to it
    # since: Zalo's reply window and its free replies are counted from these.
    last_seen_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    sent_since_seen: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # The person's last message a reply can be addressed to (Zalo's reply form).
    last_message_ref: str | None = Field(default=None, max_length=64)
    # The fingerprint of the command menu last published for this chat (None: the public
    # one), so the menu is published again only when the person's commands change.
    command_menu: str | None = Field(default=None, max_length=32)
    # The buttons of the last message with buttons sent to this account, [label, payload]
    # pairs in order, so a label or a number typed instead of tapped chooses the button.
    shown_buttons: list[list[str]] = Field(default_factory=list, sa_type=JSON)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RoleAssignment(SQLModel, table=True):
    """Person holds role within a unit or a cooperative during [valid_from, valid_to)."""

    __tablename__ = "role_assignment"
    __table_args__ = (
        CheckConstraint(
            "(role = 'admin') OR (unit_id IS NOT NULL) OR (cooperative_id IS NOT NULL)",
            name="ck_role_has_scope",
        ),
        Index("ix_role_person_active", "person_id", "valid_to"),
    )

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id")
    role: str = Field(max_length=20)
    unit_id: int | None = Field(default=None, foreign_key="admin_unit.id", index=True)
    cooperative_id: int | None = Field(default=None, foreign_key="cooperative.id", index=True)
    office_id: int | None = Field(
        default=None, foreign_key="office.id", description="An official's office, if any."
    )
    valid_from: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    valid_to: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    invite_id: int | None = Field(default=None, foreign_key="invite.id")


class Invite(SQLModel, table=True):
    """A single-use, expiring admission ticket; only the code's hash is stored."""

    __tablename__ = "invite"

    id: int | None = Field(default=None, primary_key=True)
    code_hash: str = Field(max_length=64, unique=True)
    role: str = Field(max_length=20)
    unit_id: int | None = Field(default=None, foreign_key="admin_unit.id")
    cooperative_id: int | None = Field(default=None, foreign_key="cooperative.id")
    office_id: int | None = Field(default=None, foreign_key="office.id")
    # The invitee's mobile number (84…), given to the person on admission.
    phone: str | None = Field(default=None, max_length=15)
    created_by_person_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: dt.datetime = Field(sa_type=UTCDateTime)
    redeemed_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    redeemed_by_person_id: int | None = Field(default=None, foreign_key="person.id")
    revoked_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class InviteAttempt(SQLModel, table=True):
    """A failed redemption, counted to slow down guessing."""

    __tablename__ = "invite_attempt"
    __table_args__ = (
        Index("ix_invite_attempt_who_when", "channel", "external_id", "at"),
        # The nightly purge deletes by age alone, which the index above cannot serve.
        Index("ix_invite_attempt_at", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    external_id: str = Field(max_length=64)
    at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
