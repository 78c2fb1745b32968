"""Plan: the last release, the commits since grouped by type, and the bump
the commits ask for, with the reasons."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import LoadingIndicator, Static, Tree

from shipline.tui.screens.base import StepScreen
from shipline.tui.widgets.packages_table import PackagesTable


class PlanScreen(StepScreen):
    STEP = "plan"
    PLAN_ONLY = True
    DEFAULT_CSS = """
    PlanScreen #plan-facts { height: auto; padding: 0 1; }
    PlanScreen #plan-bump { height: auto; margin: 0 1; padding: 0 1; border: round $accent; }
    PlanScreen #plan-blocker { display: none; }
    PlanScreen #plan-blocker.-visible { display: block; }
    PlanScreen #plan-interrupted { display: none; }
    PlanScreen #plan-interrupted.-visible { display: block; }
    PlanScreen #commits { height: 1fr; margin: 0 1; }
    PlanScreen LoadingIndicator { height: 3; }
    PlanScreen #packages { height: 1fr; margin: 0 1; display: none; }
    PlanScreen #package-why { height: auto; margin: 0 1; padding: 0 1; display: none;
                             border: round $accent; }
    """

    def compose_body(self) -> ComposeResult:
        with Vertical(id="plan-body"):
            yield LoadingIndicator(id="plan-loading")
            yield Static(id="plan-facts")
            yield Static(id="plan-bump")
            yield Static(id="plan-blocker", classes="warning-box")
            yield Static(id="plan-interrupted", classes="warning-box")
            tree: Tree[str] = Tree("Commits since the last release", id="commits")
            tree.show_root = False
            yield tree
            yield PackagesTable(id="packages")
            yield Static(id="package-why")

    def blocker(self) -> str | None:
        app = self.shipline
        if app.interrupted and not app.running:
            return "resume or abort the interrupted release first (ctrl+p)"
        if app.train is not None:
            if app.plan_error is not None:
                return "fix the plan first (see the error above)"
            if app.planning:
                return "still planning"
            if not app.releasing:
                return "no package is released: include one with space"
            return None
        if app.planned is None:
            return "the plan is not ready yet"
        if not app.planned.plan.releasable and not app.planned.plan.needs_bump:
            return app.planned.plan.blocker or "nothing to release"
        return None  # a plan that needs a bump goes on to the version screen's choice

    def sync(self) -> None:
        app = self.shipline
        if app.train is not None:
            self._sync_train(app.train)
            return
        planned = app.planned
        self.query_one("#plan-loading").display = planned is None and app.plan_error is None
        self.query_one("#commits").display = planned is not None
        if planned is None:
            self.query_one("#plan-facts", Static).update(
                "Fix the problem above, then reopen shipline."
                if app.plan_error
                else "Reading the repository…"
            )
            self.query_one("#plan-bump").display = False
            return
        plan = planned.plan
        facts = Text()
        facts.append("Last release  ", style="dim")
        facts.append(plan.last_tag or "none yet (first release)", style="bold")
        facts.append("   Branch  ", style="dim")
        facts.append(f"{plan.branch or 'detached'} @ {(plan.head or '')[:7]}")
        facts.append("   Commits  ", style="dim")
        facts.append(str(len(plan.commits)))
        self.query_one("#plan-facts", Static).update(facts)

        bump = self.query_one("#plan-bump", Static)
        bump.display = True
        text = Text()
        if plan.version:
            text.append("Next  ", style="dim")
            text.append(f"{plan.last_version or '—'} → {plan.version}", style="bold")
            text.append(f"  ({plan.bump or 'explicit'}, tag {plan.tag})")
        else:
            text.append("No release yet", style="bold")
        for reason in plan.reasons:
            text.append("\n• because ", style="dim")
            text.append(reason)
        for warning in plan.warnings:  # the manifest against the tags, tags off the branch
            text.append("\n⚠ ", style="bold yellow")
            text.append(warning)
        bump.update(text)
        bump.border_title = "Inferred bump"

        blocker = self.query_one("#plan-blocker", Static)
        blocker.set_class(not plan.releasable, "-visible")
        blocker.update(f"⚠ {plan.blocker}" if plan.blocker else "")

        interrupted = self.query_one("#plan-interrupted", Static)
        interrupted.set_class(bool(app.interrupted) and not app.running, "-visible")
        interrupted.update(
            f"⚠ An interrupted release: {app.interrupted}.\n  Resume it or "
            "abort it from the command palette (ctrl+p) before a new one."
            if app.interrupted
            else ""
        )
        self._fill_tree(planned)

    def _fill_tree(self, planned: object) -> None:
        from shipline.domain.api import BREAKING_TITLE, group_commits, shown

        tree = self.query_one("#commits", Tree)
        tree.clear()
        groups = group_commits(planned.commits)  # type: ignore[attr-defined]
        for title, commits in groups.items():
            label = Text(
                f"{title} ({len(commits)})", style="bold red" if title == BREAKING_TITLE else "bold"
            )
            node = tree.root.add(label, expand=True)
            for c in commits:
                line = Text(no_wrap=True, overflow="ellipsis")
                line.append(f"{c.short} ", style="dim")
                if c.scope:
                    line.append(f"{c.scope}: ", style="cyan")
                line.append(shown(c.description or c.subject, single_line=True))
                if c.breaking and not c.breaking_notes:
                    line.append("  no migration note", style="yellow")
                node.add_leaf(line)
        if not groups:
            tree.root.add_leaf(Text("no commits since the last release", style="dim"))

    # --- a workspace: the packages table ------------------------------------------

    def _sync_train(self, train: object) -> None:
        from shipline.domain.api import visible

        self.query_one("#plan-loading").display = False
        self.query_one("#commits").display = False
        self.query_one("#plan-bump").display = False
        packages = train.packages  # type: ignore[attr-defined]
        releasing = [p for p in packages if p.selected]
        facts = Text()
        facts.append("Workspace  ", style="dim")
        facts.append(f"{train.workspace.kind}", style="bold")  # type: ignore[attr-defined]
        facts.append("   Packages  ", style="dim")
        facts.append(str(len(packages)))
        facts.append("   Releasing  ", style="dim")
        facts.append(
            ", ".join(visible(p.tag or "", single_line=True) for p in releasing) or "none",
            style="bold",
        )
        self.query_one("#plan-facts", Static).update(facts)
        table = self.query_one("#packages", PackagesTable)
        table.display = True
        table.show(train)
        self._show_why(train)
        blocker = self.query_one("#plan-blocker", Static)
        blocker.set_class(False, "-visible")

    def on_data_table_row_highlighted(self, event: PackagesTable.RowHighlighted) -> None:
        if self.shipline.train is not None:
            self._show_why(self.shipline.train)

    def _show_why(self, train: object) -> None:
        from shipline.domain.api import visible

        table = self.query_one("#packages", PackagesTable)
        why = self.query_one("#package-why", Static)
        packages = train.packages  # type: ignore[attr-defined]
        if not packages or table.cursor_row >= len(packages):
            why.display = False
            return
        p = packages[max(table.cursor_row, 0)]
        text = Text()
        for reason in p.reasons:
            text.append("• ", style="dim")
            text.append(visible(reason, single_line=True) + "\n")
        text.rstrip()
        why.update(text)
        why.border_title = visible(p.name, single_line=True)
        why.display = True
