"""Sobol' sensitivity indices with SALib, holdsim as the model, called in-process.

The factors, ranges and base sample size are those of experiments/sobol_baseline.toml
(six uncertain parameters of the baseline scenario, N = 256, so 256 × (6 + 2) = 2,048
points without second-order indices); SALib samples the points (Saltelli), holdsim
runs them all at once with `holdsim.simulate_many` (every point × replication on
every core), and SALib analyses the KPI means.

    python examples/python/sobol_salib.py                 # about half a minute
    python examples/python/sobol_salib.py --replications 10 --check

`--check` also runs `holdsim sensitivity experiments/sobol_baseline.toml` (the same
code as the CLI, in-process) and prints both sets of indices side by side with their
bootstrap confidence intervals, and whether each pair of intervals overlaps.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from SALib.analyze import sobol
from SALib.sample import sobol as sobol_sample

import holdsim

ROOT = Path(__file__).resolve().parents[2]
EXPERIMENT = ROOT / "experiments" / "sobol_baseline.toml"
KPIS = ["exits_per_post_year", "burnouts_per_post_year", "wait_mean_days"]
# As in experiments/sobol_baseline.toml.
FACTORS = {
    "strain.alpha": (0.03, 0.07),
    "strain.rho_rest": (0.05, 0.15),
    "strain.holding_multiplier": (1.0, 2.0),
    "support.supervision_hours_per_month": (0.0, 4.0),
    "referrals.rate_per_week": (8.0, 20.0),
    "policy.intake_threshold": (0.9, 1.3),
}


def salib_indices(samples: int, replications: int, seed: int) -> pd.DataFrame:
    problem = {"num_vars": len(FACTORS), "names": list(FACTORS), "bounds": list(FACTORS.values())}
    points = sobol_sample.sample(problem, samples, calc_second_order=False, seed=seed)
    scenario = holdsim.Scenario.load(ROOT / "scenarios" / "baseline.toml")
    started = time.perf_counter()
    means = holdsim.simulate_many(
        scenario, pd.DataFrame(points, columns=problem["names"]), replications=replications, seed=seed
    )
    print(
        f"simulated {len(points)} points × {replications} replications in {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )
    rows = []
    for kpi in KPIS:
        y = means[kpi].to_numpy()
        result = sobol.analyze(problem, y, calc_second_order=False, seed=seed)
        for i, factor in enumerate(problem["names"]):
            rows.append(
                {
                    "kpi": kpi,
                    "factor": factor,
                    "first_order": result["S1"][i],
                    "first_ci_half": result["S1_conf"][i],
                    "total_order": result["ST"][i],
                    "total_ci_half": result["ST_conf"][i],
                }
            )
    return pd.DataFrame(rows)


def compare_with_cli(ours: pd.DataFrame, replications: int) -> pd.DataFrame:
    """holdsim's own Sobol' indices (as `holdsim sensitivity` computes them) beside
    SALib's, and whether their confidence intervals overlap."""
    with tempfile.TemporaryDirectory() as tmp:
        # The experiment file with this run's replications (its base made absolute).
        text = EXPERIMENT.read_text()
        text = text.replace('base = "../scenarios/', f'base = "{ROOT / "scenarios"}/')
        text = text.replace("replications = 10", f"replications = {replications}")
        experiment = Path(tmp) / "sobol_baseline.toml"
        experiment.write_text(text)
        cli = holdsim.sensitivity(experiment, Path(tmp) / "sobol").indices
    both = ours.merge(cli[["kpi", "factor", "first_order", "first_ci_low", "first_ci_high", "total_order",
                           "total_ci_low", "total_ci_high"]], on=["kpi", "factor"], suffixes=("_salib", "_holdsim"))

    def overlap(kind):
        lo = both[f"{kind}_order_salib"] - both[f"{kind}_ci_half"]
        hi = both[f"{kind}_order_salib"] + both[f"{kind}_ci_half"]
        return (lo <= both[f"{kind}_ci_high"]) & (both[f"{kind}_ci_low"] <= hi)

    both["first_agree"] = overlap("first")
    both["total_agree"] = overlap("total")
    return both


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=256, help="base sample size N (default 256)")
    parser.add_argument("--replications", type=int, default=4, help="replications per point (default 4)")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--check", action="store_true", help="compare with `holdsim sensitivity`")
    args = parser.parse_args()
    indices = salib_indices(args.samples, args.replications, args.seed)
    pd.set_option("display.width", 200)
    print(indices.round(3).to_string(index=False))
    if args.check:
        both = compare_with_cli(indices, args.replications)
        print(both.round(3).to_string(index=False))
        agree = both["first_agree"].sum() + both["total_agree"].sum()
        print(f"confidence intervals overlap for {agree} of {2 * len(both)} indices")


if __name__ == "__main__":
    main()
