"""Rendering for the handlers: charts (matplotlib), workbooks (openpyxl), QR codes (segno),
and a person's copy of their data (``personal_copy.py``, openpyxl).

``DefaultRenderers`` implements ``handlers.ports.Renderers``; the composition roots (the
Telegram application, the demo, the shell) hand it to the router through ``HandlerConfig``.
"""

from __future__ import annotations

from handlers.ports import ChartSpec, WorkbookSpec
from handlers.types import FileOut
from storage.personal_data import PersonalCopy


class DefaultRenderers:
    """The production renderers; stateless, so one instance serves every turn.

    Each library is imported on first use: matplotlib alone adds half a second to start-up,
    which every CLI command and bot start would otherwise pay for charts it may never draw.
    """

    def chart(self, spec: ChartSpec) -> FileOut:
        """Draw a PNG chart."""
        from bot.render.charts import render_chart

        return render_chart(spec)

    def workbook(self, spec: WorkbookSpec) -> FileOut:
        """Write an XLSX workbook."""
        from bot.render.workbook import write_workbook

        return write_workbook(spec)

    def qr_code(self, text: str, file_name: str) -> FileOut:
        """Draw a PNG QR code of ``text``."""
        from bot.render.qr import render_qr

        return render_qr(text, file_name)

    def personal_copy(self, copy: PersonalCopy, locale: str) -> FileOut:
        """Write a person's copy of their data as an XLSX workbook, one sheet per table."""
        from bot.render.personal_copy import personal_copy_file

        return personal_copy_file(copy, locale)
