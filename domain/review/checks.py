"""The L4 checks shipline runs itself for a reviewer (SPEC section 8), besides
the rebuild (:mod:`shipline.domain.review.rebuild`):

- **pinned builder**: when the config at the release commit names
  ``release.security.provenance.builderImage``, it must be pinned by digest
  (``image@sha256:<64 hex>``); a tag (``:latest``, ``:3.12``) can be moved
  under the release. No ``builderImage`` at all is a failure too: the L4
  checklist asks for a pinned builder and nothing shows one.
- **dependency provenance**: every component of the release's SBOM must be
  hash-pinned (the lock file gave a digest) *and* have an attestation whose
  subject carries that digest: a registry attestation (PEP 740, npm
  provenance, a sigstore bundle) or any in-toto statement, stored under
  ``<state>/dependency-attestations/`` (one file per attestation: an
  ``.intoto.jsonl`` DSSE line, a sigstore bundle with ``dsseEnvelope``, or a
  PEP 740 attestation with ``envelope.statement``). A workspace sibling
  (linked, so never hash-pinned) counts when its own release in this ledger
  vouches for it (:mod:`shipline.domain.review.siblings`). Components
  without evidence are listed by name.

A check is a :class:`Check` value with ``pass``/``fail``/``not-run``.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PASS, FAIL, NOT_RUN = "pass", "fail", "not-run"
DEPENDENCY_ATTESTATIONS = "dependency-attestations"
_PINNED = re.compile(r"@sha256:[0-9a-f]{64}$")
_HEX = re.compile(r"^[0-9a-f]{64}$|^[0-9a-f]{128}$")


@dataclass(frozen=True)
class Check:
    name: str
    status: str
    detail: str
    items: list[str] = field(default_factory=list)
    """What the check found wanting (e.g. components without provenance)."""

    @property
    def passed(self) -> bool:
        return self.status == PASS

    def seen(self) -> str:
        """The one-line result a reviewer's statement records."""
        return f"{self.status}: {self.detail}"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "detail": self.detail,
            "items": list(self.items),
        }


def builder_image_check(image: str | None) -> Check:
    if not image:
        return Check(
            "pinnedBuilder",
            FAIL,
            "no builderImage in the config: nothing shows the "
            "builder image is pinned (set release.security.provenance.builderImage "
            "to IMAGE@sha256:DIGEST)",
        )
    if _PINNED.search(image):
        return Check("pinnedBuilder", PASS, f"builder image {image} is pinned by digest")
    return Check(
        "pinnedBuilder",
        FAIL,
        f"builder image {image} is not pinned by digest "
        "(@sha256:<64 hex> required; a tag can be moved)",
        [image],
    )


def _components(doc: dict[str, Any]) -> list[tuple[str, set[str]]]:
    """(name@version or purl, hex digests) of every SBOM component."""
    out = []
    if doc.get("bomFormat") == "CycloneDX":
        for c in doc.get("components") or []:
            label = c.get("purl") or f"{c.get('name')}@{c.get('version')}"
            digests = {str(h.get("content", "")).lower() for h in c.get("hashes") or []}
            out.append((label, {d for d in digests if _HEX.match(d)}))
        return out
    rels = doc.get("relationships") or []
    described = {
        r.get("relatedSpdxElement") for r in rels if r.get("relationshipType") == "DESCRIBES"
    }
    for p in doc.get("packages") or []:
        if p.get("SPDXID") in described:
            continue
        purls = [
            r.get("referenceLocator")
            for r in p.get("externalRefs") or []
            if r.get("referenceType") == "purl"
        ]
        label = purls[0] if purls else f"{p.get('name')}@{p.get('versionInfo')}"
        digests = {str(c.get("checksumValue", "")).lower() for c in p.get("checksums") or []}
        out.append((label, {d for d in digests if _HEX.match(d)}))
    return out


def _statement_digests(data: bytes) -> set[str]:
    """Subject digests of every in-toto statement in one attestation file."""
    found: set[str] = set()
    texts = (
        [data]
        if data.lstrip().startswith(b"{") and b"\n{" not in data.strip()
        else data.splitlines()
    )
    for line in texts:
        try:
            doc = json.loads(line)
        except ValueError:
            continue
        if not isinstance(doc, dict):
            continue
        env = doc.get("dsseEnvelope") or doc.get("envelope") or doc
        raw = env.get("payload") or env.get("statement") if isinstance(env, dict) else None
        try:
            statement = json.loads(base64.b64decode(raw)) if raw else doc
        except (ValueError, TypeError):
            continue
        for subject in statement.get("subject") or [] if isinstance(statement, dict) else []:
            for value in (subject.get("digest") or {}).values():
                found.add(str(value).lower())
    return found


Vouch = Callable[[set[str]], dict[str, tuple[bool, str]]]
"""Given the unpinned components' labels, the ones a sibling release of the
ledger describes: (vouched for, why)."""


def dependency_check(state_dir: Path, sbom_path: Path | None, vouch: Vouch | None = None) -> Check:
    if sbom_path is None:
        return Check(
            "dependencyProvenance",
            FAIL,
            "the release has no SBOM: its dependencies cannot be shown to have provenance",
        )
    try:
        doc = json.loads(sbom_path.read_bytes())
    except (OSError, ValueError) as exc:
        return Check("dependencyProvenance", FAIL, f"the SBOM {sbom_path} cannot be read: {exc}")
    attested: set[str] = set()
    folder = state_dir / DEPENDENCY_ATTESTATIONS
    if folder.is_dir():
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            attested |= _statement_digests(path.read_bytes())
    components = _components(doc if isinstance(doc, dict) else {})
    unpinned = [label for label, digests in components if not digests]
    verdicts = vouch(set(unpinned)) if vouch and unpinned else {}
    siblings = {label for label, (ok, _) in verdicts.items() if ok}
    unpinned = [label for label in unpinned if label not in siblings]
    unattested = [label for label, digests in components if digests and not digests & attested]
    if not components:
        return Check("dependencyProvenance", PASS, "the SBOM lists no dependencies")
    if not unpinned and not unattested:
        pinned = len(components) - len(siblings)
        detail = f"all {len(components)} component(s) "
        detail += (
            f"with provenance: {pinned} hash-pinned and attested, {len(siblings)} "
            "workspace sibling(s) with their own attested release"
            if siblings
            else "hash-pinned and attested"
        )
        return Check("dependencyProvenance", PASS, detail)
    items = [
        f"{label}: workspace sibling, but {verdicts[label][1]}"
        if label in verdicts
        else f"{label}: not hash-pinned in a lock file"
        for label in unpinned
    ]
    items += [
        f"{label}: no attestation for its digest in {DEPENDENCY_ATTESTATIONS}/"
        for label in unattested
    ]
    return Check(
        "dependencyProvenance",
        FAIL,
        f"{len(unpinned) + len(unattested)} of {len(components)} component(s) without "
        "provenance evidence",
        items,
    )
