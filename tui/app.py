"""``ShiplineApp``: the guided release, one screen per step.

The app owns everything that outlives a screen: the plan, the run state
folded from the pipeline's events, and the release worker (a thread that
iterates ``Pipeline.ship``; see :mod:`tui.release_run`). Screens only
draw that state and ask the app to act. The domain is imported in the plan
worker, after the first frame: the first screen paints before it loads.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.worker import Worker

from shipline.tui.release_run import ReleaseRun
from shipline.tui.state import RunState
from shipline.tui.train_choices import TrainChoices
from shipline.tui.widgets.steps_bar import STEP_SCREENS

if TYPE_CHECKING:
    from textual.command import Provider

    from shipline.domain.api import (
        ErrorEvent,
        Git,
        LoadedConfig,
        PackageChangelog,
        Pipeline,
        PlannedRelease,
        PlanOptions,
        WorkspacePlan,
    )

STEP_NAMES = tuple(name for name, _ in STEP_SCREENS)
SCREEN_CLASSES = {
    "plan": "plan:PlanScreen",
    "version": "version:VersionScreen",
    "changelog": "changelog:ChangelogScreen",
    "gates": "gates:GatesScreen",
    "tag": "tag:TagScreen",
    "publish": "publish:PublishScreen",
    "chain": "chain:ChainScreen",
    "summary": "summary:SummaryScreen",
    "history": "history:HistoryScreen",
    "review": "review:ReviewScreen",
}
"""Screen name → ``module:class`` under ``tui.screens``, imported on first use."""


def _commands() -> type[Provider]:
    from shipline.tui.commands import ShiplineCommands

    return ShiplineCommands


def _screen(name: str) -> Any:
    """A factory that imports the screen's module only when it is first shown,
    so the first paint does not wait for every screen (or for the domain)."""

    def make() -> Any:
        import importlib

        module, cls = SCREEN_CLASSES[name].split(":")
        return getattr(importlib.import_module(f".screens.{module}", __package__), cls)()

    return make


class ShiplineApp(ReleaseRun, TrainChoices, App[int]):
    """The release assistant for the repository at ``repo``."""

    TITLE = "shipline"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {_commands}
    SCREENS: ClassVar[dict[str, Any]] = {
        name: _screen(name) for name in (*STEP_NAMES, "history", "review")
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", priority=True),
        Binding("n", "next", "Next"),
        Binding("b", "back", "Back"),
        Binding("ctrl+n", "next", "Next", show=False, priority=True),
        Binding("ctrl+b", "back", "Back", show=False, priority=True),
        Binding("h", "goto('history')", "History"),
        Binding("c", "goto('chain')", "Chain", show=False),
        Binding("x", "cancel_release", "Cancel run", show=False),
        Binding("f2", "toggle_theme", "Theme", show=False),
    ]

    def __init__(
        self,
        repo: Path,
        state_dir: Path | None = None,
        *,
        options: PlanOptions | None = None,
        theme: str = "textual-dark",
        review_version: str | None = None,
        review_sign: str = "gpg",
        review_comment: str | None = None,
        config_file: Path | None = None,
    ) -> None:
        super().__init__()
        self.repo = Path(repo)
        self.state_dir_override = state_dir
        self.config_override = config_file
        """``--config FILE``: read instead of the state dir's config.json."""
        self.options: PlanOptions = options  # type: ignore[assignment]
        """What the operator chose so far (version, bump, changelog entry...);
        ``None`` until the first plan (the domain is imported off the UI thread)."""
        self.initial_theme = theme
        self.loaded: LoadedConfig | None = None
        self.git: Git | None = None
        self.planned: PlannedRelease | None = None
        self.train: WorkspacePlan | None = None
        """In a workspace (monorepo): every package's plan, shown as a table."""
        self.train_picks: dict[str, str | None] = {}
        """The packages the operator toggled on, with the versions given to some
        (empty: every package with changes, at the versions they ask for)."""
        self.train_entries: dict[str, str] = {}
        """A package's changelog entry as the operator edited it."""
        self.train_changelogs: dict[str, PackageChangelog] = {}
        """Each released package's changelog entry as the domain proposes it."""
        self.plan_error: ErrorEvent | None = None
        self.planning = False
        self.state = RunState()
        self.sign_tag: bool | None = None
        """The operator's signing choice; ``None`` keeps the config's."""
        self.waiting_after: str | None = None
        """The step after which the run waits for the operator, if it does."""
        self.run_worker_: Worker[None] | None = None
        self.cancel_event = threading.Event()
        self.proceed = threading.Event()
        self.pipeline: Pipeline | None = None
        self.choices: dict[str, str] = {}
        """bump → the version it gives (computed once, in the background)."""
        self.interrupted: str | None = None
        """A release left half done by an earlier run (from its journal)."""
        self.review_version: str | None = review_version
        """The release the Review screen shows (None: the newest). Given at start
        (``shipline review VERSION``), the app opens on Review instead of Plan."""
        self.review_sign = review_sign
        """How Review signs a verdict: ``gpg`` (GPG_KEY_ID) or ``sigstore`` (keyless)."""
        self.review_comment = review_comment
        """The reviewer's note recorded with a verdict (``--comment``)."""

    # --- start-up -----------------------------------------------------------

    def on_mount(self) -> None:
        self.theme = self.initial_theme
        self.sub_title = self.repo.name
        self.push_screen("review" if self.review_version else "plan")
        # plan once the first frame is out: the domain's import would share the GIL with it
        self.call_after_refresh(self.replan)

    def on_unmount(self) -> None:
        """A run still waiting for the operator is cancelled (and undone)."""
        self.cancel_event.set()

    # --- the plan -----------------------------------------------------------

    def replan(self, **changes: Any) -> None:
        """Plan again with ``changes`` to the options (in a worker)."""
        if changes and self.options is not None:
            self.options = self.options.model_copy(update=changes)
        self.planning = True
        self._plan_seq += 1
        self._plan_worker(self.options, changes, self._plan_seq)

    _plan_seq = 0
    """Numbers the plans asked for: a slower, older plan never replaces a newer one."""

    @work(thread=True, exclusive=True, group="plan", exit_on_error=False)
    def _plan_worker(self, options: PlanOptions | None, changes: dict[str, Any], seq: int) -> None:
        from shipline.domain.api import (
            ErrorEvent,
            ExitCode,
            Git,
            PlanOptions,
            ShiplineError,
            load_config,
            make_plan,
            plan_workspace,
            propose_package_entry,
            released_workspace,
        )

        if options is None:
            options = PlanOptions(**changes)
            self.options = options
        try:
            if self.loaded is None or self.git is None:
                git = Git.open(self.repo)
                loaded = load_config(git.root, self.state_dir_override, self.config_override)
                self.git, self.loaded = git, loaded
            self.interrupted = self._interrupted_release()
            workspace = released_workspace(self.git, self.loaded)
            if workspace is not None:
                train = plan_workspace(
                    self.git, self.loaded, picks=self.train_picks, workspace=workspace
                )
                changelogs = {
                    p.name: propose_package_entry(self.git, self.loaded, p) for p in train.releasing
                }
                self.call_from_thread(self._train_done, train, changelogs, seq)
                return
            planned = make_plan(self.git, self.loaded, options)
        except ShiplineError as exc:
            error = ErrorEvent(code=int(exc.code), message=exc.message, hint=exc.hint, step="plan")
            self.call_from_thread(self._plan_done, None, error, seq)
            return
        except Exception as exc:  # a bug: one line in place, never a traceback
            error = ErrorEvent(
                code=int(ExitCode.INTERNAL),
                message=f"internal error: {type(exc).__name__}: {exc}",
                hint="this is a bug in shipline; run `shipline release plan --debug` and report it",
                step="plan",
            )
            self.call_from_thread(self._plan_done, None, error, seq)
            return
        self.call_from_thread(self._plan_done, planned, None, seq)

    @work(thread=True, exclusive=True, group="choices", exit_on_error=False)
    def _choices_worker(self, options: PlanOptions) -> None:
        """The version each bump choice would give, for the Version screen's labels."""
        from shipline.domain.api import ShiplineError, make_plan

        choices: dict[str, str] = {}
        for bump in ("major", "minor", "patch", "prerelease"):
            pre = "rc" if bump == "prerelease" else None
            try:
                assert self.git is not None and self.loaded is not None
                plan = make_plan(
                    self.git,
                    self.loaded,
                    options.model_copy(update={"bump": bump, "pre": pre, "version": None}),
                ).plan
            except ShiplineError:
                continue
            if plan.version:
                choices[bump] = plan.version
        self.call_from_thread(self._choices_done, choices)

    def _choices_done(self, choices: dict[str, str]) -> None:
        self.choices = choices
        self.refresh_screen()

    def _interrupted_release(self) -> str | None:
        """What the journal says about a release left half done, if any."""
        from shipline.domain.api import ShiplineError, is_train, load_journal

        assert self.loaded is not None
        if self.running:
            return None  # this session's own run keeps the journal
        try:
            journal = load_journal(self.loaded.state_dir)
        except ShiplineError as exc:
            return exc.message
        if journal is None:
            return None
        after = journal.completed[-1] if journal.completed else "its start"
        what = f"the train {journal.version}" if is_train(journal) else journal.tag
        return f"{what} stopped after {after} (started {journal.started_at[:16]})"

    def _plan_done(
        self, planned: PlannedRelease | None, error: ErrorEvent | None, seq: int
    ) -> None:
        if seq != self._plan_seq:
            return  # a newer plan is on its way
        self.planning = False
        self.plan_error = error
        if planned is not None:
            self.planned = planned
            if not self.choices and self.options is not None:
                self._choices_worker(self.options)
            if planned.plan.version:
                self.sub_title = f"{self.repo.name} → {planned.plan.tag}"
        self.refresh_screen()

    def _train_done(
        self, train: WorkspacePlan, changelogs: dict[str, PackageChangelog], seq: int
    ) -> None:
        if seq != self._plan_seq:
            return
        self.planning = False
        self.plan_error = None
        self._train_planned(train, changelogs)
        releasing = ", ".join(p.tag or "" for p in train.releasing)
        self.sub_title = f"{self.repo.name} → {releasing}" if releasing else self.repo.name
        self.refresh_screen()

    @property
    def source_only(self) -> bool:
        return not (self.planned and self.planned.plan.artifacts)

    def current_error(self) -> ErrorEvent | None:
        error = self.state.error or self.plan_error
        if error is None:
            return None
        hint = self.short_paths(error.hint)
        if hint:  # the CLI's words, said the way this app does it
            hint = hint.replace("`shipline release resume`", "Resume (ctrl+p)").replace(
                "`shipline release abort`", "Abort (ctrl+p)"
            )
        return error.model_copy(update={"message": self.short_paths(error.message), "hint": hint})

    def short_paths(self, text: str | None) -> str | None:
        """``text`` with the repository's path dropped: 80 columns are precious."""
        if text is None:
            return None
        for root in {str(self.repo.resolve()), str(self.repo)}:
            text = text.replace(root + "/", "")
        return text

    def refresh_screen(self) -> None:
        screen = self.screen
        if hasattr(screen, "refresh_all") and screen.is_mounted:
            screen.refresh_all()

    # --- navigation ---------------------------------------------------------

    @property
    def current_name(self) -> str | None:
        for name in (*STEP_NAMES, "history", "review"):
            if self.is_screen_installed(name) and self.get_screen(name) is self.screen:
                return name
        return None

    def goto(self, name: str) -> None:
        current = self.current_name
        if current == name:
            return
        if current in STEP_NAMES:
            self._last_step = current
        self.switch_screen(name)

    def action_goto(self, name: str) -> None:
        self.goto(name)

    def action_next(self) -> None:
        current = self.current_name
        if current not in STEP_NAMES:
            self.goto("plan")
            return
        blocker = getattr(self.screen, "blocker", lambda: None)()
        if blocker:
            self.notify(blocker, title="Not yet", severity="warning")
            return
        index = STEP_NAMES.index(current)
        if index + 1 < len(STEP_NAMES):
            self.goto(STEP_NAMES[index + 1])

    def action_back(self) -> None:
        current = self.current_name
        if current not in STEP_NAMES:
            self.goto(self._last_step)
            return
        index = STEP_NAMES.index(current)
        if index > 0:
            self.goto(STEP_NAMES[index - 1])

    _last_step = "plan"
    """The step screen to go back to from History or Review."""

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"

    async def action_quit(self) -> None:
        if not self.running:
            self.exit(0)
            return
        from shipline.tui.screens.confirm import ConfirmScreen

        async def answer(yes: bool | None) -> None:
            if yes and self.run_worker_ is not None:
                self.cancel_event.set()
                await self.run_worker_.wait()
                from shipline.domain.api import ExitCode

                code = int(ExitCode.INTERRUPTED)
                self.exit(code, return_code=code)

        self.push_screen(
            ConfirmScreen(
                "Quit",
                "A release is running. Quit and undo its local changes?",
                yes="Quit and undo",
                no="Stay",
            ),
            callback=answer,
        )
