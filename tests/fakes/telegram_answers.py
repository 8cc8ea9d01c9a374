"""The Bot API as the fake server plays it: the answer to each method, from the store and queue.

``BotApi`` owns what the bot set about itself (webhook URL, command lists); it reads and writes
the chats, messages and files of a ``ChatStore`` and the pending updates of an ``UpdateQueue``.
Spec checks and scripted failures come before it (``FakeTelegram.execute``).
"""

from __future__ import annotations

import json
import threading
from typing import Any

from tests.fakes import telegram_updates as tg
from tests.fakes.telegram_pushes import UpdateQueue
from tests.fakes.telegram_records import ApiError, Call, error_body
from tests.fakes.telegram_spec import BotApiSpec, visible_text
from tests.fakes.telegram_store import ChatStore

_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)


class BotApi:
    """Answers Bot API calls that passed the spec checks, for the bot of a store."""

    def __init__(
        self, spec: BotApiSpec, store: ChatStore, updates: UpdateQueue, lock: threading.RLock
    ) -> None:
        self.spec = spec
        self.store = store
        self.updates = updates
        self._lock = lock
        self._webhook_url = ""
        self._commands: dict[str, list[Any]] = {}

    @property
    def webhook_url(self) -> str:
        """Return the webhook URL the bot set (empty while it polls)."""
        with self._lock:
            return self._webhook_url

    def check_ids(self, method: str, params: dict[str, Any]) -> list[str]:
        """Return the problems with the chats and callback queries a call refers to."""
        problems = []
        for field in ("chat_id", "from_chat_id"):
            chat_id = params.get(field)
            if isinstance(chat_id, int | str) and self.store.resolve_chat(chat_id) is None:
                problems.append("Bad Request: chat not found")
        query_id = params.get("callback_query_id")
        if method == "answerCallbackQuery" and not self.updates.knows_callback(query_id):
            problems.append(
                "Bad Request: query is too old and response timeout expired or query ID is invalid"
            )
        return problems

    def answer(self, call: Call) -> dict[str, Any]:
        """Return Telegram's answer to a call (an error may add to its violations)."""
        try:
            with self._lock:
                return {"ok": True, "result": self._dispatch(call)}
        except ApiError as error:
            if error.violation:
                call.violations.append(error.description)
            return error_body(error.status, error.description)
        except Exception as error:  # a bug in the fake must fail the test, not hang the bot
            call.violations.append(f"fake Telegram server error: {error!r}")
            return error_body(500, "Internal Server Error")

    def _dispatch(self, call: Call) -> Any:
        method, params = call.method, call.params
        if method == "getMe":
            return self.store.bot
        if method == "getWebhookInfo":
            count = len(self.updates.pending_updates())
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
            return self.store.send(call.params, call.files)
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
            self.updates.confirm(offset)
        if "allowed_updates" in params:
            self.updates.allow(params["allowed_updates"] or [])
        pending = self.updates.deliverable()
        if offset < 0:
            pending = pending[offset:]
        return pending[: max(1, min(params.get("limit") or 100, 100))]

    def _answer_setWebhook(self, call: Call) -> Any:
        self._webhook_url = call.params["url"]
        return True

    def _answer_deleteWebhook(self, call: Call) -> Any:
        self._webhook_url = ""
        if call.params.get("drop_pending_updates"):
            self.updates.drop_pending()
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
        stored = self.store.file(call.params["file_id"])
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
        chat_id = self.store.resolve_chat(params["chat_id"])
        if not self.store.delete_message(chat_id or 0, params["message_id"]):
            raise ApiError("Bad Request: message to delete not found")
        return True

    def _answer_copyMessage(self, call: Call) -> Any:
        return {"message_id": self.store.copy(call.params, forward=False)["message_id"]}

    def _answer_forwardMessage(self, call: Call) -> Any:
        return self.store.copy(call.params, forward=True)

    def _answer_sendMediaGroup(self, call: Call) -> Any:
        chat_id = self.store.resolve_chat(call.params["chat_id"])
        assert chat_id is not None
        sent = []
        for item in call.params["media"]:
            content = self.store.media(item["type"], item["media"], call.files)
            if isinstance(item.get("caption"), str):
                content["caption"] = visible_text(item["caption"], item.get("parse_mode"))[0]
            sent.append(self.store.new_message(chat_id, self.store.bot, content))
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
        chat_id = self.store.resolve_chat(params["chat_id"]) or 0
        message = self.store.message(chat_id, params["message_id"])
        if message is None:
            raise ApiError("Bad Request: message to edit not found", violation=True)
        if message.get("from", {}).get("id") != self.store.bot["id"]:
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
        self.store.replace_message(chat_id, params["message_id"], edited)
        return edited
