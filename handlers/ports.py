"""What the handlers need from the runtime but must not import: rendering images and files
(charts, workbooks, QR codes, a person's copy of their data).

The runtime (``bot/``) implements these with matplotlib, openpyxl and segno and hands them to
the router through ``HandlerConfig.renderers``; tests may hand in their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from handlers.types import FileOut
from storage.personal_data import PersonalCopy


@dataclass(frozen=True)
class Series:
    """One named row of values of a chart (a status, a category)."""

    name: str
    values: tuple[float, ...]


@dataclass(frozen=True)
class ChartSpec:
    """A chart to draw: bars over ``labels`` (stacked when ``stacked``) or lines."""

    title: str
    labels: tuple[str, ...]
    series: tuple[Series, ...]
    kind: str = "bar"  # "bar" or "line"
    stacked: bool = False
    y_label: str = ""
    file_name: str = "chart.png"
    # A line under the chart, e.g. that its figures are illustrative; empty draws none.
    footnote: str = ""


@dataclass(frozen=True)
class Sheet:
    """One worksheet: a title, header labels and rows (dates as date objects)."""

    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...] = ()
    widths: tuple[int, ...] = ()


@dataclass(frozen=True)
class WorkbookSpec:
    """A workbook to write, sheet by sheet."""

    file_name: str
    sheets: tuple[Sheet, ...] = field(default_factory=tuple)


class Renderers(Protocol):
    """Turns specs into files."""

    def chart(self, spec: ChartSpec) -> FileOut:
        """Draw a PNG chart."""
        ...

    def workbook(self, spec: WorkbookSpec) -> FileOut:
        """Write an XLSX workbook."""
        ...

    def qr_code(self, text: str, file_name: str) -> FileOut:
        """Draw a PNG QR code of ``text``."""
        ...

    def personal_copy(self, copy: PersonalCopy, locale: str) -> FileOut:
        """Write a person's copy of their data as an XLSX workbook, one sheet per table."""
        ...
