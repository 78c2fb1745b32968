"""Typed errors that carry the SPEC's exit code and say what to do.

Every failure a user can cause is one of these. The CLI prints ``message``
(and ``hint``) on one line per item and exits with ``code``; nothing else
reaches the terminal unless ``--debug`` is given.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Exit codes of SPEC section 2, the same in every mode."""

    OK = 0
    INTERNAL = 1
    USAGE = 2
    RELEASE_NOT_FOUND = 50
    RELEASE_EXISTS = 51
    RELEASE_IN_PROGRESS = 52
    INVALID_VERSION = 53
    GATE_FAILED = 54
    VERSION_BUMP_FAILED = 55
    TAG_FAILED = 56
    CHANGELOG_FAILED = 57
    TAG_EXISTS = 58
    RELEASE_LIVE = 59
    """Not in the seed's table: abort refused because part of the release is
    live (published or pushed); ``release resume`` finishes it."""
    HANDOFF_REQUIRED = 65
    ARTIFACT_TYPE_UNKNOWN = 85
    ARTIFACT_VALIDATION_FAILED = 86
    ARTIFACT_BUILD_FAILED = 87
    ARTIFACT_PUBLISH_FAILED = 88
    ROLLBACK_FAILED = 89
    CONFIG_INVALID = 90
    SIGNING_KEY_MISSING = 91
    SIGNATURE_INVALID = 92
    DIGEST_MISMATCH = 93
    ATTESTATION_INVALID = 94
    INTERRUPTED = 130


class ShiplineError(Exception):
    """Base of every error shipline reports to a user.

    ``message`` says what was wrong and where (file and key, or step);
    ``hint`` says what to do about it.
    """

    code: ExitCode = ExitCode.INTERNAL

    def __init__(self, message: str, *, hint: str | None = None, code: ExitCode | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} ({self.hint})"


class UsageError(ShiplineError):
    code = ExitCode.USAGE


class ReleaseNotFound(ShiplineError):
    code = ExitCode.RELEASE_NOT_FOUND


class ReleaseExists(ShiplineError):
    code = ExitCode.RELEASE_EXISTS


class ReleaseInProgress(ShiplineError):
    code = ExitCode.RELEASE_IN_PROGRESS


class InvalidVersion(ShiplineError):
    code = ExitCode.INVALID_VERSION


class GateFailed(ShiplineError):
    code = ExitCode.GATE_FAILED


class VersionBumpFailed(ShiplineError):
    code = ExitCode.VERSION_BUMP_FAILED


class TagFailed(ShiplineError):
    code = ExitCode.TAG_FAILED


class ChangelogFailed(ShiplineError):
    code = ExitCode.CHANGELOG_FAILED


class TagExists(ShiplineError):
    code = ExitCode.TAG_EXISTS


class ReleaseLive(ShiplineError):
    """``release abort`` found part of the release live outside this
    machine (a publish, a push, a forge release): it undoes nothing and
    names what is live, so the operator never believes a burned version is
    still free."""

    code = ExitCode.RELEASE_LIVE


class HandoffRequired(ShiplineError):
    code = ExitCode.HANDOFF_REQUIRED


class ArtifactTypeUnknown(ShiplineError):
    code = ExitCode.ARTIFACT_TYPE_UNKNOWN


class ArtifactValidationFailed(ShiplineError):
    code = ExitCode.ARTIFACT_VALIDATION_FAILED


class ArtifactBuildFailed(ShiplineError):
    code = ExitCode.ARTIFACT_BUILD_FAILED


class ArtifactPublishFailed(ShiplineError):
    code = ExitCode.ARTIFACT_PUBLISH_FAILED


class RegistryHoldsOther(ArtifactPublishFailed):
    """The registry already has this version with other bytes than the
    ones built. A handler raises it (88) instead of overwriting; the
    pipeline turns it into 93 when its own earlier, interrupted publish was
    being resumed: the bytes there are not the attested ones."""


class RollbackFailed(ShiplineError):
    code = ExitCode.ROLLBACK_FAILED


class ConfigInvalid(ShiplineError):
    code = ExitCode.CONFIG_INVALID


class SigningKeyMissing(ShiplineError):
    code = ExitCode.SIGNING_KEY_MISSING


class SignatureInvalid(ShiplineError):
    code = ExitCode.SIGNATURE_INVALID


class DigestMismatch(ShiplineError):
    code = ExitCode.DIGEST_MISMATCH


class AttestationInvalid(ShiplineError):
    code = ExitCode.ATTESTATION_INVALID


class Interrupted(ShiplineError):
    code = ExitCode.INTERRUPTED
