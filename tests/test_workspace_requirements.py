"""Dependents' requirements after a release, in each ecosystem's syntax, under
the ``satisfy`` (default) and ``always`` policies."""

from __future__ import annotations

import pytest

from shipline.domain.workspace.requirements import new_requirement


@pytest.mark.parametrize(
    ("spec", "new", "satisfy", "always"),
    [
        ("workspace:^", "2.0.0", None, None),  # pnpm rewrites it at publish
        ("workspace:*", "2.0.0", None, None),
        ("workspace:1.2.0", "1.3.0", "workspace:1.3.0", "workspace:1.3.0"),
        ("^1.2.0", "1.3.0", None, "^1.3.0"),
        ("^1.2.0", "2.0.0", "^2.0.0", "^2.0.0"),
        ("^0.2.3", "0.3.0", "^0.3.0", "^0.3.0"),  # 0.x: the minor is the breaking part
        ("^0.2.3", "0.2.4", None, "^0.2.4"),
        ("~1.2.0", "1.2.5", None, "~1.2.5"),
        ("~1.2.0", "1.3.0", "~1.3.0", "~1.3.0"),
        ("1.2.0", "1.2.1", "1.2.1", "1.2.1"),  # exact pin: always follows
        (">=1.0.0", "3.0.0", None, ">=3.0.0"),
        ("*", "3.0.0", None, None),
        ("latest", "3.0.0", None, None),
    ],
)
def test_npm(spec: str, new: str, satisfy: str | None, always: str | None) -> None:
    assert new_requirement("npm", spec, new, "satisfy") == satisfy
    assert new_requirement("npm", spec, new, "always") == always


@pytest.mark.parametrize(
    ("spec", "new", "satisfy", "always"),
    [
        ("2.13.0", "2.14.0", None, "2.14.0"),  # a bare Cargo version is ^2.13.0
        ("2.13.0", "3.0.0", "3.0.0", "3.0.0"),
        ("0.4", "0.5.0", "0.5.0", "0.5.0"),
        ("0.4", "0.4.7", None, "0.4.7"),
        ("=2.13.0", "2.13.1", "=2.13.1", "=2.13.1"),
        ("", "1.0.0", None, None),  # path only: nothing to raise
    ],
)
def test_cargo(spec: str, new: str, satisfy: str | None, always: str | None) -> None:
    assert new_requirement("cargo", spec, new, "satisfy") == satisfy
    assert new_requirement("cargo", spec, new, "always") == always


@pytest.mark.parametrize(
    ("spec", "new", "satisfy", "always"),
    [
        (">=0.2", "0.3.0", None, ">=0.3.0"),
        ("==0.2.0", "0.2.1", "==0.2.1", "==0.2.1"),
        ("~=0.2", "1.0.0", "~=1.0", "~=1.0"),
        ("~=0.2.0", "0.2.5", None, "~=0.2.5"),
        (">=1.0,<2", "1.4.0", None, ">=1.4.0,<2"),
        (">=1.0,<2", "2.0.0", None, None),  # the upper bound is a person's call
        ("", "1.0.0", None, None),
        ("==1.0.0", "1.1.0rc1", "==1.1.0rc1", "==1.1.0rc1"),
    ],
)
def test_python(spec: str, new: str, satisfy: str | None, always: str | None) -> None:
    assert new_requirement("python", spec, new, "satisfy") == satisfy
    assert new_requirement("python", spec, new, "always") == always
