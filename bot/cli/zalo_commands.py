"""``coopbot zalo status|set-tokens``: the Zalo OA's stored tokens, never printed.

The bot stores Zalo's tokens in the database the first time it needs them (from
``ZALO_ACCESS_TOKEN`` and ``ZALO_REFRESH_TOKEN``) and rotates them there; after that the
environment's tokens are spent and ignored. ``set-tokens`` replaces the stored pair with the
environment's, for an OA whose refresh token was lost or expired (new tokens come from the
OA's authorisation on Zalo's developer site; see docs/zalo.md).
"""

from __future__ import annotations

import typer

from bot.channels.zalo.convert import CHANNEL
from bot.cli.common import console, fail, open_database, run, settings_or_exit
from storage.credentials import Tokens, credential_updated_at, load_tokens, replace_tokens

zalo_app = typer.Typer(help="The Zalo Official Account: its stored tokens.", no_args_is_help=True)


@zalo_app.command("status")
def status() -> None:
    """Say whether Zalo is configured and when its stored tokens changed and expire."""
    settings = settings_or_exit()

    async def body() -> tuple[Tokens | None, str]:
        async with open_database(settings) as database, database.session() as session:
            tokens = await load_tokens(session, CHANNEL)
            updated = await credential_updated_at(session, CHANNEL)
        return tokens, updated.isoformat(timespec="seconds") if updated else "-"

    tokens, updated = run(body)
    missing = settings.zalo_missing()
    console.print(
        f"configured   {'yes' if not missing else 'no (set ' + ', '.join(missing) + ')'}"
    )
    if tokens is None:
        console.print(
            "tokens       none stored yet (ZALO_ACCESS_TOKEN/ZALO_REFRESH_TOKEN seed them)"
        )
        return
    expires = tokens.expires_at.isoformat(timespec="seconds") if tokens.expires_at else "unknown"
    console.print(f"tokens       stored, changed {updated}, access token expires {expires}")


@zalo_app.command("set-tokens")
def set_tokens() -> None:
    """Store ZALO_ACCESS_TOKEN and ZALO_REFRESH_TOKEN over the stored tokens."""
    settings = settings_or_exit()
    access, refresh = settings.zalo_access_token, settings.zalo_refresh_token
    if access is None or refresh is None:
        fail("set-tokens needs ZALO_ACCESS_TOKEN and ZALO_REFRESH_TOKEN", code=2)
    tokens = Tokens(access.get_secret_value(), refresh.get_secret_value())

    async def body() -> None:
        async with open_database(settings) as database, database.transaction() as session:
            await replace_tokens(session, CHANNEL, tokens)

    run(body)
    console.print("Zalo tokens stored; running bots pick them up at their next refresh")


def register(app: typer.Typer) -> None:
    """Add the ``zalo`` group to the CLI."""
    app.add_typer(zalo_app, name="zalo")
