"""The crates of one release train that cargo packages together.

``cargo package`` resolves a crate's dependencies from the registry, so a
crate that requires a sibling at the version the same train releases cannot
be packaged alone: that version is not on the registry until the train
publishes it, and a train builds (and attests) every package before it
publishes any. Cargo packages several members of one workspace in one call
(``cargo package -p tool-core -p tool-cli``), resolving each sibling through
a temporary local overlay of the crates it has just packaged; the bytes are
the same as cargo later uploads (``cargo publish`` of each crate, the
dependency first, once the sibling is live).

So the train's cargo-crate artifacts that go to one registry under one name
with the same verification, from one cargo workspace, form a
:class:`CrateSet`: its dry run and its build are one cargo call each, made
by the first of its handlers that needs it; each handler then takes its own
``.crate`` from the shared target folder. Publishing stays one crate at a
time, so the journal keeps one publish per package.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shipline.domain.config import ArtifactConfig

if TYPE_CHECKING:
    from shipline.domain.artifacts.cargo_crate import CargoCrateHandler

TYPE = "cargo-crate"


def set_key(cfg: ArtifactConfig) -> tuple[str, str, bool]:
    """What two crates must share to be packaged in one cargo call: the
    registry (its index URL), the name cargo knows it by, and whether cargo
    verifies the build."""
    index = (cfg.registry or "").removeprefix("sparse+").rstrip("/")
    name = str(cfg.options.get("registryName") or "shipline")
    return index, name, bool(cfg.options.get("verify", True))


@dataclass
class CrateSet:
    """Crates packaged by one ``cargo package -p A -p B`` call."""

    crates: list[str]
    target_dir: Path
    dry_run: bool = False
    """The one ``cargo publish --dry-run`` of the set has run."""
    packaged: bool = False
    """The one ``cargo package`` of the set has run (in this process)."""

    def selection(self) -> list[str]:
        """``-p A -p B``: every crate of the set."""
        return [arg for crate in self.crates for arg in ("-p", crate)]


def workspace_root(handler: CargoCrateHandler) -> Path:
    """The cargo workspace the crate belongs to (itself when it is alone)."""
    from shipline.domain.errors import ArtifactValidationFailed

    done = handler.run_tool(
        ["cargo", "locate-project", "--workspace", "--message-format", "plain"],
        ArtifactValidationFailed,
        "cargo locate-project",
        env=handler.cargo_env(False),
    )
    return Path(done.stdout.strip()).parent


def package_together(handlers: Sequence[Any], target_dir: Path) -> list[CrateSet]:
    """Give every cargo-crate handler of ``handlers`` that shares a registry
    and a workspace with another its :class:`CrateSet` (``handler.together``);
    a crate alone keeps packaging itself."""
    groups: dict[tuple[Any, ...], list[CargoCrateHandler]] = {}
    for h in handlers:
        if h.type_name == TYPE:
            h.manifest()  # a missing or nameless Cargo.toml said as validate says it
            groups.setdefault((*set_key(h.cfg), workspace_root(h)), []).append(h)
    sets: list[CrateSet] = []
    for members in groups.values():
        if len(members) < 2:
            continue
        crate_set = CrateSet(
            crates=[h.crate for h in members],
            target_dir=target_dir / f"cargo-together-{len(sets)}",
        )
        for h in members:
            h.together = crate_set
        sets.append(crate_set)
    return sets
