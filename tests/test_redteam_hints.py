"""Red team, issue 13: every error says what to do. A source scan finds any
typed error raised without a ``hint`` (anywhere in the domain), and real
55s are provoked to see the `fix:` line reach the user."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from conftest import Repo

DOMAIN = Path(__file__).resolve().parent.parent / "domain"
ERRORS = {
    "ShiplineError",
    "UsageError",
    "ReleaseNotFound",
    "ReleaseExists",
    "ReleaseInProgress",
    "InvalidVersion",
    "GateFailed",
    "VersionBumpFailed",
    "TagFailed",
    "ChangelogFailed",
    "TagExists",
    "ReleaseLive",
    "HandoffRequired",
    "ArtifactTypeUnknown",
    "ArtifactValidationFailed",
    "ArtifactBuildFailed",
    "ArtifactPublishFailed",
    "RegistryHoldsOther",
    "RollbackFailed",
    "ConfigInvalid",
    "SigningKeyMissing",
    "SignatureInvalid",
    "DigestMismatch",
    "AttestationInvalid",
    "Interrupted",
}


def _raised_without_hint(root: Path) -> list[tuple[str, str]]:
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
                continue
            func = node.exc.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name in ERRORS and not any(k.arg == "hint" for k in node.exc.keywords):
                found.append((name, f"{path.relative_to(DOMAIN)}:{node.lineno}"))
    return found


def test_every_55_has_a_hint() -> None:
    assert [
        where for name, where in _raised_without_hint(DOMAIN) if name == "VersionBumpFailed"
    ] == []


def test_every_typed_error_anywhere_has_a_hint() -> None:
    """Verify, trust and signing included: a reviewer told 92 or 94 is told
    what to do about it too."""
    assert _raised_without_hint(DOMAIN) == []


def test_every_error_of_the_release_pipeline_has_a_hint() -> None:
    places = [
        *_raised_without_hint(DOMAIN / "pipeline"),
        *_raised_without_hint(DOMAIN / "release"),
        *[
            f
            for f in _raised_without_hint(DOMAIN / "cli" / "commands")
            if f[1].startswith("cli/commands/release.py")
        ],
    ]
    assert places == []


def test_a_version_file_that_is_not_utf8_is_55_with_a_fix(py_repo: Repo, cli) -> None:
    py_repo.write(
        ".shipline/config.json",
        json.dumps({"release": {"versionBump": ["VERSION"], "push": {"enabled": False}}}),
    )
    (py_repo.path / "VERSION").write_bytes(b"1.2.0 \xff\xfe\n")
    py_repo.git("add", "-A")
    py_repo.git("commit", "-qm", "chore: a binary VERSION")
    before = py_repo.snapshot()
    result = cli("-C", py_repo.path, "release", "ship", "--yes")
    assert result.code == 55, result.err
    assert "VERSION: cannot read as UTF-8" in result.err and "fix:" in result.err
    assert py_repo.snapshot() == before


def test_version_files_that_disagree_are_55_with_a_fix(py_repo: Repo, cli) -> None:
    py_repo.commit(
        "chore: a second version file",
        {
            "src/demo/__init__.py": '__version__ = "1.1.0"\n',
            ".shipline/config.json": json.dumps(
                {
                    "release": {
                        "versionBump": ["pyproject.toml", "src/demo/__init__.py"],
                        "push": {"enabled": False},
                    }
                }
            ),
        },
    )
    before = py_repo.snapshot()
    result = cli("-C", py_repo.path, "release", "plan")
    assert result.code == 55, result.out + result.err
    assert "fix:" in result.err and "Traceback" not in result.err
    assert py_repo.snapshot() == before
