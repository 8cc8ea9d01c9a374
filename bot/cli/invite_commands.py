"""``coopbot invite``: create an invite code for a role and its scope."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

import typer
from rich.markup import escape

from bot.cli.common import console, fail, open_database, run, settings_or_exit
from bot.settings import Settings
from storage.cooperatives import find_cooperative
from storage.invites import create_invite
from storage.models import Role, UnitLevel
from storage.offices import find_office
from storage.phones import InvalidPhone, display_phone, normalize_mobile
from storage.units import resolve_unit


def deep_link(username: str | None, code: str) -> str | None:
    """Return the Telegram deep link that redeems ``code``, when the bot's username is known."""
    if not username:
        return None
    return f"https://t.me/{username.lstrip('@')}?start={code}"


async def _create(
    settings: Settings,
    role: Role,
    cooperative: str | None,
    unit: str | None,
    office: str | None,
    phone: str | None,
    ttl_days: int,
) -> dict[str, Any]:
    async with open_database(settings) as database, database.transaction() as session:
        scope: dict[str, Any] = {"type": "none"}
        unit_id = cooperative_id = None
        if cooperative is not None:
            found = await find_cooperative(session, cooperative)
            cooperative_id = found.id
            scope = {"type": "cooperative", "id": found.id, "name": found.name}
        if unit is not None:
            levels = [UnitLevel.COMMUNE] if role == Role.COMMUNE_LEADER else None
            resolved = await resolve_unit(session, unit, levels=levels)
            target = resolved.today or resolved.unit
            unit_id = target.id
            scope = {"type": target.level, "id": target.id, "name": target.name}
        office_id = (await find_office(session, office)).id if office is not None else None
        issued = await create_invite(
            session,
            role=role,
            unit_id=unit_id,
            cooperative_id=cooperative_id,
            office_id=office_id,
            phone=phone,
            ttl=dt.timedelta(days=ttl_days),
        )
        if office is not None:
            scope["office"] = office
        result = {
            "code": issued.code,
            "role": role.value,
            "scope": scope,
            "expires_at": issued.invite.expires_at.isoformat(),
            "deep_link": deep_link(settings.telegram_bot_username, issued.code),
        }
        if issued.invite.phone is not None:
            result["phone"] = issued.invite.phone
        return result


def invite(
    role: Annotated[
        Role, typer.Option("--role", help="director, commune_leader, official or admin.")
    ],
    cooperative: Annotated[
        str | None,
        typer.Option(help="The cooperative a director leads (name, any spelling)."),
    ] = None,
    unit: Annotated[
        str | None,
        typer.Option(help="The commune of a commune leader, or the unit of an official."),
    ] = None,
    office: Annotated[
        str | None,
        typer.Option(help="An official's office (key or name): items assigned to it are theirs."),
    ] = None,
    phone: Annotated[
        str | None,
        typer.Option(
            help="The invitee's mobile number (0912 345 678, +84 912 345 678, …): kept with "
            "their account on admission, for Zalo messages."
        ),
    ] = None,
    ttl_days: Annotated[
        int | None,
        typer.Option(min=1, max=365, help="Days until the code expires (default 14)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Create a single-use invite code that admits one person in a role and scope."""
    settings = settings_or_exit()
    needs = {
        Role.DIRECTOR: (cooperative is not None, unit is None, "--cooperative"),
        Role.COMMUNE_LEADER: (unit is not None, cooperative is None, "--unit"),
        Role.OFFICIAL: (unit is not None, cooperative is None, "--unit"),
        Role.ADMIN: (True, unit is None and cooperative is None, "no scope"),
    }
    has_scope, no_other, wanted = needs[role]
    if not (has_scope and no_other):
        fail(f"--role {role.value} takes {wanted}")
    if office is not None and role != Role.OFFICIAL:
        fail("--office is for --role official")
    kept_phone = _checked_phone(phone)
    ttl = ttl_days or settings.invite_ttl_days
    result = run(_create, settings, role, cooperative, unit, office, kept_phone, ttl)
    if as_json:
        console.print_json(json.dumps(result, ensure_ascii=False))
        return
    console.print(f"code:       [bold]{result['code']}[/]")
    console.print(f"role:       {result['role']}")
    if result["scope"]["type"] != "none":
        console.print(f"scope:      {result['scope']['name']} ({result['scope']['type']})")
    if "phone" in result:
        console.print(f"phone:      {display_phone(result['phone'])}")
    console.print(f"expires at: {result['expires_at']}")
    if result["deep_link"]:
        console.print(f"link:       {result['deep_link']}")
    else:
        console.print("link:       set TELEGRAM_BOT_USERNAME to print a Telegram deep link")


def _checked_phone(phone: str | None) -> str | None:
    """Return ``--phone`` as kept, or exit before the database is opened when it is wrong."""
    if phone is None:
        return None
    try:
        return normalize_mobile(phone)
    except InvalidPhone as error:
        # The operator's text is quoted, never read as console markup.
        fail(f"--phone {escape(repr(phone))} is not a Vietnamese mobile number: {error}")


def register(app: typer.Typer) -> None:
    """Add the ``invite`` command to the CLI."""
    app.command("invite")(invite)
