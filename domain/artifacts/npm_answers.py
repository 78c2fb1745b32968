"""npm's answers read: the JSON value ``npm --json`` prints (after any
lifecycle-script output), and its error summary and code turned into a
message and a hint."""

from __future__ import annotations

import json
from typing import Any


def json_tail(text: str) -> Any:
    """npm --json prints one JSON value, sometimes after lifecycle-script
    output: parse from the first line that starts a JSON value."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith(("{", "[")):
            try:
                return json.loads("\n".join(lines[i:]))
            except ValueError:
                continue
    return {}


def npm_error(answer: Any, stderr: str) -> str:
    err = answer.get("error") if isinstance(answer, dict) else None
    if isinstance(err, dict) and err.get("summary"):
        code = f"{err['code']}: " if err.get("code") else ""
        return f"{code}{str(err['summary']).strip()}"
    lines = [
        ln.removeprefix("npm error").strip()
        for ln in stderr.splitlines()
        if ln.startswith("npm error") and "complete log" not in ln
    ]
    return "; ".join(ln for ln in lines if ln)[:300] or "no output"


def npm_hint(answer: Any, default: str) -> str:
    err = answer.get("error") if isinstance(answer, dict) else None
    code = str(err.get("code", "")) if isinstance(err, dict) else ""
    if code in ("E401", "E403", "ENEEDAUTH"):
        return "the registry rejected the credentials: check the token in credentialsEnv"
    if code in ("ECONNREFUSED", "ENOTFOUND", "ETIMEDOUT"):
        return "the registry is unreachable: check it and the artifact's registry URL"
    return default
