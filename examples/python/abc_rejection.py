"""Rejection ABC (approximate Bayesian computation) of two strain parameters against
synthetic targets, in plain numpy with holdsim in-process.

The "observed" data are made by holdsim itself at known parameter values (so the
answer is known): link-worker exits and burnouts per post-year and the mean strain,
averaged over 20 replications. The prior is uniform over plausible ranges of
`strain.alpha` (strain per capacity-day of distress-weighted contact) and
`strain.rho_rest` (recovery per rest day); every prior draw is simulated at once with
`holdsim.simulate_many`, and the draws whose summaries are closest to the targets
(scaled distance) form the posterior sample.

    python examples/python/abc_rejection.py     # about 20 seconds on 2 cores

(pyABC runs the same idea adaptively, but pulls in a heavy stack; this needs numpy.)
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

import holdsim

ROOT = Path(__file__).resolve().parents[2]
PRIOR = {"strain.alpha": (0.03, 0.07), "strain.rho_rest": (0.05, 0.15)}
TRUTH = {"strain.alpha": 0.05, "strain.rho_rest": 0.09}
SUMMARIES = ["exits_per_post_year", "burnouts_per_post_year", "mean_strain"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=1500, help="prior draws (default 1500)")
    parser.add_argument("--replications", type=int, default=4, help="replications per draw (default 4)")
    parser.add_argument("--accept", type=float, default=0.05, help="share of draws kept (default 0.05)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    scenario = holdsim.Scenario.load(ROOT / "scenarios" / "baseline.toml")
    observed = holdsim.simulate(scenario, TRUTH, replications=20, seed=args.seed + 1)
    target = np.array([observed[k] for k in SUMMARIES])

    rng = np.random.default_rng(args.seed)
    draws = {name: rng.uniform(lo, hi, args.draws) for name, (lo, hi) in PRIOR.items()}
    started = time.perf_counter()
    sims = holdsim.simulate_many(
        scenario,
        [dict(zip(draws, values)) for values in zip(*draws.values())],
        replications=args.replications,
        seed=args.seed,
    )
    print(
        f"simulated {args.draws} draws × {args.replications} replications in "
        f"{time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )

    summaries = sims[SUMMARIES].to_numpy()
    scale = np.nanstd(summaries, axis=0)
    distance = np.sqrt(np.nansum(((summaries - target) / scale) ** 2, axis=1))
    kept = sims.iloc[np.argsort(distance)[: max(1, int(args.accept * args.draws))]]

    print(f"targets (truth {TRUTH}):")
    for k, v in zip(SUMMARIES, target):
        print(f"  {k:24s} {v:.4f}")
    print(f"posterior from {len(kept)} of {args.draws} draws:")
    for name, (lo, hi) in PRIOR.items():
        values = kept[name].to_numpy()
        q5, q50, q95 = np.quantile(values, [0.05, 0.5, 0.95])
        inside = q5 <= TRUTH[name] <= q95
        print(
            f"  {name:16s} median {q50:.4f}, 90% interval [{q5:.4f}, {q95:.4f}] "
            f"(prior [{lo}, {hi}]; truth {TRUTH[name]} {'inside' if inside else 'OUTSIDE'})"
        )


if __name__ == "__main__":
    main()
