"""holdsim in-process: the agent-based simulation of social-prescribing link workers,
with the same Rust core and the same tables as the ``holdsim`` CLI.

The same scenario and seed give bit-identical numbers to ``holdsim run``. Simulations
release the GIL and use every core; Ctrl-C raises ``KeyboardInterrupt`` promptly.

>>> import holdsim
>>> res = holdsim.run("scenarios/baseline.toml", replications=20, seed=1)
>>> res.summary.set_index("kpi").loc["exits_per_post_year", "mean"]
>>> holdsim.simulate(holdsim.Scenario.load("scenarios/baseline.toml"),
...                  {"strain.alpha": 0.06}, replications=4, seed=1)

Scenarios are given as a path (``str`` or ``os.PathLike``), TOML text, or a
:class:`Scenario`; ``set`` changes parameters by the dotted paths of ``--set``, as a
dict (``{"workforce.link_workers": 4}``) or ``["workforce.link_workers=4"]``.
"""

from __future__ import annotations

import json
import numbers
import os
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, NamedTuple, Optional, Sequence, Union

import numpy as np
import pandas as pd

from . import _native
from ._native import HoldsimError, Scenario, ScenarioError

__version__ = _native.__version__

__all__ = [
    "Scenario",
    "ScenarioError",
    "HoldsimError",
    "Results",
    "Comparison",
    "Tables",
    "SweepResults",
    "run",
    "compare",
    "simulate",
    "simulate_many",
    "sweep",
    "sensitivity",
    "KPIS",
]

#: The KPI names, in the order of the CLI's tables and of ``simulate_many``'s columns.
KPIS: List[str] = list(_native.kpi_names())

ScenarioLike = Union[str, "os.PathLike[str]", Scenario]
Overrides = Union[Mapping[str, Union[int, float]], Sequence[str], None]


def _frame(columns) -> pd.DataFrame:
    """A DataFrame from the native columns, in the CLI's column order and types:
    int64 for whole-number columns, float64 (NaN where the CSV field is empty) for
    measured values, text for names."""
    data = {}
    for name, kind, payload in columns:
        if kind == "str":
            data[name] = list(payload)
        else:
            data[name] = np.frombuffer(payload, dtype=np.dtype(kind)).copy()
    return pd.DataFrame(data, columns=[c[0] for c in columns])


def _parse_override(item: str):
    path, sep, text = item.partition("=")
    if not sep:
        raise ScenarioError(f"--set `{item}`: expected KEY=VALUE")
    text = text.strip()
    try:
        return path.strip(), int(text)
    except ValueError:
        try:
            return path.strip(), float(text)
        except ValueError:
            raise ScenarioError(f"--set `{item}`: `{text}` is not a number") from None


def _override_pairs(set: Overrides):
    if set is None:
        return []
    if isinstance(set, Mapping):
        return list(set.items())
    if isinstance(set, str):
        set = [set]
    return [_parse_override(item) for item in set]


def _number_text(value) -> str:
    """A number as `--set` reads it: integers as digits, reals in shortest round-trip
    form (numpy scalars included; their repr is not a number)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"expected an int or a float, got {type(value).__name__}")
    return str(int(value)) if isinstance(value, numbers.Integral) else repr(float(value))


def _looks_like_toml(text: str) -> bool:
    return "\n" in text or ("=" in text and not os.path.exists(text))


def _as_scenario(scenario: ScenarioLike, set: Overrides = None, *, replications=None, seed=None) -> Scenario:
    """A fresh Scenario from a path, TOML text or Scenario, with ``set`` applied and the
    run's replications and seed if given; raises ScenarioError if it cannot run."""
    pairs = _override_pairs(set)
    if isinstance(scenario, Scenario):
        s = scenario.copy()
        for path, value in pairs:
            s.set(path, value)
    else:
        overrides = [f"{k}={_number_text(v)}" for k, v in pairs]
        if isinstance(scenario, os.PathLike):
            s = Scenario.load(os.fspath(scenario), overrides)
        elif isinstance(scenario, str):
            if _looks_like_toml(scenario):
                s = Scenario.from_toml(scenario, None, overrides)
            else:
                s = Scenario.load(scenario, overrides)
        else:
            raise TypeError(f"expected a path, TOML text or holdsim.Scenario, got {type(scenario).__name__}")
    if replications is not None:
        s.set("run.replications", int(replications))
    if seed is not None:
        s.set("run.seed", int(seed))
    s.check()
    return s


class Tables(NamedTuple):
    """A run's three tables in another frame library."""

    summary: Any
    replications: Any
    timeseries: Any


class Results:
    """One scenario's run: the CLI's ``summary.csv``, ``replications.csv`` and
    ``timeseries.csv`` as pandas DataFrames (same columns, same order, same values),
    and its manifest."""

    def __init__(self, raw: Dict[str, Any], scenario: Scenario):
        self.scenario: Scenario = scenario
        #: One row per KPI: kpi, n, mean, sd, ci_low, ci_high, p5, p50, p95.
        self.summary: pd.DataFrame = _frame(raw["summary"])
        #: One row per replication: replication, patient_days, one column per KPI.
        self.replications: pd.DataFrame = _frame(raw["replications"])
        #: One row per (replication, week): the weekly series summed over sites.
        self.timeseries: pd.DataFrame = _frame(raw["timeseries"])
        #: What ran, with which seed, threads and time (the CLI's manifest.json keys).
        self.manifest: Dict[str, Any] = json.loads(raw["manifest"])

    def to_polars(self) -> Tables:
        """The three tables as polars DataFrames (needs polars)."""
        import polars as pl

        return Tables(*(pl.from_pandas(t) for t in (self.summary, self.replications, self.timeseries)))

    def to_arrow(self) -> Tables:
        """The three tables as pyarrow Tables (needs pyarrow)."""
        import pyarrow as pa

        return Tables(
            *(pa.Table.from_pandas(t, preserve_index=False) for t in (self.summary, self.replications, self.timeseries))
        )

    def __repr__(self) -> str:
        m = self.manifest
        return f"<holdsim.Results {m['name']!r}: {m['replications']} replications, seed {m['seed']}>"


def run(
    scenario: ScenarioLike,
    *,
    replications: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    set: Overrides = None,
    progress: bool = False,
) -> Results:
    """Runs a scenario's replications, as ``holdsim run`` does, and returns its tables.

    ``scenario`` is a path, TOML text or a :class:`Scenario`; ``replications`` and
    ``seed`` override ``run.replications`` / ``run.seed``; ``set`` overrides other
    parameters (dotted paths). ``threads`` defaults to every core (results do not
    depend on it). ``progress=True`` draws a progress bar on stderr.

    Raises :class:`ScenarioError` (with ``.problems``) for invalid input and
    ``KeyboardInterrupt`` on Ctrl-C.
    """
    s = _as_scenario(scenario, set, replications=replications, seed=seed)
    return Results(_native.run(s, threads, progress), s)


class Comparison:
    """Scenarios run with the same seed and replications (common random numbers):
    ``table`` is the CLI's ``compare.csv``, ``results`` each scenario's
    :class:`Results` by name, the baseline first."""

    def __init__(self, raw: Dict[str, Any], scenarios: List[Scenario], names: List[str]):
        #: One row per (scenario, KPI): mean and CI, paired difference from the baseline.
        self.table: pd.DataFrame = _frame(raw["table"])
        #: Each scenario's results, keyed by its name, baseline first.
        self.results: Dict[str, Results] = {n: Results(r, s) for n, r, s in zip(names, raw["runs"], scenarios)}
        #: The baseline's name.
        self.baseline: str = names[0]

    def __repr__(self) -> str:
        return f"<holdsim.Comparison of {', '.join(self.results)}; baseline {self.baseline!r}>"


def _names(scenarios: Sequence[ScenarioLike], loaded: Sequence[Scenario]) -> List[str]:
    """Unique display names, as the CLI makes them from file stems (`baseline`,
    `baseline-2`, ...); a Scenario or TOML text is named by its ``name``."""
    names: List[str] = []
    for given, s in zip(scenarios, loaded):
        base = Path(os.fspath(given)).stem if isinstance(given, os.PathLike) else s.name
        if isinstance(given, str) and not _looks_like_toml(given):
            base = Path(given).stem
        name, k = base, 2
        while name in names:
            name, k = f"{base}-{k}", k + 1
        names.append(name)
    return names


def compare(
    scenarios: Sequence[ScenarioLike],
    *,
    baseline: Union[int, str] = 0,
    replications: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    set: Overrides = None,
    progress: bool = False,
) -> Comparison:
    """Runs every scenario with the baseline's replications and seed (common random
    numbers), as ``holdsim compare`` does, and returns the paired comparison.

    ``baseline`` is the index or name of the scenario the others are compared with.
    KPI windows (``run.horizon_days``, ``run.warmup_days``) must agree.
    """
    if len(scenarios) < 2:
        raise HoldsimError(f"compare needs at least two scenarios (got {len(scenarios)})")
    loaded = [_as_scenario(s, set, replications=replications, seed=seed) for s in scenarios]
    names = _names(scenarios, loaded)
    first = names.index(baseline) if isinstance(baseline, str) else int(baseline)
    if not 0 <= first < len(loaded):
        raise HoldsimError(f"baseline {baseline!r} is not one of the scenarios given ({', '.join(names)})")
    order = [first] + [i for i in range(len(loaded)) if i != first]
    loaded, names = [loaded[i] for i in order], [names[i] for i in order]
    head = loaded[0]
    for s, n in zip(loaded[1:], names[1:]):
        s.set("run.replications", head.get("run.replications"))
        s.set("run.seed", head.get("run.seed"))
        window = [(x.get("run.horizon_days"), x.get("run.warmup_days")) for x in (head, s)]
        if window[0] != window[1]:
            raise HoldsimError(
                f"cannot compare {names[0]} (horizon {window[0][0]} days, warm-up {window[0][1]}) with {n} "
                f"(horizon {window[1][0]} days, warm-up {window[1][1]}): KPIs would cover different windows; "
                "make run.horizon_days and run.warmup_days equal (e.g. with set=)"
            )
    return Comparison(_native.compare(loaded, names, threads, progress), loaded, names)


def simulate(
    scenario: ScenarioLike,
    params: Mapping[str, float],
    *,
    replications: int,
    seed: int,
    threads: Optional[int] = None,
) -> Dict[str, float]:
    """KPI means over ``replications`` replications at one parameter point: the fast
    path for calibration and sensitivity libraries.

    ``params`` maps dotted paths to values (a whole float is accepted for an integer
    parameter). Returns ``{kpi: mean}`` (NaN where a KPI is undefined), the values
    ``summary.csv``'s ``mean`` would hold for the same scenario, parameters and seed.
    Pass a :class:`Scenario` (loaded once) for the least overhead per call.
    """
    s = scenario if isinstance(scenario, Scenario) else _as_scenario(scenario)
    return _native.simulate(s, dict(params), int(replications), int(seed), threads)


def simulate_many(
    scenario: ScenarioLike,
    points: Union[pd.DataFrame, Iterable[Mapping[str, float]]],
    *,
    replications: int,
    seed: int,
    threads: Optional[int] = None,
) -> pd.DataFrame:
    """:func:`simulate` at many points at once, every (point, replication) pair in
    parallel. ``points`` is a DataFrame (one column per dotted path) or a list of
    dicts with the same keys. Returns the points' columns followed by one column per
    KPI (its mean at that point), one row per point, in order.
    """
    s = scenario if isinstance(scenario, Scenario) else _as_scenario(scenario)
    if isinstance(points, pd.DataFrame):
        frame = points.reset_index(drop=True)
    else:
        rows = list(points)
        keys = list(rows[0]) if rows else []
        for i, row in enumerate(rows):
            if set(row) != set(keys):
                raise HoldsimError(f"point {i} sets {sorted(row)}, but point 0 sets {sorted(keys)}")
        frame = pd.DataFrame(rows, columns=keys)
    names = [str(c) for c in frame.columns]
    values = [[v.item() if hasattr(v, "item") else v for v in row] for row in frame.itertuples(index=False, name=None)]
    raw = _native.simulate_many(s, names, values, int(replications), int(seed), threads)
    means = np.frombuffer(raw, dtype=np.float64).reshape(len(values), len(KPIS)).copy()
    return pd.concat([frame, pd.DataFrame(means, columns=KPIS)], axis=1)


class SweepResults(NamedTuple):
    """A sweep's (or sensitivity analysis's) folder, as ``holdsim sweep`` wrote it, and
    its tables read back."""

    out: Path
    summary: pd.DataFrame
    #: ``indices.csv`` of a sensitivity analysis (None for a sweep).
    indices: Optional[pd.DataFrame]


def _sweep_out(experiment, out) -> Path:
    return Path(out) if out is not None else Path("results") / Path(os.fspath(experiment)).stem


def _experiment(command, experiment, out, threads, force, set, progress) -> Path:
    folder = _sweep_out(experiment, out)
    _native.experiment(command, os.fspath(experiment), os.fspath(folder), threads, force, list(set), progress)
    return folder


def sweep(
    experiment: Union[str, "os.PathLike[str]"],
    out: Union[str, "os.PathLike[str]", None] = None,
    *,
    threads: Optional[int] = None,
    force: bool = False,
    set: Sequence[str] = (),
    progress: bool = False,
) -> SweepResults:
    """``holdsim sweep EXPERIMENT --out OUT``: the same command, in-process (resumable
    in ``out``, default ``results/<experiment stem>``; ``set`` as ``--set``). Returns
    the folder and its ``summary.csv``. Prints nothing unless ``progress``; Ctrl-C
    stops it between chunks of points with ``KeyboardInterrupt`` (what is done stays,
    and the same call resumes there)."""
    folder = _experiment("sweep", experiment, out, threads, force, set, progress)
    return SweepResults(folder, pd.read_csv(folder / "summary.csv"), None)


def sensitivity(
    experiment: Union[str, "os.PathLike[str]"],
    out: Union[str, "os.PathLike[str]", None] = None,
    *,
    threads: Optional[int] = None,
    force: bool = False,
    set: Sequence[str] = (),
    progress: bool = False,
) -> SweepResults:
    """``holdsim sensitivity EXPERIMENT --out OUT``: Morris or Sobol' indices with
    bootstrap CIs, in-process, as :func:`sweep`. Returns the folder, ``summary.csv``
    and ``indices.csv``."""
    folder = _experiment("sensitivity", experiment, out, threads, force, set, progress)
    return SweepResults(folder, pd.read_csv(folder / "summary.csv"), pd.read_csv(folder / "indices.csv"))
