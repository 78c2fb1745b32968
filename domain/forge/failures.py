"""Why a forge call failed, said so the release manager can fix it: which
token, which repository, which right is missing; messages never carry a
credential (tokens are redacted, URLs lose their user part)."""

from __future__ import annotations

from shipline.domain import runner
from shipline.domain.errors import ExitCode, ShiplineError
from shipline.domain.forge.reply import Reply, quota_spent, said
from shipline.domain.textsafe import public_url


class ForgeError(ShiplineError):
    """A forge call failed; ``status`` is the HTTP status (0: no answer)."""

    def __init__(self, message: str, *, hint: str | None = None, code: ExitCode, status: int = 0):
        super().__init__(runner.redact(message), hint=hint, code=code)
        self.status = status


def request_failure(
    method: str,
    url: str,
    what: str,
    reply: Reply,
    *,
    forge: str,
    repository: str,
    token_env: str,
    attempts: int,
    code: ExitCode,
) -> ForgeError:
    """The error for a refused request, saying what to fix: the token
    (401), its rights (403), the repository or its visibility (404), or
    the forge still failing after the retries."""
    status = reply.status
    reason = said(reply)
    detail = f": {reason}" if reason else ""
    where = f"{method} {public_url(url)}"
    if status == 401:
        return ForgeError(
            f"{what}: {forge} rejected the token in {token_env} (HTTP 401{detail})",
            hint=f"set {token_env} to a valid token that can write releases of {repository}",
            code=code,
            status=status,
        )
    if status == 403 and not quota_spent(reply):
        return ForgeError(
            f"{what}: the token in {token_env} may not do this in {repository} (HTTP 403{detail})",
            hint=write_hint(forge, token_env),
            code=code,
            status=status,
        )
    if status == 404:
        return ForgeError(
            f"{what}: {where} answered 404: {repository} is not there or the token in "
            f"{token_env} cannot see it",
            hint="check release.forge.repository and apiUrl; a private repository answers "
            f"404 to a token without access, so check {token_env} too",
            code=code,
            status=status,
        )
    if reply.retryable():
        return ForgeError(
            f"{what}: {where} still answered HTTP {status} after {attempts} attempts{detail}",
            hint=f"{forge} is failing or rate limiting; `shipline release resume` "
            "later continues where this stopped",
            code=code,
            status=status,
        )
    return ForgeError(
        f"{what}: {where} answered HTTP {status}{detail}",
        hint="the request was refused as shown; check release.forge",
        code=code,
        status=status,
    )


def write_hint(forge: str, token_env: str) -> str:
    """The right a token lacks when the forge answers 403, said per forge."""
    if forge == "GitHub":
        return (
            f"give {token_env} write access to the repository's contents (a workflow: "
            "`permissions: contents: write`; a fine-grained token: Contents read and write)"
        )
    return (
        f"give {token_env} the api scope and at least the Developer role in the project "
        "(CI_JOB_TOKEN: allow the job's project)"
    )
