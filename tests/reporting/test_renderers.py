"""The renderers: PNG charts with every Vietnamese glyph, XLSX read back, QR codes."""

from __future__ import annotations

import datetime as dt
import io
import warnings

import pytest
from matplotlib.ft2font import FT2Font
from matplotlib.text import Text
from openpyxl import load_workbook
from PIL import Image

from bot.render import DefaultRenderers
from bot.render.charts import FONT_PATH, build_figure
from bot.render.workbook import DATE_FORMAT, sheet_title
from handlers.ports import ChartSpec, Series, Sheet, WorkbookSpec

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TITLE = "Phản ánh theo xã và trạng thái — Quý II/2026"
# Every letter Vietnamese writes, in both cases, and the marks people paste.
VIETNAMESE = (
    "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ"
)


def stacked_spec() -> ChartSpec:
    """Return a stacked chart with Vietnamese everywhere."""
    return ChartSpec(
        title=TITLE + "\nThành phố Cần Thơ",
        labels=("Xã An Lạc Thôn", "Xã Kế Sách", "Xã Đại Hải", "Xã Nhơn Mỹ"),
        series=(
            Series("mới", (3, 1, 0, 2)),
            Series("đang xử lý", (1, 2, 2, 0)),
            Series("đã giải quyết", (4, 0, 1, 1)),
        ),
        stacked=True,
        y_label="Số phản ánh",
        file_name="xa.png",
    )


def test_the_font_has_a_glyph_for_every_vietnamese_letter() -> None:
    """The title and every Vietnamese letter, upper and lower case, map to a real glyph."""
    font = FT2Font(str(FONT_PATH))
    text = TITLE + VIETNAMESE + VIETNAMESE.upper()
    missing = [ch for ch in text if font.get_char_index(ord(ch)) == 0]
    assert missing == []


@pytest.mark.parametrize(
    "spec",
    [
        stacked_spec(),
        ChartSpec(
            title="Phản ánh theo lĩnh vực",
            labels=("Vốn, tín dụng", "Thị trường, tiêu thụ, xúc tiến thương mại"),
            series=tuple(
                Series(f"Quý {q}/2026", (n, 2)) for n, q in enumerate(["I", "II", "III"])
            ),
            file_name="linh-vuc.png",
        ),
        ChartSpec(
            title="Tỷ lệ xã đã họp quý",
            labels=("Quý I/2026", "Quý II/2026"),
            series=(Series("% xã đã họp", (50.0, 83.3)),),
            y_label="%",
            file_name="hop.png",
        ),
        ChartSpec(
            title="Xu hướng",
            labels=("Quý I", "Quý II", "Quý III"),
            series=(Series("Vốn", (1, 4, 2)), Series("Đất đai", (0, 1, 3))),
            kind="line",
            file_name="line.png",
        ),
    ],
    ids=["stacked", "grouped-horizontal", "single", "line"],
)
def test_charts_are_real_pngs_drawn_without_missing_glyphs(spec: ChartSpec) -> None:
    """Each kind of chart is a PNG of a few KB with several colours, and warns of nothing."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph … missing from font(s)" is a UserWarning
        image = DefaultRenderers().chart(spec)
    assert image.mime_type == "image/png"
    assert image.name == spec.file_name
    assert image.data.startswith(PNG_SIGNATURE)
    assert len(image.data) > 5_000
    with Image.open(io.BytesIO(image.data)) as picture:
        assert picture.width >= 800
        colours = picture.convert("RGB").getcolors(maxcolors=1_000_000)
    assert colours is not None
    assert len(colours) > 10


def test_every_text_of_a_chart_uses_the_shipped_font() -> None:
    """Title, labels, ticks and legend are all drawn with the DejaVu Sans file itself."""
    figure = build_figure(stacked_spec())
    figure.canvas.draw()
    texts = [t for t in figure.findobj(Text) if t.get_visible() and t.get_text().strip()]
    assert any("Quý II/2026" in t.get_text() for t in texts)
    assert {t.get_fontproperties().get_file() for t in texts} == {str(FONT_PATH)}


def test_an_empty_chart_still_renders() -> None:
    """A spec without labels gives an image with just its title, not an error."""
    image = DefaultRenderers().chart(ChartSpec(title="Trống", labels=(), series=()))
    assert image.data.startswith(PNG_SIGNATURE)


def workbook_spec() -> WorkbookSpec:
    """Return a two-sheet workbook with dates, numbers, a formula-like text and no rows."""
    return WorkbookSpec(
        "bao-cao.xlsx",
        (
            Sheet(
                "Phản ánh",
                ("Mã số", "Ngày gửi", "Số", "Nội dung", "Trống"),
                (
                    ("PA-2026-000001", dt.date(2026, 4, 2), 3, '=HYPERLINK("x")', None),
                    ("PA-2026-000002", dt.date(2026, 5, 17), 4.5, "Thiếu vốn\x07 mua máy", None),
                ),
            ),
            Sheet("Một tên trang tính rất dài vượt quá ba mươi mốt ký tự", ("A",), ()),
        ),
    )


def test_the_workbook_reads_back_cell_by_cell() -> None:
    """Headers bold, pane frozen at A2, autofilter over the table, dates as dd/mm/yyyy."""
    document = DefaultRenderers().workbook(workbook_spec())
    assert document.name == "bao-cao.xlsx"
    assert document.mime_type.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(document.data))
    assert book.sheetnames[0] == "Phản ánh"
    sheet = book["Phản ánh"]
    assert [c.value for c in sheet[1]] == ["Mã số", "Ngày gửi", "Số", "Nội dung", "Trống"]
    assert all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:E3"
    assert sheet["B2"].value.date() == dt.date(2026, 4, 2)
    assert sheet["B2"].number_format == DATE_FORMAT == "dd/mm/yyyy"
    assert sheet["C3"].value == 4.5
    assert sheet["D2"].value == '=HYPERLINK("x")'
    assert sheet["D2"].data_type == "s"  # text stays text, never a formula
    assert sheet["D3"].value == "Thiếu vốn mua máy"
    assert 8 <= sheet.column_dimensions["D"].width <= 60
    other = book.worksheets[1]
    assert len(other.title) <= 31
    assert other.auto_filter.ref == "A1:A1"


def test_sheet_titles_are_valid_and_unique() -> None:
    """Forbidden characters are replaced, and a repeated title gets a number."""
    taken = {"Tổng hợp"}
    assert sheet_title("Tổng hợp", taken) == "Tổng hợp (2)"
    assert sheet_title("Quý I/2026: họp?", set()) == "Quý I 2026  họp"
    assert len(sheet_title("x" * 40, {"x" * 31})) <= 31


def test_a_qr_code_is_a_square_png() -> None:
    """The QR code of a deep link is a PNG with the quiet zone around it."""
    image = DefaultRenderers().qr_code("https://t.me/coopbot?start=K7QM-3XPA-HT", "invite.png")
    assert image.data.startswith(PNG_SIGNATURE)
    assert image.mime_type == "image/png"
    with Image.open(io.BytesIO(image.data)) as picture:
        assert picture.width == picture.height >= 200
