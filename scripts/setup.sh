#!/usr/bin/env bash
# Create .venv with shipline and its locked dependencies (uv.lock).
# Idempotent: a second run only checks that everything matches the lock.
# Quiet when all goes well: pip's notes (running as root, a machine-wide
# find-links folder that does not exist) are shown only when it fails.
set -euo pipefail
cd "$(dirname "$0")/.."
UV_VERSION=0.13.9
UV=(uv)
if ! command -v uv >/dev/null 2>&1 || [ "$(uv --version | cut -d' ' -f2)" != "$UV_VERSION" ]; then
    # through the interpreter it was installed for: its scripts folder may
    # not be on PATH
    UV=(python3 -m uv)
    log="$(mktemp)"
    PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_WARN_SCRIPT_LOCATION=1 \
        python3 -m pip install --quiet "uv==$UV_VERSION" >"$log" 2>&1 \
        || { cat "$log" >&2; rm -f "$log"; echo "setup: could not install uv $UV_VERSION with pip" >&2; exit 1; }
    rm -f "$log"
fi
"${UV[@]}" sync --frozen --quiet --compile-bytecode --python python3 "$@"
