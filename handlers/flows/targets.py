"""``/targets``: the plan's targets against actual figures in the person's area.

Each target shows the plan's own words for it and what was counted; a plan that has ended
shows each target as met or missed on its last day. Figures computed from the demo's made-up
data say so, in the text and under the chart.
"""

from __future__ import annotations

import asyncio
from itertools import groupby

from handlers.commands import is_command
from handlers.i18n import format_date, format_number
from handlers.ports import ChartSpec, Series
from handlers.turn import Turn
from handlers.types import Reply
from storage.errors import N_
from storage.targets import TargetProgress, TargetState, current_provinces, targets_progress

BAR_WIDTH = 10

METRIC_NAMES = {
    "new_htx": N_("New cooperatives founded"),
    "new_union": N_("Unions of cooperatives founded"),
    "effective_share": N_("Cooperatives operating effectively"),
    "good_rating_share": N_("Effective cooperatives rated fairly good or better"),
    "ocop_htx": N_("Cooperatives with a valid OCOP certificate"),
    "high_tech_htx": N_("Cooperatives applying high technology"),
}
STATE_MARKS = {TargetState.MET: "✅", TargetState.MISSED: "❌", TargetState.IN_PROGRESS: "⏳"}
STATE_NAMES = {
    TargetState.MET: N_("met"),
    TargetState.MISSED: N_("missed"),
    TargetState.IN_PROGRESS: N_("in progress"),
}
ILLUSTRATIVE = N_("(illustrative data)")
ILLUSTRATIVE_NOTE = N_(
    "(illustrative data): computed from the demo's made-up registration codes, founding "
    "dates, ratings and OCOP products, not from real records."
)


def progress_bar(ratio: float) -> str:
    """Return a text bar of ``ratio`` (capped at 1): '▓▓▓▓░░░░░░'."""
    filled = max(0, min(BAR_WIDTH, round(ratio * BAR_WIDTH)))
    return "▓" * filled + "░" * (BAR_WIDTH - filled)


def _value(turn: Turn, value: float, share: bool) -> str:
    if share:
        return f"{format_number(round(value * 100), turn.locale)} %"
    return format_number(round(value, 1), turn.locale)


def _line(turn: Turn, target: TargetProgress) -> str:
    share = target.unit_of_measure == "share"
    goal = _value(turn, target.target_min, share)
    if target.target_max is not None:
        goal += "–" + _value(turn, target.target_max, share)
    name = turn._(METRIC_NAMES.get(target.metric, target.metric))
    figure = turn._("{actual} of {goal}", actual=_value(turn, target.actual, share), goal=goal)
    if target.base is not None:
        figure += " " + turn._(
            "({counted} of {base} cooperatives)", counted=target.counted, base=target.base
        )
    figure += " — " + turn._(STATE_NAMES[target.state])
    if target.illustrative:
        figure += " " + turn._(ILLUSTRATIVE)
    lines = [
        f"{STATE_MARKS[target.state]} {name}",
        f"   {progress_bar(target.ratio)} {figure}",
    ]
    if target.definition:
        lines.append("   " + turn._("The plan: “{definition}”", definition=target.definition))
    return "\n".join(lines)


def _heading(turn: Turn, target: TargetProgress) -> str:
    day = format_date(target.reference_day, turn.locale)
    when = (
        turn._("The plan has ended: each target as of {day}.", day=day)
        if target.ended
        else turn._("Figures as of {day}.", day=day)
    )
    return f"{plan_name(target)}\n{when}"


def plan_name(target: TargetProgress) -> str:
    """Return the plan's title with its years, unless the title already says them."""
    years = f"{target.period_start}–{target.period_end}"
    return target.title if years in target.title else f"{target.title} ({years})"


def chart_of(turn: Turn, plan: list[TargetProgress]) -> ChartSpec:
    """Return the bar chart of one plan: how much of each target's minimum is reached."""
    first = plan[0]
    footnote = turn._(ILLUSTRATIVE_NOTE) if any(t.illustrative for t in plan) else ""
    return ChartSpec(
        title=turn._("Share of each target reached (%)") + "\n" + plan_name(first),
        labels=tuple(turn._(METRIC_NAMES.get(t.metric, t.metric)) for t in plan),
        series=(
            Series(
                turn._("Reached (% of the minimum)"),
                tuple(round(min(t.ratio, 1.0) * 100, 1) for t in plan),
            ),
        ),
        y_label="%",
        file_name=f"chart-targets-{first.plan_code}.png",
        footnote=footnote,
    )


async def route(turn: Turn) -> bool:
    """Answer /targets for officials, commune leaders and admins."""
    actor = turn.actor
    if actor is None or not is_command(turn, "targets"):
        return False
    units = actor.unit_ids()
    if actor.is_admin:
        units = await current_provinces(turn.session)
    if not units:
        turn.say(turn._("Plan targets are for officials and commune leaders."))
        return True
    today = turn.now.astimezone(turn.config.tz).date()
    progress = await targets_progress(turn.session, units, today=today)
    if not progress:
        turn.say(turn._("No plan targets cover your area yet."))
        return True
    plans = [list(group) for _, group in groupby(progress, key=lambda t: t.plan_code)]
    text = "\n\n".join(
        _heading(turn, plan[0]) + "\n" + "\n".join(_line(turn, t) for t in plan) for plan in plans
    )
    if any(t.illustrative for t in progress):
        text += "\n\n" + turn._(ILLUSTRATIVE_NOTE)
    turn.say(text, title=turn._("🎯 Plan targets"))
    renderers = turn.config.renderers
    if renderers is not None:
        for plan in plans:
            # Drawing takes a few hundred milliseconds; a worker thread keeps the loop free.
            image = await asyncio.to_thread(renderers.chart, chart_of(turn, plan))
            turn.replies.append(Reply(text=plan[0].title, image=image))
    return True
