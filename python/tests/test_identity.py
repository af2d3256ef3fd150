"""Same numbers as the CLI: `holdsim run` / `holdsim compare` and the package, on the
same scenario and seed, give bit-identical tables. The CLI prints shortest round-trip
digits, so parsing its CSV gives back the exact float it computed."""

import csv
import math
import subprocess

import numpy as np
import pandas as pd

import holdsim

from conftest import ROOT, SCENARIOS

POSTERIOR = ROOT / "calibration" / "literature-posterior.csv"


def read_exact(path):
    """A CLI table with every field parsed exactly: int, float (empty: NaN) or text."""
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    columns = {}
    for j, name in enumerate(header):
        cells = [r[j] for r in body]
        columns[name] = cells
    return header, columns


def assert_same_table(cli_path, frame: pd.DataFrame):
    header, columns = read_exact(cli_path)
    assert list(frame.columns) == header, f"{cli_path.name}: columns differ"
    assert len(frame) == len(next(iter(columns.values()))), f"{cli_path.name}: row counts differ"
    for name in header:
        ours = frame[name].to_numpy()
        if ours.dtype.kind in "if":
            theirs = np.array([float(x) if x != "" else math.nan for x in columns[name]])
            assert np.array_equal(ours.astype(np.float64), theirs, equal_nan=True), f"{cli_path.name}: `{name}` differs"
            if ours.dtype.kind == "i":
                assert all("." not in x for x in columns[name]), f"{name} should be whole numbers"
        else:
            assert [str(x) if isinstance(x, str) else "" for x in ours] == columns[name], f"{cli_path.name}: `{name}` differs"


def test_run_tables_are_bit_identical_to_the_cli(holdsim_bin, baseline, tmp_path):
    out = tmp_path / "cli"
    subprocess.run(
        [holdsim_bin, "run", baseline, "--replications", "6", "--seed", "7", "--set", "strain.alpha=0.061",
         "--out", out, "--quiet"],
        check=True, capture_output=True,
    )
    res = holdsim.run(baseline, replications=6, seed=7, set={"strain.alpha": 0.061}, threads=2)
    assert_same_table(out / "replications.csv", res.replications)
    assert_same_table(out / "summary.csv", res.summary)
    assert_same_table(out / "timeseries.csv", res.timeseries)


def test_compare_table_is_bit_identical_to_the_cli(holdsim_bin, tmp_path):
    base, other = SCENARIOS / "baseline.toml", SCENARIOS / "supported.toml"
    out = tmp_path / "cmp"
    subprocess.run(
        [holdsim_bin, "compare", base, other, "--replications", "4", "--seed", "3", "--no-robustness",
         "--out", out, "--quiet"],
        check=True, capture_output=True,
    )
    cmp = holdsim.compare([base, other], replications=4, seed=3)
    assert_same_table(out / "compare.csv", cmp.table)
    assert_same_table(out / "scenarios" / "supported" / "replications.csv", cmp.results["supported"].replications)


def test_simulate_gives_the_summary_means_of_run(baseline):
    scenario = holdsim.Scenario.load(baseline)
    params = {"strain.alpha": 0.055, "workforce.link_workers": 4}
    means = holdsim.simulate(scenario, params, replications=5, seed=11)
    res = holdsim.run(scenario, replications=5, seed=11, set=params)
    summary = res.summary.set_index("kpi")["mean"]
    assert list(means) == holdsim.KPIS
    for kpi, mean in means.items():
        assert (mean == summary[kpi]) or (math.isnan(mean) and math.isnan(summary[kpi])), kpi


def test_simulate_many_matches_simulate_point_by_point(baseline):
    scenario = holdsim.Scenario.load(baseline)
    points = [{"strain.alpha": a, "referrals.rate_per_week": r} for a, r in [(0.04, 10.0), (0.06, 14.0), (0.05, 12.0)]]
    many = holdsim.simulate_many(scenario, points, replications=3, seed=2)
    assert list(many.columns) == ["strain.alpha", "referrals.rate_per_week"] + holdsim.KPIS
    for i, p in enumerate(points):
        one = holdsim.simulate(scenario, p, replications=3, seed=2)
        row = many.iloc[i]
        assert row["strain.alpha"] == p["strain.alpha"]
        for kpi in holdsim.KPIS:
            assert row[kpi] == one[kpi] or (math.isnan(row[kpi]) and math.isnan(one[kpi])), (i, kpi)


def test_run_with_a_posterior_is_bit_identical_to_the_cli(holdsim_bin, baseline, tmp_path):
    out = tmp_path / "cli"
    subprocess.run(
        [holdsim_bin, "run", baseline, "--replications", "6", "--seed", "7", "--posterior", POSTERIOR,
         "--out", out, "--quiet"],
        check=True, capture_output=True,
    )
    res = holdsim.run(baseline, replications=6, seed=7, posterior=POSTERIOR, threads=2)
    assert res.replications.columns[-1] == "particle"
    assert_same_table(out / "replications.csv", res.replications)
    assert_same_table(out / "summary.csv", res.summary)
    assert_same_table(out / "timeseries.csv", res.timeseries)
    # The same particles as a DataFrame (parsed to the exact floats) give the same run.
    header, columns = read_exact(POSTERIOR)
    frame = pd.DataFrame({name: [float(x) for x in columns[name]] for name in header}, columns=header)
    from_frame = holdsim.run(baseline, replications=6, seed=7, posterior=frame, threads=1)
    pd.testing.assert_frame_equal(from_frame.replications, res.replications)
    pd.testing.assert_frame_equal(from_frame.summary, res.summary)


def test_compare_with_a_posterior_is_bit_identical_to_the_cli(holdsim_bin, tmp_path):
    base, other = SCENARIOS / "baseline.toml", SCENARIOS / "supported.toml"
    out = tmp_path / "cmp"
    subprocess.run(
        [holdsim_bin, "compare", base, other, "--replications", "5", "--seed", "3", "--no-robustness",
         "--posterior", POSTERIOR, "--out", out, "--quiet"],
        check=True, capture_output=True,
    )
    cmp = holdsim.compare([base, other], replications=5, seed=3, posterior=POSTERIOR)
    assert "p_better" in cmp.table.columns
    assert_same_table(out / "compare.csv", cmp.table)
    for name in ("baseline", "supported"):
        assert_same_table(out / "scenarios" / name / "replications.csv", cmp.results[name].replications)
        assert_same_table(out / "scenarios" / name / "summary.csv", cmp.results[name].summary)
