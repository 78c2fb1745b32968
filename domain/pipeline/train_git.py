"""A release train's steps that name it outside the working tree: its
commit message (the packages it releases), a tag per package on the
release commit, the atomic push of the branch and every tag (intent
journaled first), and one ledger record per package."""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from shipline.domain.errors import (
    HandoffRequired,
    SigningKeyMissing,
    TagExists,
    TagFailed,
)
from shipline.domain.events import ChainLink, GitCommand, LogLine
from shipline.domain.gitops import GitError
from shipline.domain.pipeline.effects import Effect, EffectLog, Liveness, Observation
from shipline.domain.pipeline.git_steps import push_release
from shipline.domain.pipeline.order import signs_tag
from shipline.domain.pipeline.train_state import TrainState
from shipline.domain.provenance import ledger
from shipline.domain.release.git_commands import push_command, tag_command

if TYPE_CHECKING:
    pass


def train_subject(members: Sequence[Mapping[str, Any]]) -> str:
    """``chore(release): @acme/cli@3.0.2, @acme/core@1.3.0`` (or a count)."""
    names = [f"{m['name']}@{m['version']}" for m in members]
    listed = ", ".join(names)
    return (
        f"chore(release): {listed}"
        if len(names) <= 3 and len(listed) <= 72
        else f"chore(release): publish {len(names)} packages"
    )


def commit_message(members: Sequence[Mapping[str, Any]]) -> str:
    return (
        train_subject(members)
        + "\n\n"
        + "\n".join(f"- {m['name']}@{m['version']}" for m in members)
        + "\n"
    )


class TrainGit(TrainState):
    """tag → push → record; :class:`Train` runs them."""

    _record_package: Callable[[int], str]
    """One package's ledger record (:class:`TrainArtifacts`)."""
    _handed_off: Callable[[], list[str]]
    _handoff: Callable[[list[str]], HandoffRequired]

    def _step_tag(self) -> Generator[Any, None, Any]:
        j = self.run
        assert j.release_commit
        if self.sign_tag is not None:
            j.options["sign_tag"] = self.sign_tag  # kept with the run: resume signs alike
        key = None
        if signs_tag(self.loaded, j.options.get("sign_tag")):
            key = os.environ.get("GPG_KEY_ID") or self.git.config_get("user.signingkey")
            if not key:
                raise SigningKeyMissing(
                    "the tags are to be signed but no signing key is known",
                    hint="set GPG_KEY_ID or git's user.signingkey",
                )
        for m in self.members:
            tag = m["tag"]
            if self.git.tag_exists(tag):
                if self.git.out("rev-parse", f"{tag}^{{commit}}") == j.release_commit:
                    yield self._commit_link(m)
                    continue
                raise TagExists(
                    f"tag {tag} already exists elsewhere",
                    hint="`shipline release abort`, then choose another version",
                )
            argv = [
                *tag_command(tag, m["tagMessage"], sign=key is not None, key=key),
                j.release_commit,
            ]
            yield GitCommand(argv=argv)
            try:
                self.git.run(argv)
            except GitError as exc:
                raise TagFailed(
                    f"creating tag {tag} failed: {exc.message}",
                    hint="fix the problem, then `shipline release resume`",
                ) from None
            yield self._commit_link(m)
        return "ok", f"{len(self.members)} tags on {j.release_commit[:7]}"

    def _commit_link(self, member: dict[str, Any]) -> ChainLink:
        """The first link of a package's chain: the release commit and its tag."""
        commit = self.run.release_commit or ""
        return ChainLink(
            link="commit",
            status="ok",
            name=commit[:12],
            detail={"tag": member["tag"]},
            package=member["name"],
        )

    def _step_push(self) -> Generator[Any, None, Any]:
        j = self.run
        push = self.loaded.release.push
        if j.options.get("no_push") or not push.enabled:
            return "skipped", "--no-push" if j.options.get("no_push") else "push disabled"
        tags = [m["tag"] for m in self.members]
        effect = Effect(
            "push",
            "",
            {
                "where": push.remote,
                "remote": push.remote,
                "tag": tags[0],
                "branch": j.branch,
                "commit": j.release_commit,
            },
        )
        effects = EffectLog(j, self._save)
        if self._live_tags() == tags:
            effects.done(effect)
            return "ok", f"already on {push.remote}"
        argv = push_command(push.remote, j.branch, *tags)
        yield from push_release(
            self.git,
            effects,
            effect,
            argv,
            self.confirm,
            what=f"{j.branch} and {len(tags)} tags",
            undone="the commit and tags",
        )
        return "ok", f"pushed {j.branch} and {len(tags)} tags to {push.remote}"

    def _live_tags(self) -> list[str]:
        """The train's tags the remote already has (a push that went out)."""
        j = self.run
        if not j.may_be_live:
            return []
        remote = self.loaded.release.push.remote
        tags = [m["tag"] for m in self.members]
        refs = self.git.ls_remote(remote, *[f"refs/tags/{t}" for t in tags])
        if refs is None:
            return tags  # cannot tell: treated as live, never as undone
        return [t for t in tags if f"refs/tags/{t}" in refs]

    def _probe_push(self, effect: Effect) -> Observation:
        """Whether any of the train's tags is on the remote (the push went out)."""
        remote = self.loaded.release.push.remote
        tags = [m["tag"] for m in self.members]
        refs = self.git.ls_remote(remote, *[f"refs/tags/{t}" for t in tags])
        if refs is None:
            return Observation(effect, Liveness.UNKNOWN, f"remote {remote} is unreachable")
        live = [t for t in tags if f"refs/tags/{t}" in refs]
        if live:
            return Observation(effect, Liveness.LIVE, f"{', '.join(live)} on {remote}")
        return Observation(effect, Liveness.ABSENT, f"no tag of the train is on {remote}")

    # --- record --------------------------------------------------------------

    def _step_record(self) -> Generator[Any, None, Any]:
        """One ledger record per package, in the train's order; a package
        recorded before a crash is not recorded twice."""
        j = self.run
        assert j.release_commit
        book = ledger.load(self.state_dir)
        done = []
        handed = self._handed_off()  # their artifacts are CI's: CI attests and records them
        for index, m in enumerate(self.members):
            if m["name"] in handed:
                continue
            early = "sealed" in m.get("unit", {})  # sealed incomplete when a rollback failed
            if not early and book.find_release(m["version"], m["name"]) is not None:
                continue  # recorded before a crash
            yield LogLine(step="record", text=self._record_package(index))
            done.append(m["tag"])
        if handed:
            raise self._handoff(handed)
        return "ok", f"{len(done)} record(s) in {ledger.LEDGER_FILE}"
