"""Review: the evidence a second person needs to sign off a release: commit
range, artifacts and digests, SBOM, attestation, signature, level, and the
reviews recorded so far."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from domain.api import ErrorEvent, ShiplineError, load_ledger

from .base import StepScreen


def evidence(records: list[dict[str, Any]], version: str) -> Text:
    """The evidence for ``version`` from the ledger records, as text."""
    releases = [r for r in records if r.get("recordType") == "release"]
    index = next((i for i, r in enumerate(releases) if r["version"] == version), None)
    text = Text()
    if index is None:
        text.append(f"{version} is not recorded in the ledger.", style="yellow")
        return text
    r = releases[index]
    previous = releases[index - 1] if index else None
    text.append("Release    ", style="dim")
    text.append(f"{r['version']}  tag {r.get('gitTag') or '—'}\n", style="bold")
    head = r.get("gitTag") or r["commitSha"][:10]
    text.append("Commits    ", style="dim")
    if previous is not None:
        since = previous.get("gitTag") or previous["commitSha"][:10]
        text.append(f"{since}..{head}  (commit {r['commitSha'][:10]})\n")
    else:
        text.append(f"up to {head} (commit {r['commitSha'][:10]}); the first recorded "
                    "release\n")
    builder = (r.get("builder") or {}).get("id")
    text.append("Build      ", style="dim")
    invocation = r.get("buildInvocationId")
    text.append(f"{builder or 'no builder recorded (source-only)'}"
                f"{'  invocation ' + invocation if invocation else ''}\n")
    text.append("Artifacts  ", style="dim")
    artifacts = r.get("artifacts") or []
    text.append(f"{len(artifacts) or 'none'}\n")
    for a in artifacts:
        sig = a.get("signature") or {}
        who = sig.get("identity") or sig.get("keyId") or sig.get("fingerprint") or "—"
        text.append(f"  {a['name']}  ", style="bold")
        text.append(f"sha256 {a['sha256'][:16]}…  ")
        text.append(f"{sig.get('method', 'none')} {'signed' if sig.get('signed') else 'unsigned'}"
                    f" by {who}\n", style="green" if sig.get("signed") else "yellow")
        if a.get("attestation"):
            text.append(f"    attestation {a['attestation']}\n", style="dim")
    sbom = r.get("sbom")
    text.append("SBOM       ", style="dim")
    text.append(f"{sbom['format']} {sbom['specVersion']} {sbom['path']}\n" if sbom else "none\n")
    level = (r.get("slsaLevel") or "none").replace("SLSA_BUILD_LEVEL_", "L")
    meta = r.get("metadata") or {}
    text.append("SLSA       ", style="dim")
    text.append(f"{level}  chain verified: {'yes' if r.get('chainVerified') else 'no'}\n")
    if meta.get("shortfall"):
        text.append(f"  shortfall: {meta['shortfall']}\n", style="yellow")
    for item in meta.get("missing") or []:
        text.append(f"  missing: {item}\n", style="yellow")
    reviews = [x for x in records if x.get("recordType") == "review"
               and x.get("version") == r["version"]]
    approvals = {x["reviewer"] for x in reviews if x.get("approved")}
    text.append("Reviews    ", style="dim")
    text.append(f"{len(approvals)} of 2 distinct approvals for L4\n",
                style="green" if len(approvals) >= 2 else "yellow")
    for x in reviews:
        text.append(f"  {'✔' if x.get('approved') else '✖'} {x['reviewer']} "
                    f"({x.get('recordedAt', '')[:19]})\n")
    text.append("\nSign-off: `shipline review ", style="dim")
    text.append(f"{r['version']} --approve --sign gpg`", style="dim")
    text.append(" records a signed review statement in the ledger.", style="dim")
    return text


class ReviewScreen(StepScreen):
    STEP = "review"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "goto('history')", "History"),
        Binding("n", "app.next", "Next", show=False),
        Binding("b", "app.back", "Back", show=False),
    ]
    DEFAULT_CSS = """
    ReviewScreen #review-box { height: 1fr; margin: 0 1; border: round $accent; }
    ReviewScreen #review-text { height: auto; padding: 0 1; }
    """

    error: ErrorEvent | None = None

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="review-box"):
            yield Static(id="review-text")

    def screen_error(self) -> ErrorEvent | None:
        return self.error

    def action_goto(self, name: str) -> None:
        self.shipline.goto(name)

    def sync(self) -> None:
        app = self.shipline
        box = self.query_one("#review-box")
        out = self.query_one("#review-text", Static)
        if app.loaded is None:
            out.update(Text("reading the repository…", style="dim"))
            return
        try:
            ledger = load_ledger(app.loaded.state_dir, verify_chain=False)
        except ShiplineError as exc:
            self.error = ErrorEvent(code=int(exc.code), message=exc.message, hint=exc.hint)
            self.query_one("ErrorPanel").show_error(self.error)  # type: ignore[attr-defined]
            out.update("")
            return
        releases = ledger.releases()
        version = app.review_version or (releases[-1]["version"] if releases else None)
        if version is None:
            box.border_title = "Review"
            out.update(Text("No release is recorded yet: there is nothing to review. Ship one, "
                            "then pick it in History (h) and press R.", style="dim"))
            return
        box.border_title = f"Review {version}"
        out.update(evidence(ledger.records, version))
