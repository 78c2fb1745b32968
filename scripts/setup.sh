#!/usr/bin/env bash
# Create .venv with shipline and its locked dependencies (uv.lock).
# Idempotent: a second run only checks that everything matches the lock.
set -euo pipefail
cd "$(dirname "$0")/.."
UV_VERSION=0.13.9
if ! command -v uv >/dev/null 2>&1 || [ "$(uv --version | cut -d' ' -f2)" != "$UV_VERSION" ]; then
    python3 -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION" \
        || { echo "setup: could not install uv $UV_VERSION with pip" >&2; exit 1; }
fi
uv sync --frozen --quiet --compile-bytecode --python python3 "$@"
