"""Words of a pack that name a setting: "{setting.NAME}" in a label, page, note or message says the
value in force, so a text follows a dated change of the setting instead of keeping an old number."""

from __future__ import annotations

import re

from ..results import Text
from .model import SettingValue

_SETTING_IN_TEXT = re.compile(r"\{setting\.([a-z][a-z0-9_]*)\}")


def _say(value: SettingValue) -> str:
    if isinstance(value, list):
        return ", ".join(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def fill(text: Text, settings: dict[str, SettingValue]) -> Text:
    """`text` with each {setting.NAME} replaced by the value in force (names are checked at load)."""
    if "{setting." not in text.zh and "{setting." not in text.en:
        return text
    def sub(words: str) -> str:
        return _SETTING_IN_TEXT.sub(lambda m: _say(settings[m.group(1)]), words)
    return Text(zh=sub(text.zh), en=sub(text.en))


def settings_named(text: str) -> list[str]:
    """The settings a text names as {setting.NAME}."""
    return _SETTING_IN_TEXT.findall(text)


