"""What every channel needs alike: the person's language, and the apology when a turn fails."""

from __future__ import annotations

import logging

from handlers.i18n import Translator, choose_locale, get_translator
from handlers.types import Reply
from storage.db import Database
from storage.errors import N_
from storage.people import preferred_locale

logger = logging.getLogger(__name__)

APOLOGY = N_(
    "Sorry, something went wrong on our side. Nothing you sent was lost — please try again "
    "in a moment."
)


async def reader_locale(
    database: Database,
    channel: str,
    external_id: str,
    *,
    default_locale: str,
    platform_locale: str | None = None,
) -> str:
    """Return the language a person reads: their choice, else the platform's, else the default.

    Works when the database does not answer (it may be what failed): the stored choice is then
    skipped.
    """
    stored = None
    try:
        async with database.session() as session:
            stored = await preferred_locale(session, channel, external_id)
    except Exception:
        logger.warning("no stored language for a %s account: the database did not answer", channel)
    return choose_locale(stored, platform_locale, default_locale)


async def reader_translator(
    database: Database,
    channel: str,
    external_id: str,
    *,
    default_locale: str,
    platform_locale: str | None = None,
) -> Translator:
    """Return the translator of the language ``reader_locale`` chooses."""
    locale = await reader_locale(
        database,
        channel,
        external_id,
        default_locale=default_locale,
        platform_locale=platform_locale,
    )
    return get_translator(locale)


def apology(translator: Translator) -> Reply:
    """Return the apology for a turn that failed on our side."""
    return Reply(text=translator.gettext(APOLOGY))
