"""Artifact handler registry (SPEC section 5).

``load_handler(cfg, ctx)`` returns the :class:`~shipline.domain.artifacts.base.Handler`
for one ``release.artifacts`` entry. Types are registered by module and
class name and imported only when a release uses them, so ``shipline
--help`` stays fast and a handler module can land independently. An unknown
type is exit 85.

``rollback_published`` is the ARTP-009 helper the pipeline calls when the
publish of artifact *i* fails: it rolls back artifacts 0..i-1 in reverse
order and raises 88 (all rolled back) or 89 (naming what stayed published).
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import replace
from typing import NoReturn

from shipline.domain.artifacts.base import (
    ArtifactContext,
    BuildContext,
    BuiltFile,
    DryRunReport,
    Handler,
    PublishContext,
    PublishResult,
)
from shipline.domain.config import ArtifactConfig
from shipline.domain.errors import (
    ArtifactPublishFailed,
    ArtifactTypeUnknown,
    RollbackFailed,
    ShiplineError,
)

__all__ = [
    "HANDLER_TYPES",
    "ArtifactContext",
    "BuildContext",
    "BuiltFile",
    "DryRunReport",
    "Handler",
    "PublishContext",
    "PublishResult",
    "check_types",
    "known_types",
    "load_handler",
    "rollback_published",
]

HANDLER_TYPES: dict[str, str] = {
    "python-package": "shipline.domain.artifacts.python_package:PythonPackageHandler",
    "tarball": "shipline.domain.artifacts.tarball:TarballHandler",
    "cargo-crate": "shipline.domain.artifacts.cargo_crate:CargoCrateHandler",
    "npm-package": "shipline.domain.artifacts.npm_package:NpmPackageHandler",
    "oci-image": "shipline.domain.artifacts.oci_image:OciImageHandler",
}
"""type name -> ``module:Class``. Imported lazily by :func:`load_handler`."""

ALIASES: dict[str, str] = {
    "generic-tarball": "tarball",
    "docker-image": "oci-image",
}
"""The seed's type names that mean the same handler."""


def known_types() -> list[str]:
    return sorted(HANDLER_TYPES)


def _handler_class(type_name: str) -> type[Handler]:
    canonical = ALIASES.get(type_name, type_name)
    target = HANDLER_TYPES.get(canonical)
    if target is None:
        raise ArtifactTypeUnknown(
            f"release.artifacts: unknown artifact type '{type_name}'",
            hint="use one of: " + ", ".join(known_types()),
        )
    module_name, _, class_name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        raise ArtifactTypeUnknown(
            f"release.artifacts: artifact type '{type_name}' has no handler in this "
            f"shipline ({module_name} is missing)",
            hint="upgrade shipline or remove the artifact",
        ) from None
    cls = getattr(module, class_name, None)
    if not (isinstance(cls, type) and issubclass(cls, Handler)):
        raise ArtifactTypeUnknown(
            f"release.artifacts: handler {target} for '{type_name}' is not a Handler",
            hint="this is a shipline bug; report it",
        )
    return cls


def check_types(configs: Sequence[ArtifactConfig]) -> None:
    """85 for the first artifact whose type has no handler (imports each
    handler module, so a release fails before anything changes)."""
    for cfg in configs:
        _handler_class(cfg.type)


def load_handler(cfg: ArtifactConfig, ctx: ArtifactContext) -> Handler:
    """The handler for ``cfg``. Its output goes to
    ``ctx.out_dir/<index-free name>``: ``<type>-<name>``, made on demand."""
    cls = _handler_class(cfg.type)
    out = ctx.out_dir / f"{cls.type_name}-{cfg.name or 'default'}"
    return cls(cfg, replace(ctx, out_dir=out))


def rollback_published(
    published: Sequence[tuple[Handler, PublishResult]], cause: ShiplineError
) -> NoReturn:
    """Roll back ``published`` (newest first) after ``cause`` stopped the
    publish, then raise: 88 when every rollback succeeded, 89 naming every
    artifact that stayed published otherwise (and always 89 when ``cause``
    is itself a RollbackFailed: the failing artifact left files behind)."""
    undone: list[str] = []
    stayed: list[str] = []
    for handler, result in reversed(list(published)):
        try:
            undone.append(handler.rollback(result))
        except ShiplineError as exc:
            stayed.append(f"{handler.label} at {result.reference} ({exc.message})")
    if isinstance(cause, RollbackFailed):  # the failing artifact itself left files behind
        suffix = f"; rolled back: {', '.join(undone)}" if undone else ""
        if stayed:
            suffix += "; still published: " + "; ".join(stayed)
        raise RollbackFailed(f"{cause.message}{suffix}", hint=cause.hint)
    if stayed:
        raise RollbackFailed(
            f"{cause.message}; rollback incomplete, still published: " + "; ".join(stayed),
            hint="a human must remove or yank these by hand (the registry cannot delete); "
            "the release is recorded as incomplete",
        )
    suffix = f"; rolled back: {', '.join(undone)}" if undone else ""
    raise ArtifactPublishFailed(f"{cause.message}{suffix}", hint=cause.hint)
