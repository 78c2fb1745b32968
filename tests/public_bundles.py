"""Real public-good sigstore bundles, fetched at test set-up.

The ``pypi-attestations`` 0.0.30 sdist ships, as its own test assets,
bundles that Sigstore's production (and staging) instance issued, with the
artifacts they sign. They are downloaded once with pip (the sdist's sha256
pinned and checked before anything is unpacked) into ``tests/.assets/``
(gitignored, never committed), under a file lock so parallel workers share
one download. A hash mismatch fails the test run: nothing is skipped.

Import the fixture into a test module::

    from tests.public_bundles import public_assets_fixture  # noqa: F401
"""

from __future__ import annotations

import fcntl
import hashlib
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

VERSION = "0.0.30"
SDIST = f"pypi_attestations-{VERSION}.tar.gz"
SDIST_SHA256 = "14ff13c76bbef02a483c2b77532da02bfd746b5141b881f355e06b9807434423"
ASSETS_ROOT = Path(__file__).parent / ".assets"
MEMBER_PREFIX = f"pypi_attestations-{VERSION}/test/assets/"

# A GitHub Actions release of pypi-attestation-models, signed on the
# production instance (Rekor log index 101487427).
GH_ARTIFACT = "pypi_attestation_models-0.0.4a2.tar.gz"
GH_BUNDLE = f"{GH_ARTIFACT}.sigstore"
GH_SHA256 = "c9709ce6fd5b67b59b4a28758cf14d3f411803c4b89b6068b1f1a8e4ee94c8ef"
GH_IDENTITY = (
    "https://github.com/trailofbits/pypi-attestation-models/.github/workflows/"
    "release.yml@refs/tags/v0.0.4a2"
)
GH_ISSUER = "https://token.actions.githubusercontent.com"
GH_LOG_INDEX = 101487427
# A wheel signed by an e-mail identity on the *staging* instance.
STAGING_ARTIFACT = "rfc8785-0.1.2-py3-none-any.whl"
STAGING_BUNDLE = f"{STAGING_ARTIFACT}.sigstore"
STAGING_IDENTITY = "william@yossarian.net"
STAGING_ISSUER = "https://github.com/login/oauth"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fetch_assets(root: Path = ASSETS_ROOT) -> Path:
    """The unpacked ``test/assets`` folder of the pinned sdist."""
    root.mkdir(parents=True, exist_ok=True)
    target = root / f"pypi-attestations-{VERSION}"
    with open(root / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (target / ".complete").is_file():
            return target
        sdist = root / SDIST
        if sdist.is_file() and _sha256(sdist) != SDIST_SHA256:
            sdist.unlink()
        if not sdist.is_file():
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "download",
                    "--no-binary",
                    ":all:",
                    "--no-deps",
                    f"pypi-attestations=={VERSION}",
                    "-d",
                    str(root),
                ],
                capture_output=True,
                text=True,
                timeout=600,
            )
            if done.returncode != 0:
                raise RuntimeError(
                    f"pip download pypi-attestations=={VERSION} failed:\n"
                    f"{done.stdout}\n{done.stderr}"
                )
        actual = _sha256(sdist)
        if actual != SDIST_SHA256:
            sdist.unlink()
            raise RuntimeError(f"{SDIST}: sha256 {actual}, pinned {SDIST_SHA256}")
        target.mkdir(exist_ok=True)
        with tarfile.open(sdist) as tar:
            members = [
                m for m in tar.getmembers() if m.isfile() and m.name.startswith(MEMBER_PREFIX)
            ]
            for member in members:
                member.name = member.name.removeprefix(MEMBER_PREFIX)
            tar.extractall(target, members=members, filter="data")
        (target / ".complete").write_text(SDIST_SHA256 + "\n")
        return target


@pytest.fixture(name="public_assets", scope="session")
def public_assets_fixture() -> Path:
    """Read-only folder of the real bundles and artifacts; copy before editing."""
    folder = fetch_assets()
    assert _sha256(folder / GH_ARTIFACT) == GH_SHA256
    return folder
