"""Strict JSON reading and atomic writing, shared by config, journal and
ledger: UTF-8 only, duplicate keys and NaN rejected, writes that are either
whole or absent (temp file, fsync, rename, fsync of the folder)."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any


class StrictJSONError(ValueError):
    """The text is not strict JSON; the message says where."""


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """The object, or an error naming a duplicate key (the check runs in C:
    a dict of the pairs is shorter than the pairs only when a key repeats)."""
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise StrictJSONError(f"duplicate key {key!r}")
            seen.add(key)
    return result


def _no_constants(name: str) -> Any:
    raise StrictJSONError(f"{name} is not valid JSON")


def loads_strict(data: bytes | str) -> Any:
    """Parse JSON strictly. Raises :class:`StrictJSONError` with line and column."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise StrictJSONError(f"not UTF-8 (byte {exc.start})") from None
    try:
        return json.loads(data, object_pairs_hook=_no_duplicates, parse_constant=_no_constants)
    except json.JSONDecodeError as exc:
        raise StrictJSONError(f"line {exc.lineno} column {exc.colno}: {exc.msg}") from None


def read_strict(path: Path, max_bytes: int = 64 * 1024 * 1024) -> Any:
    size = path.stat().st_size
    if size > max_bytes:
        raise StrictJSONError(f"{size} bytes is larger than the {max_bytes}-byte limit")
    return loads_strict(path.read_bytes())


def write_atomic(path: Path, data: bytes | str, mode: int = 0o644) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the
    new one, never a half-written one, even after a crash."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def dumps_pretty(obj: Any) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
