"""Which sigstore instance shipline trusts, pinned: the trusted root that
verification checks certificates and log entries against, and the client
trust config (trusted root + signing config) that signing uses.

Verification never refreshes anything: it builds the :class:`Verifier` from
a pinned ``trusted_root.json``, by default the production one that ships
inside the sigstore wheel (``Verifier.production(offline=True)`` would trust
whatever sits in the user's TUF cache). ``SHIPLINE_TRUSTED_ROOT`` or an
explicit path replace it, e.g. for a private sigstore instance; signing
likewise takes a client trust config (as ``sigstore --trust-config`` does)
from ``SHIPLINE_SIGSTORE_TRUST_CONFIG``. sigstore is imported lazily.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Any

from shipline.domain.errors import SignatureInvalid, UsageError
from shipline.domain.textsafe import one_line

TRUSTED_ROOT_ENV = "SHIPLINE_TRUSTED_ROOT"
TRUST_CONFIG_ENV = "SHIPLINE_SIGSTORE_TRUST_CONFIG"
TRUST_CONFIG_HINT = (
    "point the variable at a sigstore client trust config or trusted root (JSON), or unset "
    "it to use the public-good instance"
)
_PRODUCTION_STORE = "https%3A%2F%2Ftuf-repo-cdn.sigstore.dev"


def production_trusted_root_path() -> Path:
    """The production ``trusted_root.json`` shipped inside the sigstore wheel."""
    path = Path(str(resources.files("sigstore._store") / _PRODUCTION_STORE / "trusted_root.json"))
    if not path.is_file():  # pragma: no cover - a broken sigstore install
        raise SignatureInvalid(
            f"sigstore's pinned trusted root is missing: {path}", hint="reinstall sigstore~=4.5"
        )
    return path


def resolve_trusted_root(explicit: str | Path | None = None) -> Path:
    """An explicit path, else ``$SHIPLINE_TRUSTED_ROOT``, else the production root."""
    chosen = explicit or os.environ.get(TRUSTED_ROOT_ENV)
    if not chosen:
        return production_trusted_root_path()
    path = Path(chosen)
    if not path.is_file():
        raise UsageError(
            f"trusted root {path}: no such file",
            hint=f"point {TRUSTED_ROOT_ENV} at a sigstore trusted_root.json",
        )
    return path


def trust_config_from_env() -> Any:
    """The client trust config named by ``$SHIPLINE_SIGSTORE_TRUST_CONFIG``,
    or ``None`` (production); an unreadable or invalid one is 64."""
    from sigstore.models import ClientTrustConfig

    chosen = os.environ.get(TRUST_CONFIG_ENV)
    if not chosen:
        return None
    try:
        return ClientTrustConfig.from_json(Path(chosen).read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(
            f"{TRUST_CONFIG_ENV}={chosen}: {one_line(exc)}", hint=TRUST_CONFIG_HINT
        ) from None
    except Exception as exc:  # pydantic / sigstore parse errors
        raise UsageError(
            f"{TRUST_CONFIG_ENV}={chosen}: not a sigstore client trust config: {one_line(exc)}",
            hint=TRUST_CONFIG_HINT,
        ) from None


def verifier(trusted_root_path: str | Path | None) -> Any:
    """A sigstore ``Verifier`` over the pinned trusted root (never the network)."""
    from sigstore.errors import Error as SigstoreError
    from sigstore.models import TrustedRoot
    from sigstore.verify import Verifier

    path = resolve_trusted_root(trusted_root_path)
    try:
        return Verifier(trusted_root=TrustedRoot.from_file(str(path)))
    except (SigstoreError, ValueError) as exc:
        raise UsageError(
            f"trusted root {path}: unusable: {one_line(exc)}", hint=TRUST_CONFIG_HINT
        ) from None
