"""The domain's public API: the only names ``tui/`` imports.

Load a config, plan a release, run the pipeline step by step (iterate the
events), resume or abort it. Provenance (verify, ledger) and review join
this list as they land.
"""

from __future__ import annotations

# --- for the TUI: commit groups, tag signing choice, ledger and verify --------
from .changelog import BREAKING_TITLE, OTHER_TITLE
from .changelog import group as group_commits
from .config import Config, LoadedConfig, load_config
from .errors import ExitCode, ShiplineError
from .events import (
    ChainLink,
    ErrorEvent,
    FileChange,
    GateResult,
    GitCommand,
    LogLine,
    StepFinished,
    StepProgress,
    StepStarted,
    Summary,
    parse_event,
)
from .gitops import Git
from .ledger import Ledger
from .ledger import load as load_ledger
from .pipeline import STEPS, TITLES, Pipeline, ShipOptions
from .plan import PlannedRelease, PlanOptions, ReleasePlan, make_plan
from .verify import LinkCheck, VerifyReport, verify_provenance_chain


def with_tag_signing(loaded: LoadedConfig, sign: bool) -> LoadedConfig:
    """``loaded`` with ``release.tag.sign`` set to ``sign`` (the operator's
    signing choice for this run; the config file is not changed)."""
    release = loaded.config.release
    tag = release.tag.model_copy(update={"sign": sign})
    config = loaded.config.model_copy(
        update={"release": release.model_copy(update={"tag": tag})})
    return loaded.model_copy(update={"config": config})

__all__ = [
    "BREAKING_TITLE",
    "OTHER_TITLE",
    "STEPS",
    "TITLES",
    "ChainLink",
    "Config",
    "ErrorEvent",
    "ExitCode",
    "FileChange",
    "GateResult",
    "Git",
    "GitCommand",
    "Ledger",
    "LinkCheck",
    "LoadedConfig",
    "LogLine",
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
    "VerifyReport",
    "group_commits",
    "load_config",
    "load_ledger",
    "make_plan",
    "parse_event",
    "verify_provenance_chain",
    "with_tag_signing",
]
