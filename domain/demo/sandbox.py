"""``shipline demo``: a sandbox where a newcomer walks a whole release with
provenance in a minute, risking nothing.

It makes the sample repository (:mod:`shipline.domain.demo.sample`) with a bare remote,
configures two artifacts (a Python package published to a PyPI index that
runs in this process on loopback, and a reproducible source tarball
published to a local directory), gpg provenance with a CycloneDX SBOM, and
an ephemeral signing key in a throw-away GNUPGHOME. Everything lives under
one sandbox directory (the key's home under /tmp: gpg's socket paths must
stay short) and is removed with ``--clean`` or by deleting the folder.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from shipline.domain import runner
from shipline.domain.errors import ShiplineError, SigningKeyMissing

DEMO_DIR = ".shipline-demo"
MARKER = ".shipline-demo-sandbox"


@dataclass
class Sandbox:
    root: Path
    repo: Path
    remote: Path
    index_url: str
    packages: Path
    releases_dir: Path
    env: dict[str, str]


@contextmanager
def package_index(packages: Path) -> Iterator[str]:
    """A PyPI index (pypiserver's WSGI app) served from a thread of this
    process on a free loopback port, accepting uploads without auth."""
    import logging
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

    logging.getLogger("pypiserver").setLevel(logging.ERROR)
    # pypiserver imports passlib when it is installed (never by shipline:
    # this index has no auth); passlib 1.7 with bcrypt 4.1+ logs a scary
    # "(trapped) error reading bcrypt version" traceback on that import.
    logging.getLogger("passlib").setLevel(logging.CRITICAL)
    import pypiserver

    app = pypiserver.app(
        roots=[str(packages)], authenticate=[], password_file=".", disable_fallback=True
    )

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args: object) -> None:
            return None

    class Threaded(WSGIServer):
        daemon_threads = True

    server = make_server("127.0.0.1", 0, app, server_class=Threaded, handler_class=Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def ephemeral_key(
    uid: str = "Demo Release Bot <release-bot@demo.invalid>",
) -> Iterator[dict[str, str]]:
    """An unattended ed25519 signing key in a throw-away GNUPGHOME; the
    environment to use it (GNUPGHOME, GPG_KEY_ID)."""
    home = Path(tempfile.mkdtemp(prefix="shd-", dir="/tmp"))
    home.chmod(0o700)
    env = {**os.environ, "GNUPGHOME": str(home)}
    try:
        done = runner.run(
            [
                "gpg",
                "--batch",
                "--no-tty",
                "--passphrase",
                "",
                "--quick-generate-key",
                uid,
                "ed25519",
                "sign",
                "never",
            ],
            env=env,
            timeout=60,
        )
        if not done.ok:
            raise SigningKeyMissing(
                f"could not make the demo's signing key: {done.output}",
                hint="install gnupg (apt-get install gnupg)",
            )
        listing = runner.run(
            ["gpg", "--batch", "--with-colons", "--list-secret-keys"], env=env, timeout=30
        ).stdout
        fpr = next(line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr:"))
        yield {"GNUPGHOME": str(home), "GPG_KEY_ID": fpr}
    except runner.ToolNotFound:
        raise SigningKeyMissing(
            "gpg is not installed: the demo signs its provenance with an ephemeral gpg key",
            hint="apt-get install gnupg",
        ) from None
    finally:
        runner.run(
            ["gpgconf", "--homedir", str(home), "--kill", "all"], env=env, timeout=30
        ) if shutil.which("gpgconf") else None
        shutil.rmtree(home, ignore_errors=True)


def make_sandbox(root: Path, index_url: str, key_env: dict[str, str], *, packages: Path) -> Sandbox:
    """The sample repository configured for a full release to the local
    index and directory."""
    from shipline.domain.demo.sample import make_sample

    root.mkdir(parents=True, exist_ok=True)
    repo = make_sample(root)
    releases = root / "releases"
    if releases.exists():
        shutil.rmtree(releases)
    releases.mkdir()
    config_path = repo / ".shipline" / "config.json"
    config = json.loads(config_path.read_text())
    config["release"]["artifacts"] = [
        {
            "type": "python-package",
            "name": "acme-widgets",
            "registry": index_url,
            "options": {"isolation": False},
        },
        {"type": "tarball", "name": "acme-widgets-src", "registry": releases.as_uri()},
    ]
    config["release"]["security"] = {
        "provenance": {
            "enabled": True,
            "framework": "slsa",
            "level": "SLSA_BUILD_LEVEL_2",
            "signing": {"method": "gpg", "keyless": False},
            "sbom": {"format": "CycloneDX", "specVersion": "1.6"},
        }
    }
    config_path.write_text(json.dumps(config, indent=2) + "\n")
    # A package that goes to an index carries its README as the long
    # description (else `twine check` warns in the dry run).
    manifest = repo / "pyproject.toml"
    manifest.write_text(
        manifest.read_text().replace("description = ", 'readme = "README.md"\ndescription = ', 1)
    )
    git_env = {**os.environ, **key_env}
    for argv in (
        ["git", "add", ".shipline/config.json", "pyproject.toml"],
        [
            "git",
            "commit",
            "-q",
            "-m",
            "chore: publish the package and a source tarball with signed provenance",
        ],
        ["git", "push", "-q", "origin", "main"],
    ):
        done = runner.run(argv, cwd=repo, env=git_env, timeout=60)
        if not done.ok:
            raise ShiplineError(
                f"demo set-up failed: {' '.join(argv)}: {done.output}",
                hint="check that git works here, then run `shipline demo` again",
            )
    return Sandbox(
        root=root,
        repo=repo,
        remote=root / "origin.git",
        index_url=index_url,
        packages=packages,
        releases_dir=releases,
        env=dict(key_env),
    )
