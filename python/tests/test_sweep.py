"""`holdsim.sweep` and `holdsim.sensitivity` run the CLI's commands in-process: the
same folder as `holdsim sweep`, and the indices read back."""

import subprocess

import pytest

import holdsim

from conftest import SCENARIOS

GRID = f"""
base = "{SCENARIOS / 'baseline.toml'}"
[experiment]
replications = 2
[design]
method = "grid"
[[design.factor]]
path = "workforce.link_workers"
values = [2, 4]
"""

MORRIS = f"""
base = "{SCENARIOS / 'baseline.toml'}"
[experiment]
replications = 2
[sensitivity]
method = "morris"
kpis = ["exits_per_post_year", "wait_mean_days"]
trajectories = 4
levels = 4
seed = 5
[[sensitivity.factor]]
path = "strain.alpha"
min = 0.03
max = 0.07
[[sensitivity.factor]]
path = "referrals.rate_per_week"
min = 8.0
max = 20.0
"""


def test_sweep_writes_what_the_cli_writes(holdsim_bin, tmp_path):
    experiment = tmp_path / "grid.toml"
    experiment.write_text(GRID)
    ours = holdsim.sweep(experiment, tmp_path / "py", set=["run.horizon_days=400"])
    subprocess.run(
        [holdsim_bin, "sweep", experiment, "--out", tmp_path / "cli", "--set", "run.horizon_days=400", "--quiet"],
        check=True, capture_output=True,
    )
    assert ours.out == tmp_path / "py"
    assert list(ours.summary["point"].unique()) == [0, 1]
    for table in ("summary.csv", "replications.csv"):
        assert (tmp_path / "py" / table).read_bytes() == (tmp_path / "cli" / table).read_bytes(), table


def test_sensitivity_returns_the_indices(tmp_path):
    experiment = tmp_path / "morris.toml"
    experiment.write_text(MORRIS)
    res = holdsim.sensitivity(experiment, tmp_path / "out", set=["run.horizon_days=400"])
    assert set(res.indices["factor"]) == {"strain.alpha", "referrals.rate_per_week"}
    assert set(res.indices["kpi"]) == {"exits_per_post_year", "wait_mean_days"}
    assert (res.indices["method"] == "morris").all()


def test_a_bad_experiment_raises_with_the_clis_message(tmp_path):
    experiment = tmp_path / "bad.toml"
    experiment.write_text(GRID.replace("values = [2, 4]", "values = [-1]"))
    with pytest.raises(holdsim.HoldsimError):
        holdsim.sweep(experiment, tmp_path / "out")
    with pytest.raises(holdsim.HoldsimError, match="cannot read experiment file"):
        holdsim.sensitivity(tmp_path / "nosuch.toml", tmp_path / "out2")
