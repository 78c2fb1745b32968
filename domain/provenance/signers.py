"""The ``signer`` link of ``verify``: who signed each release, against the
caller's trust and against the release before it.

Walking the ledger in order:

- a ``rotation`` record is verified (:func:`rotation.check_rotation`: 92 for
  its signature, 94 for its content); a valid one lets its new signer
  follow its previous one, and when the caller trusts the previous signer
  (directly or through earlier rotations) the new one is trusted too;
- each signed release's signer must be the signer of the signed release
  before it, unless a valid rotation between the two hands over (92: a
  silent key change is what a re-signed, re-pinned release looks like);
- with trust from outside the repository, each signed release's signer must
  be trusted (92), and an unsigned attested release fails (92): nothing
  outside the repository vouches for it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from shipline.domain.errors import ShiplineError
from shipline.domain.provenance.rotation import check_rotation
from shipline.domain.provenance.trust import Signer, Trust, signer_of
from shipline.domain.provenance.verify_report import FAILED, OK, SKIPPED, LinkCheck


def signer_checks(
    records: list[dict[str, Any]],
    trust: Trust,
    resolve: Callable[[str], Path],
    versions: set[str] | None = None,
) -> list[LinkCheck]:
    """One ``signer`` check per release (only ``versions`` when given) and
    one ``rotation`` check per rotation record."""
    out: list[LinkCheck] = []
    rotated_in: set[Signer] = set()
    handovers: set[tuple[Signer, Signer]] = set()
    previous: tuple[str, Signer] | None = None
    for record in records:
        kind = record.get("recordType")
        if kind == "rotation":
            name = f"after {record['version']}"
            try:
                detail = check_rotation(record, resolve)
            except (ShiplineError, ValueError, KeyError) as exc:
                code = int(getattr(exc, "code", 94))
                out.append(
                    LinkCheck("rotation", name, FAILED, code, getattr(exc, "message", str(exc)))
                )
                continue
            old = Signer.from_json(record["previousSigner"])
            new = Signer.from_json(record["nextSigner"])
            handovers.add((old, new))
            if trust.admits(old) or old in rotated_in:
                rotated_in.add(new)
            out.append(LinkCheck("rotation", name, OK, 0, detail))
            continue
        if kind != "release":
            continue
        version = record["version"]
        shown = versions is None or version in versions
        if not record["artifacts"]:
            if shown and trust.external:
                out.append(
                    LinkCheck("signer", version, SKIPPED, 0, "source-only release: nothing signed")
                )
            continue
        signer = signer_of(record["artifacts"][0]["signature"])
        problems: list[str] = []
        if signer is None:
            if trust.external:
                problems.append(
                    f"unsigned: nothing outside the repository vouches for it ({trust.describe()})"
                )
        else:
            if (
                previous is not None
                and signer != previous[1]
                and (previous[1], signer) not in handovers
            ):
                problems.append(
                    f"signed by {signer}, but release {previous[0]} was signed by "
                    f"{previous[1]} and no rotation record signed by "
                    f"{previous[1]} endorses the new signer"
                )
            if trust.external and not (trust.admits(signer) or signer in rotated_in):
                problems.append(
                    f"signed by {signer}, which the caller does not trust ({trust.describe()})"
                )
            previous = (version, signer)
            handovers.clear()
        if not shown:
            continue
        if problems:
            out.extend(LinkCheck("signer", version, FAILED, 92, p) for p in problems)
        else:
            how = "trusted by the caller" if trust.external else "trust: from the repository only"
            out.append(
                LinkCheck("signer", version, OK, 0, f"{signer} ({how})" if signer else "unsigned")
            )
    return out
