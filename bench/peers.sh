#!/usr/bin/env bash
# The peers' venv for the benchmarks: commitizen, git-cliff (PyPI wheel) and
# python-semantic-release, pinned by the project's `bench` dependency group
# in uv.lock, in bench/.work/peers-venv (apart from shipline's own .venv).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$root/bench/.work"
mkdir -p "$work"
cd "$root"
uv export --only-group bench --frozen > "$work/req.txt"
[ -x "$work/peers-venv/bin/python" ] || uv venv -q "$work/peers-venv"
VIRTUAL_ENV="$work/peers-venv" uv pip install -q -r "$work/req.txt"
"$work/peers-venv/bin/cz" version | sed "s/^/cz                 /"
for tool in git-cliff semantic-release; do
  printf '%-18s %s\n' "$tool" "$("$work/peers-venv/bin/$tool" --version 2>&1 | tail -1)"
done
