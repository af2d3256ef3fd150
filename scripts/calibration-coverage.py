#!/usr/bin/env python3
"""Coverage study of `holdsim calibrate` (docs/calibration.md, "Validation").

Draws N synthetic problems: a true (strain.alpha, strain.rho_rest) uniformly from the
priors, the expected mean strain and leaving rate of a small scenario at that truth
(from 200 replications), plus observation noise drawn from the stated sds; then
calibrates each and counts how often each parameter's 90% credible interval covers
its truth. A well-calibrated method covers about 90% of the time (more is
conservative, less is overconfident); with N problems the count's binomial sd is
√(N · 0.9 · 0.1).

Usage: scripts/calibration-coverage.py [N] [HOLDSIM]   (default 20, target/release/holdsim)
Writes calibration-coverage/coverage.csv and prints the coverage per parameter.
"""

import csv
import os
import random
import subprocess
import sys

N = int(sys.argv[1]) if len(sys.argv) > 1 else 20
HOLDSIM = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else "target/release/holdsim")
WORK = os.path.abspath("calibration-coverage")
PRIORS = {"strain.alpha": (0.02, 0.10), "strain.rho_rest": (0.05, 0.20)}
SMALL = '[run]\nhorizon_days = 730\nwarmup_days = 90\n'


def holdsim(*args):
    subprocess.run([HOLDSIM, *args], check=True, cwd=WORK, stdout=subprocess.DEVNULL)


def expected(truth, i):
    """Mean of each target KPI over 200 replications at the truth."""
    sets = [a for k, v in truth.items() for a in ("--set", f"{k}={v!r}")]
    holdsim("run", "small.toml", "-n", "200", "--seed", str(1000 + i), "-q", "--force",
            "--out", f"truth-{i}", *sets)
    with open(os.path.join(WORK, f"truth-{i}", "summary.csv")) as f:
        means = {r["kpi"]: float(r["mean"]) for r in csv.DictReader(f)}
    return means["mean_strain"], means["exits_per_post_year"]


def main():
    os.makedirs(WORK, exist_ok=True)
    with open(os.path.join(WORK, "small.toml"), "w") as f:
        f.write('title = "coverage study"\n' + SMALL)
    rng = random.Random(2026)
    rows = []
    for i in range(N):
        truth = {k: rng.uniform(lo, hi) for k, (lo, hi) in PRIORS.items()}
        strain, exits = expected(truth, i)
        strain_sd, exits_sd = 0.05 * strain, max(0.1 * exits, 0.02)
        observed = (strain + rng.gauss(0, strain_sd), exits + rng.gauss(0, exits_sd))
        params = "".join(f'[[parameter]]\npath = "{k}"\n' for k in PRIORS)
        targets = "".join(
            f'[[target]]\nkpi = "{k}"\nvalue = {v!r}\nsd = {sd!r}\ndiscrepancy_sd = 0\nsource = "synthetic"\n'
            for k, v, sd in [("mean_strain", observed[0], strain_sd),
                             ("exits_per_post_year", observed[1], exits_sd)])
        with open(os.path.join(WORK, f"problem-{i}.toml"), "w") as f:
            f.write(f'base = "small.toml"\n[calibration]\nreplications = 10\nparticles = 400\n'
                    f'waves = 2\nseed = {i + 1}\n{params}{targets}')
        holdsim("calibrate", f"problem-{i}.toml", "--out", f"out-{i}", "--force", "-q")
        with open(os.path.join(WORK, f"out-{i}", "parameters.csv")) as f:
            for r in csv.DictReader(f):
                t = truth[r["parameter"]]
                lo, hi = float(r["posterior_p5"]), float(r["posterior_p95"])
                rows.append({"problem": i, "parameter": r["parameter"], "truth": t,
                             "p5": lo, "median": float(r["posterior_median"]), "p95": hi,
                             "covered": int(lo <= t <= hi),
                             "interval_share_of_prior": float(r["interval_share_of_prior"])})
        print(f"problem {i}: " + ", ".join(
            f"{r['parameter']} {r['truth']:.4g} in [{r['p5']:.4g}, {r['p95']:.4g}]"
            for r in rows[-len(PRIORS):]), flush=True)
    with open(os.path.join(WORK, "coverage.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    for k in PRIORS:
        these = [r for r in rows if r["parameter"] == k]
        covered = sum(r["covered"] for r in these)
        share = sum(r["interval_share_of_prior"] for r in these) / len(these)
        print(f"{k}: 90% interval covered the truth in {covered} of {len(these)} problems "
              f"({100 * covered / len(these):.0f}%); mean width {100 * share:.0f}% of the prior")


if __name__ == "__main__":
    main()
