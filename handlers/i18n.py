"""Translations and locale-aware formatting for the people the bot talks to.

Messages use the gettext domain ``coopbot``; source strings are English and the catalogs are
``locales/<lang>/LC_MESSAGES/coopbot.po`` with their compiled ``.mo`` beside them (see
``scripts/i18n.sh``). Loading refuses a missing or stale ``.mo`` instead of silently showing
the English source text.

Dates and numbers are formatted with Babel in the person's locale and shown in the
configured time zone (Vietnam's by default).
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext as gettext_module
import zoneinfo
from decimal import Decimal
from pathlib import Path

from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from storage.errors import N_

DOMAIN = "coopbot"
SUPPORTED_LOCALES = ("vi", "en")
DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"

# Babel patterns per locale: Vietnamese writes 25/02/2021 and 14:30 25/02/2021; English
# uses an unambiguous month name and the 24-hour clock people in Vietnam read.
_DATE_PATTERNS = {"vi": "dd/MM/y", "en": "d MMM y"}
_DATETIME_PATTERNS = {"vi": "HH:mm dd/MM/y", "en": "d MMM y, HH:mm"}

# Translators: a calendar quarter and its year; Vietnamese writes "Quý II/2026".
_QUARTERS = (N_("Q1 {year}"), N_("Q2 {year}"), N_("Q3 {year}"), N_("Q4 {year}"))


class CatalogError(RuntimeError):
    """A compiled catalog is missing or older than its source: run ``scripts/i18n.sh compile``."""


class Translator:
    """The messages of one locale."""

    def __init__(self, locale: str, translations: gettext_module.NullTranslations) -> None:
        self.locale = locale
        self._translations = translations

    def gettext(self, message: str) -> str:
        """Return ``message`` in this locale."""
        return self._translations.gettext(message)

    def _(self, message: str, **params: object) -> str:
        """Return ``message`` in this locale with its named placeholders filled in."""
        text = self._translations.gettext(message)
        return text.format(**params) if params else text

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """Return the singular or plural form this locale uses for ``n``."""
        return self._translations.ngettext(singular, plural, n)

    def pgettext(self, context: str, message: str) -> str:
        """Return ``message`` in this locale, as meant in ``context``."""
        return self._translations.pgettext(context, message)

    def npgettext(self, context: str, singular: str, plural: str, n: int) -> str:
        """Return the form for ``n`` of a message meant in ``context``."""
        return self._translations.npgettext(context, singular, plural, n)

    def __repr__(self) -> str:
        return f"Translator({self.locale!r})"


def _comparable(value: object) -> object:
    # Babel reads a .mo's contexts as bytes and its plural forms as lists.
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, list | tuple):
        return tuple(value)
    return value


def _entries(path: Path, *, compiled: bool) -> set[tuple[object, object, object]]:
    """Return the translated messages of a .po or .mo file as comparable tuples."""
    with path.open("rb") as handle:
        catalog = read_mo(handle) if compiled else read_po(handle)
    return {
        (_comparable(message.context), _comparable(message.id), _comparable(message.string))
        for message in catalog
        if message.id and message.string and not message.fuzzy
    }


def _check_compiled(po: Path, mo: Path) -> None:
    if not mo.exists():
        raise CatalogError(f"{mo} is missing: run scripts/i18n.sh compile")
    if not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime:
        return
    # A fresh checkout may write the .po after the .mo: only a real difference is stale.
    if _entries(po, compiled=False) != _entries(mo, compiled=True):
        raise CatalogError(f"{mo} is older than {po.name}: run scripts/i18n.sh compile")


def load_catalogs(path: Path = LOCALES_DIR) -> dict[str, Translator]:
    """Load the compiled catalog of every supported locale from ``path``.

    Raises:
        CatalogError: when a ``.mo`` file is missing or out of date with its ``.po``.
    """
    translators: dict[str, Translator] = {}
    for locale in SUPPORTED_LOCALES:
        directory = path / locale / "LC_MESSAGES"
        mo = directory / f"{DOMAIN}.mo"
        _check_compiled(directory / f"{DOMAIN}.po", mo)
        with mo.open("rb") as handle:
            translators[locale] = Translator(locale, gettext_module.GNUTranslations(handle))
    return translators


@functools.cache
def _catalogs() -> dict[str, Translator]:
    return load_catalogs()


def _language(tag: str | None) -> str | None:
    """Return the supported language of a tag like 'en-US', 'vi_VN' or 'VI', else None."""
    if not tag:
        return None
    language = tag.strip().replace("_", "-").split("-")[0].lower()
    return language if language in SUPPORTED_LOCALES else None


def _supported(locale: str) -> str:
    language = _language(locale)
    if language is None:
        raise ValueError(f"unsupported locale {locale!r} (use one of {SUPPORTED_LOCALES})")
    return language


def choose_locale(stored: str | None, platform: str | None, default: str) -> str:
    """Pick a person's locale: their stored choice, else their app's language, else ``default``.

    Languages the bot does not speak are skipped, so 'fr' falls through to ``default``.
    """
    return _language(stored) or _language(platform) or _supported(default)


def get_translator(locale: str) -> Translator:
    """Return the translator of ``locale`` (a supported language, region tags allowed)."""
    return _catalogs()[_supported(locale)]


def _zone(tz: str | dt.tzinfo) -> dt.tzinfo:
    return zoneinfo.ZoneInfo(tz) if isinstance(tz, str) else tz


def format_date(day: dt.date, locale: str) -> str:
    """Format a calendar date: '25/02/2021' in Vietnamese, '25 Feb 2021' in English."""
    language = _supported(locale)
    return babel_format_date(day, _DATE_PATTERNS[language], locale=language)


def format_datetime(
    utc_dt: dt.datetime, locale: str, tz: str | dt.tzinfo = DEFAULT_TIMEZONE
) -> str:
    """Format a UTC moment in the time zone ``tz``: '14:30 25/02/2021' in Vietnamese.

    A naive ``utc_dt`` is taken to be UTC, as the database stores it.
    """
    language = _supported(locale)
    aware = utc_dt if utc_dt.tzinfo else utc_dt.replace(tzinfo=dt.UTC)
    pattern = _DATETIME_PATTERNS[language]
    return babel_format_datetime(aware, pattern, tzinfo=_zone(tz), locale=language)


def format_number(number: float | Decimal, locale: str) -> str:
    """Format a number with the locale's separators: '1.234.567,5' in Vietnamese."""
    return format_decimal(number, locale=_supported(locale))


def format_quarter(year: int, quarter: int, locale: str) -> str:
    """Name a calendar quarter: 'Quý II/2026' in Vietnamese, 'Q2 2026' in English."""
    if not 1 <= quarter <= 4:
        raise ValueError(f"a quarter is 1 to 4, not {quarter}")
    label = get_translator(locale).gettext(_QUARTERS[quarter - 1])
    return label.format(year=year)
