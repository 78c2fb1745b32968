"""``shipline review VERSION [--approve|--reject] [--sign gpg|sigstore]``:
the reviewer's side of the SLSA L4 two-party review (SPEC section 8)."""

from __future__ import annotations

import argparse
from typing import Any

from ..errors import UsageError
from ..session import Session


def review(session: Session, args: argparse.Namespace) -> tuple[int, dict[str, Any]]:
    raise UsageError("shipline review is being built", hint="see issue 6")
