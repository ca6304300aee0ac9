"""Package names that load on first use (PEP 562), written once for every package.

Why: the command line imports light modules of ``pipeline``, ``decisions`` and ``scale``;
their ``__init__`` must not pull in pandas or SQLAlchemy just to expose names, or every
command's start (``konray-review --help``) pays for them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, exports: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` importing ``exports[name]`` (a module path) when ``name`` is
    first asked for; any other name is an ``AttributeError`` as usual."""

    def __getattr__(name: str) -> Any:
        if name in exports:
            return getattr(importlib.import_module(exports[name]), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
