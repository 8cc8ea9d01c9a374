"""Cooperatives are imported from officials' spreadsheets: validated in full, then upserted."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner

from bot.cli import app
from storage.db import Database
from storage.models import AdminUnit, Cooperative, SuccessionKind, UnitSuccession
from storage.registry import ImportReport, import_registry
from storage.registry_read import RegistryFileError, read_sheet
from storage.text import fold_unit_name
from storage.units import rebuild_unit_closure

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_CSV = ROOT / "docs" / "samples" / "registry-ke-sach.csv"
SAMPLE_XLSX = ROOT / "docs" / "samples" / "registry-ke-sach.xlsx"
BROKEN_CSV = ROOT / "tests" / "fixtures" / "registry-broken.csv"
REFORM = dt.date(2025, 7, 1)

# (code, name, type) of the old communes of Huyện Kế Sách used here, and what they became.
OLD_COMMUNES = (
    ("31528", "Thị trấn Kế Sách", "Thị trấn"),
    ("31558", "Xã Kế An", "Xã"),
    ("31555", "Xã Kế Thành", "Xã"),
    ("31531", "Thị trấn An Lạc Thôn", "Thị trấn"),
    ("31534", "Xã Xuân Hòa", "Xã"),
    ("31543", "Xã Trinh Phú", "Xã"),
    ("31540", "Xã An Lạc Tây", "Xã"),
    ("31549", "Xã Thới An Hội", "Xã"),
    ("31546", "Xã Ba Trinh", "Xã"),
    ("31561", "Xã Đại Hải", "Xã"),
)
NEW_COMMUNES = {
    ("31528", "Xã Kế Sách"): ("31528", "31558", "31555"),
    ("31531", "Xã An Lạc Thôn"): ("31531", "31534", "31543"),
    ("31540", "Xã Thới An Hội"): ("31540", "31549"),
    ("31561", "Xã Đại Hải"): ("31546", "31561"),
}


def unit(
    code: str, name: str, unit_type: str, level: str, parent: AdminUnit | None, *, old: bool
) -> AdminUnit:
    """Build a unit valid until the 2025 reform (``old``) or since it."""
    return AdminUnit(
        code=code,
        name=name,
        unit_type=unit_type,
        folded_name=fold_unit_name(name),
        level=level,
        parent_id=parent.id if parent else None,
        valid_from=None if old else REFORM,
        valid_to=REFORM if old else None,
    )


async def add(session: AsyncSession, item: AdminUnit) -> AdminUnit:
    """Insert a unit and return it with its id."""
    session.add(item)
    await session.flush()
    return item


async def add_ke_sach_units(session: AsyncSession) -> None:
    """Insert the Kế Sách communes of both eras, their successions and the closure tables."""
    soc_trang = await add(
        session, unit("94", "Tỉnh Sóc Trăng", "Tỉnh", "province", None, old=True)
    )
    can_tho = await add(
        session, unit("92", "Thành phố Cần Thơ", "Thành phố", "province", None, old=False)
    )
    district = await add(
        session, unit("943", "Huyện Kế Sách", "Huyện", "district", soc_trang, old=True)
    )
    old = {
        code: await add(session, unit(code, name, kind, "commune", district, old=True))
        for code, name, kind in OLD_COMMUNES
    }
    session.add(
        UnitSuccession(
            old_id=soc_trang.id, new_id=can_tho.id, kind=SuccessionKind.MERGE, on=REFORM
        )
    )
    for (code, name), sources in NEW_COMMUNES.items():
        new = await add(session, unit(code, name, "Xã", "commune", can_tho, old=False))
        for source in sources:
            session.add(
                UnitSuccession(
                    old_id=old[source].id, new_id=new.id, kind=SuccessionKind.MERGE, on=REFORM
                )
            )
    await session.flush()
    await rebuild_unit_closure(session)
    await session.commit()


@pytest.fixture
async def units_session(session: AsyncSession) -> AsyncSession:
    """Give a session on a database holding the Kế Sách units of both eras."""
    await add_ke_sach_units(session)
    return session


async def run_import(session: AsyncSession, data: bytes | str, **options: bool) -> ImportReport:
    """Import a file's content in one transaction, as the CLI does."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    report = await import_registry(session, read_sheet(raw), **options)
    await session.commit()
    return report


async def count(session: AsyncSession) -> int:
    """Return how many cooperatives are stored."""
    return (await session.execute(select(func.count()).select_from(Cooperative))).scalar_one()


async def stored(session: AsyncSession) -> dict[str, tuple[str, Cooperative]]:
    """Return each stored cooperative by name, with the name of its commune."""
    rows = await session.execute(
        select(Cooperative, AdminUnit.name).join(AdminUnit, AdminUnit.id == Cooperative.commune_id)
    )
    return {coop.name: (commune, coop) for coop, commune in rows}


def problems(report: ImportReport) -> list[tuple[int, str]]:
    """Return each error's row and column."""
    return [(e.row, e.column) for e in report.errors]


def workbook_bytes(rows: list[list[object]]) -> bytes:
    """Return an XLSX workbook holding ``rows`` on its first sheet."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def test_the_semicolon_csv_sample_with_a_bom_lands_on_the_communes_of_2025(
    units_session: AsyncSession,
) -> None:
    """The shipped CSV imports all twelve cooperatives, each filed under today's commune."""
    assert SAMPLE_CSV.read_bytes().startswith(b"\xef\xbb\xbf")
    report = await run_import(units_session, SAMPLE_CSV.read_bytes())
    assert (report.created, report.errors, report.warnings) == (12, [], [])
    coops = await stored(units_session)
    assert coops["HTX Trinh Phú"][0] == "Xã An Lạc Thôn"
    assert coops["HTX Quyết Thắng"][0] == "Xã An Lạc Thôn"
    assert coops["HTX An Thạnh"][0] == "Xã Thới An Hội"
    assert coops["HTX Thành Phú"][0] == "Xã Kế Sách"
    assert coops["HTX Đại Đoàn Kết"][0] == "Xã Đại Hải"
    tien_loi = coops["Tổ hợp tác Tiến Lợi"][1]
    assert (tien_loi.kind, tien_loi.registration_code, tien_loi.status) == ("THT", None, "active")
    assert coops["HTX Trinh Phú"][1].founded_on == dt.date(2009, 5, 12)


async def test_made_up_codes_flag_their_rows_illustrative_and_real_codes_do_not(
    units_session: AsyncSession,
) -> None:
    """The sample's DEMO-… codes are stored flagged illustrative; a code of digits is not."""
    await run_import(units_session, SAMPLE_CSV.read_bytes())
    coops = await stored(units_session)
    assert coops["HTX Trinh Phú"][1].registration_code == "DEMO-KS-01"
    assert all(coop.illustrative for name, (_, coop) in coops.items() if name.startswith("HTX"))
    assert not coops["Tổ hợp tác Tiến Lợi"][1].illustrative
    await run_import(
        units_session, "Mã số;Tên;Loại hình;Xã\n1234567890;HTX Mới;HTX;Trinh Phú\n".encode()
    )
    assert not (await stored(units_session))["HTX Mới"][1].illustrative


async def test_the_xlsx_sample_imports_the_same_cooperatives_as_the_csv(
    units_session: AsyncSession,
) -> None:
    """The shipped workbook, with real date and number cells, gives the same twelve rows."""
    report = await run_import(units_session, SAMPLE_XLSX.read_bytes())
    assert (report.created, report.errors) == (12, [])
    again = await run_import(units_session, SAMPLE_CSV.read_bytes())
    assert (again.created, again.updated, again.unchanged) == (0, 0, 12)
    coop = (await stored(units_session))["HTX 22 tháng 12"][1]
    assert (coop.members, coop.founded_on) == (31, dt.date(2018, 12, 22))


async def test_a_comma_csv_without_a_bom_and_with_crlf_lines_is_read(
    units_session: AsyncSession,
) -> None:
    """Plain comma-separated text with Windows line ends imports, quoted commas included."""
    text = (
        "name,kind,commune,registration_code,phone,director\r\n"
        'HTX Trinh Phú,HTX,Xã Trinh Phú,2201000101,0299 3871 234,"Nguyễn Văn A, Jr"\r\n'
    )
    report = await run_import(units_session, text)
    assert (report.created, report.errors) == (1, [])
    coop = (await stored(units_session))["HTX Trinh Phú"][1]
    assert (coop.phone, coop.director_name) == ("0299 3871 234", "Nguyễn Văn A, Jr")


async def test_the_broken_file_is_refused_with_every_error_and_nothing_written(
    units_session: AsyncSession,
) -> None:
    """Bad commune, repeated code, empty name, wrong kind and bad date are all listed at once."""
    await run_import(
        units_session, "Mã số;Tên;Loại hình;Xã\n2201000101;HTX Trinh Phú;HTX;Trinh Phú\n"
    )
    before = await count(units_session)
    report = await run_import(units_session, BROKEN_CSV.read_bytes())
    assert report.refused
    assert problems(report) == [
        (3, "commune"),
        (4, "registration_code"),
        (5, "name"),
        (6, "kind"),
        (7, "founded_on"),
    ]
    assert report.errors[0].render() == "Nothing called “xa abc” was found."
    assert (
        report.errors[1].render() == "The registration code “2201000101” is already used in row 2."
    )
    assert (report.created, report.updated) == (0, 0)
    assert await count(units_session) == before == 1
    assert (await stored(units_session))["HTX Trinh Phú"][1].members is None


async def test_skip_invalid_imports_the_good_rows_and_reports_the_bad_ones(
    units_session: AsyncSession,
) -> None:
    """With skip_invalid the two good rows of the broken file are stored, five are skipped."""
    report = await run_import(units_session, BROKEN_CSV.read_bytes(), skip_invalid=True)
    assert not report.refused
    assert (report.created, report.skipped, len(report.errors)) == (2, 5, 5)
    assert sorted(await stored(units_session)) == ["HTX 2 tháng 9", "HTX Trinh Phú"]


async def test_reimport_by_registration_code_updates_instead_of_duplicating(
    units_session: AsyncSession,
) -> None:
    """A second file with the same code and new members updates the one cooperative."""
    await run_import(
        units_session, "name,kind,commune,registration_code,members\nHTX A,HTX,Trinh Phú,77,10\n"
    )
    report = await run_import(
        units_session, "name,kind,commune,registration_code,members\nHTX A mới,HTX,Kế An,77,12\n"
    )
    assert (report.created, report.updated, report.unchanged) == (0, 1, 0)
    commune, coop = (await stored(units_session))["HTX A mới"]
    assert (await count(units_session), coop.members, commune) == (1, 12, "Xã Kế Sách")


async def test_reimport_without_code_matches_the_name_and_commune(
    units_session: AsyncSession,
) -> None:
    """Without a code, the folded name and today's commune find the cooperative again."""
    await run_import(units_session, "name,kind,commune,members\nHTX Lộc Mãi,HTX,Xã Trinh Phú,25\n")
    report = await run_import(
        units_session,
        "name,kind,commune,members\nhtx loc mai,HTX,An Lạc Thôn,26\nHTX Khác,HTX,Kế An,3\n",
    )
    assert (report.created, report.updated) == (1, 1)
    assert await count(units_session) == 2
    assert (await stored(units_session))["htx loc mai"][1].members == 26


async def test_an_unchanged_reimport_counts_every_row_as_unchanged(
    units_session: AsyncSession,
) -> None:
    """Importing the same file twice changes nothing the second time."""
    await run_import(units_session, SAMPLE_CSV.read_bytes())
    report = await run_import(units_session, SAMPLE_CSV.read_bytes())
    assert (report.created, report.updated, report.unchanged) == (0, 0, 12)


async def test_a_code_added_later_attaches_to_the_cooperative_imported_without_one(
    units_session: AsyncSession,
) -> None:
    """A row with a new code updates the same-named cooperative of the commune that had none."""
    await run_import(units_session, "name,kind,commune\nHTX Tín Phát,HTX,Kế Thành\n")
    report = await run_import(
        units_session, "name,kind,commune,Mã số\nHTX Tín Phát,HTX,Kế Thành,99\n"
    )
    assert (report.created, report.updated) == (0, 1)
    assert (await stored(units_session))["HTX Tín Phát"][1].registration_code == "99"


async def test_an_empty_code_cell_never_erases_a_known_code(units_session: AsyncSession) -> None:
    """Re-importing without the code matches by name and keeps the stored code."""
    await run_import(units_session, "name,kind,commune,Mã số\nHTX Tín Phát,HTX,Kế Thành,99\n")
    report = await run_import(
        units_session, "name,kind,commune,Mã số\nHTX Tín Phát,HTX,Kế Thành,\n"
    )
    assert report.unchanged == 1
    assert (await stored(units_session))["HTX Tín Phát"][1].registration_code == "99"


async def test_names_and_values_typed_without_diacritics_are_understood(
    units_session: AsyncSession,
) -> None:
    """'trinh phu', 'hop tac xa', 'dang giai the' and 'khong' match their accented forms."""
    text = (
        "ten htx;loai hinh;xa;tinh trang;cong nghe cao;sao ocop\n"
        "HTX Trinh Phú;hop tac xa;trinh phu;dang giai the;khong;4 sao\n"
    )
    report = await run_import(units_session, text)
    assert report.errors == []
    commune, coop = (await stored(units_session))["HTX Trinh Phú"]
    assert commune == "Xã An Lạc Thôn"
    assert (coop.kind, coop.status, coop.high_tech, coop.ocop_stars) == (
        "HTX",
        "dissolving",
        False,
        4,
    )


@pytest.mark.parametrize(
    ("column", "cell", "attribute", "value"),
    [
        ("founded_on", "5/1/2020", "founded_on", dt.date(2020, 1, 5)),
        ("founded_on", "2020-01-05", "founded_on", dt.date(2020, 1, 5)),
        ("members", "1.200", "members", 1200),
        ("members", "0", "members", 0),
        ("high_tech", "x", "high_tech", True),
        ("high_tech", "Có", "high_tech", True),
        ("high_tech", "", "high_tech", False),
        ("ocop_stars", "5", "ocop_stars", 5),
        ("status", "Củng cố", "status", "consolidating"),
        ("status", "", "status", "active"),
        ("kind", "Liên hiệp HTX", "kind", "LHHTX"),
        ("kind", "Tổ hợp tác", "kind", "THT"),
    ],
)
async def test_each_documented_spelling_of_a_value_is_accepted(
    units_session: AsyncSession, column: str, cell: str, attribute: str, value: object
) -> None:
    """A documented way of writing a value is stored as the canonical value."""
    header = "name,commune" + ("" if column == "kind" else ",kind")
    extra = "" if column == "kind" else ",HTX"
    text = f"{header},{column}\nHTX Mẫu,Kế An{extra},{cell}\n"
    report = await run_import(units_session, text)
    assert report.errors == []
    assert getattr((await stored(units_session))["HTX Mẫu"][1], attribute) == value


@pytest.mark.parametrize(
    ("column", "cell", "message"),
    [
        ("founded_on", "2020", "“2020” is not a date; write dd/mm/yyyy or yyyy-mm-dd."),
        ("founded_on", "01/01/2999", "The date 01/01/2999 is in the future."),
        ("members", "-3", "“-3” is not a whole number of 0 or more."),
        ("members", '"12,5"', "“12,5” is not a whole number of 0 or more."),
        ("ocop_stars", "2", "“2” is not an OCOP rating; write 3, 4 or 5."),
        (
            "high_tech",
            "maybe",
            "“maybe” is not yes or no; write yes/no, có/không, 1/0, or x/empty.",
        ),
        (
            "status",
            "giải thể",
            "“giải thể” is not a status; write active, consolidating, dissolving or dissolved.",
        ),
        ("phone", "0" * 41, "The text is too long: at most 40 characters."),
    ],
)
async def test_an_unacceptable_value_is_reported_with_its_row_and_column(
    units_session: AsyncSession, column: str, cell: str, message: str
) -> None:
    """A value outside the documented forms refuses the file with a readable message."""
    report = await run_import(
        units_session, f"name,kind,commune,{column}\nHTX Mẫu,HTX,Kế An,{cell}\n"
    )
    assert report.refused
    assert [(e.row, e.column, e.render()) for e in report.errors] == [(2, column, message)]


async def test_the_province_narrows_the_commune_lookup(units_session: AsyncSession) -> None:
    """A commune name also used in another province resolves within the province given."""
    other = await add(units_session, unit("80", "Tỉnh Khác", "Tỉnh", "province", None, old=False))
    await add(units_session, unit("99001", "Xã Trinh Phú", "Xã", "commune", other, old=False))
    await rebuild_unit_closure(units_session)
    await units_session.commit()
    text = (
        "name,kind,commune,province\nHTX A,HTX,Trinh Phú,Sóc Trăng\nHTX B,HTX,Trinh Phú,Cần Thơ\n"
    )
    report = await run_import(
        units_session, text + "HTX C,HTX,Trinh Phú,Tỉnh Khác\nHTX D,HTX,x,Hà Nội\n"
    )
    assert problems(report) == [(5, "province")]
    await run_import(units_session, text + "HTX C,HTX,Trinh Phú,Tỉnh Khác\n")
    coops = await stored(units_session)
    assert [coops[n][0] for n in ("HTX A", "HTX B")] == ["Xã An Lạc Thôn", "Xã An Lạc Thôn"]
    assert coops["HTX C"][1].commune_id != coops["HTX A"][1].commune_id


async def test_an_unknown_column_is_reported_once_and_ignored(units_session: AsyncSession) -> None:
    """A column nobody knows gives one warning, whatever the number of rows, and no error."""
    text = "STT,name,kind,commune,Ghi chú\n1,HTX A,HTX,Kế An,x\n2,HTX B,HTX,Kế An,y\n"
    report = await run_import(units_session, text)
    assert report.created == 2
    assert [(w.row, w.column, w.render()) for w in report.warnings] == [
        (1, "Ghi chú", "Unknown column “Ghi chú”, ignored.")
    ]


async def test_a_missing_required_column_is_an_error_naming_it(
    units_session: AsyncSession,
) -> None:
    """A file without a commune column is refused, even with skip_invalid, naming the column."""
    report = await run_import(units_session, "Tên,Loại hình\nHTX A,HTX\n", skip_invalid=True)
    assert report.refused
    assert problems(report) == [(1, "commune")]
    assert "commune" in report.errors[0].render()
    assert "“Xã/Phường”" in report.errors[0].render()
    assert await count(units_session) == 0


async def test_two_columns_meaning_the_same_key_are_refused(units_session: AsyncSession) -> None:
    """'Xã' and 'Phường' side by side are ambiguous, so the header is an error."""
    report = await run_import(units_session, "name,kind,Xã,Phường\nHTX A,HTX,Kế An,Kế An\n")
    assert problems(report) == [(1, "commune")]


async def test_blank_and_title_rows_keep_the_row_numbers_a_spreadsheet_shows(
    units_session: AsyncSession,
) -> None:
    """A title above the header and blank rows are skipped; errors still name the real row."""
    text = "DANH SÁCH HTX,,\n\nTên,Loại hình,Xã\n\nHTX A,HTX,Kế An\n\n\nHTX B,XYZ,Kế An\n"
    report = await run_import(units_session, text)
    assert problems(report) == [(8, "kind")]
    assert [w.render() for w in report.warnings] == ["Rows above the header (1) were ignored."]


async def test_numbers_in_an_xlsx_phone_column_warn_about_leading_zeros(
    units_session: AsyncSession,
) -> None:
    """A phone stored as a number keeps its digits, and the sheet gets one warning."""
    data = workbook_bytes(
        [
            ["name", "kind", "commune", "phone", "founded_on", "members"],
            ["HTX A", "HTX", "Kế An", 912345678, dt.date(2020, 1, 5), 7.0],
            ["HTX B", "HTX", "Kế An", "0912345678", None, None],
        ]
    )
    report = await run_import(units_session, data)
    assert report.created == 2
    assert [w.column for w in report.warnings] == ["phone"]
    coops = await stored(units_session)
    assert coops["HTX A"][1].phone == "912345678"
    assert (coops["HTX A"][1].founded_on, coops["HTX A"][1].members) == (dt.date(2020, 1, 5), 7)
    assert coops["HTX B"][1].phone == "0912345678"


async def test_the_same_name_twice_in_a_commune_is_an_error_on_the_later_row(
    units_session: AsyncSession,
) -> None:
    """Two rows without codes naming the same cooperative of the same commune are refused."""
    text = "name,kind,commune\nHTX A,HTX,Trinh Phú\nhtx a,HTX,Xã An Lạc Thôn\n"
    report = await run_import(units_session, text)
    assert problems(report) == [(3, "name")]


async def test_a_dry_run_counts_what_would_change_and_writes_nothing(
    units_session: AsyncSession,
) -> None:
    """The dry run reports twelve creations and leaves the table empty."""
    report = await run_import(units_session, SAMPLE_CSV.read_bytes(), dry_run=True)
    assert (report.dry_run, report.refused, report.created) == (True, False, 12)
    assert await count(units_session) == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"\n \n;;\n", "The file is empty."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "The file is not a spreadsheet"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64), "This is an old .xls workbook"),
        (b"PK\x03\x04 not really a zip", "The workbook cannot be read"),
        ("name;kind\nHTX Trinh Ph\u00fa;HTX\n".encode("cp1258"), "neither XLSX nor UTF-8"),
        (b"<html><table><tr><td>HTX</td></tr></table></html>", "The file is not a spreadsheet"),
        (workbook_bytes([]), "The first sheet of the workbook is empty."),
    ],
)
def test_a_file_that_is_not_a_spreadsheet_is_one_clear_error(data: bytes, message: str) -> None:
    """Empty, binary, legacy or non-UTF-8 files raise one error saying what to do."""
    with pytest.raises(RegistryFileError) as raised:
        read_sheet(data)
    assert message in str(raised.value)


async def test_a_text_without_any_known_column_is_not_taken_for_a_registry(
    units_session: AsyncSession,
) -> None:
    """A text file whose first row names no known column is one error, not a list of them."""
    with pytest.raises(RegistryFileError, match="No column of the file is one the registry"):
        await run_import(units_session, "[tool.ruff]\nline-length = 99\n")


async def test_a_header_without_rows_is_refused(units_session: AsyncSession) -> None:
    """A sheet holding only its header row has no cooperative to import."""
    with pytest.raises(RegistryFileError, match="no cooperatives"):
        await run_import(units_session, "name,kind,commune\n\n")


# The command line, on a temporary SQLite file migrated by `coopbot db upgrade`.


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    """Give the environment of a CLI run on a migrated database holding the Kế Sách units."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    env = {"COOPBOT_DATABASE_URL": url}
    upgraded = CliRunner().invoke(app, ["db", "upgrade"], env=env)
    assert upgraded.exit_code == 0, upgraded.output

    async def seed() -> None:
        database = Database(url)
        async with database.session() as session:
            await add_ke_sach_units(session)
        await database.close()

    asyncio.run(seed())
    return env


def count_in(env: dict[str, str]) -> int:
    """Return how many cooperatives the CLI's database holds."""

    async def query() -> int:
        database = Database(env["COOPBOT_DATABASE_URL"])
        async with database.session() as session:
            number = await count(session)
        await database.close()
        return number

    return asyncio.run(query())


def test_the_cli_imports_the_sample_and_reports_the_counts(cli_env: dict[str, str]) -> None:
    """`registry import` on the sample exits 0 and prints the created count."""
    result = CliRunner().invoke(app, ["registry", "import", str(SAMPLE_CSV)], env=cli_env)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "created 12, updated 0, unchanged 0, skipped 0"
    assert count_in(cli_env) == 12


def test_the_cli_refuses_the_broken_file_listing_each_error(cli_env: dict[str, str]) -> None:
    """The broken file exits 1 with one line per error, a summary, and nothing stored."""
    result = CliRunner().invoke(app, ["registry", "import", str(BROKEN_CSV)], env=cli_env)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert lines[0] == "row 3, column commune: Nothing called “xa abc” was found."
    assert [line.split(":")[0] for line in lines[1:5]] == [
        "row 4, column registration_code",
        "row 5, column name",
        "row 6, column kind",
        "row 7, column founded_on",
    ]
    assert lines[5].startswith(
        "error: import refused: 5 error(s) in 5 row(s); nothing was changed"
    )
    assert "Traceback" not in result.output
    assert count_in(cli_env) == 0


def test_the_cli_skips_invalid_rows_when_asked(cli_env: dict[str, str]) -> None:
    """With --skip-invalid the good rows are stored and the exit code is 0."""
    result = CliRunner().invoke(
        app, ["registry", "import", str(BROKEN_CSV), "--skip-invalid"], env=cli_env
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "created 2, updated 0, unchanged 0, skipped 5"
    assert count_in(cli_env) == 2


def test_the_cli_dry_run_writes_nothing(cli_env: dict[str, str]) -> None:
    """--dry-run reports what would be created and leaves the database as it was."""
    result = CliRunner().invoke(
        app, ["registry", "import", str(SAMPLE_XLSX), "--dry-run"], env=cli_env
    )
    assert result.exit_code == 0, result.output
    assert "would have created 12" in result.stdout
    assert count_in(cli_env) == 0


@pytest.mark.parametrize("content", [None, b"", b"\x00\x01\x02binary"])
def test_the_cli_turns_a_bad_file_into_one_error_line(
    cli_env: dict[str, str], tmp_path: Path, content: bytes | None
) -> None:
    """A missing, empty or binary file exits 1 with a single error line and no traceback."""
    path = tmp_path / "registry.csv"
    if content is not None:
        path.write_bytes(content)
    result = CliRunner().invoke(app, ["registry", "import", str(path)], env=cli_env)
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1
    assert result.output.startswith("error: ")
    assert "Traceback" not in result.output
