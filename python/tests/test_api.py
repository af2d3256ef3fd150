"""The package's API: scenarios, errors with `.problems`, results' tables and
conversions, comparisons, and the fast path's argument handling."""

import copy
import math

import numpy as np
import pandas as pd
import pytest

import holdsim

from conftest import SCENARIOS, missing

SHORT = """
title = "short"
[run]
horizon_days = 200
warmup_days = 20
replications = 3
seed = 4
"""


def test_scenario_load_get_set_and_to_toml(baseline):
    s = holdsim.Scenario.load(baseline)
    assert s.name == "baseline"
    assert s.title.startswith("Today")
    assert isinstance(s.get("workforce.link_workers"), int)
    assert isinstance(s.get("strain.alpha"), float)
    s.set("workforce.link_workers", 5)
    s.set("strain.alpha", 0.07)
    assert s.get("workforce.link_workers") == 5
    assert s.get("strain.alpha") == 0.07
    again = holdsim.Scenario.from_toml(s.to_toml(), name="again")
    assert again.get("workforce.link_workers") == 5
    assert again.to_toml() == s.to_toml()
    assert s.check() is None


def test_copies_are_independent(baseline):
    s = holdsim.Scenario.load(baseline)
    for c in (s.copy(), copy.copy(s), copy.deepcopy(s)):
        c.set("workforce.link_workers", 7)
        assert s.get("workforce.link_workers") != 7


def test_a_bad_value_raises_scenario_error_naming_file_line_and_key(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('title = "bad"\n[workforce]\nlink_workers = -2\n')
    with pytest.raises(holdsim.ScenarioError) as e:
        holdsim.Scenario.load(bad)
    problems = e.value.problems
    assert problems and set(problems[0]) == {"file", "line", "key", "message"}
    assert problems[0]["file"].endswith("bad.toml")
    assert problems[0]["line"] == 3
    assert problems[0]["key"] == "workforce.link_workers"
    assert "link_workers" in str(e.value)


def test_unknown_keys_and_paths_raise_scenario_error(baseline):
    with pytest.raises(holdsim.ScenarioError) as e:
        holdsim.Scenario.from_toml("[workforce]\nlink_wokers = 3\n", name="typo")
    assert e.value.problems[0]["file"] == "typo"
    s = holdsim.Scenario.load(baseline)
    with pytest.raises(holdsim.ScenarioError) as e:
        s.set("workforce.nope", 1)
    assert e.value.problems[0]["key"] == "workforce.nope"
    with pytest.raises(holdsim.ScenarioError):
        s.get("nosuch.section")
    with pytest.raises(holdsim.ScenarioError):
        holdsim.Scenario.load(SCENARIOS / "does-not-exist.toml")
    with pytest.raises(TypeError):
        s.set("strain.alpha", "0.05")
    with pytest.raises(TypeError):
        s.set("workforce.link_workers", True)


def test_cross_key_problems_are_found_by_check_and_before_a_run(baseline):
    s = holdsim.Scenario.load(baseline)
    s.set("run.warmup_days", s.get("run.horizon_days"))
    with pytest.raises(holdsim.ScenarioError) as e:
        s.check()
    assert any(p["key"] and p["key"].startswith("run.") for p in e.value.problems)
    with pytest.raises(holdsim.ScenarioError):
        holdsim.run(s)
    with pytest.raises(holdsim.ScenarioError):
        holdsim.simulate(s, {}, replications=1, seed=1)


def test_run_from_path_text_and_scenario_gives_the_same_tables(tmp_path):
    path = tmp_path / "short.toml"
    path.write_text(SHORT)
    a = holdsim.run(path)
    b = holdsim.run(SHORT)
    c = holdsim.run(holdsim.Scenario.from_toml(SHORT))
    for other in (b, c):
        pd.testing.assert_frame_equal(a.replications, other.replications)
        pd.testing.assert_frame_equal(a.timeseries, other.timeseries)
    assert len(a.replications) == 3
    assert a.manifest["seed"] == 4 and a.manifest["replications"] == 3
    assert a.manifest["scenario_file"].endswith("short.toml")


def test_results_tables_have_the_cli_columns_and_types():
    res = holdsim.run(SHORT, replications=2, seed=9)
    assert list(res.summary.columns) == [
        "kpi", "n", "mean", "sd", "ci_low", "ci_high", "p5", "p50", "p95", "p2_5", "p97_5"
    ]
    assert list(res.summary["kpi"]) == holdsim.KPIS
    assert list(res.replications.columns[:2]) == ["replication", "patient_days"]
    assert list(res.replications.columns[2:]) == holdsim.KPIS
    assert res.replications["replication"].dtype == np.int64
    assert list(res.timeseries.columns[:4]) == ["replication", "week", "start_day", "days"]
    assert res.timeseries["week"].dtype == np.int64
    assert res.timeseries["replication"].unique().tolist() == [0, 1]


def test_set_accepts_a_dict_or_cli_style_strings():
    a = holdsim.run(SHORT, set={"workforce.link_workers": 5, "strain.alpha": 0.06})
    b = holdsim.run(SHORT, set=["workforce.link_workers=5", "strain.alpha=0.06"])
    pd.testing.assert_frame_equal(a.replications, b.replications)
    assert a.scenario.get("workforce.link_workers") == 5
    c = holdsim.run(SHORT, set={"workforce.link_workers": np.int64(5), "strain.alpha": np.float64(0.06)})
    pd.testing.assert_frame_equal(a.replications, c.replications)
    with pytest.raises(holdsim.ScenarioError):
        holdsim.run(SHORT, set=["workforce.link_workers"])


def test_results_do_not_depend_on_threads():
    one = holdsim.run(SHORT, replications=5, threads=1)
    two = holdsim.run(SHORT, replications=5, threads=2)
    pd.testing.assert_frame_equal(one.replications, two.replications)
    pd.testing.assert_frame_equal(one.timeseries, two.timeseries)
    assert holdsim.simulate(SHORT, {}, replications=4, seed=1, threads=1) == pytest.approx(
        holdsim.simulate(SHORT, {}, replications=4, seed=1, threads=2), nan_ok=True, rel=0, abs=0
    )
    with pytest.raises(holdsim.HoldsimError):
        holdsim.run(SHORT, threads=0)


def test_to_polars_and_to_arrow():
    res = holdsim.run(SHORT, replications=2)
    try:
        import polars  # noqa: F401
    except ImportError:
        missing("polars")
    tables = res.to_polars()
    assert tables.summary.columns == list(res.summary.columns)
    assert tables.timeseries.height == len(res.timeseries)
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        missing("pyarrow")
    arrow = res.to_arrow()
    assert arrow.replications.column_names == list(res.replications.columns)


def test_compare_orders_the_baseline_first_and_shares_seed_and_replications():
    other = SHORT.replace('title = "short"', 'title = "more staff"') + "\n[workforce]\nlink_workers = 5\n"
    a = holdsim.Scenario.from_toml(SHORT, name="short")
    b = holdsim.Scenario.from_toml(other, name="staffed")
    b.set("run.seed", 99)
    cmp = holdsim.compare([a, b], baseline="staffed", replications=3)
    assert list(cmp.results) == ["staffed", "short"]
    assert cmp.baseline == "staffed"
    assert cmp.results["short"].manifest["seed"] == cmp.results["staffed"].manifest["seed"] == 99
    table = cmp.table
    assert list(table["scenario"].unique()) == ["staffed", "short"]
    assert table.loc[table["scenario"] == "staffed", "diff"].isna().all()
    assert set(table.loc[table["scenario"] == "short", "title"]) == {"short"}
    assert set(table.loc[table["scenario"] == "staffed", "title"]) == {"more staff"}
    longer = holdsim.Scenario.from_toml(SHORT.replace("horizon_days = 200", "horizon_days = 300"), name="long")
    with pytest.raises(holdsim.HoldsimError, match="different windows"):
        holdsim.compare([a, longer])
    with pytest.raises(holdsim.HoldsimError):
        holdsim.compare([a])


def test_simulate_takes_whole_floats_for_integer_parameters_and_names_bad_points():
    s = holdsim.Scenario.from_toml(SHORT)
    as_int = holdsim.simulate(s, {"workforce.link_workers": 4}, replications=2, seed=1)
    as_float = holdsim.simulate(s, {"workforce.link_workers": 4.0}, replications=2, seed=1)
    as_numpy = holdsim.simulate(s, {"workforce.link_workers": np.int64(4)}, replications=2, seed=1)
    assert as_int == pytest.approx(as_float, nan_ok=True, rel=0, abs=0)
    assert as_int == pytest.approx(as_numpy, nan_ok=True, rel=0, abs=0)
    points = pd.DataFrame({"strain.alpha": [0.05, -1.0]})
    with pytest.raises(holdsim.ScenarioError) as e:
        holdsim.simulate_many(s, points, replications=1, seed=1)
    assert e.value.problems[0]["file"] == "point 1"
    assert e.value.problems[0]["key"] == "strain.alpha"
    with pytest.raises(holdsim.HoldsimError, match="point 1"):
        holdsim.simulate_many(s, [{"strain.alpha": 0.05}, {"strain.rho_rest": 0.1}], replications=1, seed=1)


def test_simulate_many_takes_a_data_frame_and_keeps_its_columns():
    s = holdsim.Scenario.from_toml(SHORT)
    points = pd.DataFrame({"strain.alpha": [0.04, 0.06]}, index=[10, 20])
    out = holdsim.simulate_many(s, points, replications=2, seed=3)
    assert out["strain.alpha"].tolist() == [0.04, 0.06]
    assert out.shape == (2, 1 + len(holdsim.KPIS))
    assert not math.isnan(out["exits"].iloc[0])
    empty = holdsim.simulate_many(s, [], replications=2, seed=3)
    assert len(empty) == 0 and list(empty.columns) == holdsim.KPIS


def test_help_is_useful():
    assert "bit-identical" in holdsim.run.__doc__ or "holdsim run" in holdsim.run.__doc__
    assert holdsim.Scenario.load.__doc__
    assert holdsim.ScenarioError.__doc__ and "problems" in holdsim.ScenarioError.__doc__
