#!/usr/bin/env python3
"""Generate a large, realistic Conventional-Commit history with ``git fast-import``.

The default is SPEC section 9's benchmark repository: 20,000 commits and 300
tags whose messages look like a real project's. Mixed types and scopes, ``!``
and ``BREAKING CHANGE:`` / ``BREAKING-CHANGE:`` footers with migration text,
multi-paragraph bodies and trailers, real two-parent merges of feature
branches, ``Revert "..."`` commits naming the real sha they revert, about 15%
non-conventional messages, a few messages with bytes that are not UTF-8,
source files changing, ``pyproject.toml``'s version bumped by a release commit
at every tag, tags ``vX.Y.Z`` (annotated and lightweight, some ``-rc.N``
prereleases), and a short tail of unreleased commits after the last tag.

The repository carries the configuration every tool under test needs:
``.shipline/config.json``, ``[tool.commitizen]`` and ``[tool.semantic_release]``
in ``pyproject.toml``, and a ``cliff.toml`` for git-cliff.

Everything is seeded: the same arguments give the same commit shas.

    python3 bench/gen_history.py                      # bench/.work/repo-20000x300
    python3 bench/gen_history.py --commits 2000 --tags 40 --out /tmp/small
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
START = 1_546_300_800  # 2019-01-01T00:00:00Z
TAIL = 40  # unreleased commits after the last tag (what `release plan` looks at)
NAME = "widget"

AUTHORS = [
    ("Ada Lovelace", "ada@example.org"),
    ("José Müller", "jose@example.org"),
    ("Grace Hopper", "grace@example.org"),
    ("Linus Ng", "linus@example.org"),
    ("Chloé Dubois", "chloe@example.org"),
    ("Sven Åberg", "sven@example.org"),
    ("Priya Raman", "priya@example.org"),
    ("Kenji Sato", "kenji@example.org"),
    ("Olu Adeyemi", "olu@example.org"),
    ("dependabot[bot]", "bot@example.org"),
    ("Marta Kowalska", "marta@example.org"),
    ("Tom O'Brien", "tom@example.org"),
]
TYPES = [
    ("feat", 22),
    ("fix", 30),
    ("docs", 9),
    ("chore", 10),
    ("refactor", 8),
    ("test", 7),
    ("ci", 4),
    ("build", 3),
    ("perf", 3),
    ("style", 2),
]
SCOPES = [
    "cli",
    "parser",
    "api",
    "core",
    "config",
    "http",
    "cache",
    "auth",
    "deps",
    "docs",
    "plugins",
    "logging",
    "db",
    "ui",
    "i18n",
    "packaging",
]
VERBS = {
    "feat": ["add", "support", "introduce", "allow", "expose", "implement"],
    "fix": ["fix", "handle", "correct", "avoid", "prevent", "guard against"],
    "perf": ["speed up", "cache", "avoid copying in", "stream", "batch"],
    "refactor": ["extract", "simplify", "split", "rename", "inline"],
    "docs": ["document", "clarify", "add example for", "fix typo in", "rewrite"],
    "test": ["cover", "add tests for", "parametrize", "fix flaky test of"],
    "chore": ["bump", "update", "tidy", "remove unused", "pin"],
    "ci": ["run", "cache", "split", "retry", "pin"],
    "build": ["bump", "vendor", "drop", "require", "package"],
    "style": ["format", "reorder imports in", "lint", "reflow"],
}
NOUNS = [
    "the config loader",
    "retry logic",
    "JSON output",
    "the plugin registry",
    "timeouts",
    "unicode paths",
    "the progress bar",
    "empty input",
    "large files",
    "the HTTP client",
    "token refresh",
    "the cache key",
    "Windows line endings",
    "the --verbose flag",
    "nested scopes",
    "the schema validator",
    "proxy settings",
    "the lock file",
    "symlinks",
    "error messages",
    "the migration runner",
    "TLS verification",
    "pagination",
    "the REST endpoint",
    "async workers",
    "default values",
    "the release notes",
    "environment variables",
    "log rotation",
]
NONCONV = [
    "Update README.md",
    "WIP",
    "fixed the thing",
    "Bump dependencies",
    "Merge fixes from review",
    "typo",
    "Initial work on {n}",
    "cleanup",
    "Address review comments",
    "Update {n}",
    "more tests",
    "oops",
    "Fix build",
    "Improve {n}",
    "Small refactor of {n}",
    "formatting",
    "Apply suggestions from code review",
    "Update CONTRIBUTING",
    "tweak {n}",
]
SENTENCES = [
    "The previous behaviour surprised users who relied on the documented defaults.",
    "This keeps the hot path free of allocations.",
    "Reported on the issue tracker by several people running on CI.",
    "We now check the value once at start-up instead of on every call.",
    "The old code path stays available behind a flag for one more release.",
    "Tests cover the empty, single and many cases.",
    "No user-visible change except clearer error messages.",
    "See the discussion in the design document for the trade-offs.",
    "This matches what other tools in the ecosystem do.",
    "Benchmarks show a modest improvement on large inputs.",
]
TRAILERS = [
    "Refs: #{i}",
    "Closes #{i}",
    "Fixes #{i}",
    "Reviewed-by: {a}",
    "Co-authored-by: {a} <{e}>",
    "Signed-off-by: {a} <{e}>",
]
MIGRATIONS = [
    "the `{n}` option was removed; use `--{s}-mode` instead.",
    "`load_config()` now returns a frozen object; copy it with `.replace()` to change values.",
    "the default for `{n}` changed from `true` to `false`; set it explicitly to keep the "
    "old behaviour.",
    "Python 3.8 is no longer supported.",
    "the `/v1/{s}` endpoint is gone; clients must call `/v2/{s}`.",
]
LATIN1 = [
    b"fix(i18n): handle caf\xe9 locale names",
    b"docs: credit Fran\xe7ois for the translation",
    b"Update na\xefve date parsing",
]


@dataclass
class Release:
    version: tuple[int, int, int]
    pre: int = 0  # rc number, 0 for a final release


@dataclass
class State:
    rng: random.Random
    t: int = START
    mark: int = 0
    commits: int = 0
    merges: int = 0
    reverts: int = 0
    nonconv: int = 0
    bad_bytes: int = 0
    breaking: int = 0
    tags: list[str] = field(default_factory=list)
    revertable: list[tuple[int, str]] = field(default_factory=list)  # (mark, header)
    pending: set[str] = field(default_factory=set)  # kinds since the last final release


def _pyproject(version: str) -> str:
    return f'''[project]
name = "{NAME}"
version = "{version}"
description = "A widget toolkit (generated benchmark history)."
requires-python = ">=3.9"

[tool.commitizen]
name = "cz_conventional_commits"
version_provider = "pep621"
version_scheme = "semver2"
tag_format = "v$version"
update_changelog_on_bump = false

[tool.semantic_release]
version_toml = ["pyproject.toml:project.version"]
tag_format = "v{{version}}"
commit_parser = "conventional"
allow_zero_version = true
major_on_zero = false
no_git_verify = true

[tool.semantic_release.branches.main]
match = "main"
prerelease = false

[tool.semantic_release.changelog]
mode = "init"
exclude_commit_patterns = []

[tool.semantic_release.changelog.default_templates]
changelog_file = "CHANGELOG.md"
output_format = "md"

[tool.semantic_release.remote]
type = "github"
ignore_token_for_push = true
'''


CLIFF_TOML = r'''# git-cliff configuration: Keep a Changelog layout grouped by commit type.
[changelog]
header = """
# Changelog\n
All notable changes to this project will be documented in this file.\n
"""
body = """
{% if version %}\
    ## [{{ version | trim_start_matches(pat="v") }}] - {{ timestamp | date(format="%Y-%m-%d") }}
{% else %}\
    ## [Unreleased]
{% endif %}\
{% for group, commits in commits | group_by(attribute="group") %}
    ### {{ group | striptags | trim | upper_first }}
    {% for commit in commits %}
        - {% if commit.scope %}*({{ commit.scope }})* {% endif %}\
            {% if commit.breaking %}[**breaking**] {% endif %}\
            {{ commit.message | upper_first }}\
            {% if commit.breaking_description and commit.breaking %}
          {{ commit.breaking_description }}{% endif %}\
    {% endfor %}
{% endfor %}\n
"""
footer = """
<!-- generated by git-cliff -->
"""
trim = true

[git]
conventional_commits = true
filter_unconventional = false
split_commits = false
protect_breaking_commits = true
commit_parsers = [
  { message = "^feat", group = "<!-- 0 -->Features" },
  { message = "^fix", group = "<!-- 1 -->Bug Fixes" },
  { message = "^perf", group = "<!-- 2 -->Performance" },
  { message = "^refactor", group = "<!-- 3 -->Refactor" },
  { message = "^doc", group = "<!-- 4 -->Documentation" },
  { message = "^style", group = "<!-- 5 -->Styling" },
  { message = "^test", group = "<!-- 6 -->Testing" },
  { message = "^chore\\(release\\)", skip = true },
  { message = "^(chore|ci|build)", group = "<!-- 7 -->Miscellaneous Tasks" },
  { message = "^[Rr]evert", group = "<!-- 8 -->Revert" },
  { message = ".*", group = "<!-- 9 -->Other" },
]
filter_commits = false
tag_pattern = "v[0-9].*"
topo_order = false
sort_commits = "newest"
'''

SHIPLINE_CONFIG = {
    "release": {
        "tagPrefix": "v",
        "branch": "main",
        "versionBump": ["pyproject.toml"],
        "changelog": {"path": "CHANGELOG.md"},
        "gates": [],
    }
}


class Importer:
    """A ``git fast-import`` process fed through a buffered pipe."""

    def __init__(self, repo: Path) -> None:
        self.proc = subprocess.Popen(
            ["git", "-C", str(repo), "fast-import", "--quiet", "--done"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.out = self.proc.stdin
        self.resp = self.proc.stdout

    def write(self, data: bytes) -> None:
        self.out.write(data)

    def data(self, payload: bytes) -> None:
        self.out.write(b"data %d\n" % len(payload) + payload + b"\n")

    def sha(self, mark: int) -> str:
        """The real sha of an already-written commit (fast-import's ``get-mark``)."""
        self.out.write(b"get-mark :%d\n" % mark)
        self.out.flush()
        return self.resp.readline().decode().strip()

    def close(self) -> None:
        self.out.write(b"done\n")
        self.out.close()
        if self.proc.wait() != 0:
            raise SystemExit("git fast-import failed")


class Generator:
    def __init__(self, repo: Path, commits: int, tags: int, seed: int) -> None:
        self.repo, self.total, self.ntags = repo, commits, tags
        self.s = State(rng=random.Random(seed))
        self.imp = Importer(repo)
        self.main_mark = 0
        self.main_files: dict[str, bytes] = {}
        self.branch: dict | None = None
        self.release = Release((0, 0, 0))
        # every kind of message at least once, whatever the size
        self.forced = {
            commits * 3 // 10: (LATIN1[0] + b"\n\nA stray byte: \xff end.\n", "fix"),
            commits // 2: (
                b"feat(api)!: drop the v1 endpoints\n\nThe v1 API was deprecated "
                b"two releases ago.\n\nBREAKING CHANGE: the `/v1/items` endpoint is "
                b"gone; clients must call `/v2/items`.\nRefs: #4242\n",
                "breaking",
            ),
            commits * 7 // 10: (
                b"fix(config): read settings from XDG_CONFIG_HOME\n\n"
                b"BREAKING-CHANGE: `~/.widgetrc` is no longer read; move it to "
                b"`~/.config/widget/config.toml`.\n",
                "breaking",
            ),
        }

    # ---------------------------------------------------------------- messages
    def _clock(self) -> int:
        self.s.t += int(self.s.rng.expovariate(1 / 9000)) + 30
        return self.s.t

    def _who(self) -> tuple[str, str]:
        return self.s.rng.choice(AUTHORS)

    def _body(self) -> str:
        rng = self.s.rng
        paras = []
        for _ in range(rng.choice([1, 1, 2, 2, 3])):
            paras.append(" ".join(rng.sample(SENTENCES, rng.randint(1, 3))))
        return "\n\n".join(paras)

    def _trailers(self) -> list[str]:
        rng = self.s.rng
        out = []
        for _ in range(rng.choice([0, 0, 1, 1, 2])):
            a, e = self._who()
            out.append(rng.choice(TRAILERS).format(i=rng.randint(1, 9000), a=a, e=e))
        return out

    def message(self) -> tuple[bytes, str]:
        """A commit message and its kind (breaking, feat, fix, other, nonconv)."""
        rng = self.s.rng
        forced = self.forced.pop(self.s.commits, None)
        if forced:
            self.s.bad_bytes += b"\xff" in forced[0]
            self.s.breaking += forced[1] == "breaking"
            return forced
        if rng.random() < 0.001:
            self.s.bad_bytes += 1
            raw = rng.choice(LATIN1)
            return (
                raw + b"\n\nSome text with a stray byte: \xff\xfe end.\n",
                "fix" if raw.startswith(b"fix") else "other",
            )
        if rng.random() < 0.15:
            self.s.nonconv += 1
            subject = rng.choice(NONCONV).format(n=rng.choice(NOUNS))
            body = self._body() if rng.random() < 0.2 else ""
            return (subject + ("\n\n" + body if body else "") + "\n").encode(), "nonconv"
        kinds, weights = zip(*TYPES, strict=True)
        ctype = rng.choices(kinds, weights)[0]
        scope = rng.choice(SCOPES) if rng.random() < 0.7 else None
        desc = f"{rng.choice(VERBS[ctype])} {rng.choice(NOUNS)}"
        if rng.random() < 0.1:
            desc += f" (#{rng.randint(100, 9000)})"
        bang = ctype in ("feat", "fix", "refactor", "perf") and rng.random() < 0.0008
        footer_breaking = ctype in ("feat", "fix", "refactor") and rng.random() < 0.0006
        header = f"{ctype}{f'({scope})' if scope else ''}{'!' if bang else ''}: {desc}"
        parts = [header]
        if rng.random() < 0.45 or bang or footer_breaking:
            parts.append(self._body())
        footers = self._trailers()
        if footer_breaking or (bang and rng.random() < 0.7):
            token = rng.choice(["BREAKING CHANGE", "BREAKING CHANGE", "BREAKING-CHANGE"])
            note = rng.choice(MIGRATIONS).format(
                n=rng.choice(["strict", "cache", "color"]), s=rng.choice(SCOPES)
            )
            footers.append(f"{token}: {note}")
        if footers:
            parts.append("\n".join(footers))
        if bang or footer_breaking:
            self.s.breaking += 1
            kind = "breaking"
        else:
            kind = {"feat": "feat", "fix": "fix", "perf": "fix"}.get(ctype, "other")
        return ("\n\n".join(parts) + "\n").encode(), kind

    # ----------------------------------------------------------------- commits
    def _commit(
        self,
        ref: str,
        parent: int | None,
        merge: int | None,
        msg: bytes,
        files: dict[str, bytes],
        who: tuple[str, str] | None = None,
    ) -> int:
        s = self.s
        s.mark += 1
        s.commits += 1
        a, e = who or self._who()
        when = self._clock()
        out = [
            b"commit %s\nmark :%d\n" % (ref.encode(), s.mark),
            f"author {a} <{e}> {when} +0000\n".encode(),
            f"committer {a} <{e}> {when} +0000\n".encode(),
        ]
        self.imp.write(b"".join(out))
        self.imp.data(msg)
        if parent:
            self.imp.write(b"from :%d\n" % parent)
        if merge:
            self.imp.write(b"merge :%d\n" % merge)
        for path, content in files.items():
            self.imp.write(f"M 100644 inline {path}\n".encode())
            self.imp.data(content)
        self.imp.write(b"\n")
        return s.mark

    def _source_change(self) -> dict[str, bytes]:
        rng = self.s.rng
        module = f"src/{NAME}/{rng.choice(SCOPES)}.py"
        n = rng.randint(5, 25)
        body = "".join(
            f"def f{i}_{self.s.mark}(x):\n    return x * {rng.randint(1, 99)}\n\n" for i in range(n)
        )
        change = {module: f'"""{module}"""\n\n{body}'.encode()}
        if rng.random() < 0.15:
            change[f"docs/{rng.choice(SCOPES)}.md"] = f"# Notes {self.s.mark}\n".encode()
        return change

    def work_commit(self) -> None:
        """One ordinary change, on the open feature branch or on main."""
        s = self.s
        rng = s.rng
        if self.branch and rng.random() < 0.5:
            b = self.branch
            msg, kind = self.message()
            files = self._source_change()
            b["files"].update(files)
            b["tip"] = self._commit(b["ref"], b["tip"], None, msg, files)
            b["kinds"].add(kind)
            b["left"] -= 1
            if b["left"] == 0:
                self._merge()
            return
        if len(s.revertable) > 20 and rng.random() < 0.008:
            mark, header = rng.choice(s.revertable[-200:])
            sha = self.imp.sha(mark)
            s.reverts += 1
            msg = f'Revert "{header}"\n\nThis reverts commit {sha}.\n'.encode()
            self.main_mark = self._commit(
                "refs/heads/main", self.main_mark, None, msg, self._source_change()
            )
            s.pending.add("fix")
            return
        msg, kind = self.message()
        self.main_mark = self._commit(
            "refs/heads/main", self.main_mark, None, msg, self._source_change()
        )
        s.pending.add(kind)
        if kind != "nonconv" and b"\xff" not in msg:
            s.revertable.append((self.main_mark, msg.split(b"\n", 1)[0].decode()))
        if self.branch is None and rng.random() < 0.03:
            n = rng.randint(2, 6)
            self.branch = {
                "ref": f"refs/heads/topic-{s.mark}",
                "tip": self.main_mark,
                "files": {},
                "kinds": set(),
                "left": n,
                "name": f"{rng.choice(['feature', 'fix', 'topic'])}/{s.mark}",
            }

    def _merge(self) -> None:
        b, s = self.branch, self.s
        assert b is not None
        self.branch = None
        s.merges += 1
        if s.rng.random() < 0.6:
            a, _ = self._who()
            msg = (
                f"Merge pull request #{s.rng.randint(100, 9000)} from "
                f"{a.split()[0].lower()}/{b['name']}\n\n{s.rng.choice(NOUNS)}\n"
            )
        else:
            msg = f"Merge branch '{b['name']}'\n"
        self.main_mark = self._commit(
            "refs/heads/main", self.main_mark, b["tip"], msg.encode(), b["files"]
        )
        self.imp.write(
            f"reset {b['ref']}\nfrom 0000000000000000000000000000000000000000\n\n".encode()
        )
        s.pending |= b["kinds"]

    # ---------------------------------------------------------------- releases
    def _next_version(self) -> tuple[int, int, int]:
        major, minor, patch = self.release.version
        pending = self.s.pending
        if major == 0 and len(self.s.tags) >= 40:
            return (1, 0, 0)
        if "breaking" in pending:
            return (major + 1, 0, 0) if major else (0, minor + 1, 0)
        if "feat" in pending:
            return (major, minor + 1, 0)
        return (major, minor, patch + 1)

    def tag(self) -> None:
        s, rng = self.s, self.s.rng
        rel = self.release
        if rel.pre:  # in an rc series: another rc, or the final release
            final = rng.random() < 0.55
            new = Release(rel.version, 0 if final else rel.pre + 1)
        elif not self.s.tags:
            new = Release((0, 1, 0))
        else:
            rc = rng.random() < 0.12
            new = Release(self._next_version(), 1 if rc else 0)
        version = ".".join(map(str, new.version)) + (f"-rc.{new.pre}" if new.pre else "")
        content = _pyproject(version).encode()
        self.main_mark = self._commit(
            "refs/heads/main",
            self.main_mark,
            None,
            f"chore(release): {version}\n".encode(),
            {"pyproject.toml": content},
            who=("Release Bot", "release@example.org"),
        )
        name = f"v{version}"
        if rng.random() < 0.7:
            self.imp.write(
                f"tag {name}\nfrom :{self.main_mark}\n"
                f"tagger Release Bot <release@example.org> {s.t} +0000\n".encode()
            )
            self.imp.data(f"Release {version}\n".encode())
        else:
            self.imp.write(f"reset refs/tags/{name}\nfrom :{self.main_mark}\n\n".encode())
        s.tags.append(name)
        self.release = new
        if not new.pre:
            s.pending = set()

    def initial(self) -> None:
        files = {
            "pyproject.toml": _pyproject("0.0.0").encode(),
            "cliff.toml": CLIFF_TOML.encode(),
            ".shipline/config.json": (json.dumps(SHIPLINE_CONFIG, indent=2) + "\n").encode(),
            "README.md": f"# {NAME}\n\nGenerated benchmark repository.\n".encode(),
            ".gitignore": b"__pycache__/\n.shipline/journal*\n.shipline/*.lock\n",
            f"src/{NAME}/__init__.py": b'"""widget"""\n',
        }
        self.main_mark = self._commit(
            "refs/heads/main", None, None, b"chore: initial commit\n", files, who=AUTHORS[0]
        )

    def run(self) -> None:
        self.initial()
        body = self.total - TAIL - 1
        spots = [int((i + 1) * body / self.ntags) for i in range(self.ntags)]
        for spot in spots:
            # fill up to one commit short of the spot, the release commit is the last
            while self.s.commits < spot:
                self.work_commit()
            self.tag()
        # the unreleased tail: make sure it carries a feat so a bump is inferred
        while self.s.commits < self.total - 2:
            self.work_commit()  # adds one commit, or two when it closes a branch
        if self.branch:
            self._merge()
        while self.s.commits < self.total:
            msg = b"feat(cli): add --summary-%d flag\n\nPrints a summary.\n" % self.s.commits
            self.main_mark = self._commit(
                "refs/heads/main", self.main_mark, None, msg, self._source_change()
            )
        self.imp.close()


def generate(out: Path, commits: int, tags: int, seed: int) -> dict:
    if commits < tags * 3 + TAIL + 10:
        raise SystemExit(f"--commits must be at least {tags * 3 + TAIL + 10} for {tags} tags")
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    t0 = time.perf_counter()
    subprocess.run(["git", "init", "-q", "-b", "main", str(out)], check=True)
    gen = Generator(out, commits, tags, seed)
    gen.run()
    git = ["git", "-C", str(out)]
    subprocess.run([*git, "checkout", "-q", "-f", "main"], check=True)
    subprocess.run(
        [*git, "remote", "add", "origin", f"https://github.com/acme/{NAME}.git"], check=True
    )
    for key, value in (
        ("user.name", "Bench"),
        ("user.email", "bench@example.org"),
        ("commit.gpgsign", "false"),
        ("tag.gpgsign", "false"),
    ):
        subprocess.run([*git, "config", key, value], check=True)
    s = gen.s
    return {
        "path": str(out),
        "commits": s.commits,
        "tags": len(s.tags),
        "merges": s.merges,
        "reverts": s.reverts,
        "nonConventional": s.nonconv,
        "nonUtf8": s.bad_bytes,
        "breaking": s.breaking,
        "firstTag": s.tags[0],
        "lastTag": s.tags[-1],
        "rcTags": sum("-rc." in t for t in s.tags),
        "seconds": round(time.perf_counter() - t0, 2),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--commits", type=int, default=20_000)
    ap.add_argument("--tags", type=int, default=300)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--out", type=Path, help="default: bench/.work/repo-COMMITSxTAGS")
    args = ap.parse_args(argv)
    out = args.out or HERE / ".work" / f"repo-{args.commits}x{args.tags}"
    print(json.dumps(generate(out.resolve(), args.commits, args.tags, args.seed)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
