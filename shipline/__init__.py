"""shipline: an interactive release assistant.

The distribution installs this one import package. Its two parts are
``shipline.domain`` (the headless core: release rules, pipeline,
provenance, signing, review and the command line) and ``shipline.tui``
(the Textual app, which imports only ``shipline.domain.api``). In a source
checkout they are the top-level ``domain/`` and ``tui/`` folders, linked
here; the wheel places them inside this package.
"""

from __future__ import annotations

from importlib import metadata

try:
    __version__ = metadata.version("shipline")
except metadata.PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"
