"""A forge's answer and what it says: its JSON, its own one-line reason,
and what its rate-limit headers ask for (a spent quota, how long to wait).
GitHub says ``x-ratelimit-*`` and answers a spent quota with 403 or 429;
GitLab says ``RateLimit-*``; both may send ``Retry-After``."""

from __future__ import annotations

import email.utils
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shipline.domain import runner

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
"""Statuses worth another attempt: the server's trouble, not the request's."""


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    headers: dict[str, str]

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            return None

    def retryable(self) -> bool:
        """Worth another attempt: a server error, or a spent rate limit."""
        return self.status in RETRY_STATUSES or quota_spent(self)


def quota_spent(reply: Reply) -> bool:
    """GitHub answers a spent quota with 403 (or 429) and these headers."""
    if reply.status not in (403, 429):
        return False
    return (
        reply.headers.get("x-ratelimit-remaining") == "0"
        or reply.headers.get("ratelimit-remaining") == "0"
        or "retry-after" in reply.headers
    )


def asked_wait(reply: Reply, now: float) -> float | None:
    """Seconds the server asks to wait: ``Retry-After`` (seconds or an HTTP
    date), else the rate-limit reset epoch; None when it says nothing."""
    value = reply.headers.get("retry-after")
    if value:
        value = value.strip()
        if value.isdigit():
            return float(value)
        try:
            return max(0.0, email.utils.parsedate_to_datetime(value).timestamp() - now)
        except (TypeError, ValueError):
            pass
    for name in ("x-ratelimit-reset", "ratelimit-reset"):
        reset = reply.headers.get(name, "").strip()
        if reset.isdigit() and (
            reply.headers.get(name.replace("reset", "remaining")) == "0" or reply.status == 429
        ):
            return max(1.0, float(reset) - now)
    return None


def said(reply: Reply) -> str:
    """The forge's own one-line reason (GitHub ``message``, GitLab
    ``message``/``error``), redacted and short."""
    data = reply.json()
    text = ""
    if isinstance(data, Mapping):  # GitHub/GitLab ``message``, RFC 9457 problem details
        text = str(data.get("message") or data.get("error") or data.get("title") or "")
        for key in ("errors", "validation"):
            extra = data.get(key)
            if isinstance(extra, list) and extra:
                text += " " + json.dumps(extra)[:300]
    elif reply.body:
        text = (
            reply.body.decode(errors="replace").strip().splitlines()[0]
            if reply.body.strip()
            else ""
        )
    return runner.redact(text.strip()[:300])
