"""The project's own policy for dependents' requirements, read from its
history when the config does not set ``release.workspace.dependents``.

The last release that tagged packages is the evidence: if its commit raised
a dependent's requirement on a released package that the old requirement
already allowed (``^1.2.0`` → ``^1.3.0`` for 1.3.0), the project raises every
requirement with each release (``always``); otherwise it raises only what
a release breaks (``satisfy``, also the default with no history).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from shipline.domain.ecosystems.workspaces import Workspace
from shipline.domain.gitops import Git
from shipline.domain.workspace.requirements import new_requirement

_SPEC = {
    "npm": r'"{name}"\s*:\s*"(?P<spec>[^"]*)"',
    "cargo": r'^\s*{name}\s*=.*?(?:version\s*=\s*)?"(?P<spec>[^"]*)"',
    "python": r'["\']{name}\s*(?:\[[^\]]*\])?\s*(?P<spec>[^"\';]*)',
}


def policy_from_history(
    git: Git, workspace: Workspace, released_at: Mapping[str, tuple[str, str]]
) -> str:
    """``always`` or ``satisfy``. ``released_at`` maps a package to the
    (commit, version) of its last release."""
    if not released_at:
        return "satisfy"
    newest = max(
        {c for c, _ in released_at.values()},
        key=lambda sha: int(git.out("show", "-s", "--format=%ct", sha)),
    )
    tagged = {name: version for name, (commit, version) in released_at.items() if commit == newest}
    for dependent in workspace.packages:
        for req in dependent.requires:
            version = tagged.get(req.name)
            if version is None:
                continue
            diff = git.try_out("show", "--format=", "-U0", newest, "--", dependent.manifest)
            if not diff:
                continue
            pattern = re.compile(
                _SPEC[dependent.ecosystem].replace("{name}", re.escape(req.name)), re.M
            )
            old = [
                m["spec"]
                for line in diff.splitlines()
                if line.startswith("-") and not line.startswith("---")
                for m in [pattern.search(line[1:])]
                if m
            ]
            new = [
                m["spec"]
                for line in diff.splitlines()
                if line.startswith("+") and not line.startswith("+++")
                for m in [pattern.search(line[1:])]
                if m
            ]
            for before, after in zip(old, new, strict=False):
                if (
                    before != after
                    and new_requirement(dependent.ecosystem, before, version, "satisfy") is None
                ):
                    return "always"  # raised although the old range allowed the release
    return "satisfy"
