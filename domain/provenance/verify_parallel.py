"""Checking many releases on every core: ``verify --all`` over a long ledger.

Each release's checks are independent (file reads, digests, one signature
check each), and half their time is the signature arithmetic, which holds
the GIL. So a ledger of thousands of releases is split in contiguous slices:
the parent checks the first, forked workers the others (they inherit the
parsed ledger, nothing is re-read or sent to them), and the results come
back as plain tuples in ledger order. Same checks, same report; only the
wall time changes.

Forking is only safe in a single-threaded process (the CLI): with other
threads alive (the TUI) or on one core, everything runs in this process.
``SHIPLINE_VERIFY_JOBS`` sets the number of processes (1: never fork).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

from shipline.domain.provenance.verify_report import LinkCheck

JOBS_ENV = "SHIPLINE_VERIFY_JOBS"
MIN_PER_JOB = 1000
"""Releases per process below which a fork costs more than it saves."""

CheckOne = Callable[[int, dict[str, Any]], list[LinkCheck]]
_WORK: tuple[list[tuple[int, dict[str, Any]]], CheckOne] | None = None
"""What the forked workers check: set just before the pool forks."""


def jobs_for(count: int) -> int:
    """How many processes to use for ``count`` releases."""
    given = os.environ.get(JOBS_ENV, "").strip()
    if given.isdigit() and int(given) >= 1:
        wanted = int(given)
    else:
        wanted = min(os.cpu_count() or 1, count // MIN_PER_JOB)
    if wanted <= 1 or count < 2 or threading.active_count() > 1 or not hasattr(os, "fork"):
        return 1
    return min(wanted, count)


def check_all(selected: list[tuple[int, dict[str, Any]]], one: CheckOne) -> list[LinkCheck]:
    """``one(index, record)`` for every selected release, in order."""
    jobs = jobs_for(len(selected))
    if jobs == 1:
        return [check for index, record in selected for check in one(index, record)]
    import multiprocessing

    global _WORK
    size = -(-len(selected) // jobs)
    bounds = [(start, min(start + size, len(selected))) for start in range(0, len(selected), size)]
    _WORK = (selected, one)
    try:
        context = multiprocessing.get_context("fork")
        with context.Pool(len(bounds) - 1) as pool:
            pending = pool.map_async(_check_slice, bounds[1:])
            first = _check_slice(bounds[0])
            rest = pending.get()
    finally:
        _WORK = None
    return [LinkCheck(*fields) for part in (first, *rest) for fields in part]


def _check_slice(bounds: tuple[int, int]) -> list[tuple[Any, ...]]:
    assert _WORK is not None
    selected, one = _WORK
    start, end = bounds
    return [
        (c.link, c.name, c.status, c.code, c.detail)
        for index, record in selected[start:end]
        for c in one(index, record)
    ]
