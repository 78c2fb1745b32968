"""The one thin runner through which shipline calls external tools
(git, gpg, twine, npm, skopeo, cargo, gate commands).

It captures output, applies a timeout, and redacts every secret value that
shipline has read from the environment, so no token reaches a log line, an
event, the journal or the ledger.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_SECRETS: set[str] = set()
_SECRETS_LOCK = threading.Lock()
REDACTED = "***"


def secret_from_env(name: str, env: Mapping[str, str] | None = None) -> str | None:
    """Read a credential from the environment by name and remember its value
    so that :func:`redact` masks it everywhere from now on."""
    value = (env if env is not None else os.environ).get(name)
    if value:
        register_secret(value)
    return value or None


def register_secret(value: str) -> None:
    if value and len(value) >= 4:
        with _SECRETS_LOCK:
            _SECRETS.add(value)


def redact(text: str) -> str:
    """Mask every registered secret value in ``text``."""
    if not _SECRETS or not text:
        return text
    with _SECRETS_LOCK:
        secrets = sorted(_SECRETS, key=len, reverse=True)
    for value in secrets:
        if value in text:
            text = text.replace(value, REDACTED)
    return text


class ToolNotFound(Exception):
    """The program is not on PATH."""

    def __init__(self, tool: str):
        super().__init__(f"{tool} is not installed or not on PATH")
        self.tool = tool


class ToolTimeout(Exception):
    """The program ran past its timeout and was killed."""

    def __init__(self, argv: Sequence[str], timeout: float, output: str):
        super().__init__(f"{argv[0]} did not finish within {timeout:g} s")
        self.argv = list(argv)
        self.timeout = timeout
        self.output = output


@dataclass(frozen=True)
class Completed:
    argv: list[str]
    returncode: int
    stdout: str
    stderr: str
    duration: float

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    @property
    def output(self) -> str:
        """stdout and stderr together, for error messages."""
        return "\n".join(part for part in (self.stdout.strip(), self.stderr.strip()) if part)


_OWN_ENVIRONMENT: dict[str, str] = {}
"""Variables shipline set for itself, kept out of the tools it runs."""


def set_own_environment(name: str, value: str) -> None:
    """Set ``name`` for this process only (the user's own setting wins):
    children started here get the environment as the user left it."""
    if name not in os.environ:
        os.environ[name] = value
        _OWN_ENVIRONMENT[name] = value


def _child_env(env: Mapping[str, str] | None) -> dict[str, str] | None:
    if not _OWN_ENVIRONMENT:
        return dict(env) if env is not None else None
    child = dict(env if env is not None else os.environ)
    for name, value in _OWN_ENVIRONMENT.items():
        if child.get(name) == value:
            del child[name]
    return child


def _resolve(argv: Sequence[str], env: Mapping[str, str] | None) -> list[str]:
    if not argv:
        raise ValueError("empty command")
    path = (env or os.environ).get("PATH")
    exe = argv[0]
    if os.sep not in exe and shutil.which(exe, path=path) is None:
        raise ToolNotFound(exe)
    return list(argv)


def run(
    argv: Sequence[str],
    *,
    cwd: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float | None = 120.0,
    input: str | bytes | None = None,
    check: bool = False,
    text: bool = True,
) -> Completed:
    """Run a program to completion and capture its output (redacted).

    Raises :class:`ToolNotFound` and :class:`ToolTimeout`; a non-zero exit is
    returned, not raised, unless ``check`` is set (then ``CalledProcessError``).
    """
    argv = _resolve(argv, env)
    start = time.monotonic()
    try:
        proc = subprocess.run(
            argv,
            cwd=cwd,
            env=_child_env(env),
            input=input,
            capture_output=True,
            timeout=timeout,
            text=text,
            errors="replace" if text else None,
            start_new_session=True,
        )
    except subprocess.TimeoutExpired as exc:
        raw = exc.stdout or b""
        out = raw.decode(errors="replace") if isinstance(raw, bytes) else raw
        raise ToolTimeout(argv, timeout or 0, redact(out)) from None
    stdout = proc.stdout if text else proc.stdout.decode(errors="replace")
    stderr = proc.stderr if text else proc.stderr.decode(errors="replace")
    done = Completed(
        argv, proc.returncode, redact(stdout), redact(stderr), time.monotonic() - start
    )
    if check and not done.ok:
        raise subprocess.CalledProcessError(proc.returncode, argv, done.stdout, done.stderr)
    return done


def run_bytes(
    argv: Sequence[str],
    *,
    cwd: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float | None = 120.0,
) -> tuple[int, bytes, str]:
    """Run and return raw stdout bytes (for ``git log -z`` and archives)."""
    argv = _resolve(argv, env)
    try:
        proc = subprocess.run(
            argv,
            cwd=cwd,
            env=_child_env(env),
            capture_output=True,
            timeout=timeout,
            start_new_session=True,
        )
    except subprocess.TimeoutExpired:
        raise ToolTimeout(argv, timeout or 0, "") from None
    return proc.returncode, proc.stdout, redact(proc.stderr.decode(errors="replace"))


class Background:
    """A program whose stdout is read into memory by a thread while the
    caller does other work (e.g. imports); :meth:`result` waits for it.
    Used for ``git log`` of a whole history, which takes as long as
    shipline's own start-up."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        cwd: str | Path | None = None,
        env: Mapping[str, str] | None = None,
    ):
        self.argv = _resolve(argv, env)
        self.proc = subprocess.Popen(
            self.argv,
            cwd=cwd,
            env=_child_env(env),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        self._chunks: list[bytes] = []
        self._err: list[bytes] = []
        self._threads = [
            threading.Thread(target=self._drain, args=(src, dst), daemon=True)
            for src, dst in ((self.proc.stdout, self._chunks), (self.proc.stderr, self._err))
        ]
        for thread in self._threads:
            thread.start()

    @staticmethod
    def _drain(source: Any, sink: list[bytes]) -> None:
        for chunk in iter(lambda: source.read(1 << 16), b""):
            sink.append(chunk)

    def result(self, timeout: float | None = 300.0) -> tuple[int, bytes, str]:
        """``(returncode, stdout, redacted stderr)``; on timeout the process
        group is killed and :class:`ToolTimeout` raised."""
        # Join the readers first: they end the moment the program closes its
        # output. Popen.wait(timeout) polls with sleeps of up to 50 ms, which
        # a whole-history `git log` would pay after it has finished.
        deadline = None if timeout is None else time.monotonic() + timeout

        def left() -> float | None:
            return None if deadline is None else max(0.0, deadline - time.monotonic())

        try:
            for thread in self._threads:
                thread.join(left())
                if thread.is_alive():
                    raise subprocess.TimeoutExpired(self.argv, timeout or 0)
            self.proc.wait(left())
        except subprocess.TimeoutExpired:
            _kill_group(self.proc)  # type: ignore[arg-type]
            raise ToolTimeout(self.argv, timeout or 0, "") from None
        return (
            self.proc.returncode,
            b"".join(self._chunks),
            redact(b"".join(self._err).decode(errors="replace")),
        )


def stream(
    argv: Sequence[str] | str,
    on_line: Callable[[str], None],
    *,
    cwd: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
    shell: bool = False,
    cancel: threading.Event | None = None,
) -> Completed:
    """Run a program, calling ``on_line`` with each (redacted) output line
    as it arrives, stdout and stderr merged. On timeout or cancel the whole
    process group is killed and :class:`ToolTimeout` is raised (cancel
    raises ``KeyboardInterrupt``)."""
    if not shell:
        argv = _resolve(argv, env)
    start = time.monotonic()
    proc = subprocess.Popen(
        argv,
        cwd=cwd,
        env=_child_env(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        shell=shell,
        text=True,
        errors="replace",
        bufsize=1,
        start_new_session=True,
    )
    lines: list[str] = []
    assert proc.stdout is not None

    def pump() -> None:
        assert proc.stdout is not None
        for raw in proc.stdout:
            line = redact(raw.rstrip("\n"))
            lines.append(line)
            on_line(line)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    deadline = None if timeout is None else start + timeout
    try:
        while proc.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                _kill_group(proc)
                reader.join(2)
                shown = argv if isinstance(argv, list) else [str(argv)]
                raise ToolTimeout(shown, timeout or 0, "\n".join(lines[-20:]))
            if cancel is not None and cancel.is_set():
                _kill_group(proc)
                raise KeyboardInterrupt
            time.sleep(0.02)
    except KeyboardInterrupt:
        _kill_group(proc)
        raise
    reader.join(5)
    shown = argv if isinstance(argv, list) else [str(argv)]
    return Completed(shown, proc.returncode, "\n".join(lines), "", time.monotonic() - start)


def _kill_group(proc: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(5)
