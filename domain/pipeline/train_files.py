"""A release train's files: each package's manifest version, its
dependents' requirements by the workspace's policy, each package's
changelog in its own format and the optional root changelog of the train.
Every file's bytes before the train are kept in the journal first, so abort
puts them back."""

from __future__ import annotations

from collections.abc import Generator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from shipline.domain.config import VersionFile
from shipline.domain.errors import ChangelogFailed
from shipline.domain.events import FileChange, LogLine
from shipline.domain.jsonio import write_atomic
from shipline.domain.pipeline.run_state import file_mode
from shipline.domain.pipeline.train_state import TrainState
from shipline.domain.release import version_files as bumpfiles
from shipline.domain.release.plan import release_date
from shipline.domain.workspace.changelogs import propose_entry
from shipline.domain.workspace.manifests import rewrite_requirement
from shipline.domain.workspace.member_locks import (
    MemberBump,
    PinChange,
    lock_of,
    needs_yarn_install,
    rewrite_lock,
)
from shipline.domain.workspace.plan import PackagePlan, WorkspacePlan
from shipline.domain.workspace.requirements import new_requirement

if TYPE_CHECKING:
    pass


def train_entry(data: bytes | None, date: str, members: Sequence[Mapping[str, Any]]) -> bytes:
    """The root changelog (``rootChangelog``) with the train's entry on top:
    the date, then each package's release and where its own entry is."""
    entry = f"## {date}\n\n" + "".join(
        f"- {m['name']} {m['version']} ([changelog]({m['changelog']}))\n" for m in members
    )
    text = data.decode("utf-8") if data else "# Changelog\n"
    lines = text.splitlines(keepends=True)
    at = next((i for i, line in enumerate(lines) if line.startswith("## ")), None)
    if at is None:
        body = text if text.endswith("\n") else text + "\n"
        return (body + "\n" + entry).encode("utf-8")
    return ("".join(lines[:at]) + entry + "\n" + "".join(lines[at:])).encode("utf-8")


class TrainFiles(TrainState):
    """The train's file steps (version, changelog); :class:`Train` runs them."""

    def _replan(self) -> WorkspacePlan:
        raise NotImplementedError

    def _restore_files(self) -> None:
        raise NotImplementedError

    def _write(self, rel: str, data: bytes) -> None:
        path = self.git.root / rel
        self.run.remember_original(rel, path.read_bytes() if path.exists() else None)
        self._save()
        write_atomic(path, data, mode=file_mode(path))

    def _step_version(self) -> Generator[Any, None, Any]:
        self._restore_files()
        plan = self._replan()
        policy = plan.dependents
        released = {m["name"]: m for m in self.members}
        count = 0
        was: dict[str, str] = {}  # manifest → the version it had
        for m in self.members:
            if m["manifest"] in was:
                continue  # a fixed group's shared manifest: bumped once
            for bump in bumpfiles.plan_bumps(
                self.git.root, [VersionFile(path=m["manifest"])], m["version"], expand=False
            ):
                if bump.path == m["manifest"]:
                    was[m["manifest"]] = bump.old_version
                self._write(bump.path, bump.new_text.encode("utf-8"))
                for change in bump.changes:
                    yield FileChange(
                        path=bump.path, line=change.line, before=change.before, after=change.after
                    )
                count += 1
        pins: list[tuple[str, PinChange]] = []  # (ecosystem, change)
        for p in plan.packages:
            for req in p.package.requires:
                target = released.get(req.name) or next(
                    (m for n, m in released.items() if _same_python(p, n, req.name)), None
                )
                if target is None:
                    continue
                rule = "always" if p.group and p.group == target.get("group") else policy
                new = new_requirement(p.package.ecosystem, req.spec, target["version"], rule)
                if new is None:
                    continue
                found = rewrite_requirement(
                    self.git.root, p.package.manifest, p.package.ecosystem, req.name, req.spec, new
                )
                if found is None:
                    continue
                rel, _, data = found
                self._write(rel, data)
                yield FileChange(
                    path=rel, line=0, before=f"{req.name} {req.spec}", after=f"{req.name} {new}"
                )
                pin = PinChange(p.package.path, req.name, req.spec, new)
                pins.append((p.package.ecosystem, pin))
        count += yield from self._bump_member_locks(was, pins)
        names = ", ".join(f"{m['name']} {m['version']}" for m in self.members)
        return "ok", f"{names} ({count} file(s))"

    def _bump_member_locks(
        self, was: Mapping[str, str], pins: Sequence[tuple[str, PinChange]]
    ) -> Generator[Any, None, int]:
        """The workspace lock files' entries of the released members, and the
        locks' copies of the requirements just rewritten
        (:mod:`shipline.domain.workspace.member_locks`)."""
        root = self.git.root
        by_lock: dict[tuple[str, str], tuple[list[MemberBump], list[PinChange]]] = {}
        for m in self.members:
            old = was.get(m["manifest"])
            lock = lock_of(root, m["path"], m["ecosystem"])
            if old and lock and old != m["version"]:
                bump = MemberBump(m["name"], m["path"], m["ecosystem"], old, m["version"])
                by_lock.setdefault((lock, m["ecosystem"]), ([], []))[0].append(bump)
        for ecosystem, pin in pins:
            lock = lock_of(root, pin.dependent_path, ecosystem)
            if lock and ecosystem == "npm":  # uv.lock names a member by source
                by_lock.setdefault((lock, ecosystem), ([], []))[1].append(pin)
        count = 0
        for (rel, ecosystem), (bumps, changed_pins) in sorted(by_lock.items()):
            advice = needs_yarn_install(rel, changed_pins)
            if advice:
                yield LogLine(step="version", text=f"warning: {advice}")
            text = (root / rel).read_bytes().decode("utf-8")
            new_text = rewrite_lock(rel, text, ecosystem, bumps, changed_pins)
            if new_text == text:
                continue
            self._write(rel, new_text.encode("utf-8"))
            for change in bumpfiles.line_changes(text, new_text):
                yield FileChange(
                    path=rel, line=change.line, before=change.before, after=change.after
                )
            count += 1
        return count

    def _step_changelog(self) -> Generator[Any, None, Any]:
        if self.run.options.get("no_changelog") or not self.loaded.release.changelog.enabled:
            return "skipped", "--no-changelog" if self.run.options.get(
                "no_changelog"
            ) else "disabled"
        plan = self._replan()
        by_name = {p.name: p for p in plan.packages}
        written = []
        for m in self.members:
            rel = m["changelog"]
            proposal = propose_entry(
                self.git,
                self.loaded,
                by_name[m["name"]],
                version=m["version"],
                explicit=m.get("entry"),  # the operator's edit (the TUI), else generated
            )
            if proposal.todo:
                raise ChangelogFailed(
                    f"{rel}: {proposal.todo}",
                    hint="write the entry by hand, then resume, or pass --no-changelog",
                )
            try:
                self._write(rel, proposal.data)
            except OSError as exc:
                raise ChangelogFailed(
                    f"{rel}: cannot write: {exc.strerror}", hint="check the file's permissions"
                ) from None
            yield LogLine(step="changelog", text=f"{rel}:\n{proposal.entry}")
            written.append(rel)
        settings = self.loaded.release.workspace
        if settings is not None and settings.root_changelog:
            rel = settings.root_changelog
            path = self.git.root / rel
            old = path.read_bytes() if path.exists() else None
            self._write(rel, train_entry(old, release_date(), self.members))
            written.append(rel)
        return "ok", ", ".join(written)


def _same_python(plan: PackagePlan, released: str, required: str) -> bool:
    from shipline.domain.python_names import normalize_python_name

    return plan.package.ecosystem == "python" and normalize_python_name(
        released
    ) == normalize_python_name(required)
