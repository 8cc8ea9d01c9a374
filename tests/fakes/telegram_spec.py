"""Checks a Bot API call against the vendored spec (tests/fixtures/telegram-bot-api).

Method names, required and known parameters and their types come from ``api.min.json``; the
limits the spec only states in prose (text and caption lengths, HTML markup, inline buttons,
bot commands) are explicit checks below. Every problem is a Telegram-style description such as
``"Bad Request: message text is empty"``.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

from tests.fakes.telegram_html import parse_html

SPEC_PATH = Path(__file__).resolve().parents[1] / "fixtures" / "telegram-bot-api" / "api.min.json"

# (method, field) -> (minimum, maximum) length after entity parsing; caption applies to any method.
TEXT_LIMITS = {
    ("sendMessage", "text"): (1, 4096),
    ("editMessageText", "text"): (1, 4096),
    ("answerCallbackQuery", "text"): (0, 200),
}
CAPTION_LIMIT = 1024
PARSE_MODES = {"HTML", "MarkdownV2", "Markdown"}
# python-telegram-bot's ``Defaults`` send these to every sending method, including ones without
# such a field (e.g. parse_mode to sendLocation); Telegram ignores them, and so does the check.
PTB_DEFAULTS = {
    "allow_sending_without_reply",
    "disable_notification",
    "explanation_parse_mode",
    "link_preview_options",
    "parse_mode",
    "protect_content",
    "question_parse_mode",
    "text_parse_mode",
}
COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
# The fixed "type" of a subtype, as its description states it: 'Scope type, must be chat'.
_TYPE_TAG = re.compile(r'(?:must be|always)\s+["“]?([a-z_]+)')
# Fields of InlineKeyboardButton that describe the button rather than its action.
_BUTTON_LOOKS = {"text", "icon_custom_emoji_id", "style"}


class BotApiSpec:
    """The methods and types of one Bot API version, looked up case-insensitively."""

    def __init__(self, path: Path = SPEC_PATH) -> None:
        data = json.loads(path.read_text(encoding="utf-8"))
        self.version: str = data["version"]
        self.types: dict[str, dict[str, Any]] = data["types"]
        self.methods: dict[str, dict[str, Any]] = data["methods"]
        self._by_lower = {name.lower(): name for name in self.methods}

    def canonical(self, method: str) -> str | None:
        """Return the spec's spelling of a method name, or None if there is no such method."""
        return self._by_lower.get(method.lower())

    def fields(self, method: str) -> dict[str, dict[str, Any]]:
        """Return a method's (or a type's) fields by name."""
        owner = self.methods.get(method) or self.types.get(method) or {}
        return {field["name"]: field for field in owner.get("fields", [])}

    def decode(self, method: str | None, raw: dict[str, Any]) -> dict[str, Any]:
        """Turn form values (always strings) into the JSON values the field types call for."""
        fields = self.fields(method) if method else {}
        decoded = {}
        for name, value in raw.items():
            types = fields.get(name, {}).get("types", ["Unknown"])
            decoded[name] = _decode_value(value, types) if isinstance(value, str) else value
        return decoded

    def check_call(self, method: str, params: dict[str, Any], files: dict[str, Any]) -> list[str]:
        """Return every way the call breaks the spec's parameters and Telegram's limits."""
        fields = self.fields(method)
        attached = _attach_names(params)
        missing = [
            name
            for name, field in fields.items()
            if field["required"] and params.get(name) in (None, "") and name not in files
        ]
        problems = [f"Bad Request: {name} is empty" for name in missing]
        for name, value in params.items():
            if name not in fields:
                if name not in PTB_DEFAULTS:
                    problems.append(f"Bad Request: unknown parameter {name}")
            else:
                problems.extend(self.check_value(name, value, fields[name]["types"]))
        problems.extend(
            f"Bad Request: unknown file part {name}"
            for name in files
            if name not in fields and name not in attached
        )
        problems.extend(_check_texts(method, {k: params[k] for k in params if k not in missing}))
        if isinstance(params.get("reply_markup"), dict):
            problems.extend(_check_keyboard(params["reply_markup"]))
        if method == "setMyCommands" and isinstance(params.get("commands"), list):
            problems.extend(_check_commands(params["commands"]))
        return problems

    def check_value(self, path: str, value: Any, types: list[str], depth: int = 0) -> list[str]:
        """Return how a value fails every one of the given spec types (nothing if one fits)."""
        best: list[str] | None = None
        for type_name in types:
            problems = self._check_type(path, value, type_name, depth)
            if not problems:
                return []
            if best is None or len(problems) < len(best):
                best = problems
        return best or []

    def _check_type(self, path: str, value: Any, type_name: str, depth: int) -> list[str]:
        if type_name.startswith("Array of "):
            if not isinstance(value, list):
                return [f"Bad Request: {path} must be an Array"]
            inner = type_name.removeprefix("Array of ")
            return [
                problem
                for index, item in enumerate(value)
                for problem in self.check_value(f"{path}[{index}]", item, [inner], depth + 1)
            ]
        scalar = _SCALARS.get(type_name)
        if scalar is not None:
            return [] if scalar(value) else [f"Bad Request: {path} must be {type_name}"]
        spec_type = self.types.get(type_name)
        if spec_type is None or depth > 8:
            return []
        if "subtypes" in spec_type:
            return self.check_value(path, value, spec_type["subtypes"], depth + 1)
        if not isinstance(value, dict):
            return [f"Bad Request: {path} must be a JSON object {type_name}"]
        fields = self.fields(type_name)
        problems = [
            f"Bad Request: {path}.{name} is required in {type_name}"
            for name, field in fields.items()
            if field["required"] and name not in value
        ]
        for name, item in value.items():
            if name not in fields:
                problems.append(f"Bad Request: {path}.{name} is not a field of {type_name}")
            else:
                types = fields[name]["types"]
                problems.extend(self.check_value(f"{path}.{name}", item, types, depth + 1))
        tag = _TYPE_TAG.search(fields.get("type", {}).get("description", ""))
        if tag and value.get("type") != tag.group(1):
            problems.append(f"Bad Request: {path}.type must be {tag.group(1)!r} in {type_name}")
        return problems


@functools.cache
def load_spec() -> BotApiSpec:
    """Return the vendored Bot API spec, read once per test session."""
    return BotApiSpec()


_SCALARS = {
    "Integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "Float": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "Boolean": lambda v: isinstance(v, bool),
    "True": lambda v: v is True,
    "String": lambda v: isinstance(v, str),
    "InputFile": lambda v: isinstance(v, str) and v.startswith("attach://"),
}


def _decode_value(value: str, types: list[str]) -> Any:
    """Decode one form value: strings stay strings, anything else is JSON (as Telegram does)."""
    if "String" in types:
        if "Integer" in types and re.fullmatch(r"-?[0-9]+", value):
            return int(value)
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _attach_names(params: dict[str, Any]) -> set[str]:
    """Return the file part names referenced as attach://name anywhere in the parameters."""
    dumped = json.dumps(params, ensure_ascii=False)
    return set(re.findall(r"attach://([\w.-]+)", dumped))


def visible_text(text: str, parse_mode: str | None) -> tuple[str, list[str]]:
    """Return the text as the user will see it, and the problems with its markup."""
    if parse_mode is None:
        return text, []
    if parse_mode not in PARSE_MODES:
        return text, [f"Bad Request: unsupported parse_mode {parse_mode!r}"]
    if parse_mode != "HTML":
        return text, []
    plain, errors = parse_html(text)
    return plain, [f"Bad Request: can't parse entities: {error}" for error in errors]


def _check_texts(method: str, params: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    for field, noun, limits in (
        ("text", "message text", TEXT_LIMITS.get((method, "text"))),
        ("caption", "message caption", (0, CAPTION_LIMIT)),
    ):
        value = params.get(field)
        if not isinstance(value, str) or limits is None:
            continue
        plain, markup_problems = visible_text(value, params.get("parse_mode"))
        problems.extend(markup_problems)
        minimum, maximum = limits
        if minimum and not plain.strip():
            problems.append(f"Bad Request: {noun} is empty")
        elif len(plain) > maximum:
            problems.append(f"Bad Request: {noun} is too long ({len(plain)} > {maximum})")
    return problems


def _check_keyboard(markup: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    rows = markup.get("inline_keyboard")
    if isinstance(rows, list):
        spec = load_spec()
        actions = set(spec.fields("InlineKeyboardButton")) - _BUTTON_LOOKS
        for row in rows:
            for button in row if isinstance(row, list) else []:
                if isinstance(button, dict):
                    problems.extend(_check_inline_button(button, actions))
    for row in markup.get("keyboard") or []:
        for button in row if isinstance(row, list) else []:
            text = button.get("text") if isinstance(button, dict) else button
            if not (isinstance(text, str) and text.strip()):
                problems.append("Bad Request: keyboard button text is empty")
    return problems


def _check_inline_button(button: dict[str, Any], actions: set[str]) -> list[str]:
    problems = []
    text = button.get("text")
    if not (isinstance(text, str) and text.strip()):
        problems.append("Bad Request: inline keyboard button text is empty")
    chosen = actions & set(button)
    if len(chosen) != 1:
        problems.append(
            "Bad Request: an inline keyboard button needs exactly one action, "
            f"got {sorted(chosen) or 'none'}"
        )
    data = button.get("callback_data")
    if isinstance(data, str) and not 1 <= len(data.encode("utf-8")) <= 64:
        size = len(data.encode("utf-8"))
        problems.append(f"Bad Request: BUTTON_DATA_INVALID (callback_data is {size} bytes)")
    return problems


def _check_commands(commands: list[Any]) -> list[str]:
    problems = []
    for command in commands:
        if not isinstance(command, dict):
            continue
        name, description = command.get("command", ""), command.get("description", "")
        if not (isinstance(name, str) and COMMAND_NAME.fullmatch(name)):
            problems.append(f"Bad Request: BOT_COMMAND_INVALID ({name!r})")
        if not (isinstance(description, str) and 1 <= len(description) <= 256):
            problems.append(f"Bad Request: command description of {name!r} must be 1-256 chars")
    return problems
