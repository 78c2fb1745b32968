"""The HTTP transport of the forge clients (stdlib ``urllib``): a token
header, bounded retries, and errors that say which token and repository.

Why its own transport and not the registries' ``httpio``: a forge is an API
with rate limits. A 5xx, a 429, or a 403 whose rate-limit headers say the
quota is spent is retried a bounded number of times, waiting what the
server asks (``Retry-After``, or GitHub's ``x-ratelimit-reset`` / GitLab's
``RateLimit-Reset`` epoch) or backing off 1, 2, 4 s. A wait longer than
``max_wait`` is not slept through: the release stops with the time to
resume at.

A request that is not idempotent (create a release, upload a file) is only
repeated after ``before_retry`` has looked at the forge and found that the
first attempt did not land; when it did, its answer is used instead. So a
dropped connection or a 500 never makes a second release or asset.

Redirects (GitHub serves asset downloads from another host) are followed by
hand so the token is never sent to a host other than the one it was given
for.
"""

from __future__ import annotations

import email.utils
import hashlib
import http.client
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from shipline.domain import runner
from shipline.domain.errors import ExitCode, ShiplineError

T = TypeVar("T")
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
USER_AGENT = "shipline (release assistant)"
CHUNK = 1 << 20


class ForgeError(ShiplineError):
    """A forge call failed; ``status`` is the HTTP status (0: no answer)."""

    def __init__(self, message: str, *, hint: str | None = None, code: ExitCode, status: int = 0):
        super().__init__(runner.redact(message), hint=hint, code=code)
        self.status = status


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


@dataclass
class Transport:
    """Calls to one forge for one repository with one token.

    ``code`` is the exit code failures carry: 86 while pre-validating (the
    release can still stop cleanly), 88 once the push made it public."""

    forge: str
    """"GitHub" or "GitLab", for messages."""
    repository: str
    token_env: str
    auth: dict[str, str]
    """The auth header(s); their values are registered for redaction."""
    accept: str = "application/json"
    extra_headers: dict[str, str] = field(default_factory=dict)
    timeout: float = 60.0
    attempts: int = 4
    max_wait: float = 60.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time
    code: ExitCode = ExitCode.ARTIFACT_PUBLISH_FAILED
    notes: list[str] = field(default_factory=list)
    """What the transport waited for and why (retries), for the log."""

    def __post_init__(self) -> None:
        for value in self.auth.values():
            runner.register_secret(value)
            runner.register_secret(value.removeprefix("Bearer ").strip())

    # --- requests ----------------------------------------------------------------

    def call(
        self,
        method: str,
        url: str,
        *,
        what: str,
        payload: Any = None,
        upload: Path | None = None,
        content_type: str | None = None,
        ok: tuple[int, ...] = (200, 201, 204),
        allow: tuple[int, ...] = (),
        before_retry: Callable[[], Reply | None] | None = None,
    ) -> Reply:
        """One API call, retried as the module says. Statuses in ``ok`` and
        ``allow`` are returned; anything else raises :class:`ForgeError`."""
        idempotent = method in ("GET", "HEAD", "DELETE") or before_retry is not None
        last: Reply | None = None
        for attempt in range(1, self.attempts + 1):
            if attempt > 1 and before_retry is not None:
                landed = before_retry()
                if landed is not None:
                    self.notes.append(f"{what}: the earlier attempt had landed; using it")
                    return landed
            try:
                reply = self._once(
                    method, url, payload=payload, upload=upload, content_type=content_type
                )
            except _NoAnswer as exc:
                if not idempotent or attempt == self.attempts:
                    raise ForgeError(
                        f"{what}: {method} {_public(url)} got no answer ({exc.reason})",
                        hint=f"{self.forge} did not answer; `shipline release resume` checks "
                        "what arrived and continues",
                        code=self.code,
                    ) from None
                self._wait(None, attempt, f"{what}: no answer ({exc.reason})")
                continue
            if reply.status in ok or reply.status in allow:
                return reply
            last = reply
            if not self._retryable(reply) or attempt == self.attempts:
                break
            self._wait(reply, attempt, f"{what}: HTTP {reply.status}")
        assert last is not None
        raise self._failure(method, url, what, last)

    def create_once(
        self, url: str, *, what: str, payload: Any, conflict: int, find: Callable[[], T | None]
    ) -> tuple[Reply | None, T | None]:
        """POST ``payload`` so that one thing is made however often it is
        tried: when an earlier attempt had landed (a retry looks first) or
        the forge answers ``conflict`` (it exists), ``find``'s answer is
        returned instead of a reply."""
        found: list[T] = []

        def landed() -> Reply | None:
            thing = find()
            if thing is None:
                return None
            found.append(thing)
            return Reply(200, b"", {})

        reply = self.call(
            "POST",
            url,
            what=what,
            payload=payload,
            ok=(201,),
            allow=(conflict,),
            before_retry=landed,
        )
        if found:
            return None, found[0]
        if reply.status == conflict:
            thing = find()
            if thing is None:
                raise ForgeError(
                    f"{what}: {self.forge} answered HTTP {conflict} "
                    f"({_said(reply)}) but shows nothing for it",
                    hint="check that the tag is pushed and release.forge",
                    code=self.code,
                    status=conflict,
                )
            return None, thing
        return reply, None

    def download_sha256(self, url: str, *, what: str, accept: str | None = None) -> tuple[str, int]:
        """Stream ``url`` through SHA-256 (constant memory), following
        redirects without the token when they leave the host."""
        host = urllib.parse.urlsplit(url).netloc
        for attempt in range(1, self.attempts + 1):
            current, hops = url, 0
            try:
                while True:
                    same_host = urllib.parse.urlsplit(current).netloc == host
                    headers = {
                        "User-Agent": USER_AGENT,
                        "Accept": accept or "*/*",
                        **(self.auth if same_host else {}),
                        **(self.extra_headers if same_host else {}),
                    }
                    request = urllib.request.Request(current, method="GET", headers=headers)
                    try:
                        with _OPENER.open(request, timeout=self.timeout) as resp:
                            digest, size = hashlib.sha256(), 0
                            while chunk := resp.read(CHUNK):
                                digest.update(chunk)
                                size += len(chunk)
                            return digest.hexdigest(), size
                    except urllib.error.HTTPError as exc:
                        location = exc.headers.get("Location")
                        if exc.code in (301, 302, 303, 307, 308) and location and hops < 5:
                            current, hops = urllib.parse.urljoin(current, location), hops + 1
                            continue
                        reply = Reply(
                            exc.code,
                            exc.read() if exc.fp else b"",
                            {k.lower(): v for k, v in exc.headers.items()},
                        )
                        if not self._retryable(reply) or attempt == self.attempts:
                            raise self._failure("GET", current, what, reply) from None
                        self._wait(reply, attempt, f"{what}: HTTP {exc.code}")
                        break
            except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
                if attempt == self.attempts:
                    raise ForgeError(
                        f"{what}: GET {_public(current)} got no answer ({exc})",
                        hint=f"check that {self.forge} is reachable",
                        code=self.code,
                    ) from None
                self._wait(None, attempt, f"{what}: no answer")
        raise AssertionError("unreachable")

    # --- one attempt -------------------------------------------------------------

    def _once(
        self, method: str, url: str, *, payload: Any, upload: Path | None, content_type: str | None
    ) -> Reply:
        headers = {
            "User-Agent": USER_AGENT,
            "Accept": self.accept,
            **self.auth,
            **self.extra_headers,
        }
        data: Any = None
        if payload is not None:
            data = json.dumps(payload).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, method=method, headers=headers)
        handle = None
        try:
            if upload is not None:
                handle = open(upload, "rb")  # noqa: SIM115 - closed below, streamed by urllib
                headers["Content-Type"] = content_type or "application/octet-stream"
                headers["Content-Length"] = str(upload.stat().st_size)
                request = urllib.request.Request(url, data=handle, method=method, headers=headers)
            elif data is not None:
                request = urllib.request.Request(url, data=data, method=method, headers=headers)
            with _OPENER.open(request, timeout=self.timeout) as resp:
                return Reply(
                    resp.status, resp.read(), {k.lower(): v for k, v in resp.headers.items()}
                )
        except urllib.error.HTTPError as exc:
            return Reply(
                exc.code,
                exc.read() if exc.fp else b"",
                {k.lower(): v for k, v in exc.headers.items()},
            )
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            reason = getattr(exc, "reason", None) or exc
            raise _NoAnswer(str(reason) or type(exc).__name__) from None
        finally:
            if handle is not None:
                handle.close()

    # --- retries -----------------------------------------------------------------

    def _retryable(self, reply: Reply) -> bool:
        return reply.status in RETRY_STATUSES or _quota_spent(reply)

    def _wait(self, reply: Reply | None, attempt: int, why: str) -> None:
        seconds = float(2 ** (attempt - 1))
        asked = _asked_wait(reply, self.clock()) if reply is not None else None
        if asked is not None:
            seconds = asked
        if seconds > self.max_wait:
            until = time.strftime("%H:%M:%S UTC", time.gmtime(self.clock() + seconds))
            raise ForgeError(
                f"{why}: {self.forge} asks to wait {seconds:.0f} s (until {until})",
                hint="the rate limit resets then; `shipline release resume` after it",
                code=self.code,
                status=reply.status if reply else 0,
            )
        self.notes.append(f"{why}; retrying in {seconds:g} s")
        self.sleep(seconds)

    # --- messages ----------------------------------------------------------------

    def _failure(self, method: str, url: str, what: str, reply: Reply) -> ForgeError:
        status = reply.status
        said = _said(reply)
        where = f"{method} {_public(url)}"
        if status == 401:
            return ForgeError(
                f"{what}: {self.forge} rejected the token in {self.token_env} (HTTP 401"
                f"{': ' + said if said else ''})",
                hint=f"set {self.token_env} to a valid token that can write releases of "
                f"{self.repository}",
                code=self.code,
                status=status,
            )
        if status == 403 and not _quota_spent(reply):
            return ForgeError(
                f"{what}: the token in {self.token_env} may not do this in {self.repository} "
                f"(HTTP 403{': ' + said if said else ''})",
                hint=_write_hint(self.forge, self.token_env),
                code=self.code,
                status=status,
            )
        if status == 404:
            return ForgeError(
                f"{what}: {where} answered 404: {self.repository} is not there or the token in "
                f"{self.token_env} cannot see it",
                hint="check release.forge.repository and apiUrl; a private repository answers "
                f"404 to a token without access, so check {self.token_env} too",
                code=self.code,
                status=status,
            )
        if status in RETRY_STATUSES or _quota_spent(reply):
            return ForgeError(
                f"{what}: {where} still answered HTTP {status} after {self.attempts} attempts"
                f"{': ' + said if said else ''}",
                hint=f"{self.forge} is failing or rate limiting; `shipline release resume` "
                "later continues where this stopped",
                code=self.code,
                status=status,
            )
        return ForgeError(
            f"{what}: {where} answered HTTP {status}{': ' + said if said else ''}",
            hint="the request was refused as shown; check release.forge",
            code=self.code,
            status=status,
        )


class _NoAnswer(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects come back as HTTPError so the caller decides where the
    token goes."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def _quota_spent(reply: Reply) -> bool:
    """GitHub answers a spent quota with 403 (or 429) and these headers."""
    if reply.status not in (403, 429):
        return False
    return (
        reply.headers.get("x-ratelimit-remaining") == "0"
        or reply.headers.get("ratelimit-remaining") == "0"
        or "retry-after" in reply.headers
    )


def _asked_wait(reply: Reply, now: float) -> float | None:
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


def _said(reply: Reply) -> str:
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


def _write_hint(forge: str, token_env: str) -> str:
    if forge == "GitHub":
        return (
            f"give {token_env} write access to the repository's contents (a workflow: "
            "`permissions: contents: write`; a fine-grained token: Contents read and write)"
        )
    return (
        f"give {token_env} the api scope and at least the Developer role in the project "
        "(CI_JOB_TOKEN: allow the job's project)"
    )


def _public(url: str) -> str:
    """``url`` without credentials or query-string tokens, for messages."""
    parts = urllib.parse.urlsplit(url)
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    return runner.redact(urllib.parse.urlunsplit(parts._replace(netloc=netloc)))
