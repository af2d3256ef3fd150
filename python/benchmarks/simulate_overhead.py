"""The per-call overhead of `holdsim.simulate` against the simulation time of one
baseline replication (issue 13 asks for under 5%). Not a test: timings depend on the
machine and its load. Run: python python/benchmarks/simulate_overhead.py

Replications differ in cost with their random draws, so the comparison runs the very
same replication both ways: `k` calls of `simulate(..., replications=1, seed=s)`
against one `simulate_many` call of `k` identical points (the same replication `k`
times, per-call costs paid once). The difference per call is the overhead:
converting the parameters, building the model, handing the work to the pool, waiting
for it and building the result dict. A call whose replication simulates one day
gives the overhead alone, as a check.
"""

import statistics
import time
from pathlib import Path

import holdsim

ROOT = Path(__file__).resolve().parents[2]
scenario = holdsim.Scenario.load(ROOT / "scenarios" / "baseline.toml")
params = {"strain.alpha": 0.05, "referrals.rate_per_week": 12.0}
K = 300


def timed(f):
    t = time.perf_counter()
    f()
    return time.perf_counter() - t


for threads, label in [(1, "threads=1"), (None, "all cores")]:
    rows = []
    for seed in range(1, 6):
        holdsim.simulate(scenario, params, replications=1, seed=seed, threads=threads)  # warm up
        calls = timed(lambda: [holdsim.simulate(scenario, params, replications=1, seed=seed, threads=threads)
                               for _ in range(K)]) / K
        batched = timed(lambda: holdsim.simulate_many(scenario, [params] * K, replications=1, seed=seed,
                                                      threads=1)) / K
        rows.append((calls - batched, batched))
    overhead = statistics.median(r[0] for r in rows)
    replication = statistics.median(r[1] for r in rows)
    print(f"{label}: one baseline replication {replication * 1e3:.3f} ms; overhead of a call "
          f"{overhead * 1e6:.0f} µs = {100 * overhead / replication:.1f}% (median over 5 seeds, {K} calls each)")

tiny = scenario.copy()
tiny.set("run.warmup_days", 0)
tiny.set("run.horizon_days", 1)
one_day = statistics.median(timed(lambda: holdsim.simulate(tiny, params, replications=1, seed=s)) for s in range(1000))
print(f"a call that simulates one day: median {one_day * 1e6:.0f} µs")
