"""Review: what a second person needs to sign off a release (SPEC 8): commit
range, build config changes, artifacts and digests, SBOM, attestation and
signature, the provenance checks, the L4 checks and the reviews so far.
``r`` rebuilds from the tag and compares digests; ``a`` / ``d`` sign an
approval or a rejection (asked first: it is appended to the ledger)."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from shipline.tui.screens.base import StepScreen
from shipline.tui.widgets.glyphs import glyph, style

STATUS = {"pass": "ok", "fail": "failed", "not-run": "skipped"}
SHOWN_ITEMS = 8
"""A check's items listed on the screen; the CLI lists them all."""


def evidence_text(ev: dict[str, Any]) -> Text:
    """``Evidence.to_json()`` as the reviewer reads it."""
    from shipline.domain.api import shown

    text = Text(no_wrap=True, overflow="ellipsis")

    def row(label: str, value: str, value_style: str = "") -> None:
        text.append(f"{label:<12}", style="dim")
        text.append(f"{value}\n", style=value_style)

    row(
        "Release",
        f"{ev.get('label') or ev['version']}  tag {ev.get('tag') or '—'}  "
        f"commit {ev['commit'][:10]}",
        "bold",
    )
    since = ev.get("previousTag") or "the start of history"
    row("Commits", f"{len(ev['commits'])} since {since}")
    for c in ev["commits"][:8]:
        subject = shown(c.get("subject", ""), single_line=True)
        text.append(f"  {c.get('sha', '')[:7]} {subject}\n", style="dim")
    if len(ev["commits"]) > 8:
        text.append(f"  … {len(ev['commits']) - 8} more\n", style="dim")
    log = ev.get("changelog") if ev.get("package") else None
    if log is not None:  # a package of a release train: its own entry
        entry = (log.get("entry") or "").splitlines()
        row("Changelog", f"{log['path']}" + ("" if entry else "  (no entry for this version)"))
        for line in entry[:6]:
            text.append(f"  {shown(line, single_line=True)}\n", style="dim")
        if len(entry) > 6:
            text.append(f"  … {len(entry) - 6} more line(s)\n", style="dim")
    changes = ev.get("configChanges") or []
    row(
        "Config",
        f"{len(changes)} build config file(s) changed"
        if changes
        else "no build config changed since the previous release",
    )
    for change in changes:
        text.append(f"  {change.get('status', '')} {change.get('path', '')}\n", style="yellow")
    row("Artifacts", str(len(ev["artifacts"])) if ev["artifacts"] else "none (source-only)")
    for a in ev["artifacts"]:
        text.append(f"  {a['name']}  ", style="bold")
        text.append(f"sha256 {a['sha256'][:16]}…\n")
    att = ev.get("attestation") or {}
    if att.get("path"):
        row(
            "Attestation",
            f"{att['path']}  {att.get('signature') or 'unsigned'} by {att.get('signedBy') or '—'}",
        )
    sbom = ev.get("sbom")
    row(
        "SBOM",
        "none"
        if not sbom
        else sbom.get("error")
        or f"{sbom.get('format', '')} {sbom.get('components', '')} components",
    )
    failed = [c for c in ev["verification"] if c["status"] == "failed"]
    row(
        "Verify",
        "chain verified"
        if ev["verifyOk"]
        else f"{len(failed)} failed: " + "; ".join(f"{c['link']} {c['detail']}" for c in failed),
        "green" if ev["verifyOk"] else "red",
    )
    level = (ev.get("level") or "none").replace("SLSA_BUILD_LEVEL_", "L")
    recorded = (ev.get("releaseLevel") or "none").replace("SLSA_BUILD_LEVEL_", "L")
    row("Level", f"{level} (release recorded {recorded})")
    text.append("L4 checks\n", style="dim")
    for check in ev["checks"]:
        status = STATUS.get(check["status"], check["status"])
        text.append(f"  {glyph(status)} ", style=style(status))
        text.append(f"{check['name']:<21}", style="bold")
        text.append(f"{check['detail']}\n", style="dim")
        items = check.get("items") or []
        for item in items[:SHOWN_ITEMS]:  # what the check found wanting, by name
            text.append(f"      - {item}\n", style="yellow")
        if len(items) > SHOWN_ITEMS:
            more = len(items) - SHOWN_ITEMS
            text.append(
                f"      … {more} more (`shipline review {ev.get('label') or ev['version']}`)\n",
                style="dim",
            )
    reviews = ev.get("reviews") or []
    row(
        "Reviews",
        f"{sum(r['approved'] and r['valid'] for r in reviews)} valid approval(s); "
        "L4 needs two distinct identities, one not the author",
    )
    for r in reviews:
        mark = "✔" if r["approved"] and r["valid"] else "✖"
        text.append(
            f"  {mark} {r['reviewer']} ({r['identity']})"
            f"{'' if r['valid'] else ': ' + r['problem']}\n",
            style="green" if r["valid"] and r["approved"] else "yellow",
        )
    missing = ev.get("l4Missing") or []
    if missing:
        text.append("Missing for L4\n", style="dim")
        for item in missing:
            text.append(f"  • {item}\n", style="yellow")
    else:
        text.append("✔ every L4 requirement holds\n", style="bold green")
    text.rstrip()
    return text


class ReviewScreen(StepScreen):
    STEP = "review"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "rebuild", "Rebuild & compare"),
        Binding("a", "verdict(True)", "Approve"),
        Binding("d", "verdict(False)", "Reject"),
        Binding("escape", "goto('history')", "History"),
        Binding("n", "app.next", "Next", show=False),
        Binding("b", "app.back", "Back", show=False),
    ]
    DEFAULT_CSS = """
    ReviewScreen #review-box { height: 1fr; margin: 0 1; border: round $accent; }
    ReviewScreen #review-text { height: auto; padding: 0 1; text-wrap: nowrap;
        text-overflow: ellipsis; }
    """

    error: Any = None
    evidence: dict[str, Any] | None = None
    shown: str | None = None
    """The version the evidence is for."""
    busy: str | None = None

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="review-box"):
            yield Static(id="review-text")

    def screen_error(self) -> Any:
        app = self.shipline
        # opened first (`shipline review VERSION`): a config that does not load is this
        # screen's error too; a plan that fails later (nothing to release) is not
        return self.error or (app.plan_error if app.loaded is None else None)

    def action_goto(self, name: str) -> None:
        self.shipline.goto(name)

    def target(self) -> str | None:
        """The release to review (``VERSION``, or ``NAME@VERSION`` for a package of a
        release train): the one picked in History, else the newest."""
        app = self.shipline
        if app.review_version:
            return app.review_version
        if app.loaded is None:
            return None
        from shipline.domain.api import ShiplineError, load_ledger, release_label

        try:
            releases = load_ledger(app.loaded.state_dir, verify_chain=False).releases()
        except ShiplineError:
            return None
        return release_label(releases[-1]) if releases else None

    def on_screen_resume(self) -> None:
        self._collect_if_new()
        super().on_screen_resume()

    def _collect_if_new(self) -> None:
        """Gather the evidence of a version not shown yet, once the repository is
        loaded (the app may open on this screen before its plan worker has run)."""
        if self.shipline.loaded is None or self.busy is not None:
            return
        version = self.target()
        if version is not None and version != self.shown:
            self._collect(version, rebuild=False)

    def sync(self) -> None:
        box = self.query_one("#review-box")
        out = self.query_one("#review-text", Static)
        self._collect_if_new()
        version = self.target()
        if self.shipline.loaded is None:
            box.border_title = f"Review {version or ''}".rstrip()
            out.update(
                Text("" if self.screen_error() else "loading the repository…", style="yellow")
            )
            return
        if self.busy:
            box.border_title = f"Review {self.shown or version or ''}"
            out.update(Text(f"{self.busy}…", style="yellow"))
            return
        if version is None:
            box.border_title = "Review"
            out.update(
                Text(
                    "No release is recorded yet: there is nothing to review. Ship one, "
                    "then pick it in History (h) and press R.",
                    style="dim",
                )
            )
            return
        box.border_title = f"Review {version}"
        if self.evidence is not None:
            out.update(evidence_text(self.evidence))

    def _collect(self, version: str, rebuild: bool) -> None:
        self.busy = (
            "rebuilding from the tag and comparing digests" if rebuild else "gathering the evidence"
        )
        self.shown = version
        self._evidence_worker(version, rebuild)

    @work(thread=True, exclusive=True, group="review", exit_on_error=False)
    def _evidence_worker(self, version: str, rebuild: bool) -> None:
        from shipline.domain.api import ErrorEvent, ShiplineError, collect_evidence

        app = self.shipline
        try:
            assert app.git is not None and app.loaded is not None
            evidence = collect_evidence(app.git, app.loaded, version, rebuild=rebuild)
        except ShiplineError as exc:
            error = ErrorEvent(
                code=int(exc.code),
                message=app.short_paths(exc.message) or "",
                hint=exc.hint,
                step="review",
            )
            self.app.call_from_thread(self._done, None, error)
            return
        self.app.call_from_thread(self._done, evidence.to_json(), None)

    def _done(self, evidence: dict[str, Any] | None, error: Any) -> None:
        self.busy = None
        self.evidence, self.error = evidence, error
        self.refresh_all()

    def action_rebuild(self) -> None:
        version = self.target()
        if version is None or self.busy:
            return
        self._collect(version, rebuild=True)
        self.refresh_all()

    def action_verdict(self, approve: bool) -> None:
        version = self.target()
        if version is None or self.busy:
            return
        from shipline.tui.screens.confirm import ConfirmScreen

        word = "an approval" if approve else "a rejection"
        how = (
            "your sigstore identity (keyless)"
            if self.shipline.review_sign == "sigstore"
            else "your gpg key (GPG_KEY_ID)"
        )
        question = (
            f"Sign {word} of {version} with {how} and append it "
            "to the ledger? The tag is rebuilt first. A recorded review is never "
            "edited or removed."
        )

        def answer(yes: bool | None) -> None:
            if yes:
                self.busy = "rebuilding, signing and recording the review"
                self.refresh_all()
                self._verdict_worker(version, approve)

        self.app.push_screen(
            ConfirmScreen("Sign a review", question, yes="Approve" if approve else "Reject"),
            callback=answer,
        )

    @work(thread=True, exclusive=True, group="review", exit_on_error=False)
    def _verdict_worker(self, version: str, approve: bool) -> None:
        from shipline.domain.api import ErrorEvent, ShiplineError, submit_review

        app = self.shipline
        try:
            assert app.git is not None and app.loaded is not None
            outcome = submit_review(
                app.git,
                app.loaded,
                version,
                approve=approve,
                method=app.review_sign,
                comment=app.review_comment,
            )
        except ShiplineError as exc:
            error = ErrorEvent(
                code=int(exc.code),
                message=app.short_paths(exc.message) or "",
                hint=exc.hint,
                step="review",
            )
            self.app.call_from_thread(self._done, self.evidence, error)
            return
        self.app.call_from_thread(self._done, outcome.evidence.to_json(), None)
