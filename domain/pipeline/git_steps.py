"""The git steps: the release commit, the tag (signed when configured) and
the push. Commit and tag stay local and undoable; the push is the point
where the release leaves this machine, so it asks first."""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator, Sequence
from typing import Any

from shipline.domain.errors import (
    Interrupted,
    ShiplineError,
    SigningKeyMissing,
    TagExists,
    TagFailed,
    UsageError,
)
from shipline.domain.events import Confirmation, GitCommand, LogLine
from shipline.domain.gitops import Git, GitError
from shipline.domain.pipeline.effects import Effect, EffectLog, Liveness, Observation
from shipline.domain.pipeline.journal import Journal
from shipline.domain.pipeline.order import signs_tag
from shipline.domain.pipeline.prechecks import tag_signing_key
from shipline.domain.pipeline.run_state import RunState, restore_originals
from shipline.domain.release.git_commands import commit_commands, push_command, tag_command


def push_release(
    git: Git,
    effects: EffectLog,
    effect: Effect,
    argv: list[str],
    confirm: Callable[[Confirmation], bool] | None,
    *,
    what: str,
    undone: str,
) -> Generator[Any, None, None]:
    """The push of a release or a train, once asked for (``what`` is pushed;
    abort undoes ``undone``): written ahead in the journal, so a crash
    during the push is never taken for a local-only release."""
    remote = str(effect.detail.get("remote", ""))
    question = f"Push {what} to {remote}? This cannot be undone."
    if confirm is not None and not confirm(
        Confirmation(step="push", yes="Push", question=question)
    ):
        raise Interrupted(
            "stopped before the push; nothing left this machine",
            hint=f"`shipline release resume` pushes, `shipline release abort` undoes {undone}",
        )
    effects.intend(effect)
    yield GitCommand(argv=argv)
    try:
        git.run(argv, timeout=300)
    except GitError as exc:
        raise TagFailed(
            f"push failed: {exc.message}",
            hint="fix access to the remote, then `shipline release resume`",
        ) from None
    effects.done(effect)


class GitSteps(RunState):
    """commit → tag → push."""

    def _step_commit(self) -> Generator[Any, None, Any]:
        j = self.run
        paths = list(j.bumped_files)
        if (
            j.changelog_entry is not None
            and "changelog" in j.completed
            and self._changelog_rel() not in paths
        ):
            paths.append(self._changelog_rel())
        return (yield from release_commit(self.git, j, paths))

    def _step_tag(self) -> Generator[Any, None, Any]:
        j = self.run
        assert j.release_commit
        if self.git.tag_exists(j.tag):
            target = self.git.out("rev-parse", f"{j.tag}^{{commit}}")
            if target == j.release_commit:
                return "ok", f"{j.tag} (already made)"
            raise TagExists(
                f"tag {j.tag} already exists and points at {target[:7]}",
                hint="`shipline release abort`, then choose another version",
            )
        if self.sign_tag is not None:
            j.options["sign_tag"] = self.sign_tag  # kept with the run: resume signs alike
        sign = signs_tag(self.loaded, j.options.get("sign_tag"))
        key = tag_signing_key(self.git) if sign else None
        argv = [*tag_command(j.tag, j.tag_message, sign=key is not None, key=key), j.release_commit]
        yield GitCommand(argv=argv)
        try:
            self.git.run(argv)
        except GitError as exc:
            code = SigningKeyMissing if "secret key" in exc.message else TagFailed
            detail = exc.message.rsplit(" failed: ", 1)[-1].strip().replace("\n", "; ")
            raise code(
                f"creating tag {j.tag} failed: {detail}",
                hint="fix the problem, then `shipline release resume`",
            ) from None
        kind = "signed" if key else "annotated"
        return "ok", f"{kind} tag {j.tag}"

    def _push_effect(self) -> Effect:
        j = self.run
        remote = self.loaded.release.push.remote
        return Effect(
            "push",
            "",
            {
                "where": remote,
                "remote": remote,
                "tag": j.tag,
                "branch": j.branch,
                "commit": j.release_commit,
            },
        )

    def _step_push(self) -> Generator[Any, None, Any]:
        j = self.run
        options = j.options
        push = self.loaded.release.push
        if options.get("no_push") or not push.enabled:
            return "skipped", "--no-push" if options.get("no_push") else "push disabled"
        argv = push_command(push.remote, j.branch, j.tag)
        effect = self._push_effect()
        effects = EffectLog(j, self._save)
        refs = self.git.ls_remote(push.remote, f"refs/tags/{j.tag}")
        if refs and refs.get(f"refs/tags/{j.tag}") == self.git.out("rev-parse", j.tag):
            effects.done(effect)  # pushed before a crash: adopt it
            return "ok", f"{j.tag} already on {push.remote}"
        yield from push_release(
            self.git,
            effects,
            effect,
            argv,
            self.confirm,
            what=f"{j.branch} and tag {j.tag}",
            undone="the commit and tag",
        )
        return "ok", f"pushed {j.branch} and {j.tag} to {push.remote}"

    def _probe_push(self, effect: Effect) -> Observation:
        """Whether the remote has the release's tag, or its branch at (or
        past) the release commit: either means the push went out."""
        remote = str(effect.detail.get("remote") or self.loaded.release.push.remote)
        tag = str(effect.detail.get("tag") or self.run.tag)
        branch = str(effect.detail.get("branch") or self.run.branch)
        commit = str(effect.detail.get("commit") or self.run.release_commit or "")
        refs = self.git.ls_remote(remote, f"refs/tags/{tag}", f"refs/heads/{branch}")
        if refs is None:
            return Observation(effect, Liveness.UNKNOWN, f"remote {remote} is unreachable")
        if f"refs/tags/{tag}" in refs:
            return Observation(effect, Liveness.LIVE, f"tag {tag} is on {remote}")
        tip = refs.get(f"refs/heads/{branch}")
        if (
            commit
            and tip
            and (tip == commit or (self.git.has_object(tip) and self.git.is_ancestor(commit, tip)))
        ):
            return Observation(
                effect, Liveness.LIVE, f"{branch} on {remote} has the release commit {commit[:7]}"
            )
        return Observation(
            effect, Liveness.ABSENT, f"{remote} has neither {tag} nor the release commit"
        )


def release_commit(git: Git, j: Journal, paths: list[str]) -> Generator[Any, None, Any]:
    """The release commit of exactly ``paths``; one made before a crash (its
    parent the base head, its subject the message's) is adopted."""
    head = git.head()
    subject = j.commit_message.splitlines()[0]
    if (
        head
        and head != j.base_head
        and git.out("show", "-s", "--format=%P", head).split() == [j.base_head]
        and git.out("show", "-s", "--format=%s", head) == subject
    ):
        j.release_commit = head  # made before a crash: adopt it
        return "ok", f"{head[:7]} (already made)"
    if head != j.base_head:
        raise TagFailed(
            f"HEAD moved since the release began ({(j.base_head or '')[:7]} → {(head or '')[:7]})",
            hint="`shipline release abort` and start again",
        )
    for argv in commit_commands(paths, j.commit_message):
        yield GitCommand(argv=argv)
        try:
            git.run(argv)
        except GitError as exc:
            raise TagFailed(
                f"release commit failed: {exc.message}",
                hint="fix the git problem, then `shipline release resume`",
            ) from None
    j.release_commit = git.head()
    return "ok", f"{(j.release_commit or '')[:7]} {j.commit_message}"


def undo_local(
    git: Git,
    j: Journal,
    tags: Sequence[str],
    before_files: Callable[[], Iterator[Any]] | None = None,
) -> Iterator[Any]:
    """Delete the release's tags that point at its commit, move HEAD back to
    where the release began (``reset --keep``), run ``before_files`` (the
    artifacts' own undo), and put every file back, unstaged: what a release
    did locally, undone."""
    for tag in tags:
        if (
            j.release_commit
            and git.tag_exists(tag)
            and git.out("rev-parse", f"{tag}^{{commit}}") == j.release_commit
        ):
            git.run(["tag", "-d", tag])
            yield GitCommand(argv=["tag", "-d", tag])
    head = git.head()
    if j.release_commit and head == j.release_commit and j.base_head:
        argv = ["reset", "-q", "--keep", j.base_head]
        git.run(argv)
        yield GitCommand(argv=argv)
    elif j.release_commit and head != j.base_head:
        raise ShiplineError(
            f"HEAD ({(head or '')[:7]}) is no longer the release commit {j.release_commit[:7]}",
            hint="undo by hand: nothing was changed",
            code=UsageError.code,
        )
    if before_files is not None:
        yield from before_files()
    restore_originals(git.root, j)
    if j.originals:
        # A stop between `git add` and `git commit` leaves the bump staged:
        # unstage what the release touched so abort leaves nothing behind.
        git.run(["reset", "-q", "--", *sorted(j.originals)], check=False)
        yield LogLine(step="abort", text="restored " + ", ".join(sorted(j.originals)))
