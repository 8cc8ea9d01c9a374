"""Rendering for the handlers: charts (matplotlib), workbooks (openpyxl), QR codes (segno).

``DefaultRenderers`` implements ``handlers.ports.Renderers``; the composition roots (the
Telegram application, the demo, the shell) hand it to the router through ``HandlerConfig``.
"""

from __future__ import annotations

from handlers.ports import ChartSpec, WorkbookSpec
from handlers.types import FileOut


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
