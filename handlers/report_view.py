"""What an official's chart or export is about: a period and a unit, typed or from a button.

Typed: ``/chart``, ``/chart q1``, ``/chart 2026Q1 Trinh Phú``, ``/chart Trinh Phú 2026``; the
unit is any era's name, diacritics optional. Buttons: ``Charts`` and ``Workbook`` of
``handlers.payloads`` (a period key and a unit id, 0 for the whole scope). Either way the unit
is re-checked against the person's scope, since payloads can be forged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from handlers.commands import is_command
from handlers.i18n import Translator, format_quarter
from handlers.payloads import Charts, Workbook
from handlers.turn import Turn
from handlers.types import IncomingKind
from storage.errors import N_, Ambiguous, CoopbotError, InvalidInput, NotFound, PermissionDenied
from storage.models import AdminUnit, Role
from storage.periods import Period, parse_period, split_period
from storage.reporting.scope import ReportScope, ensure_unit_in_scope
from storage.units import resolve_unit, unit_names

ViewPress = Charts | Workbook
VIEW_ROLES = frozenset({Role.OFFICIAL, Role.COMMUNE_LEADER, Role.ADMIN})
NOT_FOR_YOU = N_("Charts and Excel exports are for officials and commune leaders.")
NOT_AVAILABLE = N_("Charts and Excel exports are not available in this setup.")


@dataclass(frozen=True)
class View:
    """A period and, optionally, one unit inside the person's scope."""

    period: Period
    unit: AdminUnit | None = None

    def payload(self, kind: type[ViewPress]) -> str:
        """Return the payload of a button of ``kind`` that asks for this view again."""
        unit_id = self.unit.id or 0 if self.unit is not None else 0
        return kind(self.period.key, unit_id).encode()

    def scope(self, turn: Turn) -> ReportScope:
        """Return the storage scope of this view for the person of ``turn``."""
        assert turn.actor is not None  # noqa: S101  (only admitted people get here)
        units = (self.unit.id or 0,) if self.unit is not None else ()
        return ReportScope(turn.actor, self.period, units, turn.config.tz)


class BadArguments(CoopbotError):
    """What was typed after the command is not a period and a unit."""


def may_view(turn: Turn) -> bool:
    """Tell whether the person may ask for charts and exports."""
    return turn.actor is not None and bool(turn.actor.roles & VIEW_ROLES)


def refuse_or_unavailable(turn: Turn) -> bool:
    """Answer people who may not view, or a setup without renderers; return True if answered."""
    if not may_view(turn):
        turn.say(turn.error_text(PermissionDenied(NOT_FOR_YOU)))
        return True
    if turn.config.renderers is None:
        turn.say(turn._(NOT_AVAILABLE))
        return True
    return False


def usage(turn: Turn, command: str) -> str:
    """Return the example of the right form of ``command``'s arguments."""
    return turn._(
        "Write it like this: /{command} q4/2026 An Lạc Thôn — a period (q4, q4/2026, 2026Q4 "
        "or 2026) and a commune or province, both optional.",
        command=command,
    )


def _today(turn: Turn) -> dt.date:
    return turn.now.astimezone(turn.config.tz).date()


async def view_from_text(turn: Turn, text: str) -> View:
    """Read the period and unit typed after a command.

    Raises:
        BadArguments: the period or the unit cannot be read (the message says which).
        PermissionDenied: the unit is outside the person's scope.
    """
    period_text, unit_name = split_period(text)
    try:
        period = parse_period(period_text, _today(turn))
        unit = await _typed_unit(turn, unit_name) if unit_name else None
    except (InvalidInput, NotFound, Ambiguous) as error:
        raise BadArguments(error.message, **error.params) from error
    return View(period, unit)


async def _typed_unit(turn: Turn, name: str) -> AdminUnit:
    assert turn.actor is not None  # noqa: S101
    resolved = await resolve_unit(turn.session, name, on=_today(turn))
    # A commune that was merged is shown as the commune of today it lives on in.
    target = resolved.today or resolved.unit
    return await ensure_unit_in_scope(turn.session, turn.actor, target.id or 0)


async def view_from_press(turn: Turn, press: ViewPress) -> View | None:
    """Read the period and unit of a button; None when the period is not one.

    Raises:
        PermissionDenied: the unit is outside the person's scope.
    """
    assert turn.actor is not None  # noqa: S101
    try:
        period = parse_period(press.period, _today(turn))
    except InvalidInput:
        return None
    if period.key != press.period:
        return None
    if press.unit == 0:
        return View(period)
    return View(period, await ensure_unit_in_scope(turn.session, turn.actor, press.unit))


def period_label(period: Period, translator: Translator) -> str:
    """Name a period: 'Quý II/2026' or 'Năm 2026' in Vietnamese."""
    quarter = period.quarter
    if quarter is not None:
        return format_quarter(quarter.year, quarter.number, translator.locale)
    return translator.gettext("Year {year}").format(year=period.start.year)


async def scope_label(turn: Turn, view: View) -> str:
    """Name what a view covers: the chosen unit, else the person's own units."""
    if view.unit is not None:
        return view.unit.name
    assert turn.actor is not None  # noqa: S101
    if turn.actor.is_admin:
        return turn._("all areas")
    return ", ".join(await unit_names(turn.session, turn.actor.unit_ids()))


def asks_for(turn: Turn, command: str, kind: type[ViewPress]) -> bool:
    """Tell whether the turn is ``/command`` or a button of ``kind``, from an admitted person."""
    pressed = isinstance(turn.pressed, kind)
    return turn.actor is not None and (is_command(turn, command) or pressed)


def view_route(
    command: str, kind: type[ViewPress], send: Callable[[Turn, View], Awaitable[None]]
) -> Callable[[Turn], Awaitable[bool]]:
    """Return the route answering ``/command`` and ``kind`` buttons by sending the view."""

    async def route(turn: Turn) -> bool:
        if not asks_for(turn, command, kind):
            return False
        view = await read_view(turn, command)
        if view is not None:
            await send(turn, view)
        return True

    return route


async def read_view(turn: Turn, command: str) -> View | None:
    """Return the view asked for, or None when the turn is already answered (a refusal)."""
    if refuse_or_unavailable(turn):
        return None
    incoming = turn.incoming
    if incoming.kind == IncomingKind.COMMAND:
        try:
            return await view_from_text(turn, incoming.text)
        except BadArguments as error:
            turn.say(turn.error_text(error) + "\n" + usage(turn, command))
            return None
    press = turn.pressed
    view = await view_from_press(turn, press) if isinstance(press, Charts | Workbook) else None
    if view is None:
        turn.say(turn._("That button is not valid any more."))
    return view
