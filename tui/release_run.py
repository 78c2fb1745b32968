"""The release run: the pipeline in a thread worker that belongs to the app.

A mixin of :class:`tui.app.ShiplineApp`, kept apart because it is the one
part of the UI that drives the domain: it iterates ``Pipeline.ship`` (or
``resume`` / ``abort``), hands every event to the app with
``call_from_thread``, pauses after the gates and after the tag until the
operator goes on, answers the pipeline's confirmations with a modal, and on
a confirmed cancel sets the run's cancel token: the pipeline itself undoes the
run's local effects and stops with 130, as it does on a Ctrl-C in the CLI.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
from typing import TYPE_CHECKING, Any

from textual import work
from textual.worker import WorkerState

from shipline.tui.state import RunState

if TYPE_CHECKING:
    from shipline.domain.api import Confirmation, ShipOptions

PAUSE_AFTER = {"gates": "tag", "tag": "publish"}
"""After these steps the run waits for the operator on the named screen."""


class ReleaseRun:
    """Start, resume, abort, pause, confirm and cancel a release run. The app
    provides ``git``, ``loaded``, ``options``, ``planned``, ``state``,
    ``sign_tag``, ``cancel_event``, ``proceed``, ``waiting_after``,
    ``run_worker_`` and ``pipeline`` (see :class:`tui.app.ShiplineApp`)."""

    pipeline_factory: Any = None
    """Makes the run's pipeline from ``(git, loaded, confirm=, cancel=)``;
    ``None``: the domain's :class:`Pipeline`. The seam for TUI tests that are
    not about the pipeline: they replay a recorded event stream through it."""

    @property
    def running(self) -> bool:
        worker = self.run_worker_
        return worker is not None and worker.state in (WorkerState.PENDING, WorkerState.RUNNING)

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
        if self.plan_error is not None or self.planning:
            self.notify(
                "fix the plan first (see the error above)" if self.plan_error else "still planning",
                severity="warning",
            )
            return
        train = self.train is not None
        if not (self.releasing if train else self.planned and self.planned.plan.releasable):
            self.notify("there is nothing to release yet", severity="warning")
            return
        self.state = RunState()
        self.cancel_event.clear()
        self.proceed.clear()
        self.waiting_after = None
        from shipline.domain.api import ShipOptions

        options = ShipOptions(**{**self.options.model_dump(), "sign_tag": self.sign_tag})
        self.run_worker_ = self._release_worker(options, "train" if train else "ship")
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
        from shipline.tui.screens.confirm import ConfirmScreen

        def answer(yes: bool | None) -> None:
            if yes:
                self.state = RunState()
                self.cancel_event.clear()
                self.run_worker_ = self._release_worker(None, "abort")
                self.refresh_screen()

        self.push_screen(
            ConfirmScreen(
                "Abort the interrupted release",
                "Undo its local tag, release commit, bumped files and changelog? The registries "
                "and the remote are asked first: if anything is live, nothing is undone and "
                "abort says what (59).",
                yes="Abort",
                no="Keep it",
            ),
            callback=answer,
        )

    def proceed_after(self, step: str) -> bool:
        """Let a waiting run go on past ``step``; False if it is not waiting there."""
        if self.waiting_after != step or not self.running:
            return False
        if step == "gates" and self.pipeline is not None and self.sign_tag is not None:
            self.pipeline.sign_tag = self.sign_tag  # the choice made on the Tag screen
        self.waiting_after = None
        self.proceed.set()
        self.refresh_screen()
        return True

    @work(thread=True, exclusive=True, group="release", exit_on_error=False)
    def _release_worker(self, options: ShipOptions | None, mode: str) -> None:
        from shipline.domain.api import ErrorEvent, ExitCode, ShiplineError, Summary

        command = f"release {'ship' if mode == 'train' else mode}"
        try:
            pipeline, events = self._run_of(options, mode)
        except ShiplineError as exc:  # the journal could not be read
            self._post(ErrorEvent(code=int(exc.code), message=exc.message, hint=exc.hint))
            self._post(Summary(command=command, ok=False, exit_code=int(exc.code)))
            return
        self.pipeline = pipeline
        try:
            for event in events:  # a cancel sets the token: the pipeline undoes and stops
                self._post(event)
                if (
                    event.kind == "step_finished"
                    and event.step in PAUSE_AFTER
                    and event.status == "ok"
                ):
                    self._wait_for_operator(event.step)
        except ShiplineError as exc:
            code = ExitCode.INTERRUPTED if self.cancel_event.is_set() else exc.code
            self._post(
                ErrorEvent(
                    code=int(code),
                    message=exc.message,
                    hint=exc.hint,
                    step=self.state.current_step or _failed_step(self.state),
                )
            )
            self._post(
                Summary(command=command, ok=False, exit_code=int(code), data=pipeline.result)
            )
        except Exception as exc:
            self._post(
                ErrorEvent(
                    code=int(ExitCode.INTERNAL),
                    message=f"internal error: {type(exc).__name__}: {exc}",
                    hint="this is a bug in shipline; `shipline release resume` "
                    "or `release abort` recovers the repository",
                )
            )
            self._post(Summary(command=command, ok=False, exit_code=int(ExitCode.INTERNAL)))
        else:
            data = (
                pipeline.result
                if mode != "abort"
                else {"message": "aborted: every local change was undone"}
            )
            self._post(Summary(command=command, ok=True, exit_code=0, data=data))

    def _run_of(self, options: ShipOptions | None, mode: str) -> tuple[Any, Any]:
        """(the run, its events): a release, a train, or the interrupted one's
        resume or abort (the domain tells a train's journal from a release's)."""
        from shipline.domain.api import Pipeline, Train, abort_run, resume_run

        assert self.git is not None and self.loaded is not None
        hooks = {"confirm": self._confirm_from_thread, "cancel": self.cancel_event}
        run: Any
        if self.pipeline_factory is not None:  # a recorded stream replayed (tests)
            run = self.pipeline_factory(self.git, self.loaded, **hooks)
            run.sign_tag = self.sign_tag
            if mode in ("ship", "train"):
                return run, run.ship(options)
            return run, run.resume() if mode == "resume" else run.abort()
        if mode == "resume":
            run, events = resume_run(self.git, self.loaded, **hooks)
        elif mode == "abort":
            run, events = abort_run(self.git, self.loaded, cancel=self.cancel_event)
        elif mode == "train":
            assert options is not None
            run = Train(self.git, self.loaded, **hooks)
            events = run.ship(
                self.train_picks,
                no_push=options.no_push,
                no_changelog=options.no_changelog,
                no_artifacts=options.no_artifacts,
                no_forge=options.no_forge,
                entries=self.train_entries,
            )
        else:
            assert options is not None
            run = Pipeline(self.git, self.loaded, **hooks)
            events = run.ship(options)
        run.sign_tag = self.sign_tag  # a release's or a train's: the Tag screen's choice
        return run, events

    def _wait_for_operator(self, step: str) -> None:
        """Until the operator goes on, or cancels (the pipeline then undoes)."""
        self.call_from_thread(self._set_waiting, step)
        while not self.proceed.wait(0.05):
            if self.cancel_event.is_set():
                return
        self.proceed.clear()

    def _set_waiting(self, step: str) -> None:
        self.waiting_after = step
        self.notify(
            f"{step} done: review the {PAUSE_AFTER[step]} screen and go on there",
            title="Waiting for you",
        )
        self.refresh_screen()

    def _post(self, event: Any) -> None:
        with contextlib.suppress(RuntimeError):  # the app is gone: nothing to show
            self.call_from_thread(self.apply_event, event)

    def apply_event(self, event: Any) -> None:
        """Fold ``event`` into the state and let the visible screen redraw."""
        self.state.apply(event)
        if event.kind == "summary":
            self.waiting_after = None
            if event.ok:
                self.interrupted = None
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

    def _confirm_from_thread(self, request: Confirmation) -> bool:
        """The pipeline's confirmation hook: ask in a modal, wait for the answer."""
        from shipline.tui.screens.confirm import ConfirmScreen

        answer: concurrent.futures.Future[bool] = concurrent.futures.Future()

        def ask() -> None:
            self.push_screen(
                ConfirmScreen("Irreversible", request.question, yes=request.yes),
                callback=lambda yes: answer.set_result(bool(yes)),
            )

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
        from shipline.domain.api import EXTERNAL_STEPS

        if any(self.state.step_status(s) not in ("pending", "skipped") for s in EXTERNAL_STEPS):
            self.notify(
                "publishing has started: the release can no longer be cancelled", severity="warning"
            )
            return
        from shipline.tui.screens.confirm import ConfirmScreen

        version = self.planned.plan.tag if self.planned else "the release"
        question = (
            f"Cancel {version}? The bumped files, the changelog, the release commit "
            "and the tag are undone; nothing has left this machine."
        )

        def answer(yes: bool | None) -> None:
            if yes:
                self.cancel_event.set()

        self.push_screen(
            ConfirmScreen("Cancel the release", question, yes="Cancel run", no="Keep going"),
            callback=answer,
        )


def _failed_step(state: RunState) -> str | None:
    failed = [name for name, step in state.steps.items() if step.status == "failed"]
    return failed[-1] if failed else None
