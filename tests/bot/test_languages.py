"""Languages through the Bot API double: Telegram's language, /language, the command menus."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from babel.dates import format_date

from storage import subscribers
from storage.types import utcnow
from tests.bot.conftest import ME, World
from tests.bot.seed import insert_brief, insert_seed_brief


async def test_a_ukrainian_user_is_greeted_and_helped_in_ukrainian(world: World) -> None:
    world.api.user_languages[ME] = "uk"

    (welcome,) = await world.say("/start ukraine")
    (help_reply,) = await world.say("/help")

    assert welcome.text.startswith("👋 Вітаю в briefbot! Я розбиваю щоденні огляди новин")
    assert "Ви відстежуєте: 🇺🇦 Україна." in welcome.text
    labels = [label for label, _ in welcome.buttons()]
    assert "✅ 🇺🇦 Україна" in labels and "▫️ 🕊️ Газа" in labels and labels[-1] == "Готово"
    assert help_reply.text.startswith("Що я вмію\n\n/start — підписатися й вибрати теми")
    assert "/language — мова, якою я з вами розмовляю" in help_reply.text
    async with world.sessions() as session:
        subscriber = await subscribers.get_subscriber(session, ME)
    assert subscriber is not None and subscriber.language == "uk"


async def test_a_ukrainian_user_gets_topics_and_digest_headings_in_ukrainian(
    world: World,
) -> None:
    world.api.user_languages[ME] = "uk-UA"
    async with world.sessions.begin() as session:
        await insert_seed_brief(session)
    await world.say("/start")

    (picker,) = await world.say("/topics")
    (done,) = await world.say("/topics Газа, trade")
    (digest,) = await world.say("/digest")
    (again,) = await world.say("/digest")
    (story,) = await world.say("/story_1")

    assert picker.text.startswith("Виберіть теми\nНатисніть тему, щоб відстежувати її")
    assert (
        done.text
        == "Готово. Ви відстежуєте: 🕊️ Газа, 🚢 Торгівля. /digest покаже відповідні новини."
    )
    assert digest.text.startswith("📰 Ваші новини · 3 нові\n\n1. 🕊️🕌 Renewing war\n")
    assert again.text.startswith("📰 Нічого нового від останнього дайджесту.")
    assert story.text.endswith("Читати в джерелі")
    assert [label for label, _ in story.buttons()][:2] == ["Чому це?", "2 ➡️"]
    assert "🔇 Газа" in [label for label, _ in story.buttons()]


async def test_language_en_switches_to_english_and_it_sticks(world: World) -> None:
    world.api.user_languages[ME] = "uk"
    await world.say("/start")

    (switched,) = await world.say("/language en")
    (help_reply,) = await world.say("/help")
    (settings,) = await world.say("/settings")

    assert switched.text == "Done: language set to English. /help lists what I can do."
    assert help_reply.text.startswith("What I can do")
    assert settings.text.startswith("⚙️ Your settings\nTopics: none (/topics)")
    async with world.sessions() as session:
        subscriber = await subscribers.get_subscriber(session, ME)
    assert subscriber is not None and subscriber.language == "en"


async def test_the_stored_language_survives_a_restart_of_the_bot(world: World) -> None:
    await world.say("/start")
    await world.say("/language uk")
    world.application.drop_chat_data(ME)  # what a new process remembers: nothing

    (help_reply,) = await world.say("/help")

    assert help_reply.text.startswith("Що я вмію")


async def test_language_alone_shows_buttons_and_a_tap_switches(world: World) -> None:
    await world.say("/start")

    (menu,) = await world.say("/language")
    assert menu.text == "Language: English. Tap to change it."
    assert [label for label, _ in menu.buttons()] == ["• English", "Українська"]

    await world.tap(menu, "Українська")
    (stop,) = await world.say("/stop")

    edited = world.api.messages[(menu.chat_id, menu.message_id)]
    assert edited.text == "Готово: мову змінено на «Українська». /help — усе, що я вмію."
    assert [label for label, _ in edited.buttons()] == ["English", "• Українська"]
    assert stop.text.startswith("Зупинено: я більше нічого вам не надсилатиму.")


async def test_an_unknown_language_falls_back_to_english(world: World) -> None:
    world.api.user_languages[ME] = "de"

    (welcome,) = await world.say("/start")
    (unknown,) = await world.say("/language klingon")
    (hint,) = await world.say("hallo")

    assert welcome.text.startswith("👋 Welcome to briefbot!")
    assert unknown.text == "I don't speak “klingon” yet. Choose one: /language en, /language uk."
    assert hint.text.startswith("I answer commands")


async def test_the_command_menu_is_registered_in_ukrainian_and_by_default(world: World) -> None:
    menus = world.api.command_menus

    assert set(menus) == {("default", ""), ("default", "uk")}
    english = dict((c["command"], c["description"]) for c in menus[("default", "")])
    ukrainian = dict((c["command"], c["description"]) for c in menus[("default", "uk")])
    assert english["digest"] == "your matching stories now"
    assert ukrainian["digest"] == "ваші новини просто зараз"
    assert list(english) == list(ukrainian)
    assert world.api.commands == menus[("default", "")]


async def test_a_group_is_refused_a_language_change_by_a_member_who_is_not_admin(
    world: World,
) -> None:
    group = -100
    world.api.admins[group] = {ME}
    await world.say("/start", group, user_id=ME)

    (refused,) = await world.say("/language uk", group, user_id=77)

    assert refused.text == "Only this group's admins can change my settings here."


async def test_today_settings_and_a_refused_file_speak_ukrainian(world: World) -> None:
    world.api.user_languages[ME] = "uk"
    async with world.sessions.begin() as session:
        await insert_brief(session, [("Kyiv at dawn", "Kyiv wakes.", {"ukraine": ["Kyiv"]})])
    await world.say("/start ukraine")
    await world.say("/timezone Europe/Kyiv")
    await world.say("/pause 3")

    (today,) = await world.say("/today")
    (settings,) = await world.say("/settings")
    (refused,) = await world.send_file(b'{"format": "briefbot-settings", "version": 7}', "a.json")

    weekday = format_date(utcnow().astimezone(ZoneInfo("Europe/Kyiv")), "EEEE", locale="uk")
    assert today.text.startswith(f"📅 Сьогодні, {weekday} ")
    assert "(Europe/Kyiv) · 1 новина на ваші теми\n\n1. 🇺🇦 Kyiv at dawn" in today.text
    assert settings.text.startswith("⚙️ Ваші налаштування\nТеми: 🇺🇦 Україна\n")
    assert "Надсилання: призупинено до " in settings.text
    assert "Режим: щоденний дайджест" in settings.text
    labels = [label for label, _ in settings.buttons()]
    assert {"🗂 Теми", "• Дайджест", "▶️ Відновити", "🗑 Забути мене"} <= set(labels)
    assert refused.text == "Цей файл налаштувань має версію 7; я читаю версію 1."
