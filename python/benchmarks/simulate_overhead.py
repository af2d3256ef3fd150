"""The per-call overhead of `holdsim.simulate` against the simulation time of one
baseline replication (issue 13 asks for under 5%). Not a test: timings depend on the
machine and its load. Run: python python/benchmarks/simulate_overhead.py

One replication's simulation time is measured amortised (one call of many
replications on one thread, so per-call costs are spread thin); the overhead is what
a call of one replication costs beyond that: converting the parameters, building the
model, starting the worker thread, waiting for it and building the result dict.
"""

import statistics
import sys
import time
from pathlib import Path

import holdsim

ROOT = Path(__file__).resolve().parents[2]
scenario = holdsim.Scenario.load(ROOT / "scenarios" / "baseline.toml")
params = {"strain.alpha": 0.05, "referrals.rate_per_week": 12.0}


def timed(f):
    t = time.perf_counter()
    f()
    return time.perf_counter() - t


def per_call(scenario, seeds, threads):
    """Mean time of a one-replication call, over different seeds (replication costs
    vary with the random draws; the mean over many seeds is the expected cost)."""
    return statistics.mean(
        timed(lambda: holdsim.simulate(scenario, params, replications=1, seed=s, threads=threads)) for s in seeds
    )


seeds = range(1, 401)
per_call(scenario, range(20), 1)  # warm up
# One replication's simulation time, amortised: 400 replications in one call.
per_replication = timed(lambda: holdsim.simulate(scenario, params, replications=len(seeds), seed=1, threads=1)) / len(seeds)
for threads, label in [(1, "threads=1"), (None, "all cores")]:
    call = per_call(scenario, seeds, threads)
    overhead = call - per_replication
    print(
        f"{label}: one baseline replication {per_replication * 1e3:.3f} ms (mean of {len(seeds)} in one call); "
        f"a one-replication call {call * 1e3:.3f} ms (mean of {len(seeds)} calls); "
        f"overhead {overhead * 1e6:.0f} µs = {100 * overhead / per_replication:.1f}%"
    )

# The overhead alone: a scenario whose replication simulates almost nothing.
tiny = scenario.copy()
tiny.set("run.warmup_days", 0)
tiny.set("run.horizon_days", 1)
empty_call = statistics.median(
    timed(lambda: holdsim.simulate(tiny, params, replications=1, seed=s, threads=1)) for s in seeds
)
print(
    f"a call that simulates one day: median {empty_call * 1e6:.0f} µs "
    f"= {100 * empty_call / per_replication:.1f}% of one baseline replication"
)
