"""Telegram bot tokens."""

from __future__ import annotations

import re
from typing import ClassVar

from egressguard.scanning.base import RegexDetector

# ref: https://core.telegram.org/bots/api#authorizing-your-bot  ("123456789:AA..." bot id, colon, 35 chars)
PATTERN = re.compile(rb"(?<![A-Za-z0-9_:-])[0-9]{8,10}:AA[0-9A-Za-z_-]{33}(?![A-Za-z0-9_-])")


class TelegramBotToken(RegexDetector):
    name: ClassVar[str] = "telegram_bot_token"
    prefilter: ClassVar[tuple[bytes, ...]] = (rb"[0-9]{8}:AA[0-9A-Za-z_-]{33}",)
    reach: ClassVar[tuple[int, int]] = (48, 4)
    pattern = PATTERN
