"""What ``verify`` asks of a forge record: do the files the forge serves
still have the SHA-256 the ledger recorded?

The ledger check itself stays offline; this is the one part that needs the
network, so it never fails for want of it: a forge that cannot be reached
(or refuses an anonymous download of a private release) is reported as
not checked, with the reason, and only bytes that differ fail (93).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shipline.domain import runner
from shipline.domain.forge.failures import ForgeError
from shipline.domain.forge.http import Transport


@dataclass(frozen=True)
class RemoteFinding:
    name: str
    state: str
    """``ok``, ``mismatch`` or ``unreachable``."""
    detail: str


def check_assets(
    record: Mapping[str, Any], env: Mapping[str, str], *, timeout: float = 30.0
) -> list[RemoteFinding]:
    """Download every file of a ``forge`` ledger record and compare."""
    forge = "GitHub" if record["forge"] == "github" else "GitLab"
    token = runner.secret_from_env(record["tokenEnv"], env)
    auth: dict[str, str] = {}
    if token:
        if record["forge"] == "github":
            auth = {"Authorization": f"Bearer {token}"}
        else:
            auth = {"JOB-TOKEN" if record["tokenEnv"] == "CI_JOB_TOKEN" else "PRIVATE-TOKEN": token}
    http = Transport(
        forge=forge,
        repository=record["repository"],
        token_env=record["tokenEnv"],
        auth=auth,
        timeout=timeout,
        attempts=2,
        max_wait=5.0,
    )
    found: list[RemoteFinding] = []
    for asset in record["assets"]:
        try:
            sha, _ = http.download_sha256(asset["url"], what=f"download {asset['name']}")
        except ForgeError as exc:
            found.append(
                RemoteFinding(
                    asset["name"], "unreachable", f"not checked on {forge}: {exc.message}"
                )
            )
            continue
        if sha != asset["sha256"]:
            found.append(
                RemoteFinding(
                    asset["name"],
                    "mismatch",
                    f"{forge} serves SHA-256 {sha}, the ledger recorded "
                    f"{asset['sha256']} ({asset['url']})",
                )
            )
        else:
            found.append(
                RemoteFinding(
                    asset["name"], "ok", f"{forge} serves the recorded bytes ({asset['url']})"
                )
            )
    return found
