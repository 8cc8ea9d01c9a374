"""``/export [period] [unit]``: the officials' Excel workbook, sent as a document.

Sheets: the period's items, a summary (kind and category by status), the quarterly meetings
of each commune, and the plan targets against actual figures. Buttons
``ex:<period>:<unit id or 0>`` (under /summary and under the charts) ask for the same.
"""

from __future__ import annotations

import asyncio
import logging

from handlers.payloads import Charts, Workbook
from handlers.report_view import (
    View,
    period_label,
    scope_label,
    view_route,
)
from handlers.turn import Turn
from handlers.types import Button, Reply
from handlers.workbook_sheets import build_workbook

logger = logging.getLogger(__name__)


async def send_workbook(turn: Turn, view: View) -> None:
    """Build the workbook of ``view`` and queue it as a document."""
    renderers = turn.config.renderers
    assert renderers is not None  # noqa: S101  (checked by the route)
    where = await scope_label(turn, view)
    spec = await build_workbook(
        turn.session, view.scope(turn), turn.translator, now=turn.now, where=where
    )
    items = len(spec.sheets[0].rows) if spec.sheets else 0
    # Writing a large workbook takes a while: a worker thread keeps the event loop answering.
    document = await asyncio.to_thread(renderers.workbook, spec)
    turn.replies.append(
        Reply(
            text=turn.translator.ngettext(
                "Excel workbook for {period}, {where}: {count} item, with a summary, the "
                "quarterly meetings and the plan targets.",
                "Excel workbook for {period}, {where}: {count} items, with a summary, the "
                "quarterly meetings and the plan targets.",
                items,
            ).format(period=period_label(view.period, turn.translator), where=where, count=items),
            document=document,
            buttons=((Button(turn._("📈 Charts"), view.payload(Charts)),),),
        )
    )
    logger.info("workbook of %s sent to person %s", view.payload(Workbook), turn.person_id)


# /export and the Workbook buttons.
route = view_route("export", Workbook, send_workbook)
