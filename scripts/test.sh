#!/usr/bin/env bash
# Set up from nothing and run the whole test suite (what CI runs).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ -f scripts/install-test-deps.sh ]; then
    bash scripts/install-test-deps.sh
fi
# The suite starts shipline as a subprocess hundreds of times: with bytecode
# caches (git-ignored __pycache__), as an installed shipline runs, each start
# skips compiling ~200 modules. Some shells and CI images turn them off.
unset PYTHONDONTWRITEBYTECODE
exec .venv/bin/python -m pytest -n 3 --dist worksteal -q "$@"
