#!/usr/bin/env bash
# Set up, make a sample repository with a realistic history, and show what
# `shipline release plan` would do there.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
demo="${SHIPLINE_DEMO_DIR:-$PWD/.shipline-demo}"
repo=$(.venv/bin/python -m domain.sample "$demo")
exec .venv/bin/shipline -C "$repo" release plan "$@"
