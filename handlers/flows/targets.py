"""``/targets``: the plan's targets against actual figures in the person's area."""

from __future__ import annotations

from handlers.commands import is_command
from handlers.i18n import format_number
from handlers.turn import Turn
from storage.errors import N_
from storage.targets import TargetProgress, current_provinces, targets_progress

BAR_WIDTH = 10

METRIC_NAMES = {
    "new_htx": N_("New cooperatives founded"),
    "new_union": N_("Unions of cooperatives founded"),
    "effective_share": N_("Cooperatives operating effectively"),
    "good_rating_share": N_("Cooperatives rated fairly good or better"),
    "ocop_htx": N_("Cooperatives with OCOP products"),
    "high_tech_htx": N_("Cooperatives applying high technology"),
}


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
    mark = "✅" if target.reached else "⏳"
    return f"{mark} {name}\n   {progress_bar(target.ratio)} " + turn._(
        "{actual} of {goal}", actual=_value(turn, target.actual, share), goal=goal
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
    progress = await targets_progress(turn.session, units)
    if not progress:
        turn.say(turn._("No plan targets cover your area yet."))
        return True
    blocks: dict[str, list[str]] = {}
    for target in progress:
        heading = f"{target.title} ({target.period_start}–{target.period_end})"
        blocks.setdefault(heading, []).append(_line(turn, target))
    text = "\n\n".join(f"{heading}\n" + "\n".join(lines) for heading, lines in blocks.items())
    turn.say(text, title=turn._("🎯 Plan targets"))
    return True
