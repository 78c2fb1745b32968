"""Strict JSON reading and atomic writing, shared by config, journal and
ledger: UTF-8 only, duplicate keys and NaN rejected, size and nesting
bounded (a hostile file is an error with its place, never a crash or a
recursion error), writes that are either whole or absent (temp file, fsync,
rename, fsync of the folder)."""

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


MAX_DEPTH = 64
"""Nesting limit of files shipline reads whole (config, journal, trust file,
bundles): real ones stay under 10 levels."""


def loads_strict(data: bytes | str) -> Any:
    """Parse JSON strictly. Raises :class:`StrictJSONError` with line and
    column; nesting deeper than the interpreter's recursion limit is an
    error too (callers that read small files bound it lower: :func:`read_strict`)."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise StrictJSONError(f"not UTF-8 (byte {exc.start})") from None
    try:
        return json.loads(data, object_pairs_hook=_no_duplicates, parse_constant=_no_constants)
    except json.JSONDecodeError as exc:
        raise StrictJSONError(f"line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise StrictJSONError("nested too deeply to be a real document") from None


def depth(value: Any) -> int:
    """How deeply ``value`` nests (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = (
            item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        )
        if children is None:
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children if isinstance(child, dict | list))
    return deepest


def read_strict(path: Path, max_bytes: int = 64 * 1024 * 1024, max_depth: int = MAX_DEPTH) -> Any:
    """The strict JSON in ``path``, at most ``max_bytes`` long and
    ``max_depth`` levels deep (:class:`StrictJSONError` otherwise)."""
    size = path.stat().st_size
    if size > max_bytes:
        raise StrictJSONError(f"{size} bytes is larger than the {max_bytes}-byte limit")
    with open(path, "rb") as handle:  # the size may have grown since stat
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise StrictJSONError(f"larger than the {max_bytes}-byte limit")
    value = loads_strict(data)
    nested = depth(value)
    if nested > max_depth:
        raise StrictJSONError(f"nested {nested} levels deep, more than the limit of {max_depth}")
    return value


def write_atomic(path: Path, data: bytes | str, mode: int = 0o644) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the
    new one, never a half-written one, even after a crash."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if path.is_symlink():  # write the file it points to: the symlink stays one
        path = path.resolve()
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
