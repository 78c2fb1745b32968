"""changesets (``.changeset/config.json``), for monorepos.

``fixed`` groups always share one version (``workspace.fixed``); ``ignore``
lists packages never released (``workspace.ignore``); ``baseBranch`` is the
release branch; ``updateInternalDependencies: "patch"`` (changesets' default)
raises every dependent's range with each release (``dependents: always``),
``"minor"`` only when the new version leaves it (``satisfy``);
``privatePackages.tag`` releases and tags private packages
(``includePrivate``). ``linked`` groups (versions aligned only when released
together) have no shipline equivalent yet and are noted.

The change files themselves (``.changeset/*.md``) are not read: shipline
takes the bump from the commits.
"""

from __future__ import annotations

from pathlib import Path

from shipline.domain.release.imports.model import ToolImport, read_json

CONFIG = ".changeset/config.json"


def read(root: Path) -> ToolImport | None:
    if not (root / CONFIG).is_file():
        return None
    data = read_json(root, CONFIG)
    imp = ToolImport("changesets", CONFIG)
    if not isinstance(data, dict):
        imp.note("the config is not a JSON object: nothing imported")
        return imp
    for index, group in enumerate(data.get("fixed") or []):
        if isinstance(group, list) and all(isinstance(n, str) for n in group) and group:
            imp.add("workspace.fixed", list(group), f"fixed[{index}]")
    ignore = data.get("ignore") or []
    if isinstance(ignore, list):
        for index, name in enumerate(ignore):
            if isinstance(name, str):
                imp.add("workspace.ignore", name, f"ignore[{index}]")
    if isinstance(data.get("baseBranch"), str):
        imp.add("branch", data["baseBranch"], "baseBranch")
    internal = data.get("updateInternalDependencies", "patch")
    imp.add(
        "workspace.dependents",
        "always" if internal == "patch" else "satisfy",
        f"updateInternalDependencies {internal!r}",
    )
    private = data.get("privatePackages")
    if isinstance(private, dict) and private.get("tag") is True:
        imp.add("workspace.includePrivate", True, "privatePackages.tag")
    if data.get("linked"):
        imp.note(
            "linked groups are not imported: shipline has fixed groups "
            "(release.workspace.fixed) and independent packages"
        )
    return imp
