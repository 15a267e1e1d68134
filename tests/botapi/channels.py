"""Channels in the Bot API double: who administers them, the chat picker, losing the bot.

A channel is made with ``make_channel`` (its admins and whether the bot is one of
them, allowed to post). ``user_picks_channel`` acts as Telegram's chat picker
does: it only offers a channel the request allows (a ``request_chat`` button the
bot sent that person, asking for a channel, the person an admin with the rights
asked of them), adds the bot as an admin with the rights asked for it when it is
not one yet (sending ``my_chat_member``), then sends the ``chat_shared`` service
message. ``getChatMember`` answers for channels with each member's rights;
``sendMessage`` to a channel needs the bot to be an admin allowed to post. Their
twenty-a-minute limit is the double's group limit (a negative chat id).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.botapi import updates

POST_RIGHTS = ("can_post_messages", "can_edit_messages", "can_delete_messages")


@dataclass
class Channel:
    chat_id: int
    title: str
    username: str | None = None
    owner: int | None = None
    admins: dict[int, set[str]] = field(default_factory=dict)  # user id: rights held
    bot_rights: set[str] | None = None  # None: the bot is not an admin (channels have no members)


class ChannelsMixin:
    """The channel half of ``BotApiDouble`` (see the module doc)."""

    channels: dict[int, Channel]

    def make_channel(
        self,
        chat_id: int,
        title: str = "Morning Wire",
        *,
        owner: int,
        admins: set[int] = frozenset(),  # type: ignore[assignment]
        bot_is_admin: bool = False,
        username: str | None = None,
    ) -> Channel:
        """A channel owned by ``owner``; ``admins`` may post too; the bot only if told."""
        channel = Channel(chat_id, title, username, owner)
        channel.admins = {user: set(POST_RIGHTS) for user in {owner, *admins}}
        channel.bot_rights = set(POST_RIGHTS) if bot_is_admin else None
        self.channels[chat_id] = channel
        info = updates.chat(chat_id, "channel", title)
        if username:
            info["username"] = username
        self.chats[chat_id] = info  # type: ignore[attr-defined]
        return channel

    def _picker_request(self, user_id: int) -> dict[str, Any]:
        """The request_chat of the last chat picker keyboard the bot sent this person."""
        for sent in reversed(self.sent_to(user_id)):  # type: ignore[attr-defined]
            for row in (sent.markup or {}).get("keyboard", []):
                for button in row:
                    if isinstance(button, dict) and "request_chat" in button:
                        return dict(button["request_chat"])
        raise AssertionError(f"the bot never showed person {user_id} a chat picker")

    async def user_picks_channel(self, user_id: int, chat_id: int) -> dict[str, Any]:
        """The person taps the picker button and chooses the channel, as Telegram allows."""
        request = self._picker_request(user_id)
        channel = self.channels[chat_id]
        assert request.get("chat_is_channel") is True, "the picker does not ask for a channel"
        wanted = {k for k, v in (request.get("user_administrator_rights") or {}).items() if v}
        held = channel.admins.get(user_id)
        if held is None or not (wanted - {"is_anonymous"}) <= held | {"can_manage_chat"}:
            raise AssertionError(f"Telegram would not offer channel {chat_id} to {user_id}")
        if request.get("bot_is_member") and channel.bot_rights is None:
            raise AssertionError("Telegram offers only channels the bot is in")
        bot_wanted = {k for k, v in (request.get("bot_administrator_rights") or {}).items() if v}
        if channel.bot_rights is None or not bot_wanted <= channel.bot_rights | {"can_manage_chat"}:
            # Telegram asks the person to make the bot an admin with the rights asked for.
            old = "left" if channel.bot_rights is None else "administrator"
            channel.bot_rights = (channel.bot_rights or set()) | bot_wanted
            await self._channel_member_change(chat_id, user_id, old, "administrator")
        shared: dict[str, Any] = {"request_id": request["request_id"], "chat_id": chat_id}
        if request.get("request_title"):
            shared["title"] = channel.title
        if request.get("request_username") and channel.username:
            shared["username"] = channel.username
        message = updates.message(
            next(self._message_ids),  # type: ignore[attr-defined]
            self.chat_info(user_id),  # type: ignore[attr-defined]
            self._person(user_id),  # type: ignore[attr-defined]
            "",
        )
        del message["text"]
        message["chat_shared"] = shared
        self.events.append(("user", user_id, f"[picks channel {channel.title}]"))  # type: ignore[attr-defined]
        return await self._push("message", message)  # type: ignore[attr-defined,no-any-return]

    async def bot_loses_channel(
        self, chat_id: int, *, by_user: int, removed: bool = False
    ) -> dict[str, Any]:
        """An admin takes the bot's right to post away (or removes it from the channel)."""
        channel = self.channels[chat_id]
        if removed:
            channel.bot_rights = None
            return await self._channel_member_change(chat_id, by_user, "administrator", "left")
        channel.bot_rights = (channel.bot_rights or set()) - {"can_post_messages"}
        return await self._channel_member_change(chat_id, by_user, "administrator", "administrator")

    async def _channel_member_change(
        self, chat_id: int, by_user: int, old: str, new: str
    ) -> dict[str, Any]:
        channel = self.channels[chat_id]
        change = updates.my_chat_member(
            self.chat_info(chat_id),  # type: ignore[attr-defined]
            self._person(by_user),  # type: ignore[attr-defined]
            self.bot_user,  # type: ignore[attr-defined]
            old,
            new,
        )
        change["new_chat_member"] = self._bot_member(channel)
        return await self._push("my_chat_member", change)  # type: ignore[attr-defined,no-any-return]

    def _bot_member(self, channel: Channel) -> dict[str, Any]:
        bot = self.bot_user  # type: ignore[attr-defined]
        if channel.bot_rights is None:
            return updates.member("left", bot)
        return _with_rights(updates.member("administrator", bot), channel.bot_rights)

    def channel_member(self, chat_id: int, user_id: int) -> dict[str, Any]:
        """getChatMember in a channel: owner, admins with their rights, else "left"."""
        from tests.botapi.double import BOT_ID, ApiError

        channel = self.channels[chat_id]
        if channel.bot_rights is None:
            raise ApiError(403, "Forbidden: bot is not a member of the channel chat")
        if user_id == BOT_ID:
            return self._bot_member(channel)
        person = updates.user(user_id)
        if user_id == channel.owner:
            return updates.member("creator", person)
        if user_id in channel.admins:
            return _with_rights(updates.member("administrator", person), channel.admins[user_id])
        return updates.member("left", person)

    def check_channel_post(self, chat_id: int) -> None:
        """Posting to a channel needs the bot to be an admin allowed to post."""
        from tests.botapi.double import ApiError

        channel = self.channels.get(chat_id)
        if channel is None:
            return
        if channel.bot_rights is None:
            raise ApiError(403, "Forbidden: bot is not a member of the channel chat")
        if "can_post_messages" not in channel.bot_rights:
            raise ApiError(400, "Bad Request: need administrator rights in the channel chat")


def _with_rights(member: dict[str, Any], rights: set[str]) -> dict[str, Any]:
    for name in POST_RIGHTS:
        member[name] = name in rights
    return member
