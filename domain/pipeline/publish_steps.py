"""Step 8 of the release pipeline: publish, the point of no return.

One call publishes the artifacts of one or more :class:`ReleaseUnit`\\ s in
order: the repository's one release, or a release train's packages with
dependencies before their dependents. The guarantees are the single
release's, kept across the whole train:

* one confirmation (or ``--yes``) names every irreversible publish;
* each publish's intent is journaled before it starts and its result right
  after, so a resumed run never publishes twice (handlers adopt an
  identical upload, and refuse other bytes with 93);
* each published file is downloaded back and compared (93 stops the
  release before the tag push);
* when artifact *i* fails, every artifact published before it, of any
  package, is rolled back: 88, or 89 naming what stayed published (then
  each package with something live is recorded as incomplete).
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from typing import TYPE_CHECKING, Any

from shipline.domain.errors import (
    DigestMismatch,
    Interrupted,
    RegistryHoldsOther,
    RollbackFailed,
    ShiplineError,
)
from shipline.domain.events import Confirmation, LogLine, StepProgress
from shipline.domain.pipeline.effects import Effect, EffectLog

if TYPE_CHECKING:
    from shipline.domain.pipeline.artifact_steps import ReleaseArtifacts
    from shipline.domain.pipeline.journal import Journal

Events = Generator[Any, None, Any]
Done = tuple["ReleaseArtifacts", Any, Any]
"""(unit, handler, publish result) of one artifact that went live."""


def publish_units(
    units: Sequence[ReleaseArtifacts],
    j: Journal,
    save: Callable[[], None],
    confirm: Callable[[Confirmation], bool] | None,
) -> Events:
    """Publish every enabled unit's artifacts in ``units`` order."""
    from shipline.domain.artifacts import PublishResult

    active = [u for u in units if u.enabled]
    if not active:
        return "skipped", units[0].skipped() if units else "source-only release"
    effects = EffectLog(j, save)
    _ask(active, confirm)
    done: list[Done] = [
        (u, h, PublishResult.from_dict(u.data["published"][h.name]))
        for u in active
        for h in u.handlers()
        if h.name in u.data.get("published", {})
    ]
    count = 0
    for u in active:
        published: dict[str, Any] = u.data.setdefault("published", {})
        verified: list[str] = u.data.setdefault("verified", [])
        for h in u.handlers():
            count += 1
            files = u.built_files(h.name)
            if h.name in published:  # published by an earlier run: verified only if it passed
                if h.name in verified:
                    continue
                result = PublishResult.from_dict(published[h.name])
                yield from _verify(u, h, files, result)
                yield _live_link(u, h, result)
                continue
            effect = u.publish_effect(h)
            try:
                result = yield from _publish_one(u, h, files, effect, effects)
                published[h.name] = result.to_dict()
                effects.done(effect)
                done.append((u, h, result))
                yield from _verify(u, h, files, result)
            except ShiplineError as exc:
                yield from u.drain()
                yield u.link("registry", "failed", h.name, {"error": exc.message})
                if exc.code == 93:  # the registry serves other bytes: stop, keep the record
                    raise
                yield from _roll_back(active, u, h, effect, done, effects, exc)
                raise AssertionError("unreachable") from None
            yield _live_link(u, h, result)
    return "ok", f"{count} artifact(s) published and verified"


def _ask(
    active: Sequence[ReleaseArtifacts], confirm: Callable[[Confirmation], bool] | None
) -> None:
    pending = [
        (u, h) for u in active for h in u.handlers() if h.name not in u.data.get("published", {})
    ]
    if not pending or confirm is None:
        return
    where = "; ".join(
        f"{h.label} {u.unit.version} to {h.cfg.registry or 'its registry'}" for u, h in pending
    )
    if not confirm(
        Confirmation(
            step="publish",
            yes="Publish",
            question=f"Publish {where}? Published versions cannot be taken back "
            "everywhere (PyPI never deletes).",
        )
    ):
        raise Interrupted(
            "stopped before publishing; nothing left this machine",
            hint="`shipline release resume` publishes, `shipline release "
            "abort` undoes the commit, tag and build",
        )


def _roll_back(
    active: Sequence[ReleaseArtifacts],
    failed_unit: ReleaseArtifacts,
    failed: Any,
    effect: Effect,
    done: list[Done],
    effects: EffectLog,
    cause: ShiplineError,
) -> Events:
    """Roll back everything published before ``failed`` and raise 88/89.
    On 89 what stayed live is a fact: each unit with a live artifact (and
    the failing one when its own upload left files) is recorded incomplete;
    a package with nothing live is recorded when it is released."""
    from shipline.domain.artifacts import rollback_published

    earlier = [(u, h, r) for u, h, r in done if h is not failed]
    try:
        rollback_published([(h, r) for _, h, r in earlier], cause)
    except ShiplineError as final:
        if final.code == 88:  # every earlier publish was undone
            for u, h, _ in earlier:
                u.data["published"].pop(h.name, None)
                if h.name in u.data.get("verified", []):
                    u.data["verified"].remove(h.name)
                effects.undone(u.publish_effect(h))
            if failed.name not in failed_unit.data.get("published", {}):
                effects.undone(effect)  # the failed one left nothing behind
        else:
            left_files = isinstance(cause, RollbackFailed)  # the failing upload left some
            for u in active:
                live = bool(u.data.get("published")) or (u is failed_unit and left_files)
                if live and "prepared" in u.data and "sealed" not in u.data:
                    sealed = u.seal_record()
                    yield LogLine(
                        step="publish",
                        text=f"{u.unit.label()} recorded as incomplete in the "
                        f"ledger (record {sealed['hash'][:12]})",
                    )
        effects.save()
        raise


def _verify(u: ReleaseArtifacts, h: Any, files: list[Any], result: Any) -> Events:
    """PROV-002: download every file back and compare; an artifact counts
    as verified only once this passed (``verify_failed`` keeps why not),
    so a resumed release checks again instead of pushing."""
    verified: list[str] = u.data.setdefault("verified", [])
    try:
        for f in files:
            h.verify_published(f, result)
            yield from u.drain()
    except ShiplineError as exc:
        if exc.code == 93:
            u.data["verify_failed"] = exc.message
            u.save()
        raise
    verified.append(h.name)
    u.data.pop("verify_failed", None)
    u.save()


def _live_link(u: ReleaseArtifacts, h: Any, result: Any) -> Any:
    return u.link(
        "registry",
        "ok",
        h.name,
        {
            "reference": result.reference,
            "digest": result.registry_digest,
            "publishedAt": result.published_at,
        },
    )


def _publish_one(
    u: ReleaseArtifacts, h: Any, files: list[Any], effect: Effect, effects: EffectLog
) -> Events:
    """Publish one artifact with its intent journaled first. When an
    earlier, interrupted run intended it, what the registry holds is
    adopted if its digest matches and refused with 93 if not."""
    resumed = effects.was_intended(effect)
    effects.intend(effect)
    yield u.link("registry", "running", h.name, {"registry": h.cfg.registry})
    size = sum(f.size for f in files)
    yield StepProgress(
        step="publish",
        detail=f"{u.who(h)}: uploading",
        done=0,
        total=size,
        artifact=h.name,
        package=u.unit.package or "",
        action="uploading",
    )
    try:
        result = h.publish(files)
    except RegistryHoldsOther as exc:
        if not resumed:
            raise
        raise DigestMismatch(
            f"{exc.message} (this release's interrupted publish was resumed: the bytes "
            "there are not the ones built and attested)",
            hint="do not push the tag: find out who published what; `shipline release "
            "abort` then reports it as live",
        ) from None
    yield from u.drain()
    yield StepProgress(
        step="publish",
        detail=f"{u.who(h)}: uploaded",
        done=size,
        total=size,
        artifact=h.name,
        package=u.unit.package or "",
        action="uploaded",
    )
    return result
