"""Slack tokens and incoming-webhook URLs."""

from __future__ import annotations

import re
from typing import ClassVar

from egressguard.scanning.base import RegexDetector

# ref: https://api.slack.com/authentication/token-types
# xoxb- bot, xoxp- user, xoxa- workspace app, xoxr- refresh, xoxs- session, xoxe- rotating; xapp- app-level.
TOKEN = re.compile(
    rb"(?<![A-Za-z0-9-])(?:xox[baprse](?:\.xox[baprse])?-(?:[0-9]{1,16}-){1,3}[A-Za-z0-9-]{8,64}"
    rb"|xoxe-[0-9]-[A-Za-z0-9]{60,160}|xapp-[0-9]-[A-Z0-9]{8,16}-[0-9]{8,16}-[a-f0-9]{32,80})(?![A-Za-z0-9-])"
)
# ref: https://api.slack.com/messaging/webhooks
WEBHOOK = re.compile(
    rb"https://hooks\.slack\.com/(?:services|workflows|triggers)/T[A-Z0-9]{6,12}/[A-Z0-9]{6,14}/[A-Za-z0-9]{20,40}"
    rb"(?![A-Za-z0-9])"
)


class SlackToken(RegexDetector):
    name: ClassVar[str] = "slack_token"
    prefilter: ClassVar[tuple[bytes, ...]] = (rb"xox[baprse][.-][0-9a-z]", rb"xapp-[0-9]-[A-Z0-9]")
    reach: ClassVar[tuple[int, int]] = (12, 200)
    pattern = TOKEN


class SlackWebhook(RegexDetector):
    name: ClassVar[str] = "slack_webhook"
    prefilter: ClassVar[tuple[bytes, ...]] = (rb"hooks\.slack\.com/",)
    reach: ClassVar[tuple[int, int]] = (32, 120)
    pattern = WEBHOOK
