"""Small HTTP client for registries (stdlib ``urllib``, no extra dependency).

Every call has a timeout, and every failure (refused connection, timeout,
5xx, 401/403) becomes the caller's :class:`~shipline.domain.errors.ShiplineError`
class with a one-line message that names the URL (credentials stripped).
"""

from __future__ import annotations

import base64
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass

from shipline.domain import runner
from shipline.domain.errors import ShiplineError
from shipline.domain.textsafe import public_url


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    headers: dict[str, str]


def basic_auth(user: str, password: str) -> str:
    runner.register_secret(password)
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    runner.register_secret(token)
    return f"Basic {token}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def request(
    method: str,
    url: str,
    *,
    error: type[ShiplineError],
    what: str,
    timeout: float,
    data: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    ok: tuple[int, ...] = (200, 201, 202, 204),
    allow: tuple[int, ...] = (),
    follow_redirects: bool = True,
) -> Response:
    """One HTTP request. Statuses in ``ok`` or ``allow`` are returned; any
    other status, a refused connection or a timeout raises ``error``."""
    req = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))
    opener = (
        urllib.request.build_opener()
        if follow_redirects
        else urllib.request.build_opener(_NoRedirect)
    )
    where = public_url(url)
    try:
        with opener.open(req, timeout=timeout) as resp:
            heads = {k.lower(): v for k, v in resp.headers.items()}
            return Response(resp.status, resp.read(), heads)
    except urllib.error.HTTPError as exc:
        body = exc.read() if exc.fp is not None else b""
        if exc.code in ok or exc.code in allow:
            return Response(exc.code, body, {k.lower(): v for k, v in exc.headers.items()})
        detail = runner.redact(
            body.decode(errors="replace").strip().splitlines()[0][:200]
            if body.strip()
            else exc.reason or ""
        )
        raise error(
            f"{what}: {method} {where} answered HTTP {exc.code} {detail}".rstrip(),
            hint=_hint_for_status(exc.code),
        ) from None
    except TimeoutError:
        raise error(
            f"{what}: {method} {where} did not answer within {timeout:g} s",
            hint="the registry hangs; check it or raise options.timeoutSeconds",
        ) from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            raise error(
                f"{what}: {method} {where} did not answer within {timeout:g} s",
                hint="the registry hangs; check it or raise options.timeoutSeconds",
            ) from None
        raise error(
            f"{what}: registry {where} is unreachable ({reason})",
            hint="start the registry or fix the artifact's registry URL",
        ) from None
    except (ConnectionError, OSError) as exc:
        raise error(
            f"{what}: registry {where} is unreachable ({exc})",
            hint="start the registry or fix the artifact's registry URL",
        ) from None


def _hint_for_status(code: int) -> str:
    if code in (401, 403):
        return "the registry rejected the credentials: check the token in credentialsEnv"
    if code == 409:
        return "the registry already has this version"
    if code >= 500:
        return "the registry failed; retry later with `shipline release resume`"
    return "check the registry URL and the artifact configuration"
