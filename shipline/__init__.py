"""shipline: an interactive release assistant.

The distribution installs this one import package. Its two parts are
``shipline.domain`` (the headless core: release rules, pipeline,
provenance, signing, review and the command line) and ``shipline.tui``
(the Textual app, which imports only ``shipline.domain.api``). In a source
checkout they are the top-level ``domain/`` and ``tui/`` folders, linked
here; the wheel places them inside this package.
"""

from __future__ import annotations


def __getattr__(name: str) -> str:
    """``shipline.__version__``, read from the installed metadata on first use:
    importlib.metadata costs ~40 ms, which every command would pay at start-up
    when only ``--version`` needs it."""
    if name != "__version__":
        raise AttributeError(f"module 'shipline' has no attribute {name!r}")
    from importlib import metadata

    try:
        version = metadata.version("shipline")
    except metadata.PackageNotFoundError:  # a source tree that was never installed
        version = "0+unknown"
    globals()["__version__"] = version
    return version
