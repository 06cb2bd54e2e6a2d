"""Keep sign-in tokens out of every log line: a token in a URL path is replaced by a marker."""

from __future__ import annotations

import logging
import re

# Token segments in links sent by email: /portal/link/<token>/, /portal/invitation/<token>/ and
# /accounts/reset/<uid>/<token>/; and the calendar feed's /calendar/<secret>.ics.
TOKEN_IN_PATH = re.compile(r"(/portal/(?:link|invitation)/|/accounts/reset/[^/\s]+/|/calendar/)[^/\s\"?]+")


def redact(text: str) -> str:
    return TOKEN_IN_PATH.sub(r"\1[redacted]", text)


class RedactTokensFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
