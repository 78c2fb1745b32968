"""runner.Background: a program read while shipline does other work; its
result comes as soon as the program ends, and a timeout kills it."""

from __future__ import annotations

import sys
import time

import pytest

from shipline.domain import runner


def test_the_whole_output_and_the_exit_code() -> None:
    script = "import sys; sys.stdout.write('x' * 300000); sys.stderr.write('warn'); sys.exit(3)"
    rc, out, err = runner.Background([sys.executable, "-c", script]).result(timeout=60)
    assert (rc, len(out), err) == (3, 300000, "warn")


def test_a_program_that_outlives_the_timeout_is_killed() -> None:
    started = time.monotonic()
    run = runner.Background([sys.executable, "-c", "import time; time.sleep(30)"])
    with pytest.raises(runner.ToolTimeout):
        run.result(timeout=0.5)
    assert run.proc.poll() is not None  # killed, not left behind
    assert time.monotonic() - started < 20


def test_closing_its_output_early_does_not_escape_the_timeout() -> None:
    script = "import os, time; os.close(1); os.close(2); time.sleep(30)"
    run = runner.Background([sys.executable, "-c", script])
    with pytest.raises(runner.ToolTimeout):
        run.result(timeout=0.5)
    assert run.proc.poll() is not None
