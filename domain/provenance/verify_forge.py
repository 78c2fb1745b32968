"""``verify``'s forge link: the GitHub or GitLab release of a version.

Offline, always: each attached artifact's recorded SHA-256 is the one the
release record holds (93). Online, when the forge can be reached: every
file is downloaded again and compared (93 when the forge serves other
bytes); a forge that cannot be reached is reported as not checked
(``skipped``, with why), never as passed."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from shipline.domain.provenance.verify_report import FAILED, OK, SKIPPED, LinkCheck


def forge_checks(
    release: dict[str, Any], records: list[dict[str, Any]], env: Mapping[str, str] | None = None
) -> list[LinkCheck]:
    from shipline.domain.forge.remote_check import check_assets

    digests = {a["name"]: a["sha256"] for a in release["artifacts"]}
    out: list[LinkCheck] = []
    for record in records:
        if record.get("recordType") != "forge" or record.get("releaseHash") != release["hash"]:
            continue
        where = f"{record['forge']} {record['repository']}"
        for asset in record["assets"]:
            built = digests.get(asset["name"])
            if built is not None and built != asset["sha256"]:
                out.append(
                    LinkCheck(
                        "forge",
                        asset["name"],
                        FAILED,
                        93,
                        f"attached to {record['releaseUrl']} with SHA-256 "
                        f"{asset['sha256']}, built {built}",
                    )
                )
        for found in check_assets(record, env if env is not None else os.environ):
            status, code = {"ok": (OK, 0), "mismatch": (FAILED, 93)}.get(found.state, (SKIPPED, 0))
            out.append(LinkCheck("forge", found.name, status, code, found.detail))
        out.append(
            LinkCheck(
                "forge",
                record["releaseUrl"],
                OK,
                0,
                f"{where} release {record['tag']}, {len(record['assets'])} file(s)",
            )
        )
    return out
