"""What the operator chose for a release train: the packages in it, a
version for some of them, an edited changelog entry for some.

A mixin of :class:`tui.app.ShiplineApp`. It holds no rule of its own: every
choice becomes the ``picks`` (``{name: version or None}``) and ``entries``
(``{name: text}``) that :func:`plan_workspace` and ``Train.ship`` take, and
the plan worker asks the domain again; a fixed group given two versions
comes back as the domain's error (53), shown in place.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shipline.domain.api import PackageChangelog, PackagePlan, WorkspacePlan


class TrainChoices:
    """The app provides ``train``, ``train_picks``, ``train_entries``,
    ``train_changelogs``, ``replan``, ``notify`` and ``refresh_screen``."""

    train: WorkspacePlan | None
    train_picks: dict[str, str | None]
    train_entries: dict[str, str]
    train_changelogs: dict[str, PackageChangelog]

    @property
    def releasing(self) -> list[PackagePlan]:
        """The packages the train releases, as last planned."""
        return self.train.releasing if self.train is not None else []

    def _current_picks(self) -> dict[str, str | None]:
        """The picks as they stand: empty means every package with changes,
        so a first choice names the packages released now."""
        return dict(self.train_picks) or {p.name: None for p in self.releasing}

    def toggle_package(self, name: str) -> None:
        """Include or leave out one package of the train, and plan again
        (a version given to a package it keeps stays)."""
        if self.train is None:
            return
        picks = self._current_picks()
        chosen = {p.name for p in self.releasing} ^ {name}
        self.train_picks = {n: picks.get(n) for n in sorted(chosen)}
        self.replan()

    def set_package_version(self, name: str, version: str | None) -> None:
        """Release ``name`` at ``version`` (``None``: the version its commits
        ask for), and plan again."""
        if self.train is None:
            return
        picks = self._current_picks()
        picks[name] = (version or "").strip() or None
        self.train_picks = picks
        self.replan()

    def set_package_entry(self, name: str, text: str | None) -> None:
        """The operator's changelog entry for ``name`` (``None``: the generated one)."""
        if text is None:
            self.train_entries.pop(name, None)
        else:
            self.train_entries[name] = text

    def _train_planned(self, train: WorkspacePlan, changelogs: dict[str, Any]) -> None:
        """A new train plan: an edited entry whose package's version changed is
        dropped (its heading names the old version), and the operator told."""
        before = {p.name: str(p.version) for p in self.releasing}
        self.train = train
        self.train_changelogs = changelogs
        dropped = []
        for name in list(self.train_entries):
            now = next((str(p.version) for p in train.releasing if p.name == name), None)
            if now is None or before.get(name) != now:
                del self.train_entries[name]
                dropped.append(name)
        if dropped:
            self.notify(  # type: ignore[attr-defined]
                f"the changelog entry of {', '.join(dropped)} is generated again "
                "for its new version",
                severity="warning",
            )

    def replan(self, **changes: Any) -> None:
        raise NotImplementedError
