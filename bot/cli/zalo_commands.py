"""``coopbot zalo status|set-tokens|seal-tokens``: the Zalo OA's stored tokens, never printed
(``coopbot zalo templates`` lives in ``bot.cli.zalo_template_commands``).

The bot stores Zalo's tokens in the database the first time it needs them (from
``ZALO_ACCESS_TOKEN`` and ``ZALO_REFRESH_TOKEN``) and rotates them there; after that the
environment's tokens are spent and ignored. ``set-tokens`` replaces the stored pair with the
environment's, for an OA whose refresh token was lost or expired (new tokens come from the
OA's authorisation on Zalo's developer site; see docs/zalo.md).

The stored tokens are sealed with ``COOPBOT_SECRET_KEY`` (``storage.secret_box``), so every
command that reads or writes them needs the key; ``status`` reads neither and works without
it. ``seal-tokens`` seals tokens stored as plain text before sealing existed, and after a key
rotation moves them to the new key.
"""

from __future__ import annotations

import typer

from bot.channels.zalo.convert import CHANNEL
from bot.cli.common import (
    console,
    fail,
    open_database,
    run,
    secret_box_or_exit,
    settings_or_exit,
)
from bot.cli.zalo_template_commands import templates_app
from bot.settings import Settings
from storage.credentials import (
    CredentialState,
    Tokens,
    credential_state,
    load_tokens,
    replace_tokens,
    seal_tokens,
)
from storage.secret_box import WrongSecretKey

zalo_app = typer.Typer(
    help="The Zalo Official Account: its stored tokens and its message templates.",
    no_args_is_help=True,
)


@zalo_app.command("status")
def status() -> None:
    """Say whether Zalo is configured, when its stored tokens changed and expire, and whether
    they are sealed with COOPBOT_SECRET_KEY."""
    settings = settings_or_exit()

    async def body() -> tuple[CredentialState | None, str]:
        async with open_database(settings) as database, database.session() as session:
            state = await credential_state(session, CHANNEL)
        return state, await _sealing(settings, state)

    state, sealing = run(body)
    missing = settings.zalo_missing()
    console.print(
        f"configured   {'yes' if not missing else 'no (set ' + ', '.join(missing) + ')'}"
    )
    if state is None:
        console.print(
            "tokens       none stored yet (ZALO_ACCESS_TOKEN/ZALO_REFRESH_TOKEN seed them)"
        )
        return
    updated = state.updated_at.isoformat(timespec="seconds")
    expires = state.expires_at.isoformat(timespec="seconds") if state.expires_at else "unknown"
    console.print(f"tokens       stored, changed {updated}, access token expires {expires}")
    console.print(f"sealed       {sealing}")


async def _sealing(settings: Settings, state: CredentialState | None) -> str:
    """Say how the stored tokens are sealed, opening them (never showing them) when a key is
    set, so a wrong key is found before a send fails."""
    if state is None:
        return "-"
    if not state.sealed:
        return "no: stored as plain text; run `coopbot zalo seal-tokens`"
    if settings.secret_key is None:
        return "yes; COOPBOT_SECRET_KEY is not set, so the bot cannot open them"
    async with open_database(settings) as database, database.session() as session:
        try:
            await load_tokens(session, CHANNEL, settings.secret_box())
        except WrongSecretKey as error:
            return f"yes, but COOPBOT_SECRET_KEY does not open them: {error}"
    return "yes, with COOPBOT_SECRET_KEY"


@zalo_app.command("set-tokens")
def set_tokens() -> None:
    """Store ZALO_ACCESS_TOKEN and ZALO_REFRESH_TOKEN over the stored tokens, sealed."""
    settings = settings_or_exit()
    access, refresh = settings.zalo_access_token, settings.zalo_refresh_token
    if access is None or refresh is None:
        fail("set-tokens needs ZALO_ACCESS_TOKEN and ZALO_REFRESH_TOKEN", code=2)
    box = secret_box_or_exit(settings)
    tokens = Tokens(access.get_secret_value(), refresh.get_secret_value())

    async def body() -> None:
        async with open_database(settings) as database, database.transaction() as session:
            await replace_tokens(session, CHANNEL, tokens, box)

    run(body)
    console.print("Zalo tokens stored; running bots pick them up at their next refresh")


@zalo_app.command("seal-tokens")
def seal_stored_tokens() -> None:
    """Seal the stored tokens with COOPBOT_SECRET_KEY: those stored as plain text before
    sealing existed, or, after a key rotation, those sealed with an older key."""
    settings = settings_or_exit()
    box = secret_box_or_exit(settings)

    async def body() -> int | None:
        async with open_database(settings) as database, database.transaction() as session:
            return await seal_tokens(session, CHANNEL, box)

    try:
        plain = run(body)
    except WrongSecretKey as error:
        fail(str(error), code=2)
    if plain is None:
        console.print("No Zalo tokens are stored; nothing to seal")
    elif plain:
        console.print(f"Zalo tokens sealed ({plain} of 2 were stored as plain text)")
    else:
        console.print("Zalo tokens sealed again with the first key of COOPBOT_SECRET_KEY")


def register(app: typer.Typer) -> None:
    """Add the ``zalo`` group to the CLI."""
    zalo_app.add_typer(templates_app, name="templates")
    app.add_typer(zalo_app, name="zalo")
