"""The translation catalogs, their loading, and the locale-aware formatting helpers."""

from __future__ import annotations

import datetime as dt
import gettext
import io
import os
import re
import shutil
import unicodedata
from collections import Counter
from pathlib import Path
from string import Formatter

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

from handlers import i18n
from handlers.i18n import (
    CatalogError,
    Translator,
    choose_locale,
    format_date,
    format_datetime,
    format_number,
    format_quarter,
    get_translator,
    load_catalogs,
)
from storage.errors import InviteExpired, NotFound

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("vi", "en")
TEMPLATE = i18n.LOCALES_DIR / f"{i18n.DOMAIN}.pot"


def po_path(language: str, root: Path = i18n.LOCALES_DIR) -> Path:
    return root / language / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"


def read_catalog(path: Path, *, compiled: bool = False) -> Catalog:
    with path.open("rb") as handle:
        return read_mo(handle) if compiled else read_po(handle)


def message_key(
    message_id: str | tuple[str, ...] | list[str], context: str | None
) -> tuple[str | None, str]:
    return context, message_id if isinstance(message_id, str) else message_id[0]


def comparable(value: object) -> object:
    # Babel reads a .mo's contexts as bytes and its plural forms as lists.
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return tuple(value) if isinstance(value, list | tuple) else value


def entries(catalog: Catalog) -> set[tuple[object, object, object]]:
    return {
        (comparable(m.context), comparable(m.id), comparable(m.string))
        for m in catalog
        if m.id and m.string
    }


def placeholders(text: str) -> Counter[tuple[str, str | None, str | None]]:
    return Counter(
        (name, spec, conversion)
        for _, name, spec, conversion in Formatter().parse(text)
        if name is not None
    )


@pytest.fixture
def locales_copy(tmp_path: Path) -> Path:
    """Give a private copy of the committed catalogs to damage."""
    copy = tmp_path / "locales"
    shutil.copytree(i18n.LOCALES_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def test_the_template_lists_exactly_the_messages_of_the_sources() -> None:
    """The committed template holds every marked message of the sources and no stale one."""
    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    extracted = {
        message_key(message, context)
        for _file, _line, message, _comments, context in extract_from_dir(
            ROOT, method_map, options_map
        )
    }
    template = {message_key(m.id, m.context) for m in read_catalog(TEMPLATE) if m.id}
    assert extracted == template, "run scripts/i18n.sh extract"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_template_message_is_translated_and_not_fuzzy(language: str) -> None:
    """Each catalog translates every message of the template, none of them fuzzy."""
    template = {message_key(m.id, m.context) for m in read_catalog(TEMPLATE) if m.id}
    catalog = read_catalog(po_path(language))
    assert not catalog.fuzzy
    translated = {
        message_key(m.id, m.context)
        for m in catalog
        if m.id and not m.fuzzy and all(m.string if isinstance(m.string, tuple) else [m.string])
    }
    assert template - translated == set()


@pytest.mark.parametrize("language", LANGUAGES)
def test_committed_mo_files_match_their_po_files(language: str) -> None:
    """Each committed .mo holds the same messages as its .po compiled afresh."""
    compiled = io.BytesIO()
    write_mo(compiled, read_catalog(po_path(language)))
    compiled.seek(0)
    committed = read_catalog(po_path(language).with_suffix(".mo"), compiled=True)
    assert entries(committed) == entries(read_mo(compiled)), "run scripts/i18n.sh compile"


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders_of_their_source(language: str) -> None:
    """Every {placeholder} of a message appears identically in its (non-fuzzy) translation."""
    for message in read_catalog(po_path(language)):
        if not message.id or not message.string or message.fuzzy:
            continue
        if isinstance(message.id, str) and isinstance(message.string, str):
            assert placeholders(message.string) == placeholders(message.id), message.id
        else:
            # A singular form may leave out the count ("a minute"); no form may invent a field.
            allowed = set(placeholders(message.id[1]))
            assert all(set(placeholders(form)) <= allowed for form in message.string)


def test_english_catalog_maps_each_message_to_itself() -> None:
    """The English catalog shows the English source text unchanged."""
    for message in read_catalog(po_path("en")):
        if message.id:
            assert message.string == message.id


# The Vietnamese register: a provincial office writing to a cooperative or a commune chairman.
# A person is "Ông/Bà" (never the familiar "bạn", and not "Quý vị" beside "Ông/Bà"), and a
# cooperative's submission is a "phản ánh" (never "ý kiến"). Texts are compared in NFC, where
# "ạ" is one letter: in a decomposed text its combining dot would end a \b word.
FAMILIAR_YOU = re.compile(r"\bbạn\b", re.IGNORECASE | re.UNICODE)
OPINION = re.compile(r"\bý kiến\b", re.IGNORECASE | re.UNICODE)
COLLECTIVE_YOU = re.compile(r"\bquý vị\b", re.IGNORECASE | re.UNICODE)
SIR_OR_MADAM = "Ông/Bà"


def translated_texts(catalog: Catalog) -> list[tuple[str, str]]:
    """Return (message id, translation) for every translated form of the catalog, in NFC."""
    texts = []
    for message in catalog:
        if not message.id:
            continue
        message_id = message.id if isinstance(message.id, str) else message.id[0]
        forms = message.string if isinstance(message.string, tuple | list) else [message.string]
        texts.extend((message_id, unicodedata.normalize("NFC", form)) for form in forms if form)
    return texts


def using(pattern: re.Pattern[str], catalog: Catalog) -> list[str]:
    """Return the ids of the messages whose translation matches ``pattern``."""
    return [message_id for message_id, text in translated_texts(catalog) if pattern.search(text)]


def mixed_forms_of_address(catalog: Catalog) -> tuple[list[str], list[str]]:
    """Return the ids of the messages saying "Quý vị" and of those saying "Ông/Bà" when the
    catalog uses both, else two empty lists."""
    collective = using(COLLECTIVE_YOU, catalog)
    sir_or_madam = [i for i, text in translated_texts(catalog) if SIR_OR_MADAM in text]
    return (collective, sir_or_madam) if collective and sir_or_madam else ([], [])


def vietnamese_catalog(*texts: str) -> Catalog:
    catalog = Catalog(locale="vi")
    for number, text in enumerate(texts):
        catalog.add(f"message {number}", text)
    return catalog


def test_vietnamese_catalog_never_calls_a_person_ban() -> None:
    """No Vietnamese message says the familiar "bạn" to a director or a commune chairman."""
    assert using(FAMILIAR_YOU, read_catalog(po_path("vi"))) == []


def test_vietnamese_catalog_never_calls_a_submission_y_kien() -> None:
    """No Vietnamese message says "ý kiến": a cooperative's submission is a "phản ánh"."""
    assert using(OPINION, read_catalog(po_path("vi"))) == []


def test_vietnamese_catalog_uses_one_form_of_address() -> None:
    """The Vietnamese catalog does not say "Quý vị" in some messages and "Ông/Bà" in others."""
    assert mixed_forms_of_address(read_catalog(po_path("vi"))) == ([], [])


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Chào mừng bạn!", True),
        ("Bạn muốn gửi loại phản ánh nào?", True),
        ("VAI TRÒ CỦA BẠN: cán bộ.", True),
        ("(bạn)", True),
        (unicodedata.normalize("NFD", "Vai trò của bạn."), True),
        ("Chào mừng Ông/Bà!", False),
        ("Chúng tôi ban hành", False),
        ("bạnh", False),
        ("abạn", False),
    ],
)
def test_the_register_check_finds_ban_only_as_a_whole_word(text: str, found: bool) -> None:
    """The check catches "bạn" in any case, composed or not, and never inside another word."""
    assert bool(using(FAMILIAR_YOU, vietnamese_catalog(text))) is found


def test_the_register_checks_catch_a_damaged_catalog() -> None:
    """Each check fails on a catalog that breaks its rule, plural forms included."""
    catalog = vietnamese_catalog(
        "Xin cảm ơn Ông/Bà.", "Ý kiến của Quý vị đã được ghi nhận.", "Đây là phản ánh."
    )
    catalog.add(("{n} item", "{n} items"), ("{n} phản ánh của bạn",))
    assert using(FAMILIAR_YOU, catalog) == ["{n} item"]
    assert using(OPINION, catalog) == ["message 1"]
    assert mixed_forms_of_address(catalog) == (["message 1"], ["message 0"])
    assert mixed_forms_of_address(vietnamese_catalog("Kính gửi Quý vị.")) == ([], [])


def test_storage_errors_are_shown_in_vietnamese() -> None:
    """A domain error renders in Vietnamese through the Vietnamese translator."""
    vietnamese = get_translator("vi").gettext
    assert NotFound(name="Tân Lập").render(vietnamese) == "Không tìm thấy “Tân Lập”."
    assert InviteExpired().render(vietnamese).startswith("Mã mời này đã hết hạn.")
    assert NotFound(name="Tân Lập").render(get_translator("en").gettext) == str(
        NotFound(name="Tân Lập")
    )


def test_translator_picks_plural_forms_and_contexts() -> None:
    """A translator uses the catalog's plural rule and message contexts."""
    catalog = Catalog(locale="en")
    catalog.add(("{n} minute", "{n} minutes"), ("{n} minute", "{n} minutes"))
    catalog.add("Open", "Open (status)", context="status")
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    translator = Translator("en", gettext.GNUTranslations(buffer))
    assert translator.ngettext("{n} minute", "{n} minutes", 1) == "{n} minute"
    assert translator.ngettext("{n} minute", "{n} minutes", 5) == "{n} minutes"
    assert translator.pgettext("status", "Open") == "Open (status)"
    assert translator.npgettext("status", "Open", "Opens", 2) == "Opens"
    assert translator.gettext("Unknown") == "Unknown"


def test_get_translator_accepts_region_tags_and_refuses_unsupported_languages() -> None:
    """A region tag selects its language, and an unsupported language is refused."""
    assert get_translator("vi-VN").locale == "vi"
    assert get_translator("EN_us").locale == "en"
    with pytest.raises(ValueError, match="unsupported locale"):
        get_translator("fr")


@pytest.mark.parametrize(
    ("stored", "platform", "default", "expected"),
    [
        ("en", "vi", "vi", "en"),
        ("vi", "en-US", "en", "vi"),
        (None, "en-US", "vi", "en"),
        (None, "vi", "en", "vi"),
        ("", "en_GB", "vi", "en"),
        (None, None, "vi", "vi"),
        (None, None, "en", "en"),
        (None, "fr-FR", "vi", "vi"),
        ("de", "fr", "en", "en"),
        ("de", "en", "vi", "en"),
    ],
)
def test_choose_locale_prefers_stored_then_platform_then_default(
    stored: str | None, platform: str | None, default: str, expected: str
) -> None:
    """The stored choice wins, then the platform's language, then the default."""
    assert choose_locale(stored, platform, default) == expected


def test_choose_locale_refuses_an_unsupported_default() -> None:
    """A default the bot cannot speak is a configuration error, not a silent fallback."""
    with pytest.raises(ValueError, match="unsupported locale"):
        choose_locale(None, None, "fr")


def test_format_quarter_reads_naturally_in_each_language() -> None:
    """Quarters read 'Quý II/2026' in Vietnamese and 'Q2 2026' in English."""
    assert format_quarter(2026, 2, "vi") == "Quý II/2026"
    assert format_quarter(2026, 2, "en") == "Q2 2026"
    assert [format_quarter(2025, q, "vi") for q in (1, 3, 4)] == [
        "Quý I/2025",
        "Quý III/2025",
        "Quý IV/2025",
    ]


def test_format_quarter_refuses_a_fifth_quarter() -> None:
    """A quarter outside 1 to 4 is refused."""
    with pytest.raises(ValueError, match="quarter"):
        format_quarter(2026, 5, "vi")


def test_format_date_writes_day_month_year() -> None:
    """Dates read 25/02/2021 in Vietnamese and with a month name in English."""
    assert format_date(dt.date(2021, 2, 25), "vi") == "25/02/2021"
    assert format_date(dt.date(2021, 2, 5), "en") == "5 Feb 2021"


def test_format_datetime_shows_utc_moments_in_vietnam_time() -> None:
    """A UTC moment, aware or naive, is shown in Asia/Ho_Chi_Minh (UTC+7)."""
    moment = dt.datetime(2021, 2, 25, 17, 30, tzinfo=dt.UTC)
    assert format_datetime(moment, "vi") == "00:30 26/02/2021"
    assert format_datetime(moment.replace(tzinfo=None), "en") == "26 Feb 2021, 00:30"
    assert format_datetime(moment, "en", "UTC") == "25 Feb 2021, 17:30"


def test_format_number_uses_each_locales_separators() -> None:
    """Numbers group thousands with dots in Vietnamese and commas in English."""
    assert format_number(1234567.5, "vi") == "1.234.567,5"
    assert format_number(1234567.5, "en") == "1,234,567.5"


def test_loading_the_committed_catalogs_gives_every_language() -> None:
    """The committed catalogs load, one translator per supported language."""
    assert set(load_catalogs()) == set(LANGUAGES)


def test_loading_refuses_a_missing_compiled_catalog(locales_copy: Path) -> None:
    """A catalog whose .mo is missing is refused rather than shown in English."""
    po_path("vi", locales_copy).with_suffix(".mo").unlink()
    with pytest.raises(CatalogError, match="missing"):
        load_catalogs(locales_copy)


def test_loading_refuses_a_compiled_catalog_older_than_its_changed_source(
    locales_copy: Path,
) -> None:
    """A .mo older than a .po that has since changed is refused."""
    po = po_path("vi", locales_copy)
    catalog = read_catalog(po)
    message = next(m for m in catalog if m.id)
    message.string = "Một bản dịch mới."
    with po.open("wb") as handle:
        write_po(handle, catalog)
    mo = po.with_suffix(".mo")
    os.utime(mo, (po.stat().st_mtime - 60, po.stat().st_mtime - 60))
    with pytest.raises(CatalogError, match="older than"):
        load_catalogs(locales_copy)


def test_loading_accepts_a_source_touched_but_unchanged_after_compiling(
    locales_copy: Path,
) -> None:
    """A .po newer than its .mo only by its file time (as after a checkout) still loads."""
    po = po_path("vi", locales_copy)
    mo = po.with_suffix(".mo")
    catalog = read_catalog(po)
    catalog.add(("{n} minute", "{n} minutes"), ("{n} phút",))
    catalog.add("Open", "Đang mở", context="status")
    with po.open("wb") as handle:
        write_po(handle, catalog)
    with mo.open("wb") as handle:
        write_mo(handle, catalog)
    os.utime(mo, (po.stat().st_mtime - 60, po.stat().st_mtime - 60))
    translators = load_catalogs(locales_copy)
    assert translators["vi"].gettext("Q2 {year}") == "Quý II/{year}"
    assert translators["vi"].ngettext("{n} minute", "{n} minutes", 3) == "{n} phút"
    assert translators["vi"].pgettext("status", "Open") == "Đang mở"
