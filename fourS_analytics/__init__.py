"""fourS_analytics: aftersales analytics for 4S dealerships from DMS exports.

Python API::

    import fourS_analytics as fours
    data = fours.load("exports/")          # a Dataset: canonical tables + row accounting
    data.repair_orders                      # one DataFrame per table
    data.totals()                           # rows, accepted, duplicates, summary_rows, ...
"""

from __future__ import annotations

__version__ = "0.1.0"

from .dataset import Dataset, FileReport, IngestOptions
from .errors import ConfigError, FoursError, InputError, UsageError
from .ingest import load

__all__ = [
    "ConfigError", "Dataset", "FileReport", "FoursError", "IngestOptions", "InputError",
    "UsageError", "__version__", "load",
]
