"""Folders of package data kept at the top of the project (watchlists/, schema/,
where users and the README find them) and installed inside the package: pyproject's
package-dir maps each to its package."""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path

# a checkout run without installing: the folders are where the project keeps them
_CHECKOUT = Path(__file__).resolve().parents[1]


def folder(package: str, top: str) -> Path:
    """The folder of a data package (a package without __init__.py): where the
    import system finds it (an installed wheel, or an editable install's mapping),
    else the checkout's `top` folder."""
    try:
        spec = find_spec(package)
    except ModuleNotFoundError:
        spec = None
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return _CHECKOUT / top


BUNDLED = folder("monitor.watchlists.bundled", "watchlists")
SCHEMAS = folder("monitor.watchlists.schema", "schema")
