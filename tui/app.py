"""``ShiplineApp``: the guided release, one screen per step.

The app owns everything that outlives a screen: the plan, the run state
folded from the pipeline's events, and the release worker (a thread that
iterates ``Pipeline.ship`` and hands each event to the app with
``call_from_thread``). Screens only draw that state and ask the app to act.
The run pauses after the gates and after the tag so that the operator moves
on explicitly; the push asks for a confirmation that names what it does.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.worker import Worker, WorkerState

from .state import RunState
from .widgets.steps_bar import STEP_SCREENS

if TYPE_CHECKING:
    from textual.command import Provider

    from domain.api import (
        ErrorEvent,
        Git,
        LoadedConfig,
        Pipeline,
        PlannedRelease,
        PlanOptions,
        ShipOptions,
    )

STEP_NAMES = tuple(name for name, _ in STEP_SCREENS)
PAUSE_AFTER = {"gates": "tag", "tag": "publish"}
"""After these steps the run waits for the operator on the named screen."""


INTERNAL, INTERRUPTED = 1, 130
"""Exit codes the app itself reports (the domain's ExitCode values)."""


SCREEN_CLASSES = {
    "plan": "plan:PlanScreen", "version": "version:VersionScreen",
    "changelog": "changelog:ChangelogScreen", "gates": "gates:GatesScreen",
    "tag": "tag:TagScreen", "publish": "publish:PublishScreen", "chain": "chain:ChainScreen",
    "summary": "summary:SummaryScreen", "history": "history:HistoryScreen",
    "review": "review:ReviewScreen",
}
"""Screen name → ``module:class`` under ``tui.screens``, imported on first use."""


def _commands() -> type[Provider]:
    from .commands import ShiplineCommands

    return ShiplineCommands


def _screen(name: str) -> Any:
    """A factory that imports the screen's module only when it is first shown,
    so the first paint does not wait for every screen (or for the domain)."""

    def make() -> Any:
        import importlib

        module, cls = SCREEN_CLASSES[name].split(":")
        return getattr(importlib.import_module(f".screens.{module}", __package__), cls)()

    return make


class Cancelled(Exception):
    """The operator cancelled the run (confirmed)."""


class ShiplineApp(App[int]):
    """The release assistant for the repository at ``repo``."""

    TITLE = "shipline"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {_commands}
    SCREENS: ClassVar[dict[str, Any]] = {
        name: _screen(name) for name in (*STEP_NAMES, "history", "review")}
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

    def __init__(self, repo: Path, state_dir: Path | None = None, *,
                 options: PlanOptions | None = None, theme: str = "textual-dark") -> None:
        super().__init__()
        self.repo = Path(repo)
        self.state_dir_override = state_dir
        self.options: PlanOptions = options  # type: ignore[assignment]
        """What the operator chose so far (version, bump, changelog entry...);
        ``None`` until the first plan (the domain is imported off the UI thread)."""
        self.initial_theme = theme
        self.loaded: LoadedConfig | None = None
        self.git: Git | None = None
        self.planned: PlannedRelease | None = None
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
        self.review_version: str | None = None
        """The release the Review screen shows (None: the newest)."""

    # --- start-up -----------------------------------------------------------

    def on_mount(self) -> None:
        self.theme = self.initial_theme
        self.sub_title = self.repo.name
        self.push_screen("plan")
        self.replan()

    def on_unmount(self) -> None:
        """A run still waiting for the operator is cancelled (and undone)."""
        self.cancel_event.set()

    # --- the plan -----------------------------------------------------------

    def replan(self, **changes: Any) -> None:
        """Plan again with ``changes`` to the options (in a worker)."""
        if changes and self.options is not None:
            self.options = self.options.model_copy(update=changes)
        self.planning = True
        self._plan_worker(self.options, changes)

    @work(thread=True, exclusive=True, group="plan", exit_on_error=False)
    def _plan_worker(self, options: PlanOptions | None, changes: dict[str, Any]) -> None:
        from domain.api import (
            ErrorEvent,
            Git,
            PlanOptions,
            ShiplineError,
            load_config,
            make_plan,
        )

        if options is None:
            options = PlanOptions(**changes)
            self.options = options
        try:
            if self.loaded is None or self.git is None:
                git = Git.open(self.repo)
                loaded = load_config(git.root, self.state_dir_override)
                self.git, self.loaded = git, loaded
            planned = make_plan(self.git, self.loaded, options)
        except ShiplineError as exc:
            error = ErrorEvent(code=int(exc.code), message=exc.message, hint=exc.hint,
                               step="plan")
            self.call_from_thread(self._plan_done, None, error)
            return
        except Exception as exc:  # a bug: one line in place, never a traceback
            error = ErrorEvent(code=INTERNAL,
                               message=f"internal error: {type(exc).__name__}: {exc}",
                               hint="this is a bug in shipline; run `shipline release plan "
                               "--debug` and report it", step="plan")
            self.call_from_thread(self._plan_done, None, error)
            return
        self.call_from_thread(self._plan_done, planned, None)

    def _plan_done(self, planned: PlannedRelease | None, error: ErrorEvent | None) -> None:
        self.planning = False
        self.plan_error = error
        if planned is not None:
            self.planned = planned
            if planned.plan.version:
                self.sub_title = f"{self.repo.name} → {planned.plan.tag}"
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
            hint = hint.replace("`shipline release resume`", "Resume (ctrl+p)") \
                .replace("`shipline release abort`", "Abort (ctrl+p)")
        return error.model_copy(update={"message": self.short_paths(error.message),
                                        "hint": hint})

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

    # --- the release run ----------------------------------------------------

    @property
    def running(self) -> bool:
        worker = self.run_worker_
        return worker is not None and worker.state in (WorkerState.PENDING,
                                                       WorkerState.RUNNING)

    @property
    def locked(self) -> bool:
        """The plan can no longer change: a run is going or went through."""
        if self.running:
            return True
        summary = self.state.summary
        return bool(self.state.steps) and (summary is None or summary.ok)

    def start_release(self) -> None:
        """Run the pipeline up to and including the gates."""
        if self.running:
            return
        if self.planned is None or not self.planned.plan.releasable:
            self.notify("there is nothing to release yet", severity="warning")
            return
        self.state = RunState()
        self.cancel_event.clear()
        self.proceed.clear()
        self.waiting_after = None
        from domain.api import ShipOptions

        options = ShipOptions(**self.options.model_dump())
        self.run_worker_ = self._release_worker(options, "ship")
        self.refresh_screen()

    def resume_release(self) -> None:
        """Finish an interrupted release from its journal (asks before each
        irreversible step, like a fresh run)."""
        if self.running or self.git is None:
            return
        self.state.error = self.state.summary = None
        self.cancel_event.clear()
        self.proceed.clear()
        self.run_worker_ = self._release_worker(None, "resume")
        self.refresh_screen()

    def abort_release(self) -> None:
        """Undo an interrupted release's local effects, after a confirmation."""
        if self.running or self.git is None:
            return
        from .screens.confirm import ConfirmScreen

        def answer(yes: bool | None) -> None:
            if yes:
                self.state = RunState()
                self.cancel_event.clear()
                self.run_worker_ = self._release_worker(None, "abort")
                self.refresh_screen()

        self.push_screen(ConfirmScreen(
            "Abort the interrupted release",
            "Undo its local tag, release commit, bumped files and changelog? Nothing that "
            "already left this machine is touched (abort refuses then).", yes="Abort",
            no="Keep it"), callback=answer)

    def proceed_after(self, step: str) -> bool:
        """Let a waiting run go on past ``step``; False if it is not waiting there."""
        if self.waiting_after != step or not self.running:
            return False
        if step == "gates" and self.pipeline is not None and self.sign_tag is not None \
                and self.loaded is not None:
            from domain.api import with_tag_signing

            self.pipeline.loaded = with_tag_signing(self.loaded, self.sign_tag)
        self.waiting_after = None
        self.proceed.set()
        self.refresh_screen()
        return True

    @work(thread=True, exclusive=True, group="release", exit_on_error=False)
    def _release_worker(self, options: ShipOptions | None, mode: str) -> None:
        from domain.api import (
            ErrorEvent,
            ExitCode,
            Pipeline,
            ShiplineError,
            Summary,
            with_tag_signing,
        )

        assert self.git is not None and self.loaded is not None
        loaded = self.loaded if self.sign_tag is None else \
            with_tag_signing(self.loaded, self.sign_tag)
        pipeline = Pipeline(self.git, loaded, confirm=self._confirm_from_thread,
                            cancel=self.cancel_event)
        self.pipeline = pipeline
        command = f"release {mode}"
        events = pipeline.ship(options) if mode == "ship" and options is not None else \
            pipeline.resume() if mode == "resume" else pipeline.abort()
        try:
            for event in events:
                self._post(event)
                if self.cancel_event.is_set():
                    raise Cancelled
                if event.kind == "step_finished" and event.step in PAUSE_AFTER \
                        and event.status == "ok":
                    self._wait_for_operator(event.step)
        except Cancelled:
            events.close()
            self._undo_after_cancel(pipeline)
        except ShiplineError as exc:
            code = ExitCode.INTERRUPTED if self.cancel_event.is_set() else exc.code
            self._post(ErrorEvent(code=int(code), message=exc.message, hint=exc.hint,
                                  step=self.state.current_step or _failed_step(self.state)))
            self._post(Summary(command=command, ok=False, exit_code=int(code),
                               data=pipeline.result))
        except Exception as exc:
            self._post(ErrorEvent(code=int(ExitCode.INTERNAL),
                                  message=f"internal error: {type(exc).__name__}: {exc}",
                                  hint="this is a bug in shipline; `shipline release resume` "
                                  "or `release abort` recovers the repository"))
            self._post(Summary(command=command, ok=False, exit_code=int(ExitCode.INTERNAL)))
        else:
            data = pipeline.result if mode != "abort" else \
                {"message": "aborted: every local change was undone"}
            self._post(Summary(command=command, ok=True, exit_code=0, data=data))

    def _wait_for_operator(self, step: str) -> None:
        self.call_from_thread(self._set_waiting, step)
        while not self.proceed.wait(0.05):
            if self.cancel_event.is_set():
                raise Cancelled
        self.proceed.clear()

    def _set_waiting(self, step: str) -> None:
        self.waiting_after = step
        self.notify(f"{step} done: review the {PAUSE_AFTER[step]} screen and go on there",
                    title="Waiting for you")
        self.refresh_screen()

    def _undo_after_cancel(self, pipeline: Pipeline) -> None:
        from domain.api import ErrorEvent, Pipeline, ShiplineError, Summary

        undo = Pipeline(pipeline.git, pipeline.loaded)
        try:
            for event in undo.abort():
                self._post(event)
            message = "cancelled: every local change was undone; the repository is as it was"
            hint = None
        except ShiplineError as exc:
            message = f"cancelled, but the undo stopped: {exc.message}"
            hint = exc.hint
        self._post(ErrorEvent(code=INTERRUPTED, message=message, hint=hint))
        self._post(Summary(command="release ship", ok=False, exit_code=INTERRUPTED))

    def _post(self, event: Any) -> None:
        with contextlib.suppress(RuntimeError):  # the app is gone: nothing to show
            self.call_from_thread(self.apply_event, event)

    def apply_event(self, event: Any) -> None:
        """Fold ``event`` into the state and let the visible screen redraw."""
        self.state.apply(event)
        if event.kind == "summary":
            self.waiting_after = None
            if event.ok and event.command == "release abort":
                self.state = RunState()
                self.notify(event.data.get("message", "aborted"), title="Aborted")
                self.replan()
            elif event.ok:
                self.goto("summary")
        screen = self.screen
        handler = getattr(screen, "on_release_event", None)
        if handler is not None and screen.is_mounted:
            handler(event)

    def _confirm_from_thread(self, question: str) -> bool:
        """The pipeline's confirmation hook: ask in a modal, wait for the answer."""
        from .screens.confirm import ConfirmScreen

        answer: concurrent.futures.Future[bool] = concurrent.futures.Future()

        verb = question.split(maxsplit=1)[0] if question else "Yes"
        yes = verb if verb in ("Push", "Publish") else "Yes"

        def ask() -> None:
            self.push_screen(ConfirmScreen("Irreversible", question, yes=yes),
                             callback=lambda yes: answer.set_result(bool(yes)))

        self.call_from_thread(ask)
        while True:
            try:
                return answer.result(timeout=0.1)
            except concurrent.futures.TimeoutError:
                if self.cancel_event.is_set():
                    return False

    def action_cancel_release(self) -> None:
        if not self.running:
            self.notify("no release is running", severity="information")
            return
        if any(self.state.step_status(s) not in ("pending", "skipped")
               for s in ("publish", "push")):
            self.notify("publishing has started: the release can no longer be cancelled",
                        severity="warning")
            return
        from .screens.confirm import ConfirmScreen

        version = self.planned.plan.tag if self.planned else "the release"
        question = (f"Cancel {version}? The bumped files, the changelog, the release commit "
                    "and the tag are undone; nothing has left this machine.")

        def answer(yes: bool | None) -> None:
            if yes:
                self.cancel_event.set()

        self.push_screen(ConfirmScreen("Cancel the release", question, yes="Cancel run",
                                       no="Keep going"), callback=answer)

    async def action_quit(self) -> None:
        if not self.running:
            self.exit(0)
            return
        from .screens.confirm import ConfirmScreen

        async def answer(yes: bool | None) -> None:
            if yes and self.run_worker_ is not None:
                self.cancel_event.set()
                await self.run_worker_.wait()
                self.exit(INTERRUPTED, return_code=INTERRUPTED)

        self.push_screen(ConfirmScreen(
            "Quit", "A release is running. Quit and undo its local changes?",
            yes="Quit and undo", no="Stay"), callback=answer)


def _failed_step(state: RunState) -> str | None:
    failed = [name for name, step in state.steps.items() if step.status == "failed"]
    return failed[-1] if failed else None
