"""Real gpg keys in a throw-away GNUPGHOME, for any test that signs.

Use the fixtures by importing them into a test module (pytest picks up
imported fixtures)::

    from tests.gpgkeys import gpg_home, gpg_key  # noqa: F401

- ``gpg_home``: a :class:`GpgHome` (empty keyring under a short ``/tmp``
  path, the agent socket limit is ~107 bytes) with ``GNUPGHOME`` set for the
  test; ``gpg_home.generate("Name <mail>")`` makes an unattended ed25519
  signing key (optionally with a passphrase) and returns a :class:`GpgKey`.
  At teardown the agent is killed and the folder removed.
- ``gpg_key``: one key already generated in ``gpg_home`` with
  ``GPG_KEY_ID`` set to its fingerprint.

Outside pytest, :class:`GpgHome` works as a context manager.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest


@dataclass(frozen=True)
class GpgKey:
    """A secret signing key in ``home``."""

    home: Path
    fingerprint: str
    uid: str
    passphrase: str = ""

    @property
    def env(self) -> dict[str, str]:
        """The variables shipline reads to sign with this key."""
        env = {"GNUPGHOME": str(self.home), "GPG_KEY_ID": self.fingerprint}
        if self.passphrase:
            env["GPG_PASSPHRASE"] = self.passphrase
        return env

    def export_public(self, dest: Path, *, armor: bool = True) -> Path:
        """Write the public key to ``dest`` (armored by default)."""
        args = ["--armor"] if armor else []
        data = _gpg(self.home, *args, "--export", self.fingerprint, text=False)
        dest.write_bytes(data)
        return dest

    def detach_sign(self, data: Path, out: Path) -> Path:
        """An armored detached signature of ``data`` (what a release ships)."""
        args = (
            ["--pinentry-mode", "loopback", "--passphrase", self.passphrase]
            if self.passphrase
            else []
        )
        _gpg(
            self.home,
            *args,
            "--yes",
            "--armor",
            "--detach-sign",
            "--local-user",
            f"{self.fingerprint}!",
            "--output",
            str(out),
            str(data),
        )
        return out


@dataclass
class GpgHome:
    """A temporary GNUPGHOME; :meth:`close` stops its agent and removes it."""

    path: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="g", dir="/tmp")))

    def __post_init__(self) -> None:
        self.path.chmod(0o700)

    def generate(
        self,
        uid: str = "Release Bot <release@example.com>",
        passphrase: str = "",
        *,
        signing_subkey: bool = False,
    ) -> GpgKey:
        """An ed25519 key that signs; with ``signing_subkey`` the primary key
        only certifies and a subkey signs (the usual hardened setup).
        ``GpgKey.fingerprint`` is always the primary key's."""
        usage = "cert" if signing_subkey else "sign"
        _gpg(
            self.path,
            "--pinentry-mode",
            "loopback",
            "--passphrase",
            passphrase,
            "--quick-generate-key",
            uid,
            "ed25519",
            usage,
            "never",
        )
        listing = _gpg(self.path, "--with-colons", "--fingerprint", "--list-secret-keys", uid)
        lines = listing.splitlines()
        primary = next(
            lines[i + 1].split(":")[9]
            for i, line in enumerate(lines)
            if line.startswith("sec:") and lines[i + 1].startswith("fpr:")
        )
        if signing_subkey:
            _gpg(
                self.path,
                "--pinentry-mode",
                "loopback",
                "--passphrase",
                passphrase,
                "--quick-add-key",
                primary,
                "ed25519",
                "sign",
                "never",
            )
        return GpgKey(self.path, primary, uid, passphrase)

    def close(self) -> None:
        subprocess.run(
            ["gpgconf", "--homedir", str(self.path), "--kill", "all"],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(self.path, ignore_errors=True)

    def __enter__(self) -> GpgHome:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _gpg(home: Path, *args: str, text: bool = True) -> str | bytes:
    done = subprocess.run(
        ["gpg", "--homedir", str(home), "--batch", "--no-tty", *args],
        capture_output=True,
        text=text,
        check=False,
    )
    if done.returncode != 0:
        raise AssertionError(f"gpg {' '.join(args)} failed: {done.stderr}")
    return done.stdout


@pytest.fixture
def gpg_home(monkeypatch: pytest.MonkeyPatch) -> Iterator[GpgHome]:
    """An empty keyring; ``GNUPGHOME`` points at it for the test."""
    home = GpgHome()
    monkeypatch.setenv("GNUPGHOME", str(home.path))
    try:
        yield home
    finally:
        home.close()


@pytest.fixture
def gpg_key(gpg_home: GpgHome, monkeypatch: pytest.MonkeyPatch) -> GpgKey:
    """One ed25519 signing key, named by ``GPG_KEY_ID``."""
    key = gpg_home.generate()
    monkeypatch.setenv("GPG_KEY_ID", key.fingerprint)
    return key


__all__ = ["GpgHome", "GpgKey", "gpg_home", "gpg_key"]
