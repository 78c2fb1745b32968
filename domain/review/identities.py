"""Who people are, for the review's independence rule: a gpg signer is its
key's fingerprint and the e-mails of its user ids, a sigstore signer the
certificate's identity; the release's author is its commit author,
committer, tagger and signer. Two keys with one e-mail are one person."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from shipline.domain.gitops import Git

_EMAIL = re.compile(r"<([^<>@\s]+@[^<>\s]+)>|([^<>@\s]+@[^<>\s]+)")


def emails(text: str) -> set[str]:
    return {(a or b).lower() for a, b in _EMAIL.findall(text or "")}


def gpg_uids(keyring: Path) -> list[str]:
    """The user ids of the (pinned, exported) key in ``keyring``."""
    import tempfile

    from shipline.domain import runner

    with tempfile.TemporaryDirectory(prefix="gu", dir="/tmp") as home:
        done = runner.run(
            [
                "gpg",
                "--homedir",
                home,
                "--batch",
                "--no-tty",
                "--no-autostart",
                "--with-colons",
                "--import-options",
                "show-only",
                "--import",
                str(keyring),
            ],
            timeout=60,
        )
    return [
        line.split(":")[9]
        for line in done.stdout.splitlines()
        if line.startswith("uid:") and len(line.split(":")) > 9
    ]


def signer_identities(block: Mapping[str, Any], resolve: Callable[[str], Path]) -> set[str]:
    """Fingerprint and e-mails of who a signature block says signed."""
    out: set[str] = set()
    if block.get("fingerprint"):
        out.add(f"fpr:{str(block['fingerprint']).upper()}")
    if block.get("identity"):
        out.add(str(block["identity"]).lower())
        out |= emails(str(block["identity"]))
    if block.get("method") == "gpg" and block.get("publicKey"):
        key = resolve(block["publicKey"])
        if key.is_file():
            for uid in gpg_uids(key):
                out |= emails(uid)
    return out


def author_identities(
    git: Git, record: Mapping[str, Any], resolve: Callable[[str], Path]
) -> set[str]:
    """The release's author: commit author, committer and tagger e-mails,
    and its signer (fingerprint, identity and key e-mails)."""
    found: set[str] = set()
    people = git.try_out("log", "-1", "--format=%ae%n%ce", record["commitSha"]) or ""
    found |= {line.strip().lower() for line in people.splitlines() if line.strip()}
    if record.get("gitTag"):
        tagger = (
            git.try_out("for-each-ref", f"refs/tags/{record['gitTag']}", "--format=%(taggeremail)")
            or ""
        )
        found |= emails(tagger)
    for artifact in record["artifacts"]:
        found |= signer_identities(artifact["signature"], resolve)
    return found
