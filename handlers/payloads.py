"""Every button coopbot shows, declared once: its flow, its verb and its typed arguments.

The wire form is ``handlers.codec``'s grammar (``ib:ff:42:7``). Flows build buttons from these
classes (``OpenItem(42).encode()``) and read presses as them (``match turn.pressed``), so a
payload is written and read in one place. Prefixes: ``menu`` main menu, ``lang`` language,
``rp`` report, ``my`` a director's items, ``ib`` the handlers' inbox, ``mt`` meeting log and
reminders, ``dg`` digest, ``sm`` summary, ``ch`` charts, ``ex`` Excel, ``iv`` invites,
``pp`` people, ``fd`` search results, ``al`` alert settings, ``md`` photos or files sent
outside a conversation, ``pv`` the notice on personal data and /privacy, ``ph`` one's phone
number, ``more`` the rest of a long list of buttons (Zalo).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated

from handlers.codec import (
    Digits,
    Id,
    Key,
    OneOf,
    Page,
    Pattern,
    Payload,
    PeriodKey,
    QuarterKey,
    UnitOrAll,
    payload,
)
from storage.desk import DeskView
from storage.meetings import Outcome
from storage.models import AlertMode, FeedbackKind

# --- everyone ---------------------------------------------------------------------------


class MenuEntry(StrEnum):
    """The entries of the main menu."""

    REPORT = "report"
    MY = "my"
    MEETING = "meeting"
    INBOX = "inbox"


@payload("menu")
class OpenMenuEntry(Payload):
    """A main menu button: the same as typing its command."""

    entry: MenuEntry


@payload("lang")
class ChooseLanguage(Payload):
    """Read coopbot in this language from now on."""

    code: Annotated[str, OneOf(frozenset({"vi", "en"}))]


@payload("rp", "cancel")
class Cancel(Payload):
    """Stop the conversation in progress, whichever it is."""


# --- the director's report (rp) ---------------------------------------------------------


@payload("rp", "offer")
class ReportOfferedText(Payload):
    """Make the text just typed outside any flow into a report."""


@payload("rp", "coop")
class ReportCooperative(Payload):
    """The report is for this cooperative."""

    cooperative: Id


@payload("rp", "kind")
class ReportKind(Payload):
    """The report is a difficulty, a proposal or a question."""

    kind: FeedbackKind


@payload("rp", "cat")
class ReportCategory(Payload):
    """The report is about this topic."""

    category: Key


@payload("rp", "done")
class ReportAttachmentsDone(Payload):
    """No more attachments: show the preview."""


@payload("rp", "send")
class ReportSend(Payload):
    """Send the previewed report."""


@payload("rp", "edit")
class ReportEditText(Payload):
    """Write the report's text again."""


@payload("rp", "chcat")
class ReportChangeCategory(Payload):
    """Choose the report's topic again."""


@payload("rp", "back")
class ReportBack(Payload):
    """Go back one step."""


# --- a director's items (my) -------------------------------------------------------------


@payload("my", "p")
class MyItemsPage(Payload):
    """Show this page of the cooperative's items."""

    page: Page


@payload("my", "i")
class MyItem(Payload):
    """Open one of the cooperative's items."""

    item: Id


@payload("my", "a")
class MyItemAddInfo(Payload):
    """Add information to the item."""

    item: Id


@payload("my", "c")
class MyItemConfirm(Payload):
    """Confirm that the item is resolved."""

    item: Id


@payload("my", "r")
class MyItemReopen(Payload):
    """Reopen the item: the difficulty is not resolved."""

    item: Id


@payload("my", "q")
class MyItemAnswerQuestion(Payload):
    """Answer the question the handler asked about the item."""

    item: Id


@payload("my", "d")
class MyItemDone(Payload):
    """Nothing more to add to the item."""


Score = Annotated[int, Digits(1, 5)]


@payload("my", "s")
class RateAnswer(Payload):
    """Rate the answer the item received, from 1 (not satisfied) to 5 (satisfied)."""

    item: Id
    score: Score


@payload("md", "r")
class MediaAsReport(Payload):
    """Start a report with the photos or files just sent."""


@payload("md", "a")
class MediaAddTo(Payload):
    """Add the photos or files just sent to this item."""

    item: Id


# --- the handlers' inbox (ib) ------------------------------------------------------------


@payload("ib", "v")
class InboxView(Payload):
    """Show this page of one of the desk's lists (new, in progress, mine, overdue, all open)."""

    view: DeskView
    page: Page


@payload("ib", "i")
class OpenItem(Payload):
    """Open an item's card."""

    item: Id


@payload("ib", "a")
class Acknowledge(Payload):
    """Acknowledge the item."""

    item: Id


@payload("ib", "w")
class StartWork(Payload):
    """Mark the item in progress."""

    item: Id


@payload("ib", "o")
class ChooseOffice(Payload):
    """Show the offices the item can be assigned to."""

    item: Id


@payload("ib", "oo")
class AssignOffice(Payload):
    """Assign the item to this office."""

    item: Id
    office: Id


@payload("ib", "r")
class Answer(Payload):
    """Write the answer, which resolves the item."""

    item: Id


@payload("ib", "d")
class Decline(Payload):
    """Write the reason for declining the item."""

    item: Id


@payload("ib", "f")
class ChooseReferral(Payload):
    """Show the units the item can be referred to."""

    item: Id


@payload("ib", "ff")
class Refer(Payload):
    """Refer the item to this unit."""

    item: Id
    unit: Id


@payload("ib", "n")
class InternalNote(Payload):
    """Write an internal note on the item."""

    item: Id


@payload("ib", "q")
class AskQuestion(Payload):
    """Write a question to the cooperative; the item waits for its reply."""

    item: Id


@payload("fd", "p")
class FindPage(Payload):
    """Show this page of the last search's results."""

    page: Page


@payload("al")
class ChooseAlerts(Payload):
    """Hear of new items at once, in one message a day, or not at all."""

    mode: AlertMode


# --- meetings and reminders (mt) ---------------------------------------------------------


@payload("mt", "start")
class LogMeeting(Payload):
    """Log a meeting of this commune."""

    commune: Id


@payload("mt", "items")
class SeeAgenda(Payload):
    """Show the commune's open items (the agenda)."""

    commune: Id


@payload("mt", "snooze")
class SnoozeReminder(Payload):
    """Remind me of this quarter's meeting again in a week."""

    commune: Id
    quarter: QuarterKey


@payload("mt", "d")
class MeetingDay(Payload):
    """The meeting was held on this day."""

    day: dt.date


@payload("mt", "c")
class MeetingToggleCooperative(Payload):
    """This cooperative attended (or, pressed again, did not)."""

    cooperative: Id


@payload("mt", "cdone")
class MeetingCooperativesDone(Payload):
    """The attendance is complete."""


@payload("mt", "skipnotes")
class MeetingSkipNotes(Payload):
    """The meeting has no notes."""


SKIPPED = "skip"


@payload("mt", "o")
class MeetingOutcome(Payload):
    """What came of this agenda item (or ``skip``: it was not discussed)."""

    item: Id
    outcome: Annotated[str, OneOf(frozenset({*Outcome, SKIPPED}))]


@payload("mt", "nodec")
class MeetingSkipDecision(Payload):
    """Record the outcome without a sentence of what was decided."""


@payload("mt", "fix")
class MeetingFixOutcome(Payload):
    """Choose this agenda item's outcome again before saving."""

    item: Id


@payload("mt", "save")
class MeetingSave(Payload):
    """Save the meeting log."""


@payload("dg", "off")
class DigestOff(Payload):
    """Stop the weekly summary."""


# --- summaries, charts and workbooks (sm, ch, ex) ----------------------------------------


@payload("sm", "c")
class SummaryCategory(Payload):
    """List the items of a topic in a period and unit (0: the whole scope)."""

    category: Key
    period: PeriodKey
    unit: UnitOrAll


@payload("sm", "u")
class SummaryUnit(Payload):
    """Show the summary of one unit."""

    unit: UnitOrAll
    period: PeriodKey


@payload("ch")
class Charts(Payload):
    """Send the charts of a period and unit (0: the whole scope)."""

    period: PeriodKey
    unit: UnitOrAll


@payload("ex")
class Workbook(Payload):
    """Send the Excel workbook of a period and unit (0: the whole scope)."""

    period: PeriodKey
    unit: UnitOrAll


# --- invites and people (iv, pp) ---------------------------------------------------------

InviteRole = Annotated[str, OneOf(frozenset({"c", "d"}))]  # commune leader, director


@payload("iv", "x")
class InviteCancel(Payload):
    """Make no invite."""


@payload("iv", "r")
class InviteRoleChosen(Payload):
    """Invite someone in this role."""

    role: InviteRole


@payload("iv", "p")
class InviteTargetsPage(Payload):
    """Show this page of communes or cooperatives to invite for."""

    role: InviteRole
    page: Page


@payload("iv", "t")
class InviteFor(Payload):
    """Make the invite for this commune or cooperative."""

    role: InviteRole
    target: Id


@payload("pp", "p")
class PeoplePage(Payload):
    """Show this page of the people in one's area."""

    page: Page


@payload("pp", "r")
class AskRevoke(Payload):
    """Ask to confirm revoking this grant."""

    assignment: Id


@payload("pp", "y")
class ConfirmRevoke(Payload):
    """Revoke this grant."""

    assignment: Id


@payload("pp", "n")
class KeepGrant(Payload):
    """Revoke nothing."""


# --- channels ------------------------------------------------------------------------------


@payload("more")
class MoreButtons(Payload):
    """Show the buttons of the last long list from this one on (Zalo shows four at a time)."""

    start: Page


# --- personal data ------------------------------------------------------------------------

# An invite code as stored for hashing (``storage.invites.normalize_code``): the notice shown
# before admission carries it, so agreeing redeems it without anything kept meanwhile.
InviteCode = Annotated[str, Pattern(r"[A-Z0-9]{10}", 10)]


@payload("pv", "ok")
class AgreeAndJoin(Payload):
    """Agree to the notice and redeem the invite it was shown for."""

    code: InviteCode


@payload("pv", "yes")
class AgreeToNotice(Payload):
    """Agree to the notice's current version (someone admitted before it changed)."""


@payload("pv", "no")
class DeclineNotice(Payload):
    """Do not agree to the notice."""


@payload("pv", "copy")
class CopyOfMyData(Payload):
    """Send me a copy of everything stored about me."""


@payload("pv", "fix")
class CorrectMyData(Payload):
    """Ask for a correction of my data (the next text says what)."""


@payload("pv", "wd")
class WithdrawConsent(Payload):
    """Withdraw my consent (the account ends, the data is erased)."""


@payload("pv", "er")
class EraseMyData(Payload):
    """Ask for the erasure of my data."""


class EndingReason(StrEnum):
    """Why an account is ending at the person's request."""

    WITHDRAWAL = "withdrawal"
    ERASURE = "erasure"


@payload("pv", "sure")
class ConfirmErasure(Payload):
    """Yes: end my account and erase my data (having withdrawn consent, or asked for it)."""

    reason: EndingReason


# --- one's phone number (ph) ------------------------------------------------------------


@payload("ph", "new")
class ChangePhone(Payload):
    """Give a number, or another one (the next text is the number)."""


@payload("ph", "del")
class RemovePhone(Payload):
    """Ask to confirm forgetting the number kept."""


@payload("ph", "yes")
class ConfirmPhone(Payload):
    """Yes, the number just typed is right: keep it."""


@payload("ph", "no")
class RetypePhone(Payload):
    """No, the number just typed is wrong: type it again."""


@payload("ph", "rm")
class ConfirmRemovePhone(Payload):
    """Yes, forget the number kept."""


@payload("ph", "keep")
class KeepPhone(Payload):
    """Change nothing."""
