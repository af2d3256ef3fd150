"""`posterior=`: parameter uncertainty carried into `run` and `compare` (issue 14,
point 4). Which particle a replication runs, that its values are the ones simulated,
that comparisons pair particles, and that bad posteriors are refused by name."""

import numpy as np
import pandas as pd
import pytest

import holdsim

from conftest import ROOT

POSTERIOR = ROOT / "calibration" / "literature-posterior.csv"

SHORT = """
title = "short"
[run]
horizon_days = 200
warmup_days = 20
replications = 4
seed = 4
"""


def alphas(values, weights):
    return pd.DataFrame({"particle": range(len(values)), "strain.alpha": values, "weight": weights})


def test_a_one_particle_posterior_runs_exactly_its_values():
    one = pd.DataFrame({"strain.alpha": [0.061], "workforce.link_workers": [4], "weight": [1.0]})
    drawn = holdsim.run(SHORT, replications=5, seed=2, posterior=one)
    fixed = holdsim.run(SHORT, replications=5, seed=2, set={"strain.alpha": 0.061, "workforce.link_workers": 4})
    assert drawn.replications["particle"].tolist() == [0] * 5
    pd.testing.assert_frame_equal(drawn.replications.drop(columns="particle"), fixed.replications)
    pd.testing.assert_frame_equal(drawn.summary, fixed.summary)
    assert "particle" not in fixed.replications.columns


def test_particles_are_drawn_by_weight_reproducibly_from_the_seed():
    weights = [0.2, 0.5, 0.3, 0.0]
    posterior = alphas([0.03, 0.05, 0.07, 0.09], weights)
    res = holdsim.run(SHORT, replications=400, seed=11, posterior=posterior)
    drawn = res.replications["particle"]
    shares = drawn.value_counts(normalize=True).reindex(range(4), fill_value=0.0)
    assert shares[3] == 0.0, "a particle of weight 0 is never drawn"
    assert np.allclose(shares.to_numpy(), weights, atol=0.08), shares.to_dict()
    p = holdsim.Posterior.from_columns(["strain.alpha"], [[0.03], [0.05], [0.07], [0.09]], weights)
    assert drawn.tolist() == [p.particle_for(11, r) for r in range(400)]
    again = holdsim.run(SHORT, replications=400, seed=11, posterior=posterior, threads=1)
    pd.testing.assert_frame_equal(again.replications, res.replications)
    other_seed = holdsim.run(SHORT, replications=400, seed=12, posterior=posterior)
    assert other_seed.replications["particle"].tolist() != drawn.tolist()


def test_replication_r_runs_the_same_particle_in_every_compared_scenario():
    staffed = SHORT.replace('title = "short"', 'title = "staffed"') + "\n[workforce]\nlink_workers = 5\n"
    scenarios = [holdsim.Scenario.from_toml(SHORT, "short"), holdsim.Scenario.from_toml(staffed, "staffed")]
    posterior = alphas([0.03, 0.05, 0.07], [0.3, 0.3, 0.4])
    cmp = holdsim.compare(scenarios, replications=30, seed=5, posterior=posterior)
    particles = [r.replications["particle"].tolist() for r in cmp.results.values()]
    assert particles[0] == particles[1]
    assert len(set(particles[0])) == 3, "30 replications draw every particle"
    alone = holdsim.run(scenarios[1], replications=30, seed=5, posterior=posterior)
    assert alone.replications["particle"].tolist() == particles[0]
    pd.testing.assert_frame_equal(alone.replications, cmp.results["staffed"].replications)
    better = cmp.table["p_better"]
    assert better[cmp.table["scenario"] == "staffed"].between(0, 1).any()
    assert better[cmp.table["scenario"] == "short"].isna().all(), "the baseline is not compared with itself"


def test_results_say_which_posterior_they_drew_from():
    res = holdsim.run(SHORT, replications=2, posterior=POSTERIOR)
    entry = res.manifest["posterior"]
    assert entry["file"] == str(POSTERIOR)
    assert entry["particles"] == len(res.posterior) == 1000
    assert entry["parameters"] == res.posterior.paths
    assert "strain.alpha" in res.posterior.paths
    assert abs(sum(res.posterior.weights) - 1) < 1e-9
    assert "posterior" not in holdsim.run(SHORT, replications=2).manifest
    loaded = holdsim.Posterior.read(POSTERIOR)
    pd.testing.assert_frame_equal(holdsim.run(SHORT, replications=2, posterior=loaded).replications, res.replications)


def test_a_data_frame_with_a_bad_column_is_refused_by_name():
    with pytest.raises(holdsim.HoldsimError, match="no `weight` column"):
        holdsim.run(SHORT, posterior=pd.DataFrame({"strain.alpha": [0.05]}))
    with pytest.raises(holdsim.HoldsimError, match="`strain.alpha` holds .*, not numbers"):
        holdsim.run(SHORT, posterior=pd.DataFrame({"strain.alpha": ["high"], "weight": [1.0]}))
    with pytest.raises(holdsim.HoldsimError, match="no parameter column"):
        holdsim.run(SHORT, posterior=pd.DataFrame({"particle": [0], "weight": [1.0]}))
    with pytest.raises(holdsim.HoldsimError, match="more than once"):
        twice = pd.DataFrame([[0.05, 0.06, 1.0]], columns=["strain.alpha", "strain.alpha", "weight"])
        holdsim.run(SHORT, posterior=twice)
    with pytest.raises(holdsim.HoldsimError, match="particle 1 has weight -1"):
        holdsim.run(SHORT, posterior=alphas([0.05, 0.06], [1.0, -1.0]))
    with pytest.raises(holdsim.HoldsimError, match="particle 1 needs one finite value"):
        holdsim.run(SHORT, posterior=alphas([0.05, np.nan], [1.0, 1.0]))
    with pytest.raises(holdsim.HoldsimError, match="positive sum"):
        holdsim.run(SHORT, posterior=alphas([0.05], [0.0]))
    with pytest.raises(TypeError, match="posterior"):
        holdsim.run(SHORT, posterior=42)


def test_a_posterior_that_cannot_run_the_scenario_names_the_particle_and_key():
    unknown = pd.DataFrame({"strain.nope": [1.0], "weight": [1.0]})
    with pytest.raises(holdsim.HoldsimError) as e:
        holdsim.run(SHORT, posterior=unknown)
    assert "particle 0" in str(e.value) and "strain.nope" in str(e.value) and "<DataFrame>" in str(e.value)
    invalid = alphas([0.05, -0.5], [0.5, 0.5])
    with pytest.raises(holdsim.HoldsimError, match="particle 1"):
        holdsim.run(SHORT, posterior=invalid)


def test_a_bad_posterior_file_is_refused_with_its_name_and_line(tmp_path):
    with pytest.raises(holdsim.HoldsimError, match="missing.csv"):
        holdsim.run(SHORT, posterior=tmp_path / "missing.csv")
    bad = tmp_path / "posterior.csv"
    bad.write_text("particle,strain.alpha,weight\n0,0.04,0.5\n1,0.05,-0.5\n")
    with pytest.raises(holdsim.HoldsimError, match="line 3: `weight` is negative"):
        holdsim.run(SHORT, posterior=bad)
    bad.write_text("kpi,mean\nexits,1\n")
    with pytest.raises(holdsim.HoldsimError, match="posterior.csv"):
        holdsim.run(SHORT, posterior=str(bad))


def test_compare_refuses_an_option_that_changes_a_drawn_key():
    other = holdsim.Scenario.from_toml(SHORT, "other")
    other.set("strain.alpha", 0.09)
    with pytest.raises(holdsim.HoldsimError) as e:
        holdsim.compare([holdsim.Scenario.from_toml(SHORT, "short"), other], posterior=alphas([0.05], [1.0]))
    assert "other sets `strain.alpha`" in str(e.value), str(e.value)
