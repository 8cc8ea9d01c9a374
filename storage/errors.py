"""Domain errors: a small hierarchy that handlers turn into translated replies.

Each error carries a gettext message id (English source text with ``{placeholders}``) and its
parameters. ``str(error)`` is the English text; a handler shows ``_(error.message)`` formatted
with ``error.params`` in the user's language.
"""

from __future__ import annotations

from typing import Any


def N_(message: str) -> str:
    """Mark ``message`` for extraction into the catalogs without translating it here."""
    return message


class CoopbotError(Exception):
    """Base of every error a person may be shown."""

    message = N_("Something went wrong.")

    def __init__(self, message: str | None = None, **params: Any) -> None:
        if message is not None:
            self.message = message
        self.params = params
        super().__init__(self.render())

    def render(self, translate: Any = None) -> str:
        """Return the message, translated by ``translate`` when given, with its parameters."""
        text = translate(self.message) if translate else self.message
        return text.format(**self.params) if self.params else text


class NotFound(CoopbotError):
    """A named thing does not exist (in the person's view)."""

    message = N_("Nothing called “{name}” was found.")


class Ambiguous(CoopbotError):
    """A name matches several things; ``candidates`` lists them for the person to choose."""

    message = N_("“{name}” matches several: {candidates}.")

    def __init__(self, message: str | None = None, *, candidates: list[str], **params: Any):
        self.candidates = candidates
        super().__init__(message, candidates="; ".join(candidates), **params)


class PermissionDenied(CoopbotError):
    """The person's role or scope does not allow the action."""

    message = N_("You are not allowed to do that.")


class InvalidTransition(CoopbotError):
    """A status may not follow the current one."""

    message = N_("An item that is “{current}” cannot become “{target}”.")


class InvalidInput(CoopbotError):
    """A value the person gave is not acceptable."""

    message = N_("That value is not valid.")


class InviteInvalid(CoopbotError):
    """No invite has this code."""

    message = N_("This invite code is not valid. Check it and try again.")


class InviteUsed(CoopbotError):
    """The invite was already redeemed."""

    message = N_("This invite code has already been used. Ask for a new one.")


class InviteExpired(CoopbotError):
    """The invite is past its expiry or was revoked."""

    message = N_("This invite code has expired. Ask for a new one.")


class TooManyAttempts(CoopbotError):
    """Too many wrong invite codes in a short time."""

    message = N_("Too many wrong codes. Please wait {minutes} minutes and try again.")


class Busy(CoopbotError):
    """The database is busy with another writer; the same request will work in a moment.

    Raised instead of the driver's error for SQLite's "database is locked" (after the busy
    timeout) and PostgreSQL's lock timeouts, deadlocks and serialization failures. Nothing of
    the transaction was kept.
    """

    message = N_("The service is busy. Please send that again in a moment.")


class Unavailable(CoopbotError):
    """The database cannot be reached (down, restarting, or the connection was lost)."""

    message = N_("The service cannot reach its database right now. Please try again later.")
