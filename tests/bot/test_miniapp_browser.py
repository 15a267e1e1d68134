"""The settings Mini App in a real browser: Debian's headless Chromium, driven by Playwright,
loads the page from the bot's HTTP server as Telegram opens it (initData in the URL
fragment), with nothing reachable beyond 127.0.0.1, not even Telegram's own script.

Screenshots at 390x844, light and dark, are written to $BRIEFBOT_TEST_ARTEFACTS (or the
test's temporary directory); docs/miniapp-light.png and docs/miniapp-dark.png are copies.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest

from storage import channels
from tests.bot.conftest import ME, World
from tests.bot.miniapp import WITH_WEBAPP, init_fields, miniapp_server, sign, signed_init_data

async_api = pytest.importorskip(
    "playwright.async_api", reason="playwright is not installed: pip install -e '.[dev]'"
)
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).is_file(),
    reason="no Chromium at /usr/bin/chromium: install Debian's chromium (.ci/run does, as root)",
)

PHONE = {"width": 390, "height": 844}
LIGHT = {"bg_color": "#ffffff", "text_color": "#000000", "hint_color": "#707579",
         "link_color": "#3390ec", "button_color": "#3390ec", "button_text_color": "#ffffff",
         "secondary_bg_color": "#f4f4f5", "section_bg_color": "#ffffff",
         "section_separator_color": "#e7e7e7", "destructive_text_color": "#e53935"}  # fmt: skip
DARK = {"bg_color": "#212121", "text_color": "#ffffff", "hint_color": "#aaaaaa",
        "link_color": "#8774e1", "button_color": "#8774e1", "button_text_color": "#ffffff",
        "secondary_bg_color": "#181818", "section_bg_color": "#212121",
        "section_separator_color": "#0f0f0f", "destructive_text_color": "#ff595a"}  # fmt: skip
CHANNEL = -1001234567890
NOT_LOCAL = re.compile(r"^(?!https?://127\.0\.0\.1[:/])")


@pytest.fixture
def more_settings() -> dict[str, Any]:
    return WITH_WEBAPP


@pytest.fixture
def artefacts(tmp_path: Path) -> Path:
    where = Path(os.environ.get("BRIEFBOT_TEST_ARTEFACTS") or tmp_path / "artefacts")
    where.mkdir(parents=True, exist_ok=True)
    return where


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    async with async_api.async_playwright() as playwright:
        # Chromium's sandbox refuses to run as root (CI runs as root).
        args = ["--no-sandbox"] if os.geteuid() == 0 else []
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=args)
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def page_url(world: World) -> AsyncIterator[str]:
    async with miniapp_server(world) as url:
        yield url


async def open_page(
    browser: Any,
    url: str,
    init_data: str | None,
    theme: dict[str, str],
    blocked: list[str] | None = None,
    **options: Any,
) -> Any:
    """A phone-sized page opened as Telegram opens a Mini App; only 127.0.0.1 answers
    (what else it asks for is refused, and listed in ``blocked``)."""
    context = await browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, **options
    )

    async def refuse(route: Any) -> None:
        (blocked if blocked is not None else []).append(route.request.url)
        await route.abort()

    await context.route(NOT_LOCAL, refuse)
    page = await context.new_page()
    fragment = {"tgWebAppVersion": "8.0", "tgWebAppPlatform": "android",
                "tgWebAppThemeParams": json.dumps(theme)}  # fmt: skip
    if init_data is not None:
        fragment = {"tgWebAppData": init_data, **fragment}
    await page.goto(f"{url}#{urlencode(fragment, quote_via=quote)}")
    return page


async def test_a_person_toggles_two_topics_picks_kyiv_and_settings_shows_them(
    world: World, browser: Any, page_url: str, artefacts: Path
) -> None:
    expect = async_api.expect
    await world.say("/start")
    async with world.sessions.begin() as session:
        await channels.add_channel(session, CHANNEL, user_id=ME, title="Morning Wire")
    blocked: list[str] = []
    page = await open_page(
        browser, page_url, signed_init_data(ME), LIGHT, blocked, timezone_id="Europe/Berlin"
    )
    await expect(page.locator("#form")).to_be_visible()

    await page.locator(".toggle", has_text="Ukraine").click()
    await page.locator(".toggle", has_text="Gaza").click()
    await page.locator("#zone-search").press_sequentially("kyiv")
    await page.locator("#zones li", has_text="Europe/Kyiv").click()
    await page.locator("#keyword").fill("drones")
    await page.locator("#add-keyword").click()
    await page.locator("#save").click()
    await expect(page.locator("#status")).to_have_text("Saved")
    await page.evaluate("window.scrollTo(0, 0)")
    await page.screenshot(path=artefacts / "miniapp-light.png")
    (settings,) = await world.say("/settings")

    assert "Topics: 🇺🇦 Ukraine, 🕊️ Gaza" in settings.text
    assert "(Europe/Kyiv)" in settings.text
    assert "Keywords: drones" in settings.text
    assert await page.locator("#zone-current").inner_text() == "Europe/Kyiv"
    assert await page.locator("#device-zone").inner_text() == "Use Europe/Berlin (this device)"
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert await page.locator("#chats button").all_inner_texts() == ["You", "📣 Morning Wire"]
    assert blocked == ["https://telegram.org/js/telegram-web-app.js"]


async def test_a_person_adds_two_preferred_sources_moves_one_up_and_settings_shows_the_order(
    world: World, browser: Any, page_url: str
) -> None:
    expect = async_api.expect
    await world.say("/start")
    page = await open_page(browser, page_url, signed_init_data(ME), LIGHT, [])
    await expect(page.locator("#form")).to_be_visible()

    for name in ("BBC News: World", "Al Jazeera: All news"):
        await page.locator("#source-choice").select_option(name)
        await page.locator("#add-source").click()
    await (
        page.locator("#sources li", has_text="Al Jazeera")
        .get_by_role("button", name="Move up Al Jazeera: All news")
        .click()
    )
    await page.locator("#save").click()
    await expect(page.locator("#status")).to_have_text("Saved")
    (settings,) = await world.say("/settings")

    assert await page.locator("#sources li span").all_inner_texts() == [
        "1. Al Jazeera: All news",
        "2. BBC News: World",
    ]
    assert "Preferred sources: 1. Al Jazeera: All news, 2. BBC News: World" in settings.text


async def test_a_channels_tab_shows_its_cap_instead_of_personal_delivery(
    world: World, browser: Any, page_url: str
) -> None:
    expect = async_api.expect
    async with world.sessions.begin() as session:
        await channels.add_channel(session, CHANNEL, user_id=ME, title="Morning Wire")
    page = await open_page(browser, page_url, signed_init_data(ME), LIGHT)
    await expect(page.locator("#form")).to_be_visible()

    await page.locator("#chats button", has_text="Morning Wire").click()
    await page.locator("#cap").fill("4")
    await page.locator("#save").click()
    await expect(page.locator("#status")).to_have_text("Saved")
    (card,) = await world.say("/channel 1 language en")

    assert not await page.locator("#delivery").is_visible()
    assert await page.locator("#cap").input_value() == "4"
    assert "at most 4 stories a day" in card.text


async def test_the_page_follows_telegrams_dark_theme(
    world: World, browser: Any, page_url: str, artefacts: Path
) -> None:
    await world.say("/topics ukraine trade")
    await world.say("/timezone Europe/Kyiv")
    await world.say('/follow drones "rare earth"')
    page = await open_page(browser, page_url, signed_init_data(ME), DARK, color_scheme="dark")
    await async_api.expect(page.locator("#form")).to_be_visible()

    background = await page.evaluate("getComputedStyle(document.body).backgroundColor")
    scheme = await page.evaluate("document.documentElement.dataset.scheme")
    await page.screenshot(path=artefacts / "miniapp-dark.png")

    assert background == "rgb(24, 24, 24)"  # DARK's secondary_bg_color
    assert scheme == "dark"
    assert await page.locator(".toggle input:checked").count() == 2


async def test_the_page_takes_init_data_and_theme_from_telegrams_script_when_it_is_there(
    world: World, browser: Any, page_url: str
) -> None:
    await world.say("/topics gaza")
    context = await browser.new_context(viewport=PHONE)
    await context.route(NOT_LOCAL, lambda route: route.abort())
    # What telegram-web-app.js leaves on window, for a page opened without a fragment.
    telegram = {"initData": signed_init_data(ME), "themeParams": DARK, "colorScheme": "dark"}
    await context.add_init_script(
        "window.calls = [];"
        f"window.Telegram = {{WebApp: Object.assign({json.dumps(telegram)}, {{"
        "ready() { calls.push('ready'); }, expand() { calls.push('expand'); },"
        "onEvent(name) { calls.push('on ' + name); } }) };"
    )
    page = await context.new_page()
    await page.goto(page_url)

    await async_api.expect(page.locator("#form")).to_be_visible()

    assert await page.locator(".toggle input:checked").count() == 1
    assert await page.evaluate("window.calls") == ["ready", "expand", "on themeChanged"]
    assert await page.evaluate("document.documentElement.dataset.scheme") == "dark"


async def test_the_zone_search_knows_old_names_and_city_names(
    world: World, browser: Any, page_url: str
) -> None:
    page = await open_page(browser, page_url, signed_init_data(ME), LIGHT)
    await async_api.expect(page.locator("#form")).to_be_visible()
    found = {}

    for typed in ("kiev", "new york", "calcutta"):
        await page.locator("#zone-search").fill(typed)
        found[typed] = await page.locator("#zones li").all_inner_texts()

    assert found == {
        "kiev": ["Europe/Kyiv"],
        "new york": ["America/New_York"],
        "calcutta": ["Asia/Kolkata"],
    }


async def test_a_value_the_bot_refuses_is_shown_on_the_page_and_nothing_is_saved(
    world: World, browser: Any, page_url: str
) -> None:
    expect = async_api.expect
    await world.say("/start")
    (before,) = await world.say("/settings")
    page = await open_page(browser, page_url, signed_init_data(ME), LIGHT)
    await expect(page.locator("#form")).to_be_visible()

    await page.locator(".toggle", has_text="Trade").click()
    await page.locator("#keyword").fill("drones\u202e")
    await page.locator("#add-keyword").click()
    await page.locator("#save").click()
    status = page.locator("#status")
    await expect(status).to_have_class("error")
    (after,) = await world.say("/settings")

    assert await status.inner_text() == (
        "A keyword cannot hold direction controls (they flip how text reads); nothing was changed."
    )
    assert after.text == before.text


FORGED = {
    "forged": urlencode(sign(init_fields(ME), "987654321:SOMEONE-ELSES-token")),
    "missing": None,
}


@pytest.mark.parametrize("init_data", FORGED.values(), ids=FORGED.keys())
async def test_without_genuine_init_data_the_page_says_open_it_from_telegram_and_saves_nothing(
    world: World, browser: Any, page_url: str, init_data: str | None
) -> None:
    await world.say("/start")
    (before,) = await world.say("/settings")
    page = await open_page(browser, page_url, init_data, LIGHT)
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)

    await async_api.expect(page.locator("#outside")).to_be_visible()
    (after,) = await world.say("/settings")

    assert await page.locator("#outside-text").inner_text() == "Open this from Telegram"
    assert not await page.locator("#form").is_visible()
    assert posts == []
    assert after.text == before.text
