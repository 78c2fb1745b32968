#!/usr/bin/env bash
# Set up from nothing and run the whole test suite (what CI runs).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ -f scripts/install-test-deps.sh ]; then
    bash scripts/install-test-deps.sh
fi
exec .venv/bin/python -m pytest -n 2 -q "$@"
