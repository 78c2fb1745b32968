"""Python project names as the packaging standards compare them (PEP 503):
``My_Pkg``, ``my.pkg`` and ``my-pkg`` are one project. The index, the lock
files and the workspace's requirements all compare names this one way."""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[-_.]+")


def normalize_python_name(name: str) -> str:
    """The PEP 503 normalized form of a project name."""
    return _SEPARATORS.sub("-", name).lower()
