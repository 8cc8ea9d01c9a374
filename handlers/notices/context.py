"""What rendering a notice needs: a session, the recipient's language, and the moment."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.i18n import Translator


@dataclass(frozen=True)
class Notice:
    """The circumstances of one notice being written.

    ``now`` is the sender's clock (the demo clock in the demo), so counts such as "overdue"
    are taken at the moment the notice is sent.
    """

    session: AsyncSession
    translator: Translator
    now: dt.datetime
