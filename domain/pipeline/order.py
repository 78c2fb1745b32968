"""The release steps in the order they run, their titles, and which of them
reach outside this machine (SPEC section 4). One definition, read by the
pipeline, the journal's undo rules, the CLI renderers and the TUI."""

from __future__ import annotations

from collections.abc import Callable

from shipline.domain.config import LoadedConfig
from shipline.domain.events import Confirmation
from shipline.domain.release.plan_model import PlanOptions

STEPS = (
    "version",
    "changelog",
    "gates",
    "commit",
    "tag",
    "artifacts",
    "provenance",
    "publish",
    "push",
    "record",
    "forge",
)
TITLES = {
    "preflight": "Preflight: repository gates",
    "version": "Bump the version",
    "changelog": "Write the changelog",
    "gates": "Run the release gates",
    "commit": "Release commit",
    "tag": "Tag the release",
    "artifacts": "Pre-validate, dry-run and build artifacts",
    "provenance": "Provenance: digests, SBOM, attestation, signature",
    "publish": "Publish artifacts (point of no return)",
    "push": "Push commit and tag",
    "record": "Record the release",
    "forge": "GitHub/GitLab release",
}
EXTERNAL_STEPS = frozenset({"publish", "push", "forge"})
"""Steps whose effect leaves this machine. Each records its intent before it
starts (:mod:`shipline.domain.pipeline.effects`); abort asks the outside
world what is live and refuses (59) while anything is."""

UNDOABLE_ON_FAILURE = ("version", "changelog", "gates")
"""Steps whose failure undoes the run at once (nothing is committed yet)."""

Confirm = Callable[[Confirmation], bool]
"""Answers the pipeline's question before an irreversible step (None: go on)."""


class ShipOptions(PlanOptions):
    dry_run: bool = False
    yes: bool = False
    handoff: bool = False
    """CI mode: push the tag so the publishing workflow runs, skip the
    artifact steps here, and exit 65 (handoff required); the workflow
    records what it built with ``shipline attest``."""
    sign_tag: bool | None = None
    """Sign the release tag with gpg (True), make it annotated (False), or do
    what ``release.tag.sign`` says (None). The TUI's tag-signing choice."""


def signs_tag(loaded: LoadedConfig, choice: bool | None) -> bool:
    """Whether the release tag is signed: the run's choice, else the config."""
    return loaded.release.tag.sign if choice is None else choice
