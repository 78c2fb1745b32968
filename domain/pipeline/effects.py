"""Write-ahead record of every effect that leaves this machine.

A publish, an upload, a push or a forge call can be cut off half-way (a
SIGKILL, a dropped connection) after the outside world already has it. If
the journal only said so once the tool returned, a crash in between would
leave a release that looks local but is live, and ``release abort`` would
"undo" it while the package sits on the registry and the tag on the remote.

So every such step goes through one small API, the same for artifacts,
pushes and (later) forge releases:

* :meth:`EffectLog.intend` records the effect in the journal and saves it
  *before* the effect starts;
* :meth:`EffectLog.done` records that it completed;
* :meth:`EffectLog.undone` forgets it after a rollback took it back.

After a crash nobody trusts the journal's word for what happened: a
:data:`Probe` per effect kind asks the registry or the remote what is
really there (:func:`probe_all`). ``release abort`` refuses while anything
is live or cannot be told (59, naming it); ``release resume`` repeats an
intended effect, whose handler adopts what is there when its digest
matches and refuses (93) when it does not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from shipline.domain.errors import ReleaseLive
from shipline.domain.events import LogLine
from shipline.domain.pipeline.journal import Journal, now_iso


@dataclass(frozen=True)
class Effect:
    """One action outside this machine. ``kind`` chooses the probe
    (``publish``, ``push``, ``forge``...), ``name`` tells effects of one
    kind apart (the artifact's name), ``detail`` is what a probe needs and
    a human reads (registry, remote, tag); never a secret."""

    kind: str
    name: str = ""
    detail: Mapping[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """The journal's name for it: ``push``, ``publish:demo``."""
        return f"{self.kind}:{self.name}" if self.name else self.kind

    @classmethod
    def from_key(cls, key: str, detail: Mapping[str, Any] | None = None) -> Effect:
        kind, _, name = key.partition(":")
        return cls(kind, name, dict(detail or {}))

    def describe(self) -> str:
        where = self.detail.get("where")
        return f"{self.key} to {where}" if where else self.key


class Liveness(StrEnum):
    LIVE = "live"
    ABSENT = "absent"
    UNKNOWN = "unknown"
    """The probe could not tell (registry down): treated as live by abort."""


@dataclass(frozen=True)
class Observation:
    effect: Effect
    state: Liveness
    detail: str

    def text(self) -> str:
        if self.state is Liveness.UNKNOWN:
            return f"{self.effect.describe()}: cannot tell whether it is live ({self.detail})"
        return f"{self.effect.describe()}: {self.detail}"


Probe = Callable[[Effect], Observation]
"""Asks the outside world whether ``effect`` is there."""


class EffectLog:
    """The journal's effects, saved at once on every change (write-ahead)."""

    def __init__(self, journal: Journal, save: Callable[[], None]):
        self.j = journal
        self.save = save

    def intend(self, effect: Effect) -> None:
        """Record ``effect`` before it starts."""
        self.j.intents[effect.key] = {"detail": dict(effect.detail), "at": now_iso()}
        self.save()

    def done(self, effect: Effect) -> None:
        if effect.key not in self.j.external:
            self.j.external.append(effect.key)
        self.j.intents.setdefault(effect.key, {"detail": dict(effect.detail), "at": now_iso()})
        self.save()

    def undone(self, effect: Effect | str) -> None:
        """Forget an effect that a rollback took back, or that a probe found
        absent (it never happened)."""
        key = effect if isinstance(effect, str) else effect.key
        self.j.intents.pop(key, None)
        if key in self.j.external:
            self.j.external.remove(key)
        self.save()

    def was_intended(self, effect: Effect) -> bool:
        """True when an earlier run recorded this effect (it may be live)."""
        return effect.key in self.j.intents or effect.key in self.j.external

    def pending(self) -> list[Effect]:
        """Intended, never recorded as done: the crash happened in between."""
        return [
            Effect.from_key(k, v.get("detail"))
            for k, v in self.j.intents.items()
            if k not in self.j.external
        ]

    def recorded(self) -> list[Effect]:
        """Every effect this release intended or did, in order."""
        keys = list(dict.fromkeys([*self.j.external, *self.j.intents]))
        return [Effect.from_key(k, self.j.intents.get(k, {}).get("detail")) for k in keys]


def probe_all(effects: Sequence[Effect], probes: Mapping[str, Probe]) -> list[Observation]:
    """What the outside world holds for each effect; an effect kind without
    a probe, or a probe that fails, is UNKNOWN (never assumed absent)."""
    seen: list[Observation] = []
    for effect in effects:
        probe = probes.get(effect.kind)
        if probe is None:
            seen.append(Observation(effect, Liveness.UNKNOWN, f"no probe for {effect.kind}"))
            continue
        try:
            seen.append(probe(effect))
        except Exception as exc:  # a probe that fails must never read as "absent"
            message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
            seen.append(Observation(effect, Liveness.UNKNOWN, message))
    return seen


def refuse_if_live(
    j: Journal, save: Callable[[], None], probes: Mapping[str, Probe], what: str
) -> Iterator[LogLine]:
    """Ask the registries and the remote what this release really put
    there, before ``release abort`` undoes anything. Anything live, or that
    cannot be told, refuses the abort (59) and names it; effects found
    absent never happened and are forgotten, so the local undo may go on."""
    effects = EffectLog(j, save)
    seen = probe_all(effects.recorded(), probes)
    for observation in seen:
        yield LogLine(step="abort", text=observation.text())
    live = [o for o in seen if o.state is not Liveness.ABSENT]
    if live:
        raise ReleaseLive(
            f"{what} is live, nothing was undone: " + "; ".join(o.text() for o in live),
            hint="`shipline release resume` finishes the release (the version is taken); "
            "retract by hand with each registry's own means if it must not stand",
        )
    for observation in seen:
        effects.undone(observation.effect)
