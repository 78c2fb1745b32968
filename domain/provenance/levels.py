"""The SLSA build level a release achieved, by the decision tree of the
seed's ``references/slsa.md``, exactly::

    HAS provenance record in releases.json?
    +-- NO  -> Level 0 (non-compliant; error)
    +-- YES
        +-- IS signature.method in ["sigstore", "gpg"]?
        |   +-- NO  -> Level 1
        |   +-- YES
        |       +-- IS builder.id a hosted CI runner URI?
        |       |   +-- NO  -> Level 1 (key-based but local build)
        |       |   +-- YES
        |       |       +-- IS signature.transparencyLog populated (Rekor for sigstore) OR equivalent?
        |       |       |   +-- NO  -> Level 2
        |       |       |   +-- YES
        |       |       |       +-- ALL deps have provenance AND build is reproducible AND two-party reviewed?
        |       |       |       |   +-- NO  -> Level 3
        |       |       |       |   +-- YES -> Level 4 (requires human assertion)

How each question is answered here:

- *Provenance record*: the record's Level 1 checklist fields (``commitSha``,
  ``artifacts[].sha256`` for every artifact, ``builder.id`` a non-empty URI,
  ``buildInvocationId``). Any missing is Level 0, which is never recorded:
  :class:`~shipline.domain.errors.AttestationInvalid` (94) lists them instead.
- *signature.method*: the method used, and only if the attestation really
  was signed (``signed``: the signature was made and verifies against the
  subject digest, the Level 2 checklist). ``none``, or a method that did not
  sign, is Level 1.
- *hosted CI runner URI*: the shape of ``builder.id``
  (:func:`shipline.domain.provenance.ci_env.is_hosted_builder_id`), and, because a local run
  could write any URI, the environment must agree: the builder id detected
  from ``env`` must be that same id.
- *transparencyLog populated*: a ``signature.transparencyLog`` with an index
  (on the record or on any artifact's signature block). gpg has no
  equivalent, so gpg stops at Level 2.
- *L4*: only from human assertions (:class:`L4Evidence`, SPEC section 8) and
  the builder image pinned to a digest (the L4 checklist; a ``builderImage``
  pinned ``@sha256:`` in the config shows it); without them Level 3, and the
  shortfall lists what L4 still needs.

A declared level above the achieved one is never lowered silently: the
decision keeps both and ``shortfall`` says, in plain words, what is missing.
``method: none`` with a declared level above 1 is a config error (90), as in
the seed's ``signing.md``.
"""  # noqa: E501  (the tree is quoted verbatim)

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from shipline.domain.errors import AttestationInvalid, ConfigInvalid
from shipline.domain.provenance.ci_env import detect, is_hosted_builder_id

LEVEL_NAMES = {n: f"SLSA_BUILD_LEVEL_{n}" for n in (1, 2, 3, 4)}
SIGNING_METHODS = ("sigstore", "gpg")


HOSTED_BUILD_NEEDED = "level 2 needs a build on a hosted CI platform"
"""The shortfall of a build outside a hosted runner (the preflight says it
once, in its own warning)."""


def level_number(level: str) -> int:
    """``SLSA_BUILD_LEVEL_3`` → 3 (90 for anything else)."""
    for number, name in LEVEL_NAMES.items():
        if level == name:
            return number
    raise ConfigInvalid(
        f"release.security.provenance.level: {level!r} is not a SLSA build level",
        hint="use SLSA_BUILD_LEVEL_1 .. SLSA_BUILD_LEVEL_4",
    )


@dataclass(frozen=True)
class L4Evidence:
    """What a human asserted for Level 4 (SPEC section 8): each True only when
    shown (e.g. two approvals from distinct reviewers, a rebuild that gave the
    same digests)."""

    dependencies_have_provenance: bool = False
    reproducible: bool = False
    two_party_review: bool = False
    builder_image_pinned: bool = False

    def missing(self) -> list[str]:
        out = []
        if not self.dependencies_have_provenance:
            out.append("every runtime dependency has its own provenance attestation")
        if not self.reproducible:
            out.append("the build is reproducible (a rebuild gives identical digests)")
        if not self.two_party_review:
            out.append("a second reviewer signed off (two-party review)")
        if not self.builder_image_pinned:
            out.append("the builder image is pinned to a digest, not a tag")
        return out


@dataclass
class LevelDecision:
    achieved: str
    declared: str
    shortfall: list[str] = field(default_factory=list)
    """Why the declared level was not reached; empty when it was."""
    reasons: list[str] = field(default_factory=list)
    """Each answer of the decision tree, in order, in plain words."""
    missing_fields: list[str] = field(default_factory=list)
    """Record fields whose absence kept a higher level out (e.g. the
    transparency log entry)."""

    @property
    def flagged(self) -> bool:
        return level_number(self.achieved) < level_number(self.declared)

    def to_json(self) -> dict[str, Any]:
        return {
            "achieved": self.achieved,
            "declared": self.declared,
            "shortfall": list(self.shortfall),
            "reasons": list(self.reasons),
            "missingFields": list(self.missing_fields),
            "flagged": self.flagged,
        }


class ProvenanceIncomplete(AttestationInvalid):
    """The record misses Level 1 fields: it would be Level 0, which is never
    recorded (94). ``missing`` lists the fields."""

    def __init__(self, missing: list[str]):
        super().__init__(
            "the provenance record lacks " + ", ".join(missing) + ": it would be SLSA level 0, "
            "which is never recorded",
            hint="populate these fields and record the release again",
        )
        self.missing = missing


def cfg_value(cfg: Any, *path: str) -> Any:
    value = cfg
    for key in path:
        value = value.get(key) if isinstance(value, Mapping) else getattr(value, key, None)
    return value


def check_method_level(provenance_cfg: Any) -> None:
    """``signing.method: none`` with a target above Level 1 is 90 (seed ``signing.md``)."""
    method = cfg_value(provenance_cfg, "signing", "method") or "sigstore"
    declared = cfg_value(provenance_cfg, "level") or LEVEL_NAMES[3]
    if method == "none" and level_number(declared) > 1:
        raise ConfigInvalid(
            f"release.security.provenance.signing.method is none but level is {declared}: "
            "unsigned provenance is SLSA level 1 only",
            hint="configure gpg or sigstore signing, or declare level SLSA_BUILD_LEVEL_1",
        )


def required_missing(fields: Mapping[str, Any]) -> list[str]:
    """The Level 1 checklist fields absent from a record (empty: complete)."""
    missing = []
    if not fields.get("commitSha"):
        missing.append("commitSha")
    artifacts = fields.get("artifacts")
    if not isinstance(artifacts, list) or not artifacts:
        missing.append("artifacts[]")
    else:
        for i, artifact in enumerate(artifacts):
            if not isinstance(artifact, Mapping) or not artifact.get("sha256"):
                missing.append(f"artifacts[{i}].sha256")
    builder = fields.get("builder")
    builder_id = builder.get("id") if isinstance(builder, Mapping) else None
    if not isinstance(builder_id, str) or (
        "://" not in builder_id and not builder_id.startswith("urn:")
    ):
        missing.append("builder.id")
    if not fields.get("buildInvocationId"):
        missing.append("buildInvocationId")
    return missing


def _with_pinned_image(evidence: L4Evidence, provenance_cfg: Any) -> L4Evidence:
    """A ``builderImage`` in the config pinned by digest (``...@sha256:<64 hex>``)
    shows the pin without a human having to assert it."""
    image = cfg_value(provenance_cfg, "builder_image") or cfg_value(provenance_cfg, "builderImage")
    digest = str(image or "").rpartition("@sha256:")[2]
    if len(digest) == 64 and all(c in "0123456789abcdef" for c in digest):
        return replace(evidence, builder_image_pinned=True)
    return evidence


def _transparency_log(fields: Mapping[str, Any]) -> bool:
    blocks = [fields.get("signature")]
    blocks += [a.get("signature") for a in fields.get("artifacts") or [] if isinstance(a, Mapping)]
    for block in blocks:
        log = block.get("transparencyLog") if isinstance(block, Mapping) else None
        if isinstance(log, Mapping) and log.get("index") not in (None, ""):
            return True
    return False


def assess(
    provenance_cfg: Any,
    env: Mapping[str, str],
    *,
    signed: bool,
    method: str,
    fields: Mapping[str, Any],
    l4_evidence: L4Evidence | None = None,
) -> LevelDecision:
    """Walk the decision tree for a release record ``fields`` (the ledger
    record's shape) built in ``env``. ``provenance_cfg`` is the config's
    ``release.security.provenance`` (model or mapping)."""
    check_method_level(provenance_cfg)
    declared = cfg_value(provenance_cfg, "level") or LEVEL_NAMES[3]
    declared_n = level_number(declared)
    missing = required_missing(fields)
    if missing:
        raise ProvenanceIncomplete(missing)
    reasons = [
        "a provenance record with commit, artifact digests, builder and invocation id "
        "exists (level 1)"
    ]
    blockers: dict[int, list[str]] = {}
    missing_fields: list[str] = []
    builder_id = fields["builder"]["id"]
    achieved = 1
    if method not in SIGNING_METHODS or not signed:
        why = (
            "signing method is none"
            if method not in SIGNING_METHODS
            else f"the {method} signature was not made or does not verify"
        )
        reasons.append(f"{why}: level 1")
        blockers[2] = [
            f"the attestation is not signed ({why}); level 2 needs a sigstore or gpg signature"
        ]
    else:
        reasons.append(f"the attestation is signed with {method}")
        here = detect(env)
        if not is_hosted_builder_id(builder_id) or here.builder_id != builder_id:
            if not is_hosted_builder_id(builder_id):
                why = f"builder {builder_id} is not a hosted CI runner"
            else:
                why = f"builder.id claims {builder_id}, but this run is on {here.builder_id}"
            reasons.append(f"{why}: level 1 (key-based but local build)")
            blockers[2] = [f"{why}; {HOSTED_BUILD_NEEDED}"]
        else:
            reasons.append(f"built on a hosted CI runner ({builder_id})")
            achieved = 2
            if not _transparency_log(fields):
                reasons.append("no transparency log entry for the signature: level 2")
                missing_fields.append("signature.transparencyLog")
                blockers[3] = [
                    "the signature has no transparency log entry (sigstore keyless "
                    "with an OIDC identity records one in Rekor; gpg cannot)"
                ]
            else:
                reasons.append("the signature is in the transparency log")
                achieved = 3
                evidence = _with_pinned_image(l4_evidence or L4Evidence(), provenance_cfg)
                if evidence.missing():
                    reasons.append("level 4 is not asserted by a human reviewer: level 3")
                    blockers[4] = evidence.missing()
                else:
                    reasons.append("a human asserted every level 4 requirement: level 4")
                    achieved = 4
    shortfall: list[str] = []
    if achieved < declared_n:
        shortfall = [f"declared {declared}, achieved {LEVEL_NAMES[achieved]}"]
        shortfall += blockers.get(achieved + 1, [])
        for level in range(achieved + 2, declared_n + 1):
            if level == 4:
                evidence = _with_pinned_image(l4_evidence or L4Evidence(), provenance_cfg)
                shortfall += [f"level 4 also needs: {m}" for m in evidence.missing()]
            elif level == 3:
                shortfall.append("level 3 also needs a transparency log entry (sigstore keyless)")
    return LevelDecision(LEVEL_NAMES[achieved], declared, shortfall, reasons, missing_fields)
