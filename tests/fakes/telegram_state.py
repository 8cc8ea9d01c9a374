"""The Bot API as the fake server plays it: ``TelegramState.execute`` checks one call against
the spec, records it and returns Telegram's answer.
"""

from __future__ import annotations

import json
import time
from typing import Any

from tests.fakes import telegram_updates as tg
from tests.fakes.telegram_records import (
    ApiError,
    Call,
    UploadedFile,
    error_body,
    failure_body,
)
from tests.fakes.telegram_spec import visible_text
from tests.fakes.telegram_store import ChatStore

_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)


class TelegramState(ChatStore):
    """Answers Bot API calls from the chats, messages and updates of one fake bot."""

    def execute(
        self,
        requested: str,
        params: dict[str, Any],
        files: dict[str, UploadedFile],
        *,
        problems: list[str] | None = None,
        encoding: str = "",
    ) -> Call:
        """Check, record and answer one Bot API call (``problems``: found reading the body)."""
        with self._lock:
            method = self.spec.canonical(requested)
            call = Call(method or requested, params, files, time.time(), encoding=encoding)
            call.violations = list(problems or [])
            if method is None:
                call.violations.append(f"Not Found: unknown method {requested}")
                status, description = 404, "Not Found"
            else:
                call.violations += self.spec.check_call(method, params, files)
                call.violations += self._check_ids(method, params)
                status, description = 400, call.violations[0] if call.violations else ""
            failures = self._failures.get(method or "", [])
            if call.violations:
                call.response = error_body(status, description)
            elif failures:
                call.response = failures.pop(0)
            else:
                call.response = self._answer(call)
            call.status = 200 if call.response["ok"] else call.response["error_code"]
            self.record(call)
            return call

    def _answer(self, call: Call) -> dict[str, Any]:
        try:
            return {"ok": True, "result": self._dispatch(call)}
        except ApiError as error:
            if error.violation:
                call.violations.append(error.description)
            return error_body(error.status, error.description)
        except Exception as error:  # a bug in the fake must fail the test, not hang the bot
            call.violations.append(f"fake Telegram server error: {error!r}")
            return error_body(500, "Internal Server Error")

    def fail_next(
        self,
        method: str,
        status: int,
        description: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        """Make the next call of a method fail (429 carries ``parameters.retry_after``)."""
        canonical = self.spec.canonical(method)
        assert canonical, f"no Bot API method called {method}"
        with self._lock:
            body = failure_body(status, description, retry_after)
            self._failures.setdefault(canonical, []).append(body)
        self._notify()

    def stall_next(self, method: str, seconds: float) -> None:
        """Make the next call of a method hang, then fail unprocessed (a lost request)."""
        canonical = self.spec.canonical(method)
        assert canonical, f"no Bot API method called {method}"
        with self._lock:
            self._stalls.setdefault(canonical, []).append(seconds)

    def take_stall(self, method: str | None) -> float | None:
        """Return the delay of a scripted stall of ``method``, consuming it."""
        with self._lock:
            stalls = self._stalls.get(method or "", [])
            if not stalls:
                return None
            self.stalls_begun += 1
            return stalls.pop(0)

    def _check_ids(self, method: str, params: dict[str, Any]) -> list[str]:
        problems = []
        for field in ("chat_id", "from_chat_id"):
            chat_id = params.get(field)
            if isinstance(chat_id, int | str) and self._resolve_chat(chat_id) is None:
                problems.append("Bad Request: chat not found")
        query_id = params.get("callback_query_id")
        if method == "answerCallbackQuery" and query_id not in self._callback_ids:
            problems.append(
                "Bad Request: query is too old and response timeout expired or query ID is invalid"
            )
        return problems

    def _dispatch(self, call: Call) -> Any:
        method, params = call.method, call.params
        if method == "getMe":
            return self.bot
        if method == "getWebhookInfo":
            count = len(self._updates)
            return {
                "url": self._webhook_url,
                "has_custom_certificate": False,
                "pending_update_count": count,
            }
        handler = getattr(self, f"_answer_{method}", None)
        if handler is not None:
            return handler(call)
        returns = self.spec.methods[method].get("returns", [])
        if "Message" in returns and "chat_id" in params:
            return self._send(call.params, call.files)
        if ("Message" in returns and "inline_message_id" in params) or returns == ["Boolean"]:
            return True
        raise ApiError(
            f"Not Implemented: the fake has no answer for {method}", 501, violation=True
        )

    # Answers, named after the methods they answer.

    def _answer_getUpdates(self, call: Call) -> Any:
        params = call.params
        if self._webhook_url:
            raise ApiError(
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
                409,
                violation=True,
            )
        offset = params.get("offset") or 0
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if "allowed_updates" in params:
            self._allowed_updates = list(params["allowed_updates"] or [])
        pending = self._deliverable()
        if offset < 0:
            pending = pending[offset:]
        return pending[: max(1, min(params.get("limit") or 100, 100))]

    def _deliverable(self) -> list[dict[str, Any]]:
        if not self._allowed_updates:
            return list(self._updates)
        allowed = set(self._allowed_updates)
        return [u for u in self._updates if allowed & set(u)]

    def has_updates(self, params: dict[str, Any]) -> bool:
        """Return whether getUpdates with these parameters would answer at once."""
        with self._lock:
            if self._webhook_url or self._failures.get("getUpdates"):
                return True
            offset = params.get("offset") if isinstance(params.get("offset"), int) else 0
            return any(u["update_id"] >= offset for u in self._deliverable())

    def _answer_setWebhook(self, call: Call) -> Any:
        self._webhook_url = call.params["url"]
        return True

    def _answer_deleteWebhook(self, call: Call) -> Any:
        self._webhook_url = ""
        if call.params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _answer_setMyCommands(self, call: Call) -> Any:
        self._commands[self._commands_key(call.params)] = call.params["commands"]
        return True

    def _answer_getMyCommands(self, call: Call) -> Any:
        return self._commands.get(self._commands_key(call.params), [])

    def _answer_deleteMyCommands(self, call: Call) -> Any:
        self._commands.pop(self._commands_key(call.params), None)
        return True

    @staticmethod
    def _commands_key(params: dict[str, Any]) -> str:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps([scope, params.get("language_code", "")], sort_keys=True)

    def _answer_getFile(self, call: Call) -> Any:
        stored = self._files.get(call.params["file_id"])
        if stored is None:
            raise ApiError("Bad Request: invalid file_id", violation=True)
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.unique_id,
            "file_size": len(stored.content),
            "file_path": stored.path,
        }

    def _answer_deleteMessage(self, call: Call) -> Any:
        params = call.params
        chat_id = self._resolve_chat(params["chat_id"])
        if self._messages.pop((chat_id or 0, params["message_id"]), None) is None:
            raise ApiError("Bad Request: message to delete not found")
        return True

    def _answer_copyMessage(self, call: Call) -> Any:
        return {"message_id": self._copy(call.params, forward=False)["message_id"]}

    def _answer_forwardMessage(self, call: Call) -> Any:
        return self._copy(call.params, forward=True)

    def _answer_sendMediaGroup(self, call: Call) -> Any:
        chat_id = self._resolve_chat(call.params["chat_id"])
        assert chat_id is not None
        sent = []
        for item in call.params["media"]:
            content = self._media(item["type"], item["media"], call.files)
            if isinstance(item.get("caption"), str):
                content["caption"] = visible_text(item["caption"], item.get("parse_mode"))[0]
            sent.append(self._new_message(chat_id, self.bot, content))
        return sent

    def _answer_editMessageText(self, call: Call) -> Any:
        return self._edit(call)

    def _answer_editMessageCaption(self, call: Call) -> Any:
        return self._edit(call)

    def _answer_editMessageReplyMarkup(self, call: Call) -> Any:
        return self._edit(call)

    def _edit(self, call: Call) -> Any:
        params = call.params
        if "inline_message_id" in params:
            return True
        if "chat_id" not in params or "message_id" not in params:
            raise ApiError("Bad Request: message identifier is not specified", violation=True)
        key = (self._resolve_chat(params["chat_id"]) or 0, params["message_id"])
        message = self._messages.get(key)
        if message is None:
            raise ApiError("Bad Request: message to edit not found", violation=True)
        if message.get("from", {}).get("id") != self.bot["id"]:
            raise ApiError("Bad Request: message can't be edited", violation=True)
        if call.method == "editMessageText" and "text" not in message:
            raise ApiError("Bad Request: there is no text in the message to edit", violation=True)
        edited = {k: v for k, v in message.items() if k not in ("edit_date", "reply_markup")}
        if call.method == "editMessageCaption":
            edited.pop("caption", None)
        for field in ("text", "caption"):
            if isinstance(params.get(field), str):
                edited[field] = visible_text(params[field], params.get("parse_mode"))[0]
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            edited["reply_markup"] = markup
        if edited == {k: v for k, v in message.items() if k != "edit_date"}:
            raise ApiError(_NOT_MODIFIED)
        edited["edit_date"] = tg.now()
        self._messages[key] = edited
        return edited
