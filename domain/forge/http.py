"""The HTTP transport of the forge clients (stdlib ``urllib``): a token
header and bounded retries. What an answer says is read in
:mod:`shipline.domain.forge.reply`; a refusal is explained (which token,
which repository) by :mod:`shipline.domain.forge.failures`.

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

import hashlib
import http.client
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from shipline.domain import runner
from shipline.domain.errors import ExitCode
from shipline.domain.forge.failures import ForgeError, request_failure
from shipline.domain.forge.reply import Reply, asked_wait, said
from shipline.domain.textsafe import public_url

T = TypeVar("T")
USER_AGENT = "shipline (release assistant)"
CHUNK = 1 << 20


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
                        f"{what}: {method} {public_url(url)} got no answer ({exc.reason})",
                        hint=f"{self.forge} did not answer; `shipline release resume` checks "
                        "what arrived and continues",
                        code=self.code,
                    ) from None
                self._wait(None, attempt, f"{what}: no answer ({exc.reason})")
                continue
            if reply.status in ok or reply.status in allow:
                return reply
            last = reply
            if not reply.retryable() or attempt == self.attempts:
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
                    f"({said(reply)}) but shows nothing for it",
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
                        reply = _error_reply(exc)
                        if not reply.retryable() or attempt == self.attempts:
                            raise self._failure("GET", current, what, reply) from None
                        self._wait(reply, attempt, f"{what}: HTTP {exc.code}")
                        break
            except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
                if attempt == self.attempts:
                    raise ForgeError(
                        f"{what}: GET {public_url(current)} got no answer ({exc})",
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
                return Reply(resp.status, resp.read(), _lower_keys(resp.headers.items()))
        except urllib.error.HTTPError as exc:
            return _error_reply(exc)
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            reason = getattr(exc, "reason", None) or exc
            raise _NoAnswer(str(reason) or type(exc).__name__) from None
        finally:
            if handle is not None:
                handle.close()

    # --- retries -----------------------------------------------------------------

    def _wait(self, reply: Reply | None, attempt: int, why: str) -> None:
        seconds = float(2 ** (attempt - 1))
        asked = asked_wait(reply, self.clock()) if reply is not None else None
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
        return request_failure(
            method,
            url,
            what,
            reply,
            forge=self.forge,
            repository=self.repository,
            token_env=self.token_env,
            attempts=self.attempts,
            code=self.code,
        )


def _error_reply(exc: urllib.error.HTTPError) -> Reply:
    """An HTTP error status as a reply (urllib raises it; the transport reads it)."""
    return Reply(exc.code, exc.read() if exc.fp else b"", _lower_keys(exc.headers.items()))


def _lower_keys(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers}


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
