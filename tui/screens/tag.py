"""Tag: the release commit (message and files) and the tag (name, message,
signed or not) exactly as they will be made; ``t`` makes them."""

from __future__ import annotations

import shlex
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Checkbox, RadioButton, RadioSet, Static

from shipline.tui.screens.base import StepScreen


class TagScreen(StepScreen):
    STEP = "tag"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("t", "make_tag", "Commit & tag"),
        Binding("x", "app.cancel_release", "Cancel"),
    ]
    DEFAULT_CSS = """
    TagScreen #tag-scroll { height: 1fr; }
    TagScreen #tag-preview { height: auto; margin: 0 1; padding: 0 1; border: round $accent; }
    TagScreen #tag-sign { height: auto; margin: 0 1; width: 100%; }
    TagScreen #tag-sign RadioButton { width: auto; }
    TagScreen #tag-push { margin: 0 1; border: none; }
    TagScreen #tag-status { height: auto; padding: 0 1; }
    """

    def compose_body(self) -> ComposeResult:
        yield Static(id="tag-status")
        with VerticalScroll(id="tag-scroll"):
            yield Static(id="tag-preview")
            with RadioSet(id="tag-sign"):
                yield RadioButton("Annotated tag (not signed)", id="sign-no", value=True)
                yield RadioButton("Signed tag (gpg: GPG_KEY_ID or user.signingkey)", id="sign-yes")
            yield Checkbox(
                "Push the commit and tag when the release is done", value=True, id="tag-push"
            )

    def blocker(self) -> str | None:
        app = self.shipline
        if app.state.step_status("tag") == "ok":
            return None
        return "make the release commit and tag first (t)"

    def sync(self) -> None:
        app = self.shipline
        sign = (
            app.sign_tag
            if app.sign_tag is not None
            else bool(app.loaded and app.loaded.release.tag.sign)
        )
        button = self.query_one("#sign-yes" if sign else "#sign-no", RadioButton)
        if not button.value:
            with self.prevent(RadioSet.Changed):
                button.value = True
        tag_done = app.state.step_status("tag") in ("ok", "running")
        self.query_one("#tag-sign").disabled = tag_done
        push = self.query_one("#tag-push", Checkbox)
        push.label = (
            "Push the commit and tags when the release is done"
            if app.train is not None
            else "Push the commit and tag when the release is done"
        )
        with self.prevent(Checkbox.Changed):
            push.value = not (app.options and app.options.no_push)
        push.disabled = app.locked
        self.query_one("#tag-preview", Static).update(self._preview(sign))
        self.query_one("#tag-preview").border_title = "What `t` does"
        self.query_one("#tag-status", Static).update(self._status())

    def _status(self) -> Text:
        app = self.shipline
        commit, tag = app.state.steps.get("commit"), app.state.steps.get("tag")
        if tag is not None and tag.status == "ok":
            return Text(
                f"✔ {commit.detail if commit else ''}\n✔ {tag.detail}. Next: publish and push (n).",
                style="green",
            )
        if app.waiting_after == "gates":
            return Text(
                "Gates passed. Press t to make the release commit and tag (local; "
                "cancel undoes them).",
                style="bold",
            )
        return Text(
            "Run the gates first (Gates screen); then t makes the commit and tag.", style="dim"
        )

    def _preview(self, sign: bool) -> Text:
        app = self.shipline
        if app.train is not None:
            return self._train_preview(sign)
        text = Text()
        if app.planned is None or not app.planned.plan.releasable:
            text.append("nothing to tag yet", style="dim")
            return text
        plan = app.planned.plan
        text.append("Release commit  ", style="dim")
        text.append(f"{plan.commit_message}\n", style="bold")
        files = [f.path for f in plan.files]
        if plan.changelog_path and not (app.options and app.options.no_changelog):
            files.append(plan.changelog_path)
        text.append("  files         ", style="dim")
        text.append(", ".join(files) or "none (an empty commit)")
        text.append("\nTag             ", style="dim")
        text.append(f"{plan.tag}", style="bold")
        text.append(f"  {'signed (gpg)' if sign else 'annotated'}\n")
        for line in (plan.tag_message or "").splitlines():
            text.append(f"  │ {line}\n", style="dim")
        from shipline.domain.api import tag_command

        text.append("Git commands\n", style="dim")
        for argv in plan.git_commands:
            if argv and argv[0] == "push":
                continue
            if argv[:1] == ["tag"]:
                shown = tag_command(plan.tag or "", "", sign=sign)[:-1]  # the message is above
                text.append(f"  $ {shlex.join(['git', *shown])} <the message above>\n")
            elif argv[:1] == ["commit"]:
                text.append(
                    f"  $ git commit -m <the release commit message> -- "
                    f"{' '.join(argv[argv.index('--') + 1 :]) if '--' in argv else ''}\n"
                )
            else:
                text.append(f"  $ {shlex.join(['git', *argv])}\n")
        text.rstrip()
        return text

    def _train_preview(self, sign: bool) -> Text:
        """A train: one release commit listing the packages, a tag per package on it."""
        from shipline.domain.api import planned_commit_message, visible

        app = self.shipline
        text = Text()
        if app.train is None or not app.releasing:
            text.append("nothing to tag yet", style="dim")
            return text
        message = visible(planned_commit_message(app.train)).rstrip("\n").split("\n")
        text.append("Release commit  ", style="dim")
        text.append(f"{message[0]}\n", style="bold")
        for line in message[1:]:
            if line:
                text.append(f"  │ {line}\n", style="dim")
        text.append("  files         ", style="dim")
        text.append("each package's manifest, its dependents' requirements")
        if not (app.options and app.options.no_changelog):
            text.append(" and its changelog")
        text.append(f"\nTags ({'signed (gpg)' if sign else 'annotated'}, one per package)\n", "dim")
        for p in app.releasing:
            text.append(f"  {visible(p.tag or '', single_line=True)}\n", style="bold")
        text.rstrip()
        return text

    @on(RadioSet.Changed, "#tag-sign")
    def _sign_changed(self, event: RadioSet.Changed) -> None:
        self.shipline.sign_tag = event.pressed.id == "sign-yes"
        self.sync()

    @on(Checkbox.Changed, "#tag-push")
    def _push_changed(self, event: Checkbox.Changed) -> None:
        self.shipline.replan(no_push=not event.value)

    def action_make_tag(self) -> None:
        app = self.shipline
        if not app.proceed_after("gates"):
            app.notify(
                "the gates have not passed yet: run them on the Gates screen", severity="warning"
            )
