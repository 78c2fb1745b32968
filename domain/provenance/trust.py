"""Who may sign releases, as the *caller* says it: trust from outside the
repository.

Everything in the repository (ledger, attestations, pinned keys) can be
rewritten by anyone who can push to it: re-sign the last release with
another key, re-pin that key, recompute the hash chain, and every check
that reads the signer from the repository passes (issue 13, item 3). So
``verify`` takes the expected signers from the caller, in this order:

1. flags: ``--trust-key FPR`` (a gpg fingerprint or a DSSE key id;
   repeatable) and ``--trust-identity ID --trust-issuer URL`` (sigstore);
2. ``--trust FILE``;
3. ``$SHIPLINE_TRUST`` (a trust file);
4. ``$XDG_CONFIG_HOME/shipline/trust.json`` (``~/.config/...``) when it exists.

Without any of them trust comes "from the repository only", and says so.
A trust file is JSON outside the repository (one inside it is 90: it would
be trust from the repository again)::

    {"signers": [
      {"gpg": "0123...CDEF"},
      {"key": "<DSSE key id>"},
      {"identity": "https://github.com/o/r/.github/workflows/release.yml@refs/tags/v1.2.0",
       "issuer": "https://token.actions.githubusercontent.com"},
      {"identityRegexp": "^https://github.com/o/r/", "issuer": "https://token.actions..."}
    ]}
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shipline.domain.errors import ConfigInvalid, UsageError
from shipline.domain.jsonio import StrictJSONError, read_strict

TRUST_ENV = "SHIPLINE_TRUST"
TRUST_FILE_MAX_BYTES = 256 * 1024
REPOSITORY_ONLY = "trust: from the repository only"
_FPR = re.compile(r"^[0-9A-Fa-f]{40}([0-9A-Fa-f]{24})?$")


@dataclass(frozen=True)
class Signer:
    """Who signed, as comparable facts: ``gpg`` (primary fingerprint),
    ``key`` (DSSE key id) or ``sigstore`` (certificate identity + issuer)."""

    kind: str
    id: str
    issuer: str | None = None

    def __str__(self) -> str:
        if self.kind == "gpg":
            return f"gpg {self.id}"
        if self.kind == "key":
            return f"key {self.id}"
        return f"sigstore {self.id} ({self.issuer})"

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "issuer": self.issuer}

    @classmethod
    def from_json(cls, data: Any) -> Signer:
        if (
            not isinstance(data, dict)
            or set(data) != {"kind", "id", "issuer"}
            or data["kind"] not in ("gpg", "key", "sigstore")
            or not isinstance(data["id"], str)
            or not data["id"]
            or not (data["issuer"] is None or isinstance(data["issuer"], str))
        ):
            raise ValueError(f"not a signer: {data!r}")
        return cls(data["kind"], data["id"], data["issuer"])


def signer_of(block: Mapping[str, Any]) -> Signer | None:
    """The signer a ledger signature block names (``None``: unsigned)."""
    if not block.get("signed") or block.get("method") == "none":
        return None
    if block.get("method") == "gpg":
        return Signer("gpg", str(block.get("fingerprint") or "").upper())
    if block.get("keyless"):
        return Signer("sigstore", str(block.get("identity") or ""), str(block.get("issuer") or ""))
    return Signer("key", str(block.get("keyId") or ""))


@dataclass(frozen=True)
class TrustRule:
    """One trusted signer; ``identity_regexp`` matches sigstore identities."""

    kind: str
    id: str | None = None
    issuer: str | None = None
    identity_regexp: str | None = None

    def admits(self, signer: Signer) -> bool:
        if signer.kind != self.kind:
            return False
        if self.kind == "gpg":
            return signer.id.upper() == (self.id or "").upper()
        if self.kind == "key":
            return signer.id == self.id
        if signer.issuer != self.issuer:
            return False
        if self.identity_regexp is not None:
            return re.search(self.identity_regexp, signer.id) is not None
        return signer.id == self.id

    def __str__(self) -> str:
        if self.kind == "sigstore":
            who = self.id if self.identity_regexp is None else f"/{self.identity_regexp}/"
            return f"sigstore {who} ({self.issuer})"
        return f"{self.kind} {self.id}"


@dataclass(frozen=True)
class Trust:
    """The signers the caller trusts and where that came from."""

    source: str
    """``repository`` or a description of the flag, variable or file."""
    rules: tuple[TrustRule, ...] = field(default_factory=tuple)

    @property
    def external(self) -> bool:
        return bool(self.rules)

    def admits(self, signer: Signer) -> bool:
        return any(rule.admits(signer) for rule in self.rules)

    def describe(self) -> str:
        if not self.external:
            return REPOSITORY_ONLY
        return f"trust: {', '.join(map(str, self.rules))} (from {self.source})"

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source if self.external else "repository",
            "external": self.external,
            "signers": [str(r) for r in self.rules],
            "description": self.describe(),
        }


REPOSITORY_TRUST = Trust("repository")


def load_trust(
    repo: Path,
    *,
    trust_file: Path | None = None,
    keys: tuple[str, ...] = (),
    identity: str | None = None,
    issuer: str | None = None,
    env: Mapping[str, str] | None = None,
) -> Trust:
    """The caller's trust (module docstring for the order); 2 for a bad
    flag, 90 for a bad or in-repository trust file."""
    env = os.environ if env is None else env
    rules: list[TrustRule] = [parse_key(k, "--trust-key") for k in keys]
    if identity is not None or issuer is not None:
        if not identity or not issuer:
            raise UsageError(
                "--trust-identity and --trust-issuer go together",
                hint="name the sigstore certificate identity and its OIDC issuer",
            )
        rules.append(TrustRule("sigstore", identity, issuer))
    if rules:
        flags = "--trust-key" if keys else "--trust-identity"
        return Trust(flags, tuple(rules))
    if trust_file is not None:
        return read_trust_file(trust_file, repo, "--trust")
    if env.get(TRUST_ENV):
        return read_trust_file(Path(env[TRUST_ENV]), repo, f"${TRUST_ENV}")
    config_home = Path(
        env.get("XDG_CONFIG_HOME") or Path(env.get("HOME") or "~").expanduser() / ".config"
    )
    default = config_home / "shipline" / "trust.json"
    if default.is_file():
        return read_trust_file(default, repo, "the user's config")
    return REPOSITORY_TRUST


def parse_key(value: str, where: str) -> TrustRule:
    value = value.strip().removeprefix("0x")
    if _FPR.match(value):
        return TrustRule("gpg", value.upper())
    if re.fullmatch(r"[0-9a-f]{64}", value):
        return TrustRule("key", value)
    raise UsageError(
        f"{where} {value!r}: not a gpg fingerprint (40 hex digits) or a DSSE "
        "key id (64 hex digits)",
        hint="gpg --fingerprint KEY prints the fingerprint; a short key id "
        "is not enough to pin a signer",
    )


def read_trust_file(path: Path, repo: Path, via: str) -> Trust:
    path = path.expanduser()
    if not path.is_absolute():
        path = Path.cwd() / path
    if path.resolve().is_relative_to(repo.resolve()):
        raise ConfigInvalid(
            f"{via} {path}: the trust file is inside the repository, so "
            "anyone who can push could rewrite it",
            hint="keep it outside the repository (e.g. "
            "~/.config/shipline/trust.json, or a CI secret file)",
        )
    try:
        data = read_strict(path, max_bytes=TRUST_FILE_MAX_BYTES, max_depth=4)
    except FileNotFoundError:
        raise ConfigInvalid(
            f"{via} {path}: no such trust file", hint="create it or point at the right file"
        ) from None
    except (OSError, StrictJSONError) as exc:
        raise ConfigInvalid(
            f"{via} {path}: not a valid trust file: {exc}", hint="fix the JSON at that position"
        ) from None
    if (
        not isinstance(data, dict)
        or set(data) - {"signers", "$schema"}
        or not isinstance(data.get("signers"), list)
        or not data["signers"]
    ):
        raise ConfigInvalid(
            f'{via} {path}: expected {{"signers": [...]}} with at least one signer', hint=_FILE_HINT
        )
    rules = [
        _file_rule(entry, f"{via} {path}: signers[{i}]") for i, entry in enumerate(data["signers"])
    ]
    return Trust(f"{path} ({via})", tuple(rules))


_FILE_HINT = (
    'each signer is {"gpg": FPR}, {"key": KEYID}, or {"identity": ID, "issuer": '
    'URL} / {"identityRegexp": RE, "issuer": URL}'
)


def _file_rule(entry: Any, where: str) -> TrustRule:
    if not isinstance(entry, dict) or not all(isinstance(v, str) and v for v in entry.values()):
        raise ConfigInvalid(f"{where}: not a signer", hint=_FILE_HINT)
    keys = set(entry)
    if keys == {"gpg"} or keys == {"key"}:
        try:
            return parse_key(next(iter(entry.values())), where)
        except UsageError as exc:
            raise ConfigInvalid(exc.message, hint=exc.hint) from None
    if keys == {"identity", "issuer"}:
        return TrustRule("sigstore", entry["identity"], entry["issuer"])
    if keys == {"identityRegexp", "issuer"}:
        try:
            re.compile(entry["identityRegexp"])
        except re.error as exc:
            raise ConfigInvalid(f"{where}: identityRegexp: {exc}", hint=_FILE_HINT) from None
        return TrustRule("sigstore", None, entry["issuer"], entry["identityRegexp"])
    raise ConfigInvalid(f"{where}: unknown keys {sorted(keys)}", hint=_FILE_HINT)
