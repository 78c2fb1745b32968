"""PEP 440 ↔ SemVer, whole-version matching, and a bump that cannot be
written completely being undone."""

from __future__ import annotations

from pathlib import Path

import pytest
import semver

from shipline.domain.errors import InvalidVersion, VersionBumpFailed
from shipline.domain.release import schemes
from shipline.domain.release.version_files import FileBump, apply_bumps
from shipline.domain.release.version_files.evidence import pattern_for
from shipline.domain.release.version_files.sites import occurrences


@pytest.mark.parametrize(
    ("pep", "sem"),
    [
        ("1.4.0", "1.4.0"),
        ("4.17.0rc1", "4.17.0-rc.1"),
        ("1.0.0b1", "1.0.0-beta.1"),
        ("1.0.0a2", "1.0.0-alpha.2"),
        ("1.4.0.dev1", "1.4.0-dev.1"),
        ("1.4.0rc1.dev2", "1.4.0-rc.1.dev.2"),
    ],
)
def test_pep440_and_semver_name_the_same_release(pep: str, sem: str) -> None:
    assert str(schemes.parse_any(pep)) == sem
    assert schemes.render(semver.Version.parse(sem), schemes.PEP440) == pep
    assert schemes.same_release(pep, sem)


def test_spellings_normalise_like_pep440() -> None:
    assert schemes.parse_any("v1.0.0b1") == semver.Version.parse("1.0.0-beta.1")
    assert schemes.same_release("1.0.0-a.1", "1.0.0a1")
    assert schemes.parse_any("1.0") is None and schemes.parse_any("next") is None


def test_a_label_python_cannot_spell_is_53() -> None:
    with pytest.raises(InvalidVersion) as err:
        schemes.render(semver.Version.parse("2.0.0-preview.1"), schemes.PEP440, "pyproject.toml")
    assert err.value.code == 53 and "needed by pyproject.toml" in err.value.message


@pytest.mark.parametrize(
    ("path", "scheme"),
    [
        ("pyproject.toml", "pep440"),
        ("src/pkg/__init__.py", "pep440"),
        ("uv.lock", "pep440"),
        ("requirements-dev.txt", "pep440"),
        ("requirements/docs.txt", "pep440"),
        ("package.json", "semver"),
        ("Cargo.toml", "semver"),
        ("docs/install.md", "semver"),
        ("docs/notes.txt", "semver"),
    ],
)
def test_scheme_by_file_name(path: str, scheme: str) -> None:
    assert schemes.scheme_for(path) == scheme


def test_occurrences_are_whole_versions() -> None:
    v = semver.Version.parse("1.2.3")
    text = "1.2.3 v1.2.3 11.2.3 1.2.30 1.2.3-rc.1 1.2.3rc1 1.2.3.4 pkg==1.2.3; tool-1.2.3.tar.gz"
    found = [text[a:b] for a, b in occurrences(text, v)]
    assert found == ["1.2.3"] * 4
    assert [text[a - 2 : b] for a, b in occurrences(text, v)][1:] == [
        " v1.2.3",
        "==1.2.3",
        "l-1.2.3",
    ]


def test_a_failed_write_puts_back_the_files_already_written(tmp_path: Path) -> None:
    (tmp_path / "VERSION").write_text("1.0.0\n")
    (tmp_path / "blocked").mkdir()  # a directory where a file is expected: the write fails
    bumps = [FileBump("VERSION", "1.0.0", "1.1.0\n"), FileBump("blocked", "1.0.0", "1.1.0\n")]
    with pytest.raises(VersionBumpFailed) as err:
        apply_bumps(tmp_path, bumps)
    assert err.value.code == 55 and "blocked: cannot write" in err.value.message
    assert (tmp_path / "VERSION").read_text() == "1.0.0\n"


@pytest.mark.parametrize(
    ("line", "pattern"),
    [
        ("tidewater==1.2.3", "tidewater=={version}"),
        ('  ".": "1.2.3"', '".": "{version}"'),
        ('version = "1.2.3"  # the release', 'version = "{version}"'),
        (
            "curl -LO https://x.dev/dl/v1.2.3/tool-1.2.3.tar.gz",
            "https://x.dev/dl/v{version}/tool-{version}.tar.gz",
        ),
        ("1.2.3", "{version}"),
    ],
)
def test_patterns_learned_from_a_release_line(line: str, pattern: str) -> None:
    assert pattern_for(line, semver.Version.parse("1.2.3")) == pattern


def test_a_pip_requirement_in_a_pattern_is_pep440_wherever_it_is() -> None:
    assert schemes.scheme_for("README.md", "pip install myproj=={version}") == "pep440"
    assert schemes.scheme_for("README.md", "myproj~={version}") == "pep440"
    assert schemes.scheme_for("README.md", "docs/{version}/") == "semver"
