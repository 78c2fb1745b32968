"""The domain's public API: the only names ``tui/`` imports.

Load a config, plan a release, run the pipeline step by step (iterate the
events), resume or abort it. Provenance (verify, ledger) and review join
this list as they land.
"""

from __future__ import annotations

from typing import Any

from shipline.domain.config import Config, LoadedConfig
from shipline.domain.ecosystems.detect import Detection, detect
from shipline.domain.errors import ExitCode, ShiplineError
from shipline.domain.events import (
    ChainLink,
    Confirmation,
    ErrorEvent,
    FileChange,
    GateResult,
    GitCommand,
    LogLine,
    StepFinished,
    StepProgress,
    StepStarted,
    Summary,
)
from shipline.domain.gitops import Git
from shipline.domain.pipeline.journal import Journal
from shipline.domain.pipeline.journal import load as load_journal
from shipline.domain.pipeline.order import EXTERNAL_STEPS, STEPS, TITLES, ShipOptions
from shipline.domain.pipeline.runs import abort_run, resume_run
from shipline.domain.pipeline.steps import Pipeline
from shipline.domain.pipeline.train import Train, is_train, planned_commit_message
from shipline.domain.provenance.ledger import Ledger
from shipline.domain.provenance.ledger import load as load_ledger
from shipline.domain.provenance.verify import LinkCheck, VerifyReport

# --- for the TUI: commit groups, tag signing choice, ledger and verify --------
from shipline.domain.release.changelog import (
    BREAKING_TITLE,
    MISSING_MIGRATION,
    OTHER_TITLE,
    UNWRITTEN,
    entry_unwritten,
    migration_unwritten,
)
from shipline.domain.release.changelog import group as group_commits
from shipline.domain.release.git_commands import tag_command
from shipline.domain.release.imports import load_config
from shipline.domain.release.plan import make_plan
from shipline.domain.release.plan_model import PlannedRelease, PlanOptions, ReleasePlan
from shipline.domain.review.chain import verify_chain as verify_provenance_chain
from shipline.domain.review.target import record_label as release_label
from shipline.domain.textsafe import shown, visible, visible_data
from shipline.domain.workspace.changelogs import PackageChangelog
from shipline.domain.workspace.changelogs import propose_entry as propose_package_entry
from shipline.domain.workspace.plan import PackagePlan, WorkspacePlan, plan_workspace
from shipline.domain.workspace.released import released_workspace


def collect_evidence(
    git: Git,
    loaded: LoadedConfig,
    version: str,
    *,
    rebuild: bool = True,
    env: dict[str, str] | None = None,
) -> Any:
    """The L4 review evidence of ``version`` (``VERSION``, or ``NAME@VERSION`` for a
    workspace package's release; :class:`shipline.domain.review.decide.Evidence`;
    ``.to_json()``). The rebuild takes as long as a build: run it in a worker."""
    from shipline.domain.review.evidence import collect_evidence as collect

    return collect(git, loaded, version, rebuild=rebuild, env=env)


def submit_review(
    git: Git,
    loaded: LoadedConfig,
    version: str,
    *,
    approve: bool,
    method: str = "gpg",
    comment: str | None = None,
    env: dict[str, str] | None = None,
    rebuild: bool = True,
) -> Any:
    """Sign and record an approval or rejection; returns
    :class:`shipline.domain.review.approve.ReviewOutcome` (``.evidence``, ``.level_record``)."""
    from shipline.domain.review.approve import submit_review as submit

    return submit(
        git,
        loaded,
        version,
        approve=approve,
        method=method,
        comment=comment,
        env=env,
        rebuild=rebuild,
    )


__all__ = [
    "BREAKING_TITLE",
    "EXTERNAL_STEPS",
    "MISSING_MIGRATION",
    "OTHER_TITLE",
    "STEPS",
    "TITLES",
    "UNWRITTEN",
    "ChainLink",
    "Config",
    "Confirmation",
    "Detection",
    "ErrorEvent",
    "ExitCode",
    "FileChange",
    "GateResult",
    "Git",
    "GitCommand",
    "Journal",
    "Ledger",
    "LinkCheck",
    "LoadedConfig",
    "LogLine",
    "PackageChangelog",
    "PackagePlan",
    "Pipeline",
    "PlanOptions",
    "PlannedRelease",
    "ReleasePlan",
    "ShipOptions",
    "ShiplineError",
    "StepFinished",
    "StepProgress",
    "StepStarted",
    "Summary",
    "Train",
    "VerifyReport",
    "WorkspacePlan",
    "abort_run",
    "collect_evidence",
    "detect",
    "entry_unwritten",
    "group_commits",
    "is_train",
    "load_config",
    "load_journal",
    "load_ledger",
    "make_plan",
    "migration_unwritten",
    "plan_workspace",
    "planned_commit_message",
    "propose_package_entry",
    "release_label",
    "released_workspace",
    "resume_run",
    "shown",
    "submit_review",
    "tag_command",
    "verify_provenance_chain",
    "visible",
    "visible_data",
]
