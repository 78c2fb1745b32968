#!/usr/bin/env bash
# Set up from nothing, then `shipline demo`: a sandbox repository with a
# realistic history, a local PyPI index and an ephemeral signing key, and a
# whole release with provenance (the terminal UI in a terminal; headless
# otherwise or with --headless).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ -t 0 ] && [ -t 1 ]; then
    exec .venv/bin/shipline demo "$@"
fi
exec .venv/bin/shipline demo --headless "$@"
