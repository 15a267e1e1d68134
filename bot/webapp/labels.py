"""The words on the Mini App's page, in the person's language (the page has English ones
built in, for when it cannot reach the API)."""

from __future__ import annotations

from bot.ui.i18n import N_, Translator
from bot.ui.keyboards import MODE_LABELS
from bot.ui.texts import MODES

LABELS = {
    "title": N_("Settings"),
    "topics": N_("Topics"),
    "keywords": N_("Keywords"),
    "keywords_hint": N_("Stories mentioning them join the digest."),
    "keyword_placeholder": N_("a word or a phrase"),
    "add": N_("Add"),
    "remove": N_("Remove"),
    "up": N_("Move up"),
    "sources": N_("Preferred sources"),
    "sources_hint": N_(
        "An event reported by several sources is shown from the first of these that has it."
    ),
    "digest_time": N_("Digest time"),
    "timezone": N_("Time zone"),
    "zone_search": N_("Search: Kyiv, New York…"),
    "device_zone": N_("Use {zone} (this device)"),
    "mode": N_("Delivery"),
    "quiet_hours": N_("Quiet hours (no instant alerts)"),
    "quiet_default": N_("The bot's usual hours"),
    "quiet_off": N_("Off: alerts at any hour"),
    "quiet_custom": N_("My own hours"),
    "from": N_("from"),
    "to": N_("to"),
    "language": N_("Language"),
    "cap": N_("Stories a day, at most"),
    "save": N_("Save"),
    "saving": N_("Saving…"),
    "saved": N_("Saved"),
    "stopped": N_("⚠️ Stopped: pick it again with /channel to resume."),
    "outside": N_("Open this from Telegram"),
    "failed": N_("Could not reach the bot; try again."),
}


def labels(t: Translator) -> dict[str, object]:
    """Every label, and the delivery modes' names, translated."""
    shown: dict[str, object] = {key: t.gettext(text) for key, text in LABELS.items()}
    shown["modes"] = {
        mode.value: {"name": t.gettext(MODE_LABELS[mode]), "hint": t.gettext(MODES[mode])}
        for mode in MODE_LABELS
    }
    return shown
