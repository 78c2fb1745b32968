"""The SLSA L4 two-party review (SPEC section 8): evidence, checks,
signed approvals and the level decision.

- :func:`collect_evidence` gathers what a reviewer looks at: the commit
  range since the previous release, the diff of build configuration (config,
  lock files, Dockerfiles, CI workflows), artifacts with digests, the SBOM
  summary, every ``verify`` check of the release, the current level, the
  checks shipline runs itself (rebuild, pinned builder, dependency
  provenance) and the reviews recorded so far.
- :func:`submit_review` signs a review statement (in-toto Statement v1,
  predicate type :data:`PREDICATE_TYPE`, subject = the release's attestation
  file and its SHA-256) with gpg or sigstore, writes it under
  ``<state>/reviews/``, and appends a ``review`` ledger record naming the
  release record's hash (the release record is never edited). Rejections are
  recorded the same way.
- :func:`decide` says whether L4 holds: approvals from at least two distinct
  identities, at least one neither the release's author (commit author,
  committer, tagger) nor its signer, no identity whose latest verdict is a
  rejection, the release at L3 with a verifying chain, and the rebuild,
  pinned-builder and dependency checks passing. Then a ``level`` record is
  appended, once; otherwise every missing requirement is listed.
- :func:`verify_reviews` checks every review and level record like the other
  links: signature (92), statement and identity (94).

Identities: a gpg reviewer is their key's fingerprint and the e-mail of its
user id; a sigstore reviewer the certificate's identity. Two keys with one
e-mail are one person (counted once).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shipline.domain.config import LoadedConfig
from shipline.domain.digests import sha256_file
from shipline.domain.errors import ReleaseNotFound, ShiplineError
from shipline.domain.gitops import Git
from shipline.domain.provenance import attestation as att
from shipline.domain.provenance import ledger as ldg
from shipline.domain.review.checks import PASS, Check

PREDICATE_TYPE = "https://shipline.dev/review/v1"
REVIEWS_DIR = "reviews"
L3, L4 = "SLSA_BUILD_LEVEL_3", "SLSA_BUILD_LEVEL_4"
BUILD_CONFIG = (".shipline/config.json", ".cleo/config.json", "pyproject.toml", "setup.py",
                "setup.cfg", "package.json", "Cargo.toml", ":(glob)**/*.lock",
                ":(glob)**/requirements*.txt", ":(glob)**/package-lock.json",
                ":(glob)**/npm-shrinkwrap.json", ":(glob)**/pnpm-lock.yaml",
                ":(glob)**/Dockerfile*", ":(glob)**/Containerfile*", ".github/workflows",
                ".gitlab-ci.yml", ".circleci", "go.sum")
_EMAIL = re.compile(r"<([^<>@\s]+@[^<>\s]+)>|([^<>@\s]+@[^<>\s]+)")


@dataclass
class ReviewView:
    """One recorded review and whether it holds."""

    hash: str
    reviewer: str
    approved: bool
    recorded_at: str
    identity: str
    """Who counts: the e-mail (or fingerprint / certificate identity)."""
    independent: bool
    valid: bool
    problem: str = ""
    code: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"hash": self.hash, "reviewer": self.reviewer, "approved": self.approved,
                "recordedAt": self.recorded_at, "identity": self.identity,
                "independent": self.independent, "valid": self.valid,
                "problem": self.problem, "code": self.code}


@dataclass
class Evidence:
    version: str
    tag: str | None
    commit: str
    release_hash: str
    previous_tag: str | None
    commits: list[dict[str, str]]
    config_changes: list[dict[str, str]]
    config_diff: str
    artifacts: list[dict[str, Any]]
    attestation: dict[str, Any]
    sbom: dict[str, Any] | None
    verification: list[dict[str, Any]]
    verify_ok: bool
    release_level: str | None
    level: str | None
    author_identities: list[str]
    checks: list[Check]
    reviews: list[ReviewView] = field(default_factory=list)
    l4_missing: list[str] = field(default_factory=list)

    def check(self, name: str) -> Check | None:
        return next((c for c in self.checks if c.name == name), None)

    def to_json(self) -> dict[str, Any]:
        return {"version": self.version, "tag": self.tag, "commit": self.commit,
                "releaseHash": self.release_hash, "previousTag": self.previous_tag,
                "commits": self.commits, "configChanges": self.config_changes,
                "configDiff": self.config_diff, "artifacts": self.artifacts,
                "attestation": self.attestation, "sbom": self.sbom,
                "verification": self.verification, "verifyOk": self.verify_ok,
                "releaseLevel": self.release_level, "level": self.level,
                "authorIdentities": self.author_identities,
                "checks": [c.to_json() for c in self.checks],
                "reviews": [r.to_json() for r in self.reviews], "l4Missing": self.l4_missing}


# --- the release and its people ---------------------------------------------------


def find_release(book: ldg.Ledger, version: str) -> tuple[int, dict[str, Any]]:
    bare = version[1:] if version[:1] in ("v", "V") else version
    found = book.find_release(bare) or book.find_release(version)
    if found is None:
        raise ReleaseNotFound(f"{book.path}: no release {version} is recorded",
                              hint="`shipline ledger` lists the recorded releases")
    return found


def _resolver(repo: Path) -> Callable[[str], Path]:
    return lambda rel: Path(rel) if Path(rel).is_absolute() else repo / rel


def _emails(text: str) -> set[str]:
    return {(a or b).lower() for a, b in _EMAIL.findall(text or "")}


def gpg_uids(keyring: Path) -> list[str]:
    """The user ids of the (pinned, exported) key in ``keyring``."""
    import tempfile

    from shipline.domain import runner

    with tempfile.TemporaryDirectory(prefix="gu", dir="/tmp") as home:
        done = runner.run(["gpg", "--homedir", home, "--batch", "--no-tty", "--no-autostart",
                           "--with-colons", "--import-options", "show-only", "--import",
                           str(keyring)], timeout=60)
    return [line.split(":")[9] for line in done.stdout.splitlines()
            if line.startswith("uid:") and len(line.split(":")) > 9]


def signer_identities(block: Mapping[str, Any], resolve: Callable[[str], Path]) -> set[str]:
    """Fingerprint and e-mails of who a signature block says signed."""
    out: set[str] = set()
    if block.get("fingerprint"):
        out.add(f"fpr:{str(block['fingerprint']).upper()}")
    if block.get("identity"):
        out.add(str(block["identity"]).lower())
        out |= _emails(str(block["identity"]))
    if block.get("method") == "gpg" and block.get("publicKey"):
        key = resolve(block["publicKey"])
        if key.is_file():
            for uid in gpg_uids(key):
                out |= _emails(uid)
    return out


def author_identities(git: Git, record: Mapping[str, Any],
                      resolve: Callable[[str], Path]) -> set[str]:
    """The release's author: commit author, committer and tagger e-mails,
    and its signer (fingerprint, identity and key e-mails)."""
    found: set[str] = set()
    people = git.try_out("log", "-1", "--format=%ae%n%ce", record["commitSha"]) or ""
    found |= {line.strip().lower() for line in people.splitlines() if line.strip()}
    if record.get("gitTag"):
        tagger = git.try_out("for-each-ref", f"refs/tags/{record['gitTag']}",
                             "--format=%(taggeremail)") or ""
        found |= _emails(tagger)
    for artifact in record["artifacts"]:
        found |= signer_identities(artifact["signature"], resolve)
    return found


# --- checking recorded reviews ------------------------------------------------------


def _statement_problem(statement: Any, review: Mapping[str, Any], release: Mapping[str, Any],
                       subject: tuple[str, str] | None) -> str | None:
    if not isinstance(statement, dict) or statement.get("_type") != att.STATEMENT_TYPE \
            or statement.get("predicateType") != PREDICATE_TYPE \
            or not isinstance(statement.get("predicate"), dict):
        return f"not an in-toto v1 statement with predicate type {PREDICATE_TYPE}"
    pred = statement["predicate"]
    about = pred.get("release") if isinstance(pred.get("release"), dict) else {}
    if about.get("version") != release["version"] or about.get("recordHash") != release["hash"]:
        return (f"the statement approves release {about.get('version')} (record "
                f"{str(about.get('recordHash'))[:12]}), not {release['version']} (record "
                f"{release['hash'][:12]}): an approval for the wrong release")
    subjects = statement.get("subject")
    wanted = [{"name": subject[0], "digest": {"sha256": subject[1]}}] if subject else None
    if subjects != wanted:
        got = [(s.get("name"), (s.get("digest") or {}).get("sha256")) for s in subjects or []
               if isinstance(s, dict)]
        return (f"its subject {got} is not release {release['version']}'s attestation "
                f"{subject}: it approves another release's evidence")
    if pred.get("verdict") != ("approve" if review["approved"] else "reject"):
        return f"the signed verdict {pred.get('verdict')!r} differs from the record's"
    if pred.get("checks") != review["checks"]:
        return "the checks the reviewer signed differ from the record's"
    who = pred.get("reviewer") if isinstance(pred.get("reviewer"), dict) else {}
    if who.get("identity") not in (None, review["reviewer"]):
        return f"the statement names reviewer {who.get('identity')!r}, the record " \
               f"{review['reviewer']!r}"
    signer = review["signature"].get("fingerprint")
    if who.get("method") != review["signature"].get("method") or \
            who.get("fingerprint") not in (None, signer):
        return f"the statement names a {who.get('method')} key {who.get('fingerprint')}, " \
               f"but {review['signature'].get('method')} {signer} signed it"
    return None


def release_subject(release: Mapping[str, Any], repo: Path) -> tuple[str, str] | None:
    """(file name, sha256) of the release's attestation file, as it is now."""
    rel = next((a["attestation"] for a in release["artifacts"] if a.get("attestation")), None)
    if rel is None:
        return None
    path = _resolver(repo)(rel)
    return (path.name, sha256_file(path).sha256) if path.is_file() else None


def check_review(review: Mapping[str, Any], release: Mapping[str, Any], repo: Path,
                 authors: set[str]) -> ReviewView:
    """Verify one review record against its release (never raises)."""
    from shipline.domain.signing import envelope as signing

    resolve = _resolver(repo)
    block = review["signature"]
    ids = signer_identities(block, resolve)
    emails = sorted(i for i in ids if "@" in i and not i.startswith("fpr:"))
    identity = emails[0] if emails else (sorted(ids)[0] if ids else review["reviewer"])
    view = ReviewView(review["hash"], review["reviewer"], review["approved"],
                      review["recordedAt"], identity, not (ids & authors), False)

    def fail(code: int, problem: str) -> ReviewView:
        view.code, view.problem = code, problem
        return view

    if review["releaseHash"] != release["hash"]:
        return fail(94, f"names release record {review['releaseHash'][:12]}, not "
                        f"{release['hash'][:12]}")
    if not review.get("statement") or not block.get("signed"):
        return fail(92, "the review is not signed")
    try:
        envelope = att.read_envelope(resolve(review["statement"]))
        payload = att.envelope_payload(envelope, require_signature=True)
        signing.verify(envelope, payload, block, resolve)
        from shipline.domain.jsonio import loads_strict

        statement = loads_strict(payload)
    except ShiplineError as exc:
        return fail(int(exc.code), exc.message)
    except ValueError as exc:
        return fail(94, f"{review['statement']}: the statement is not JSON: {exc}")
    problem = _statement_problem(statement, review, release, release_subject(release, repo))
    if problem:
        return fail(94, problem)
    if block.get("method") == "gpg":
        uids = gpg_uids(resolve(block["publicKey"]))
        if review["reviewer"] not in uids:
            return fail(94, f"reviewer {review['reviewer']!r} is not a user id of key "
                            f"{block.get('fingerprint')} ({uids})")
    elif review["reviewer"] != block.get("identity"):
        return fail(94, f"reviewer {review['reviewer']!r} is not the certificate's identity "
                        f"{block.get('identity')!r}")
    view.valid = True
    return view


def release_reviews(book: ldg.Ledger, release: Mapping[str, Any], repo: Path,
                    authors: set[str]) -> list[ReviewView]:
    return [check_review(r, release, repo, authors) for r in book.records
            if r.get("recordType") == "review" and r.get("releaseHash") == release["hash"]]


# --- the level decision ------------------------------------------------------------------


def approvals(reviews: list[ReviewView]) -> tuple[list[ReviewView], list[str]]:
    """The valid approvals that count (one per identity, its latest verdict)
    and the identities whose latest valid verdict is a rejection."""
    latest: dict[str, ReviewView] = {}
    for view in reviews:
        if view.valid:
            latest[view.identity] = view
    return ([v for v in latest.values() if v.approved],
            sorted(i for i, v in latest.items() if not v.approved))


def decide(evidence: Evidence) -> list[str]:
    """Every L4 requirement that does not hold (empty: L4 holds)."""
    missing = []
    if evidence.release_level != L3:
        missing.append(f"the release is {evidence.release_level}: L4 builds on L3 (a hosted CI "
                       "builder and a transparency-logged signature)")
    if not evidence.verify_ok:
        failed = [c for c in evidence.verification if c["status"] == "failed"]
        missing.append("the provenance chain does not verify: "
                       + "; ".join(f"{c['link']} {c['name']}: {c['detail']}" for c in failed))
    for name, what in (("rebuild", "a reproducible rebuild"),
                       ("pinnedBuilder", "a builder image pinned by digest"),
                       ("dependencyProvenance", "provenance for every dependency")):
        check = evidence.check(name)
        if check is None or check.status != PASS:
            missing.append(f"{what}: " + (check.seen() if check else "not run"))
    counted, rejected = approvals(evidence.reviews)
    if rejected:
        missing.append("rejected by " + ", ".join(rejected))
    if len(counted) < 2:
        void = [f"{v.reviewer}'s review {v.hash[:12]} does not count ({v.code}): {v.problem}"
                for v in evidence.reviews if not v.valid]
        missing.append(f"approvals from two distinct identities ({len(counted)} so far"
                       + (": " + ", ".join(v.identity for v in counted) if counted else "")
                       + ")" + ("; " + "; ".join(void) if void else ""))
    if counted and not any(v.independent for v in counted):
        missing.append("an approval from someone who is neither the release's author nor its "
                       "signer")
    return missing


# --- evidence ---------------------------------------------------------------------------


def collect_evidence(git: Git, loaded: LoadedConfig, version: str, *, rebuild: bool = True,
                     env: Mapping[str, str] | None = None) -> Evidence:
    """Everything a reviewer of ``version`` sees (50 when it is not recorded);
    see :func:`shipline.domain.review.evidence.collect_evidence`."""
    from shipline.domain.review.evidence import collect_evidence as collect

    return collect(git, loaded, version, rebuild=rebuild, env=env)


def submit_review(git: Git, loaded: LoadedConfig, version: str, *, approve: bool,
                  method: str = "gpg", comment: str | None = None,
                  env: Mapping[str, str] | None = None, rebuild: bool = True) -> Any:
    """Sign and record a verdict; see :func:`shipline.domain.review.approve.submit_review`."""
    from shipline.domain.review.approve import submit_review as submit

    return submit(git, loaded, version, approve=approve, method=method, comment=comment,
                  env=env, rebuild=rebuild)


# --- verify -------------------------------------------------------------------------------


def verify_reviews(book: ldg.Ledger | list[dict[str, Any]], repo: Path,
                   version: str | None = None) -> list[Any]:
    """A :class:`shipline.domain.provenance.verify.LinkCheck` per review record (92 for a bad
    signature, 94 for a statement or identity that does not match) and per
    level record (94 unless its evidence is valid approvals from two distinct
    identities, one independent of the release's author and signer)."""
    from shipline.domain.gitops import GitError
    from shipline.domain.provenance.verify import FAILED, OK, LinkCheck

    records = book.records if isinstance(book, ldg.Ledger) else book
    releases = {r["hash"]: r for r in records if r.get("recordType") == "release"}
    git = Git(repo) if (repo / ".git").exists() else None
    authors: dict[str, set[str]] = {}
    views: dict[str, ReviewView] = {}
    out: list[Any] = []
    for record in records:
        kind = record.get("recordType")
        release = releases.get(record.get("releaseHash") or "")
        if kind not in ("review", "level") or release is None or \
                (version is not None and release["version"] != version.lstrip("v")):
            continue
        if release["hash"] not in authors:
            try:
                authors[release["hash"]] = author_identities(git, release, _resolver(repo)) \
                    if git else set()
            except (GitError, OSError):
                authors[release["hash"]] = set()
        if kind == "review":
            view = check_review(record, release, repo, authors[release["hash"]])
            views[view.hash] = view
            verdict = "approval" if view.approved else "rejection"
            out.append(LinkCheck("review", f"{release['version']} {view.reviewer}",
                                 OK if view.valid else FAILED, view.code,
                                 f"{verdict} signed by {view.identity}" if view.valid
                                 else view.problem))
            continue
        cited = [views.get(h) for h in record["evidence"]]
        counted, _ = approvals([v for v in cited if v is not None])
        problem = None
        if record["slsaLevel"] == L4:
            if any(v is None or not v.valid or not v.approved for v in cited):
                problem = "cites a review that is not a valid approval of this release"
            elif len(counted) < 2 or not any(v.independent for v in counted):
                problem = ("its approvals are not from two distinct identities with one "
                           "independent of the release's author and signer")
            elif release.get("slsaLevel") != L3:
                problem = f"the release is {release.get('slsaLevel')}, not L3"
        out.append(LinkCheck("level", release["version"], FAILED if problem else OK,
                             94 if problem else 0,
                             problem or f"{record['slsaLevel']} on {len(counted)} approvals"))
    return out
