"""caresignal: early warning and accountability for hospital care.

The statistics core lives in :mod:`caresignal.stats`; the bundled real datasets in
:mod:`caresignal.data.public`; the command line in :mod:`caresignal.cli`.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("caresignal")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"

__all__ = ["__version__"]
