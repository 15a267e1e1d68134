"""Updates as Telegram would deliver them when a person does something."""

from __future__ import annotations

import re
import time
from typing import Any

_COMMAND = re.compile(r"^/[A-Za-z0-9_]{1,32}(?:@\w+)?")


def user(user_id: int, first_name: str = "Olena", language: str = "en") -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": language}


def chat(chat_id: int, chat_type: str | None = None, title: str | None = None) -> dict[str, Any]:
    """A private chat for positive ids, a group for negative ones, unless told."""
    kind = chat_type or ("private" if chat_id > 0 else "group")
    if kind == "private":
        return {"id": chat_id, "type": kind, "first_name": "Olena"}
    return {"id": chat_id, "type": kind, "title": title or "Newsroom"}


def message(
    message_id: int, chat_info: dict[str, Any], sender: dict[str, Any], text: str
) -> dict[str, Any]:
    """A text message; a leading /command gets its bot_command entity, as Telegram adds."""
    result: dict[str, Any] = {
        "message_id": message_id,
        "date": int(time.time()),
        "chat": chat_info,
        "from": sender,
        "text": text,
    }
    if match := _COMMAND.match(text):
        length = len(match.group().encode("utf-16-le")) // 2
        result["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    return result


def member(status: str, member_user: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {"status": status, "user": member_user}
    if status == "kicked":
        result["until_date"] = 0
    if status == "administrator":
        result.update(
            dict.fromkeys(
                [
                    "can_be_edited",
                    "is_anonymous",
                    "can_manage_chat",
                    "can_delete_messages",
                    "can_manage_video_chats",
                    "can_restrict_members",
                    "can_promote_members",
                    "can_change_info",
                    "can_invite_users",
                    "can_post_stories",
                    "can_edit_stories",
                    "can_delete_stories",
                ],
                False,
            )
        )
        result["can_manage_chat"] = True
    if status == "creator":
        result["is_anonymous"] = False
    return result


def my_chat_member(
    chat_info: dict[str, Any], sender: dict[str, Any], bot: dict[str, Any], old: str, new: str
) -> dict[str, Any]:
    return {
        "chat": chat_info,
        "from": sender,
        "date": int(time.time()),
        "old_chat_member": member(old, bot),
        "new_chat_member": member(new, bot),
    }
