"""What happens to a dependent's requirement when the package it requires
is released, in each ecosystem's own syntax.

Policies (``release.workspace.dependents``):

* ``satisfy`` (the default, as cargo-release and changesets do): a
  requirement that the new version still satisfies stays as written; one it
  no longer satisfies is raised to the new version, keeping its operator.
* ``always`` (as fixed groups and some projects do): every requirement is
  raised to the new version, keeping its operator.

Whatever the policy, pnpm/yarn ``workspace:`` ranges other than an exact
version stay (the package manager rewrites them at publish), and so do
wildcards and requirements with no version (a Cargo ``path`` alone).
"""

from __future__ import annotations

import re

import semver
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion as InvalidPep440
from packaging.version import Version as Pep440Version

Version = semver.Version

_NPM = re.compile(r"^(?P<prefix>workspace:)?(?P<op>\^|~|>=|=|)?\s*v?(?P<ver>\d+\.\d+\.\d+\S*)$")
_CARGO = re.compile(r"^(?P<op>\^|~|=|>=|)\s*(?P<ver>\d+(?:\.\d+){0,2}(?:-[0-9A-Za-z.-]+)?)$")
_PEP440_CLAUSE = re.compile(r"^(?P<op>===|==|~=|>=|<=|!=|>|<)\s*(?P<ver>[^,;\s]+)$")


def _semver(text: str) -> Version | None:
    parts = text.split("-", 1)
    core = parts[0].split(".")
    core += ["0"] * (3 - len(core))
    try:
        return Version.parse(".".join(core[:3]) + (f"-{parts[1]}" if len(parts) > 1 else ""))
    except ValueError:
        return None


def caret_allows(base: Version, new: Version) -> bool:
    """npm/Cargo ``^base``: the left-most non-zero part stays."""
    if new < base:
        return False
    if base.major:
        return new.major == base.major
    if base.minor:
        return new.major == 0 and new.minor == base.minor
    return new.major == 0 and new.minor == 0 and new.patch == base.patch


def tilde_allows(base: Version, new: Version) -> bool:
    return new >= base and (new.major, new.minor) == (base.major, base.minor)


def _allows(op: str, base: Version, new: Version, *, bare_is_caret: bool) -> bool:
    if op == "^" or (op == "" and bare_is_caret):
        return caret_allows(base, new)
    if op == "~":
        return tilde_allows(base, new)
    if op == ">=":
        return new >= base
    return new == base  # "=" or a bare exact npm version


def npm_requirement(spec: str, new: str, policy: str) -> str | None:
    """The new spec for a package.json requirement, or ``None`` to keep it."""
    match = _NPM.match(spec.strip())
    if match is None:
        return None  # "*", "workspace:^", "workspace:*", tags, URLs: left as written
    prefix, op, version = match["prefix"] or "", match["op"] or "", match["ver"]
    base, target = _semver(version), _semver(new)
    if base is None or target is None:
        return None
    if policy == "satisfy" and _allows(op, base, target, bare_is_caret=False):
        return None
    raised = f"{prefix}{op}{new}"
    return None if raised == spec else raised


def cargo_requirement(spec: str, new: str, policy: str) -> str | None:
    """The new ``version = "…"`` of a Cargo dependency, or ``None`` to keep it
    (a bare version is a caret requirement in Cargo)."""
    match = _CARGO.match(spec.strip())
    if match is None:
        return None
    op, version = match["op"] or "", match["ver"]
    base, target = _semver(version), _semver(new)
    if base is None or target is None:
        return None
    if policy == "satisfy" and _allows(op, base, target, bare_is_caret=True):
        return None
    raised = f"{op}{new}"
    return None if raised == spec else raised


def python_requirement(spec: str, new: str, policy: str) -> str | None:
    """The new version clause of a PEP 508 requirement (``>=0.2``,
    ``==0.2.0``, ``~=0.2``), or ``None`` to keep it. ``new`` is PEP 440."""
    text = spec.strip()
    if not text:
        return None
    try:
        allowed = SpecifierSet(text)
        target = Pep440Version(new)
    except (InvalidSpecifier, InvalidPep440):
        return None
    if policy == "satisfy" and allowed.contains(target, prereleases=True):
        return None
    clauses = [c.strip() for c in text.split(",")]
    out = []
    for clause in clauses:
        match = _PEP440_CLAUSE.match(clause)
        if match is None:
            return None
        op = match["op"]
        if op in ("<", "<=", "!="):
            if not SpecifierSet(clause).contains(target, prereleases=True):
                return None  # an upper bound the release breaks: a person decides
            out.append(clause)
        elif op == "~=":
            width = len(match["ver"].split("."))
            release = list(target.release) + [0] * width
            out.append(f"~={'.'.join(str(p) for p in release[: max(width, 2)])}")
        else:
            out.append(f"{op}{new}")
    raised = ",".join(out) if "," in text and ", " not in text else ", ".join(out)
    return None if raised == text else raised


REWRITERS = {"npm": npm_requirement, "cargo": cargo_requirement, "python": python_requirement}


def new_requirement(ecosystem: str, spec: str, new: str, policy: str) -> str | None:
    """The requirement a dependent should have on a package released as
    ``new`` under ``policy``, or ``None`` when it stays as written."""
    return REWRITERS[ecosystem](spec, new, policy)
