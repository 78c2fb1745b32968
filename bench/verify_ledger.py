"""``shipline verify --all`` over a generated 10,000-record ledger (SPEC
section 9: under 2 s for the hash chain and record checks).

Two ledgers are generated in a temp git repository, with the same code that
writes real ones (``ledger.seal``/``serialize``, ``attestation.build_statement``):

- ``source-only``: 10,000 release records (the chain and every record's
  schema, commit and anchor checks);
- ``attested``: 10,000 releases, each with an artifact file on disk, a DSSE
  attestation signed with a local ed25519 key (keyed signing), so verify also
  re-digests each artifact, re-validates each statement and checks each
  signature against the pinned key.

Each is timed as the whole ``shipline verify --all`` process (median of
``--runs``), and the figures are printed. Usage::

    .venv/bin/python bench/verify_ledger.py [--records 10000] [--runs 3]
"""

from __future__ import annotations

import argparse
import base64
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from shipline.domain.provenance import attestation as att  # noqa: E402
from shipline.domain.provenance import ledger  # noqa: E402
from shipline.domain.signing.envelope import empty_block  # noqa: E402

TARGET = 2.0


def _git_repo(path: Path) -> str:
    env = dict(
        os.environ,
        GIT_AUTHOR_NAME="b",
        GIT_AUTHOR_EMAIL="b@x",
        GIT_COMMITTER_NAME="b",
        GIT_COMMITTER_EMAIL="b@x",
    )
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    subprocess.run(
        ["git", "-C", str(path), "commit", "-q", "--allow-empty", "-m", "init"], check=True, env=env
    )
    return subprocess.run(
        ["git", "-C", str(path), "rev-parse", "HEAD"], check=True, capture_output=True, text=True
    ).stdout.strip()


def _base(version: str, commit: str, head: ledger.LedgerHead) -> dict:
    return {
        "recordType": "release",
        "version": version,
        "commitSha": commit,
        "gitTag": None,
        "buildInvocationId": f"urn:uuid:bench-{version}",
        "builder": {"id": "https://shipline.dev/local/bench"},
        "artifacts": [],
        "sbom": None,
        "slsaLevel": "SLSA_BUILD_LEVEL_1",
        "chainVerified": True,
        "ledgerHead": head.to_json(),
        "metadata": {
            "completeness": "incomplete",
            "declaredLevel": "SLSA_BUILD_LEVEL_1",
            "shortfall": None,
            "missing": ["registry"],
            "links": {"commit": commit},
        },
        "recordedAt": "2026-01-01T00:00:00Z",
    }


def generate(repo: Path, count: int, attested: bool) -> None:
    commit = _git_repo(repo)
    state = repo / ".shipline"
    (state / "attestations").mkdir(parents=True)
    (repo / "dist").mkdir()
    signer = keyid = block = None
    if attested:
        from cryptography.hazmat.primitives import serialization as ser
        from cryptography.hazmat.primitives.asymmetric import ed25519
        from securesystemslib.signer import CryptoSigner, SSlibKey

        private = ed25519.Ed25519PrivateKey.generate()
        signer = CryptoSigner(private)
        public = SSlibKey.from_crypto(private.public_key())
        keyid = public.keyid
        pem = private.public_key().public_bytes(
            ser.Encoding.PEM, ser.PublicFormat.SubjectPublicKeyInfo
        )
        (state / "keys").mkdir()
        (state / "keys" / f"{keyid}.pub.pem").write_bytes(pem)
        block = empty_block("sigstore") | {
            "signed": True,
            "signedAt": "2026-01-01T00:00:00Z",
            "keyId": keyid,
            "fingerprint": "0" * 64,
            "publicKey": f".shipline/keys/{keyid}.pub.pem",
        }
    records: list[dict] = []
    previous: str | None = None
    for i in range(count):
        version = f"{i // 1000}.{i % 1000}.0"
        head = ledger.LedgerHead(len(records), previous)
        record = _base(version, commit, head)
        if attested:
            name = f"app-{version}.tar.gz"
            data = f"artifact {version}\n".encode()
            (repo / "dist" / name).write_bytes(data)
            import hashlib

            digest = hashlib.sha256(data).hexdigest()
            facts = att.BuildFacts(
                version=version,
                tag=None,
                commit_sha=commit,
                repository=f"git+file://{repo}",
                builder_id=record["builder"]["id"],
                invocation_id=record["buildInvocationId"],
                started_on="2026-01-01T00:00:00Z",
                finished_on="2026-01-01T00:00:00Z",
                ledger_head=head,
                signing_method="sigstore",
            )
            payload = att.encode_payload(att.build_statement([att.Subject(name, digest)], facts))
            sig = bytes.fromhex(signer.sign(att.pae(att.PAYLOAD_TYPE, payload)).signature)
            envelope = att.make_envelope(
                payload, [{"keyid": keyid, "sig": base64.b64encode(sig).decode()}]
            )
            path = att.attestation_path(state, name, version)
            att.write_envelope(path, envelope)
            record["artifacts"] = [
                {
                    "type": "tarball",
                    "name": name,
                    "path": f"dist/{name}",
                    "sha256": digest,
                    "size": len(data),
                    "registry": None,
                    "publishedAt": None,
                    "attestation": str(path.relative_to(repo)),
                    "signature": block,
                }
            ]
        sealed = ledger.seal(record, previous)
        records.append(sealed)
        previous = sealed["hash"]
    (state / "releases.json").write_bytes(ledger.serialize(records))


def time_verify(repo: Path, runs: int) -> tuple[float, float]:
    """Median wall time and median CPU time (user + system) of the process:
    on a shared, loaded machine the CPU time is the steadier figure."""
    import resource

    exe = Path(sys.executable).parent / "shipline"
    times, cpu = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(
            [str(exe), "-C", str(repo), "--output", "json", "verify", "--all"],
            capture_output=True,
            text=True,
        )
        times.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if done.returncode != 0:
            raise SystemExit(
                f"verify failed ({done.returncode}): {done.stdout[-500:]}{done.stderr[-500:]}"
            )
    return statistics.median(times), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    for kind, attested in (("source-only", False), ("attested", True)):
        tmp = Path(tempfile.mkdtemp(prefix="shipline-bench-ledger-"))
        try:
            started = time.perf_counter()
            generate(tmp / "repo", args.records, attested)
            made = time.perf_counter() - started
            took, cpu = time_verify(tmp / "repo", args.runs)
            verdict = "meets" if took < TARGET else "MISSES"
            load = os.getloadavg()[0]
            print(
                f"verify --all, {args.records} records ({kind}): {took:.2f} s wall, {cpu:.2f} s "
                f"CPU, median of {args.runs} runs ({verdict} the {TARGET:g} s target; load "
                f"average {load:.1f}; ledger generated in {made:.1f} s)",
                flush=True,
            )
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
