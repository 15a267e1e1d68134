"""The Mini App's API over real HTTP: genuine initData only, one's own chat and one's
channels only, every field checked as the commands check it, nothing half-saved."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest

from storage import channels, subscribers
from tests.bot.conftest import ME, World
from tests.bot.miniapp import (
    WEBAPP_URL,
    WITH_WEBAPP,
    init_fields,
    miniapp_server,
    sign,
    signed_init_data,
)

CHANNEL = -1001234567890
STRANGER = 4444


@pytest.fixture
def more_settings() -> dict[str, Any]:
    return WITH_WEBAPP


class Client:
    """The page's side of the API: GET and POST /webapp/api/settings with initData."""

    def __init__(self, http: aiohttp.ClientSession, page: str) -> None:
        self.http, self.api = http, page + "api/settings"

    async def get(self, init_data: str | None) -> tuple[int, dict[str, Any]]:
        async with self.http.get(self.api, headers=_auth(init_data)) as response:
            return response.status, await response.json()

    async def post(
        self, init_data: str | None, settings: Any, chat_id: int | None = None
    ) -> tuple[int, dict[str, Any]]:
        body: dict[str, Any] = {"settings": settings}
        if chat_id is not None:
            body["chat_id"] = chat_id
        async with self.http.post(self.api, json=body, headers=_auth(init_data)) as response:
            return response.status, await response.json()


def _auth(init_data: str | None) -> dict[str, str]:
    return {"Authorization": f"tma {init_data}"} if init_data is not None else {}


@pytest.fixture
async def client(world: World) -> AsyncIterator[Client]:
    async with miniapp_server(world) as page, aiohttp.ClientSession() as http:
        yield Client(http, page)


async def _settings_text(world: World, chat: int = ME) -> str:
    (reply,) = await world.say("/settings", chat)
    return reply.text


async def test_saving_in_the_mini_app_changes_what_settings_shows_at_once(
    world: World, client: Client
) -> None:
    await world.say("/start")
    me = signed_init_data(ME)

    status, view = await client.post(
        me,
        {
            "topics": ["ukraine", "gaza"],
            "keywords": ["Drones", "rare  earth"],
            "digest_time": "06:45",
            "timezone": "Europe/Kyiv",
            "mode": "both",
            "quiet_hours": "23:30-06:30",
        },
    )
    shown = await _settings_text(world)

    assert status == 200 and view["saved"] == ME
    assert view["chats"][0]["settings"]["topics"] == ["gaza", "ukraine"]
    assert "Topics: 🇺🇦 Ukraine, 🕊️ Gaza" in shown
    assert "Keywords: drones, rare earth" in shown
    assert "every day at 06:45 (Europe/Kyiv)" in shown
    assert "Mode: a daily digest and instant alerts" in shown
    assert "Quiet hours (no instant alerts): 23:30–06:30" in shown


async def test_the_page_reads_the_persons_own_settings_topics_and_zones(
    world: World, client: Client
) -> None:
    await world.say("/timezone Europe/Kyiv")

    status, view = await client.get(signed_init_data(ME))

    assert status == 200
    (own,) = view["chats"]
    assert own["chat_id"] == ME and own["kind"] == "private"
    assert own["settings"]["timezone"] == "Europe/Kyiv"
    assert {"slug": "ukraine", "name": "🇺🇦 Ukraine"} in view["topics"]
    assert "Europe/Kyiv" in view["zones"] and "Europe/Kiev" not in view["zones"]
    assert view["labels"]["save"] == "Save"


async def test_the_page_speaks_the_persons_language(world: World, client: Client) -> None:
    await world.say("/language uk")

    _, view = await client.get(signed_init_data(ME))

    assert view["language"] == "uk"
    assert view["labels"]["save"] == "Зберегти"


def _altered() -> str:
    fields = sign(init_fields(ME))
    fields["user"] = fields["user"].replace(str(ME), str(STRANGER))
    return urlencode(fields)


REFUSED = {
    "missing": None,
    "empty": "",
    "altered": _altered(),
    "expired": signed_init_data(ME, auth_date=time.time() - 25 * 3600),
    "from the future": signed_init_data(ME, auth_date=time.time() + 3600),
    "another bot's": urlencode(sign(init_fields(ME), "987654321:ANOTHER-bots-token")),
    "without a hash": urlencode(init_fields(ME)),
}


async def test_requests_without_genuine_fresh_init_data_get_401_and_change_nothing(
    world: World, client: Client
) -> None:
    await world.say("/start")
    before = await _settings_text(world)
    answers = {}

    for name, init_data in REFUSED.items():
        read, _ = await client.get(init_data)
        saved, answer = await client.post(init_data, {"timezone": "Asia/Tokyo", "topics": ["gaza"]})
        answers[name] = (read, saved, answer["error"])

    assert answers == dict.fromkeys(REFUSED, (401, 401, "Open this from Telegram"))
    assert await _settings_text(world) == before


BAD = {
    "an unknown topic": ({"topics": ["ukraine", "atlantis"]}, "topics", "unknown topic 'atlantis'"),
    "a zone that does not exist": (
        {"timezone": "Mars/Olympus"},
        "timezone",
        "I don't know the time zone 'Mars/Olympus'",
    ),
    "25:00": ({"digest_time": "25:00"}, "digest_time", "25:00 is not a time like 07:30"),
    "10,000 keywords": (
        {"keywords": [f"word{i}" for i in range(10_000)]},
        "keywords",
        "Too many keywords: 10000; the most I keep is 50.",
    ),
    "an invisible keyword": ({"keywords": ["\u200b\u200b"]}, "keywords", "letters or digits"),
    "a keyword with a direction control": (
        {"keywords": ["drones\u202e"]},
        "keywords",
        "direction controls",
    ),
    "a keyword too long": ({"keywords": ["x" * 65]}, "keywords", "at most 64 characters"),
    "an unknown mode": ({"mode": "hourly"}, "mode", "Usage: /mode digest"),
    "quiet hours that are no range": ({"quiet_hours": "late"}, "quiet_hours", "23:00-07:00"),
    "a language the bot does not speak": ({"language": "de"}, "language", "I don't speak “de”"),
    "a setting there is not": ({"colour": "blue"}, "colour", "“colour” is not a setting"),
    "topics that are no list": ({"topics": "ukraine"}, "topics", "must be a list"),
    "a cap, which only channels have": ({"cap": 5}, "cap", "“cap” is not a setting"),
    "no settings at all": (None, "", "must be a JSON object"),
}


async def test_each_bad_value_gets_400_with_the_reason_and_nothing_is_half_saved(
    world: World, client: Client
) -> None:
    await world.say("/start")
    before = await _settings_text(world)
    answers, wanted = {}, {}

    for name, (settings, field, reason) in BAD.items():
        # A good value beside the bad one: it must not be saved either.
        body = {"digest_time": "05:05", **settings} if isinstance(settings, dict) else settings
        status, answer = await client.post(signed_init_data(ME), body)
        error = answer["error"]
        answers[name] = (status, answer["field"], reason if reason in error else error)
        wanted[name] = (400, field, reason)

    assert answers == wanted
    assert await _settings_text(world) == before


async def _add_channel(world: World, owner: int = ME) -> None:
    async with world.sessions.begin() as session:
        await channels.add_channel(session, CHANNEL, user_id=owner, title="Morning Wire")


async def test_a_manager_reads_and_changes_their_channel_in_the_mini_app(
    world: World, client: Client
) -> None:
    await _add_channel(world)
    me = signed_init_data(ME)

    _, view = await client.get(me)
    status, saved = await client.post(
        me, {"topics": ["trade"], "cap": 3, "timezone": "Asia/Tokyo", "language": "uk"}, CHANNEL
    )
    (card,) = await world.say("/channel 1 time 08:00")

    assert [c["title"] for c in view["chats"]] == ["You", "Morning Wire"]
    assert view["chats"][1]["settings"]["cap"] == 10
    assert "mode" not in view["chats"][1]["settings"]
    assert status == 200 and saved["chats"][1]["settings"]["cap"] == 3
    assert "at most 3 stories a day" in card.text
    assert "(Asia/Tokyo)" in card.text and "language uk" in card.text


async def test_nobody_reads_or_changes_a_channel_they_do_not_manage(
    world: World, client: Client
) -> None:
    await _add_channel(world)
    stranger = signed_init_data(STRANGER)

    _, view = await client.get(stranger)
    status, answer = await client.post(stranger, {"cap": 1, "topics": []}, CHANNEL)
    other_chat, _ = await client.post(stranger, {"topics": ["gaza"]}, ME)

    assert [c["chat_id"] for c in view["chats"]] == [STRANGER]
    assert (status, other_chat) == (403, 403)
    assert answer["error"] == "You don't manage this channel."
    async with world.sessions() as session:
        channel = await channels.get_channel(session, CHANNEL)
        me = await subscribers.get_subscriber(session, ME)
    assert channel is not None and channel.daily_cap == 10
    assert me is None  # the stranger's request made no chat of ME


async def test_a_channel_takes_no_personal_settings(world: World, client: Client) -> None:
    await _add_channel(world)

    status, answer = await client.post(signed_init_data(ME), {"mode": "instant"}, CHANNEL)
    too_big, capped = await client.post(signed_init_data(ME), {"cap": 51}, CHANNEL)

    assert (status, answer["field"]) == (400, "mode")
    assert (too_big, capped["error"]) == (400, "A channel's daily cap is 1 to 50 stories.")


async def test_a_language_chosen_in_the_mini_app_is_the_bots_next_reply(
    world: World, client: Client
) -> None:
    await world.say("/start")

    await client.post(signed_init_data(ME), {"language": "uk"})
    (reply,) = await world.say("/settings")

    assert reply.text.startswith("⚙️ Ваші налаштування")


async def test_the_page_is_served_with_its_script_and_styles(client: Client) -> None:
    page = client.api.removesuffix("api/settings")
    async with client.http.get(page) as response:
        html = await response.text()
        policy = response.headers["Content-Security-Policy"]
    async with client.http.get(page + "app.js") as script:
        assert script.status == 200
    async with client.http.get(page + "app.css") as styles:
        assert styles.status == 200
    async with client.http.get(page.removesuffix("/"), allow_redirects=False) as bare:
        assert (bare.status, bare.headers["Location"]) == (308, "webapp/")

    assert "Open this from Telegram" in html
    assert "script-src 'self' https://telegram.org" in policy
    assert WEBAPP_URL.startswith("https://")


async def test_preferred_sources_round_trip_through_the_mini_app_in_order(
    world: World, client: Client
) -> None:
    await world.say("/start")
    me = signed_init_data(ME)

    status, view = await client.post(me, {"sources": ["Al Jazeera: All news", "bbc news"]})
    _, read = await client.get(me)
    shown = await _settings_text(world)

    assert status == 200
    expected = ["Al Jazeera: All news", "BBC News: World"]
    assert view["chats"][0]["settings"]["sources"] == expected
    assert read["chats"][0]["settings"]["sources"] == expected
    assert "BBC News: World" in read["sources"] and read["limits"]["sources"] == 10
    assert "Preferred sources: 1. Al Jazeera: All news, 2. BBC News: World" in shown


async def test_an_unknown_preferred_source_gets_400_naming_it_and_saves_nothing(
    world: World, client: Client
) -> None:
    await world.say("/start")
    me = signed_init_data(ME)
    await client.post(me, {"sources": ["BBC News: World"]})

    status, answer = await client.post(me, {"topics": ["gaza"], "sources": ["Reuters"]})
    _, read = await client.get(me)

    assert status == 400 and answer["field"] == "sources"
    assert answer["error"].startswith("I don't know the source “Reuters”. My sources: ")
    assert read["chats"][0]["settings"]["sources"] == ["BBC News: World"]
    assert read["chats"][0]["settings"]["topics"] == []
