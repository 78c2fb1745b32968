"""The domain's public API: the only names ``tui/`` imports.

Load a config, plan a release, run the pipeline step by step (iterate the
events), resume or abort it. Provenance (verify, ledger) and review join
this list as they land.
"""

from __future__ import annotations

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
from .pipeline import STEPS, TITLES, Pipeline, ShipOptions
from .plan import PlannedRelease, PlanOptions, ReleasePlan, make_plan

__all__ = [
    "STEPS", "TITLES", "ChainLink", "Config", "ErrorEvent", "ExitCode", "FileChange",
    "GateResult", "Git", "GitCommand", "LoadedConfig", "LogLine", "Pipeline", "PlanOptions",
    "PlannedRelease", "ReleasePlan", "ShipOptions", "ShiplineError", "StepFinished",
    "StepProgress", "StepStarted", "Summary", "load_config", "make_plan", "parse_event",
]
