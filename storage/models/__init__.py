"""All tables; importing this module registers them with the metadata Alembic compares."""

from sqlmodel import SQLModel

# Named constraints make migrations (and SQLite's batch mode) deterministic; this must be set
# before any table module is imported.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# ruff: noqa: E402

from storage.models.calendar import HolidayOverride
from storage.models.cooperatives import (
    Cooperative,
    CooperativeKind,
    CooperativeRating,
    CooperativeStatus,
    OcopProduct,
    PlanTarget,
)
from storage.models.feedback import (
    RESOLUTION_SECONDS,
    RESPONSE_SECONDS,
    Attachment,
    Category,
    EventKind,
    FeedbackEvent,
    FeedbackItem,
    FeedbackKind,
    Office,
    OfficeCategory,
    SequenceCounter,
    Status,
)
from storage.models.meetings import Meeting, MeetingAttendance, MeetingItem
from storage.models.people import (
    AlertMode,
    ChannelIdentity,
    Invite,
    InviteAttempt,
    Person,
    Role,
    RoleAssignment,
)
from storage.models.privacy import (
    Consent,
    ConsentDecision,
    PrivacyRequest,
    PrivacyRequestKind,
    PrivacyRequestState,
)
from storage.models.runtime import (
    ButtonOverflow,
    ChannelCredential,
    DialogState,
    OutboxMessage,
    OutboxStatus,
    ProcessedUpdate,
    ZaloTemplate,
)
from storage.models.types import UTCDateTime, utcnow
from storage.models.units import (
    AdminUnit,
    SuccessionDecision,
    SuccessionKind,
    UnitAncestor,
    UnitCurrent,
    UnitLevel,
    UnitSuccession,
    UnitSuccessionCheck,
    UnitSuccessionOverride,
)

metadata = SQLModel.metadata

__all__ = [
    "RESOLUTION_SECONDS",
    "RESPONSE_SECONDS",
    "AdminUnit",
    "AlertMode",
    "Attachment",
    "ButtonOverflow",
    "Category",
    "ChannelCredential",
    "ChannelIdentity",
    "Consent",
    "ConsentDecision",
    "Cooperative",
    "CooperativeKind",
    "CooperativeRating",
    "CooperativeStatus",
    "DialogState",
    "EventKind",
    "FeedbackEvent",
    "FeedbackItem",
    "FeedbackKind",
    "HolidayOverride",
    "Invite",
    "InviteAttempt",
    "Meeting",
    "MeetingAttendance",
    "MeetingItem",
    "OcopProduct",
    "Office",
    "OfficeCategory",
    "OutboxMessage",
    "OutboxStatus",
    "Person",
    "PlanTarget",
    "PrivacyRequest",
    "PrivacyRequestKind",
    "PrivacyRequestState",
    "ProcessedUpdate",
    "Role",
    "RoleAssignment",
    "SequenceCounter",
    "Status",
    "SuccessionDecision",
    "SuccessionKind",
    "UTCDateTime",
    "UnitAncestor",
    "UnitCurrent",
    "UnitLevel",
    "UnitSuccession",
    "UnitSuccessionCheck",
    "UnitSuccessionOverride",
    "ZaloTemplate",
    "metadata",
    "utcnow",
]
