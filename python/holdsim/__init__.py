"""holdsim in-process: the agent-based simulation of social-prescribing link workers,
with the same Rust core and the same tables as the ``holdsim`` CLI.

The same scenario and seed give bit-identical numbers to ``holdsim run``. Simulations
release the GIL and use every core; Ctrl-C raises ``KeyboardInterrupt`` promptly.

>>> import holdsim
>>> res = holdsim.run("scenarios/baseline.toml", replications=20, seed=1)
>>> res.summary.set_index("kpi").loc["exits_per_post_year", "mean"]
>>> holdsim.simulate(holdsim.Scenario.load("scenarios/baseline.toml"),
...                  {"strain.alpha": 0.06}, replications=4, seed=1)
>>> holdsim.run("scenarios/baseline.toml", replications=200, seed=1,
...             posterior="calibration/literature-posterior.csv")  # parameter uncertainty too

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
from ._native import HoldsimError, Posterior, Scenario, ScenarioError

__version__ = _native.__version__

__all__ = [
    "Scenario",
    "Posterior",
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
PosteriorLike = Union[str, "os.PathLike[str]", pd.DataFrame, Posterior, None]


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


def _posterior_of_frame(frame: pd.DataFrame) -> Posterior:
    """A Posterior from a DataFrame with posterior.csv's columns: ``particle``
    (optional, ignored: a particle is its row), one numeric column per dotted path,
    ``weight``."""
    expected = (
        "expected posterior.csv's columns: `particle` (optional), one per dotted scenario path "
        "(e.g. `strain.alpha`), and `weight`"
    )
    columns = list(frame.columns)
    for c in columns:
        if not isinstance(c, str):
            raise HoldsimError(f"the posterior DataFrame's column {c!r} is not a dotted path; {expected}")
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if repeated:
        raise HoldsimError(f"the posterior DataFrame has the column `{repeated[0]}` more than once; {expected}")
    if "weight" not in columns:
        raise HoldsimError(f"the posterior DataFrame has no `weight` column; {expected}")
    paths = [c for c in columns if c not in ("particle", "weight")]
    if not paths:
        raise HoldsimError(f"the posterior DataFrame has no parameter column; {expected}")
    for c in paths + ["weight"]:
        dtype = frame[c].dtype
        if pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype):
            raise HoldsimError(f"the posterior DataFrame's column `{c}` holds {dtype}, not numbers; {expected}")
    values = frame[paths].to_numpy(dtype=np.float64).tolist()
    weights = frame["weight"].to_numpy(dtype=np.float64).tolist()
    return Posterior.from_columns(paths, values, weights, "<DataFrame>")


def _as_posterior(posterior: PosteriorLike) -> Optional[Posterior]:
    """A checked Posterior from a posterior.csv path, a DataFrame or a Posterior."""
    if posterior is None or isinstance(posterior, Posterior):
        return posterior
    if isinstance(posterior, pd.DataFrame):
        return _posterior_of_frame(posterior)
    if isinstance(posterior, (str, os.PathLike)):
        return Posterior.read(os.fspath(posterior))
    raise TypeError(
        f"posterior: expected a path to a posterior.csv, a DataFrame or holdsim.Posterior, got {type(posterior).__name__}"
    )


class Tables(NamedTuple):
    """A run's three tables in another frame library."""

    summary: Any
    replications: Any
    timeseries: Any


class Results:
    """One scenario's run: the CLI's ``summary.csv``, ``replications.csv`` and
    ``timeseries.csv`` as pandas DataFrames (same columns, same order, same values),
    and its manifest."""

    def __init__(self, raw: Dict[str, Any], scenario: Scenario, posterior: Optional[Posterior] = None):
        self.scenario: Scenario = scenario
        #: The posterior its parameters were drawn from, if any.
        self.posterior: Optional[Posterior] = posterior
        #: One row per KPI: kpi, n, mean, sd, ci_low, ci_high (the t-CI of the mean),
        #: p5, p50, p95, p2_5, p97_5 (percentiles across replications: with a
        #: posterior, p2_5–p97_5 holds 95% of outcomes, parameters and chance together).
        self.summary: pd.DataFrame = _frame(raw["summary"])
        #: One row per replication: replication, patient_days, one column per KPI,
        #: and with a posterior a last ``particle`` column (the posterior's row, from
        #: 0, that the replication ran with).
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
        drawn = f", parameters drawn from {self.posterior.source}" if self.posterior is not None else ""
        return f"<holdsim.Results {m['name']!r}: {m['replications']} replications, seed {m['seed']}{drawn}>"


def run(
    scenario: ScenarioLike,
    *,
    replications: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    set: Overrides = None,
    progress: bool = False,
    posterior: PosteriorLike = None,
) -> Results:
    """Runs a scenario's replications, as ``holdsim run`` does, and returns its tables.

    ``scenario`` is a path, TOML text or a :class:`Scenario`; ``replications`` and
    ``seed`` override ``run.replications`` / ``run.seed``; ``set`` overrides other
    parameters (dotted paths). ``threads`` defaults to every core (results do not
    depend on it). ``progress=True`` draws a progress bar on stderr.

    ``posterior`` carries parameter uncertainty into the run, as ``holdsim run
    --posterior``: a path to a ``posterior.csv`` (as ``holdsim calibrate`` writes,
    e.g. ``calibration/literature-posterior.csv``), a DataFrame with its columns
    (``particle`` optional, one column per dotted path, ``weight``; weights are
    normalised) or a :class:`Posterior`. Each replication then runs one particle,
    drawn by weight from (seed, replication): ``replications`` gains a ``particle``
    column, and ``summary``'s p2_5/p97_5 hold 95% of outcomes from parameters and
    chance together (ci_low/ci_high stay the t-CI of the mean).

    Raises :class:`ScenarioError` (with ``.problems``) for an invalid scenario,
    :class:`HoldsimError` for a posterior that cannot be read or cannot run this
    scenario (naming the file, column or particle), and ``KeyboardInterrupt`` on Ctrl-C.
    """
    s = _as_scenario(scenario, set, replications=replications, seed=seed)
    p = _as_posterior(posterior)
    return Results(_native.run(s, threads, progress, p), s, p)


class Comparison:
    """Scenarios run with the same seed and replications (common random numbers):
    ``table`` is the CLI's ``compare.csv``, ``results`` each scenario's
    :class:`Results` by name, the baseline first."""

    def __init__(
        self, raw: Dict[str, Any], scenarios: List[Scenario], names: List[str], posterior: Optional[Posterior] = None
    ):
        #: One row per (scenario, KPI): mean and CI, paired difference from the
        #: baseline, and ``p_better``: the share of paired replications in which the
        #: scenario does better than the baseline (ties count half; with a posterior,
        #: the probability it beats the baseline, parameters and chance together).
        self.table: pd.DataFrame = _frame(raw["table"])
        #: Each scenario's results, keyed by its name, baseline first.
        self.results: Dict[str, Results] = {
            n: Results(r, s, posterior) for n, r, s in zip(names, raw["runs"], scenarios)
        }
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
    posterior: PosteriorLike = None,
) -> Comparison:
    """Runs every scenario with the baseline's replications and seed (common random
    numbers), as ``holdsim compare`` does, and returns the paired comparison.

    ``baseline`` is the index or name of the scenario the others are compared with.
    KPI windows (``run.horizon_days``, ``run.warmup_days``) must agree.

    ``posterior`` (as in :func:`run`) draws one particle per replication, the same
    particle for replication r of every scenario, so paired differences keep common
    random numbers for the parameters too; ``table``'s ``p_better`` is then the
    probability that an option beats the baseline. A scenario that sets a drawn
    parameter to another value than the baseline raises :class:`HoldsimError` (the
    posterior would overwrite the very change being compared).
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
    p = _as_posterior(posterior)
    return Comparison(_native.compare(loaded, names, threads, progress, p), loaded, names, p)


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
