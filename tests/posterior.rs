//! `run`/`compare --posterior` (issue 14, point 4): each replication runs one
//! particle's parameter values, drawn by weight from (seed, r) and the same in every
//! scenario. Checked against runs of the particle's values given by `--set` (a path
//! that shares no code with the draw), hand-computed percentiles and paired wins, and
//! bad posteriors refused with their file, line or particle.

use std::collections::HashMap;
use std::fs;
use std::path::Path;

use crate::util::{holdsim, root};

fn scenario_path(name: &str) -> String {
    root().join("scenarios").join(name).display().to_string()
}

/// Rows of a CSV file as column → text maps, with the header.
fn read_csv(path: &Path) -> (Vec<String>, Vec<HashMap<String, String>>) {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader
        .records()
        .map(|r| {
            header
                .iter()
                .cloned()
                .zip(r.unwrap().iter().map(String::from))
                .collect()
        })
        .collect();
    (header, rows)
}

/// Two particles far apart in the strain parameters, weighted 1 : 3.
const TWO_PARTICLES: &str =
    "particle,strain.alpha,strain.rho_rest,weight\n0,0.03,0.18,0.25\n1,0.08,0.07,0.75\n";

fn write_posterior(dir: &Path, text: &str) -> String {
    let path = dir.join("posterior.csv");
    fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn run(dir: &Path, args: &[&str]) -> std::process::Output {
    let out = holdsim(dir).args(args).output().unwrap();
    crate::util::assert_success(&out);
    out
}

#[test]
fn each_replication_runs_its_particle_exactly_as_a_run_of_those_values() {
    let dir = tempfile::tempdir().unwrap();
    let posterior = write_posterior(dir.path(), TWO_PARTICLES);
    let baseline = scenario_path("baseline.toml");
    let n = "60";
    let out = run(
        dir.path(),
        &[
            "run",
            &baseline,
            "-n",
            n,
            "-q",
            "--posterior",
            &posterior,
            "--out",
            "drawn",
        ],
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("95% CI of the mean") && stdout.contains("95% of replications"),
        "{stdout}"
    );
    let (header, drawn) = read_csv(&dir.path().join("drawn/replications.csv"));
    assert_eq!(header.last().map(String::as_str), Some("particle"));
    // Each particle's values run without a posterior, through --set.
    let fixed: Vec<Vec<HashMap<String, String>>> = [("0.03", "0.18"), ("0.08", "0.07")]
        .iter()
        .enumerate()
        .map(|(p, (alpha, rho))| {
            let folder = format!("fixed{p}");
            run(
                dir.path(),
                &[
                    "run",
                    &baseline,
                    "-n",
                    n,
                    "-q",
                    "--set",
                    &format!("strain.alpha={alpha}"),
                    "--set",
                    &format!("strain.rho_rest={rho}"),
                    "--out",
                    &folder,
                ],
            );
            read_csv(&dir.path().join(folder).join("replications.csv")).1
        })
        .collect();
    let mut counts = [0usize; 2];
    for (r, row) in drawn.iter().enumerate() {
        let p: usize = row["particle"].parse().unwrap();
        counts[p] += 1;
        let same = &fixed[p][r];
        for (column, value) in same {
            assert_eq!(
                &row[column], value,
                "replication {r} (particle {p}), column {column}"
            );
        }
    }
    // Weights 1 : 3 over 60 draws: particle 1 between 33 and 54 times (binomial,
    // p = 0.75, about ±3.5 sd).
    assert!((33..=54).contains(&counts[1]), "{counts:?}");
    assert!(counts[0] > 0, "both particles are drawn: {counts:?}");

    // The manifest records the posterior; the summary's p2_5/p97_5 are the type-7
    // percentiles of the replications.
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("drawn/manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["posterior"]["particles"], 2);
    assert_eq!(
        manifest["posterior"]["parameters"],
        serde_json::json!(["strain.alpha", "strain.rho_rest"])
    );
    let (_, summary) = read_csv(&dir.path().join("drawn/summary.csv"));
    let strain = summary.iter().find(|r| r["kpi"] == "mean_strain").unwrap();
    let mut xs: Vec<f64> = drawn
        .iter()
        .map(|r| r["mean_strain"].parse().unwrap())
        .collect();
    xs.sort_by(f64::total_cmp);
    let type7 = |q: f64| {
        let h = q * (xs.len() - 1) as f64;
        let (lo, frac) = (h.floor() as usize, h - h.floor());
        xs[lo] + frac * (xs[(lo + 1).min(xs.len() - 1)] - xs[lo])
    };
    for (column, q) in [("p2_5", 0.025), ("p97_5", 0.975)] {
        let written: f64 = strain[column].parse().unwrap();
        assert!((written - type7(q)).abs() < 1e-12, "{column}: {written}");
    }
    // Parameter uncertainty widens the spread: the two particles' strains differ.
    let (lo, hi): (f64, f64) = (
        strain["p2_5"].parse().unwrap(),
        strain["p97_5"].parse().unwrap(),
    );
    let ci: (f64, f64) = (
        strain["ci_low"].parse().unwrap(),
        strain["ci_high"].parse().unwrap(),
    );
    assert!(lo < ci.0 && ci.1 < hi, "{lo} {ci:?} {hi}");
}

#[test]
fn results_with_a_posterior_do_not_depend_on_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let posterior = write_posterior(dir.path(), TWO_PARTICLES);
    let baseline = scenario_path("baseline.toml");
    for threads in ["1", "3"] {
        run(
            dir.path(),
            &[
                "run",
                &baseline,
                "-n",
                "12",
                "-q",
                "--posterior",
                &posterior,
                "--threads",
                threads,
                "--out",
                &format!("t{threads}"),
            ],
        );
    }
    for file in ["replications.csv", "summary.csv", "timeseries.csv"] {
        assert_eq!(
            fs::read(dir.path().join("t1").join(file)).unwrap(),
            fs::read(dir.path().join("t3").join(file)).unwrap(),
            "{file}"
        );
    }
}

#[test]
fn compare_pairs_particles_and_gives_the_chance_of_beating_the_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let posterior = write_posterior(dir.path(), TWO_PARTICLES);
    let out = run(
        dir.path(),
        &[
            "compare",
            &scenario_path("pressured.toml"),
            &scenario_path("option-supervision.toml"),
            "-n",
            "30",
            "-q",
            "--no-robustness",
            "--posterior",
            &posterior,
            "--out",
            "cmp",
        ],
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("Parameters drawn from"), "{stdout}");
    let cmp = dir.path().join("cmp");
    let (_, base) = read_csv(&cmp.join("scenarios/pressured/replications.csv"));
    let (_, option) = read_csv(&cmp.join("scenarios/option-supervision/replications.csv"));
    assert!(
        base.iter()
            .zip(&option)
            .all(|(a, b)| a["particle"] == b["particle"]),
        "replication r runs the same particle in every scenario"
    );
    // p_better by hand: exits are better lower; patients seen better higher.
    let (_, rows) = read_csv(&cmp.join("compare.csv"));
    for (kpi, lower_is_better) in [("exits", true), ("patients_seen", false)] {
        let mut halves = 0;
        for (a, b) in base.iter().zip(&option) {
            let (a, b): (f64, f64) = (a[kpi].parse().unwrap(), b[kpi].parse().unwrap());
            let better = if lower_is_better { b < a } else { b > a };
            halves += if better {
                2
            } else if a == b {
                1
            } else {
                0
            };
        }
        let row = rows
            .iter()
            .find(|r| r["scenario"] == "option-supervision" && r["kpi"] == kpi)
            .unwrap();
        let written: f64 = row["p_better"].parse().unwrap();
        assert_eq!(written, f64::from(halves) / 60.0, "{kpi}");
        let baseline_row = rows
            .iter()
            .find(|r| r["scenario"] == "pressured" && r["kpi"] == kpi)
            .unwrap();
        assert_eq!(
            baseline_row["p_better"], "",
            "the baseline has no chance column"
        );
    }
    let report = fs::read_to_string(cmp.join("report.html")).unwrap();
    assert!(report.contains("Uncertainty about the assumptions"));
    assert!(report.contains("chance of doing better"));
    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(cmp.join("compare.json")).unwrap()).unwrap();
    assert_eq!(json["posterior"]["particles"], 2);
}

#[test]
fn bad_posteriors_and_options_that_change_a_drawn_key_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = scenario_path("baseline.toml");
    let refuse = |text: &str, extra: &[&str], expected: &[&str]| {
        let posterior = write_posterior(dir.path(), text);
        let mut args = vec![
            "run",
            baseline.as_str(),
            "-n",
            "2",
            "-q",
            "--posterior",
            &posterior,
        ];
        args.extend_from_slice(extra);
        let out = holdsim(dir.path()).args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{text}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        for e in expected {
            assert!(stderr.contains(e), "expected {e:?} in: {stderr}");
        }
        assert!(!stderr.contains("panicked"), "{stderr}");
    };
    refuse(
        "particle,strain.alpha,weight\n0,0.04,0.5\n1,x,0.5\n",
        &[],
        &["posterior.csv", "line 3"],
    );
    refuse(
        "particle,strain.nope,weight\n0,0.04,1\n",
        &[],
        &["particle 0", "strain.nope"],
    );
    refuse(
        "particle,strain.alpha,weight\n0,0.04,0.5\n1,-3,0.5\n",
        &[],
        &["particle 1", "strain.alpha"],
    );
    refuse("kpi,mean\nexits,1\n", &[], &["posterior.csv"]);
    // An option that changes a drawn key would have its change overwritten.
    let posterior = write_posterior(dir.path(), TWO_PARTICLES);
    let option = dir.path().join("option.toml");
    fs::write(
        &option,
        format!(
            "base = \"{}\"\n[strain]\nalpha = 0.0612\n",
            baseline.replace('\\', "/")
        ),
    )
    .unwrap();
    let out = holdsim(dir.path())
        .args([
            "compare",
            &baseline,
            &option.display().to_string(),
            "-n",
            "2",
            "-q",
            "--posterior",
            &posterior,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("option sets `strain.alpha`") && stderr.contains("draws"),
        "{stderr}"
    );
}

#[test]
fn the_bundled_literature_posterior_runs_every_bundled_scenario() {
    use holdsim::commands::PosteriorUsed;
    let used = PosteriorUsed::read(&root().join("calibration/literature-posterior.csv")).unwrap();
    assert!(used.posterior.len() >= 100, "{}", used.posterior.len());
    let mut checked = 0;
    for entry in fs::read_dir(root().join("scenarios")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let scenario = holdsim::scenario::load(&path, &[]).unwrap();
            used.drawn_for(&scenario, &path.display().to_string())
                .unwrap_or_else(|e| panic!("{}: {e:#}", path.display()));
            checked += 1;
        }
    }
    assert!(checked >= 5, "{checked} scenarios");
}
