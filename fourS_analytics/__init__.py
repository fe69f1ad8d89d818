"""fourS_analytics: aftersales analytics for 4S dealerships from DMS exports.

Python API (a notebook, a script)::

    import fourS_analytics as fours
    data = fours.load("exports/")                  # a Dataset: canonical tables + row accounting
    settings = fours.load_settings("fours.toml")   # or fours.Settings() for the defaults
    results = fours.analyse(data, settings, period="2025")
    results.kpis, results.loyalty.summary, results.churn.winback, results.workload.plan
    results.skipped                                 # steps the data could not support, and why

The models are estimators (``fit`` returns ``self``, learned state ends in ``_``):
:class:`BetaGeo`, :class:`GammaGamma`, and the churn models :class:`BGNBDChurn`,
:class:`ScheduleChurn`, :class:`SupervisedChurn`.
"""

from __future__ import annotations

__version__ = "0.2.0"

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .config import Settings, load_settings
    from .dataset import Dataset, FileReport, IngestOptions
    from .errors import ConfigError, FoursError, InputError, MissingTableError, UsageError
    from .ingest.load import load
    from .models.btyd import BetaGeo, GammaGamma
    from .models.churn_models import BGNBDChurn, ScheduleChurn, SupervisedChurn
    from .pipeline import GroupResults, StoreResults, analyse, analyse_group, analyse_store
    from .timeframe import AsOf, Period, parse_period

# the public names and the modules they live in, imported at first use (PEP 562): the
# command line answers ``fours --help`` without loading SciPy, scikit-learn or matplotlib
_HOMES = {
    "Settings": "config",
    "load_settings": "config",
    "Dataset": "dataset",
    "FileReport": "dataset",
    "IngestOptions": "dataset",
    "ConfigError": "errors",
    "FoursError": "errors",
    "InputError": "errors",
    "MissingTableError": "errors",
    "UsageError": "errors",
    "load": "ingest",
    "BetaGeo": "models.btyd",
    "GammaGamma": "models.btyd",
    "BGNBDChurn": "models.churn_models",
    "ScheduleChurn": "models.churn_models",
    "SupervisedChurn": "models.churn_models",
    "GroupResults": "pipeline",
    "StoreResults": "pipeline",
    "analyse": "pipeline",
    "analyse_group": "pipeline",
    "analyse_store": "pipeline",
    "AsOf": "timeframe",
    "Period": "timeframe",
    "parse_period": "timeframe",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{home}", __name__), name)
    globals()[name] = value  # looked up once
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOMES])


__all__ = [
    "AsOf",
    "BGNBDChurn",
    "BetaGeo",
    "ConfigError",
    "Dataset",
    "FileReport",
    "FoursError",
    "GammaGamma",
    "GroupResults",
    "IngestOptions",
    "InputError",
    "MissingTableError",
    "Period",
    "ScheduleChurn",
    "Settings",
    "StoreResults",
    "SupervisedChurn",
    "UsageError",
    "__version__",
    "analyse",
    "analyse_group",
    "analyse_store",
    "load",
    "load_settings",
    "parse_period",
]
