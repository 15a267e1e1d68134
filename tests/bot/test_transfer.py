"""Moving settings: /export sends a JSON file, and sending that file back restores them."""

from __future__ import annotations

import json

from storage import mutes, subscribers
from storage.states import DeliveryMode
from tests.bot.conftest import ME, World

OTHER = 4343  # the same person's second account


def _exported(world: World, chat: int = ME) -> bytes:
    (call,) = [c for c in world.api.calls_to("sendDocument") if c.chat_id == chat]
    sent = world.api.messages[(chat, call.result["message_id"])]
    assert sent.document is not None and sent.file_name == "briefbot-settings.json"
    return sent.document


async def test_export_sends_every_setting_as_a_json_file(world: World) -> None:
    await world.say("/start ukraine-gaza")
    await world.say('/follow drones "rare earth"')
    await world.say("/timezone Europe/Kyiv")
    await world.say("/time 6:15")
    await world.say("/mode both")
    await world.say("/quiet 23:30-6:00")
    await world.say("/language uk")

    assert await world.say("/export") == []

    document = json.loads(_exported(world))
    del document["exported_at"]
    assert document == {
        "format": "briefbot-settings",
        "version": 1,
        "topics": ["gaza", "ukraine"],
        "keywords": ["drones", "rare earth"],
        "timezone": "Europe/Kyiv",
        "digest_time": "06:15",
        "mode": "both",
        "quiet_hours": "23:30-06:00",
        "language": "uk",
        "muted": {"topics": [], "keywords": []},
        "preferred_sources": [],
    }
    assert world.api.sent_to(ME)[-1].text.startswith("Ваші налаштування briefbot.")


async def test_sending_the_exported_file_from_another_chat_restores_everything(
    world: World,
) -> None:
    await world.say("/start trade")
    await world.say("/follow drones")
    await world.say("/timezone America/New_York")
    await world.say("/time 18:00")
    await world.say("/mode instant")
    await world.say("/quiet off")
    await world.say("/prefer BBC, Al Jazeera")
    async with world.sessions.begin() as session:
        me = await subscribers.get_subscriber(session, ME)
        assert me is not None
        await mutes.mute_topic(session, me.id, "gaza")
        await mutes.mute_keyword(session, me.id, "crypto")
    await world.say("/export")
    await world.say("/start ukraine", OTHER)

    (restored,) = await world.send_file(_exported(world), "briefbot-settings.json", OTHER)

    assert restored.text.splitlines() == [
        "✅ Settings restored from your file.",
        "",
        "⚙️ Your settings",
        "Topics: 🚢 Trade",
        "Keywords: drones",
        "Digest: every day at 18:00 (America/New_York)",
        "Mode: instant alerts as stories arrive",
        "Quiet hours (no instant alerts): off",
        "Preferred sources: 1. BBC News: World, 2. Al Jazeera: All news",
        "Deliveries: active",
        "Muted: 🕊️ Gaza, “crypto” (tap 🔈 to unmute)",
    ]
    async with world.sessions() as session:
        other = await subscribers.get_subscriber(session, OTHER)
        assert other is not None
        assert (other.mode, other.topic_slugs) == (DeliveryMode.INSTANT, ["trade"])
        assert await mutes.list_mutes(session, other.id) == mutes.Mutes(["gaza"], ["crypto"])


async def test_unknown_topics_in_a_file_are_dropped_with_a_note(world: World) -> None:
    await world.say("/start")
    document = {"format": "briefbot-settings", "version": 1,
                "topics": ["gaza", "atlantis", "<b>el dorado"]}  # fmt: skip

    (reply,) = await world.send_file(json.dumps(document).encode(), "mine.json")

    assert reply.text.splitlines()[:3] == [
        "✅ Settings restored from your file.",
        "Skipped topics I don't have any more: atlantis, <b>el dorado.",
        "",
    ]
    assert "Topics: 🕊️ Gaza" in reply.text
    assert "Digest: every day at 07:30 (UTC)" in reply.text


async def _refused(world: World, content: bytes, name: str = "settings.json") -> str:
    before = await _my_settings(world)
    (reply,) = await world.send_file(content, name)
    assert await _my_settings(world) == before, "a refused file changed something"
    assert "\n" not in reply.text
    return reply.text


async def _my_settings(world: World) -> tuple[object, ...]:
    async with world.sessions() as session:
        me = await subscribers.get_subscriber(session, ME)
        assert me is not None
        muted = await mutes.list_mutes(session, me.id)
    return (me.topic_slugs, me.keyword_list, me.timezone, me.digest_time, me.mode, muted)


async def test_a_broken_or_foreign_file_is_refused_in_one_line_and_changes_nothing(
    world: World,
) -> None:
    await world.say("/start ukraine")
    await world.say("/follow drones")
    good = {"format": "briefbot-settings", "version": 1, "topics": ["gaza"], "keywords": ["x"]}

    not_json = await _refused(world, b"\x89PNG\r\n\x1a\n binary", "photo.png")
    foreign = await _refused(world, b'{"name": "my shopping list"}')
    newer = await _refused(world, json.dumps({**good, "version": 7}).encode())
    zone = await _refused(world, json.dumps({**good, "timezone": "Mars/Olympus_Mons"}).encode())
    clock = await _refused(world, json.dumps({**good, "digest_time": "25:61"}).encode())
    words = await _refused(world, json.dumps({**good, "keywords": "drones"}).encode())
    mode = await _refused(world, json.dumps({**good, "mode": ["digest"]}).encode())
    quiet = await _refused(world, json.dumps({**good, "quiet_hours": "10pm-7am"}).encode())
    speech = await _refused(world, json.dumps({**good, "language": "tlh"}).encode())
    big = await _refused(world, b" " * 70_000 + json.dumps(good).encode())

    assert not_json == (
        "That file is not a briefbot settings file (it is not JSON). "
        "Send the file /export gave you."
    )
    assert foreign.startswith("That JSON file is not a briefbot settings file.")
    assert newer == "That settings file has version 7; I can read version 1."
    assert zone == (
        'The file\'s time zone "Mars/Olympus_Mons" is not one I know; nothing was changed.'
    )
    assert clock == 'The file\'s digest time "25:61" is not a time like 07:30.'
    assert words == "The file's keywords must be a list of words; nothing was changed."
    assert mode == 'The file\'s mode ["digest"] is not digest, instant or both.'
    assert quiet == ('The file\'s quiet hours "10pm-7am" are not like 23:00-07:00, off or default.')
    assert speech == 'The file\'s language "tlh" is not one I speak (en, uk).'
    assert big.startswith("That file is too big for a settings file")
    assert not [c for c in world.api.calls if not c.ok]


async def test_import_as_text_explains_how_and_groups_need_the_caption(world: World) -> None:
    group = -100200
    world.api.set_admins(group, {ME})
    await world.say("/start", group, user_id=ME)
    await world.say("/export", group, user_id=ME)
    exported = _exported(world, group)

    (hint,) = await world.say("/import")
    ignored = await world.send_file(exported, "briefbot-settings.json", group, user_id=ME)
    (refused,) = await world.send_file(
        exported, "briefbot-settings.json", group, caption="/import", user_id=OTHER
    )
    (restored,) = await world.send_file(
        exported, "briefbot-settings.json", group, caption="/import", user_id=ME
    )

    assert hint.text.startswith("Send me the file /export gave you")
    assert ignored == []
    assert refused.text == "Only this group's admins can change my settings here."
    assert restored.text.startswith("✅ Settings restored from your file.")
