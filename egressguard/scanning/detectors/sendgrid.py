"""SendGrid API keys."""

from __future__ import annotations

import re
from typing import ClassVar

from egressguard.scanning.base import RegexDetector

# ref: https://www.twilio.com/docs/sendgrid/ui/account-and-settings/api-keys  ("SG." id "." secret)
PATTERN = re.compile(rb"(?<![A-Za-z0-9_-])SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])")


class SendgridApiKey(RegexDetector):
    name: ClassVar[str] = "sendgrid_api_key"
    prefilter: ClassVar[tuple[bytes, ...]] = (rb"SG\.[A-Za-z0-9_-]{22}\.",)
    reach: ClassVar[tuple[int, int]] = (32, 48)
    pattern = PATTERN
