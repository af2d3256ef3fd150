//! `holdsim calibrate`: recovery of known parameters from noisy synthetic targets
//! (identifiable ones pinned, an unidentifiable one left prior-like), the command's
//! files, `calibrated.toml` loadable by `run`, and resume after `kill -9`.

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use holdsim::calibration::posterior::marginal;
use holdsim::calibration::{Calibration, Calibrator};
use holdsim::kpi::Kpi;
use holdsim::rng::Rng;
use holdsim::source::MemoryFiles;
use rand::SeedableRng;

use crate::util::{assert_success, holdsim, kpis, mean, scenario, values};

/// A small scenario: two years, a 90-day warm-up, the default team.
const SMALL: &str = "title = \"small\"\n[run]\nhorizon_days = 730\nwarmup_days = 90\n";

/// The expected value of `kpi` at `truth` (400 replications of the small scenario)
/// plus observation noise of sd `share` × that value, drawn with `seed`.
fn observed(truth: &[(&str, f64)], kpi: Kpi, share: f64, seed: u64) -> (f64, f64) {
    let mut settings = vec![("run.horizon_days", 730.0), ("run.warmup_days", 90.0)];
    settings.extend_from_slice(truth);
    let expected = mean(&values(&kpis(&scenario(&settings), 400), kpi));
    let sd = share * expected;
    let mut rng = Rng::seed_from_u64(seed);
    (expected + sd * holdsim::dist::standard_normal(&mut rng), sd)
}

fn calibrate(text: &str) -> (Calibration, Vec<holdsim::calibration::Particle>) {
    let mut files = MemoryFiles::one("c/cal.toml", text);
    files.0.insert("c/small.toml".into(), SMALL.into());
    let calibration = Calibration::load(&files, Path::new("c/cal.toml")).unwrap();
    let mut calibrator = Calibrator::new(calibration.clone(), 2, Vec::new()).unwrap();
    calibrator.run_all(&|| {}, &mut |_| Ok(())).unwrap();
    (calibration, calibrator.posterior().unwrap().to_vec())
}

#[test]
fn known_parameters_are_recovered_and_an_unidentifiable_one_stays_prior_like() {
    // In the steep part of the response (mean strain saturates above alpha ≈ 0.07,
    // where the data rightly pin alpha down much less).
    let truth_alpha = 0.045;
    let (strain, strain_sd) = observed(&[("strain.alpha", truth_alpha)], Kpi::MeanStrain, 0.03, 11);
    let text = format!(
        r#"base = "small.toml"
[calibration]
replications = 8
particles = 200
waves = 2
seed = 3
[[parameter]]
path = "strain.alpha"
[[parameter]]
path = "cost.recruitment_cost"
[[target]]
kpi = "mean_strain"
value = {strain}
sd = {strain_sd}
discrepancy_sd = 0
source = "synthetic: alpha = {truth_alpha}"
"#
    );
    let (calibration, particles) = calibrate(&text);
    let total: f64 = particles.iter().map(|p| p.weight).sum();
    assert!((total - 1.0).abs() < 1e-9, "weights sum to 1");

    let alpha = &calibration.parameters[0];
    let (median, low, high) = marginal(&particles, 0);
    assert!(
        low <= truth_alpha && truth_alpha <= high,
        "90% interval [{low}, {high}] (median {median}) covers the truth {truth_alpha}"
    );
    let share = (high - low) / (alpha.max - alpha.min);
    assert!(
        share < 0.3,
        "identifiable: the 90% interval keeps {share:.2} of the prior"
    );

    let cost = &calibration.parameters[1];
    let (_, low, high) = marginal(&particles, 1);
    let share = (high - low) / (cost.max - cost.min);
    assert!(
        share > 0.75,
        "unidentifiable: the 90% interval keeps only {share:.2} of the prior, [{low}, {high}] of [{}, {}]",
        cost.min,
        cost.max
    );
}

/// A calibration of the small scenario in `dir`, fast: `particles` particles.
fn write_calibration(dir: &Path, particles: usize, waves: usize) -> String {
    fs::write(dir.join("small.toml"), SMALL).unwrap();
    let text = format!(
        r#"base = "small.toml"
title = "Test calibration"
[calibration]
replications = 4
particles = {particles}
waves = {waves}
[[parameter]]
path = "strain.alpha"
[[parameter]]
path = "strain.rho_rest"
min = 0.06
max = 0.14
[[target]]
kpi = "mean_strain"
value = 0.42
sd = 0.03
source = "made up for a test"
[[target]]
kpi = "patients_per_lw_year"
value = 200
sd = 20
source = "made up too"
"#
    );
    fs::write(dir.join("cal.toml"), text).unwrap();
    "cal.toml".into()
}

#[test]
fn calibrate_writes_its_files_and_calibrated_toml_runs() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_calibration(dir.path(), 60, 1);
    let o = holdsim(dir.path())
        .args(["calibrate", &file, "--out", "cal", "-q", "-j", "2"])
        .output()
        .unwrap();
    assert_success(&o);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("strain.alpha"), "{stdout}");
    let out = dir.path().join("cal");
    for name in [
        "posterior.csv",
        "posterior.parquet",
        "parameters.csv",
        "waves.csv",
        "targets.csv",
        "calibrated.toml",
        "manifest.json",
        "report.html",
        "plots/calibration_marginals.svg",
        "plots/calibration_pairs.png",
        "plots/calibration_implausibility.svg",
        "plots/calibration_predictive.svg",
    ] {
        assert!(out.join(name).exists(), "{name} written");
    }
    let posterior = fs::read_to_string(out.join("posterior.csv")).unwrap();
    let mut lines = posterior.lines();
    assert_eq!(
        lines.next(),
        Some("particle,strain.alpha,strain.rho_rest,weight")
    );
    let weights: Vec<f64> = lines
        .map(|l| l.rsplit(',').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(weights.len(), 60);
    assert!((weights.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    assert!(
        !dir.path().join(".cal.calibration").exists(),
        "checkpoint removed"
    );

    // calibrated.toml holds the posterior median and runs.
    let parameters = fs::read_to_string(out.join("parameters.csv")).unwrap();
    let alpha_median: f64 = parameters
        .lines()
        .find(|l| l.starts_with("strain.alpha,"))
        .and_then(|l| l.split(',').nth(5))
        .unwrap()
        .parse()
        .unwrap();
    let check = holdsim(dir.path())
        .args(["check", "cal/calibrated.toml"])
        .output()
        .unwrap();
    assert_success(&check);
    assert!(
        String::from_utf8_lossy(&check.stdout).contains(&format!("alpha = {alpha_median:?}")),
        "the median {alpha_median} is in calibrated.toml"
    );
    let run = holdsim(dir.path())
        .args([
            "run",
            "cal/calibrated.toml",
            "-n",
            "2",
            "-q",
            "--out",
            "run",
        ])
        .output()
        .unwrap();
    assert_success(&run);

    // The same command again refuses to replace the results without --force.
    let again = holdsim(dir.path())
        .args(["calibrate", &file, "--out", "cal", "-q"])
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2));
}

#[test]
fn a_bad_calibration_file_is_refused_with_its_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_calibration(dir.path(), 60, 1);
    let text = fs::read_to_string(dir.path().join(&file))
        .unwrap()
        .replace("sd = 20", "sd = -20");
    fs::write(dir.path().join(&file), text).unwrap();
    let o = holdsim(dir.path())
        .args(["calibrate", &file, "-q"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("cal.toml, line 21, `patients_per_lw_year`: `sd`"),
        "{stderr}"
    );
}

#[test]
fn a_calibration_too_large_to_finish_is_refused_before_it_starts() {
    // The national scenario at every point the waves and generations may run: far
    // past the work a sweep may take, so refused at once with nothing written.
    let dir = tempfile::tempdir().unwrap();
    let england = crate::util::root().join("scenarios/england.toml");
    let text = format!(
        "base = \"{}\"\n[[parameter]]\npath = \"strain.alpha\"\n[[target]]\nkpi = \"exits_per_post_year\"\nvalue = 0.2\nsd = 0.05\nsource = \"test\"\n",
        england.display()
    );
    fs::write(dir.path().join("big.toml"), text).unwrap();
    let o = holdsim(dir.path())
        .args(["calibrate", "big.toml", "-q", "--out", "never"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("this calibration is too large"), "{stderr}");
    assert!(!dir.path().join("never").exists());
}

#[test]
fn a_calibration_killed_with_sigkill_resumes_to_identical_results() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_calibration(dir.path(), 150, 3);
    let whole = holdsim(dir.path())
        .args(["calibrate", &file, "--out", "whole", "-q", "-j", "2"])
        .output()
        .unwrap();
    assert_success(&whole);

    let mut child = holdsim(dir.path())
        .args(["calibrate", &file, "--out", "cut", "-q", "-j", "1"])
        .spawn()
        .unwrap();
    let checkpoint = dir.path().join(".cut.calibration/checkpoint.json");
    let deadline = Instant::now() + Duration::from_secs(120);
    while !checkpoint.exists() {
        assert!(Instant::now() < deadline, "calibration made no progress");
        assert!(
            child.try_wait().unwrap().is_none(),
            "calibration finished before it could be killed; make it longer"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    assert!(
        !dir.path().join("cut").exists(),
        "no results before the end"
    );

    let resumed = holdsim(dir.path())
        .args(["calibrate", &file, "--out", "cut", "-q", "-j", "2"])
        .output()
        .unwrap();
    assert_success(&resumed);
    assert!(String::from_utf8_lossy(&resumed.stderr).contains("Resuming"));
    for name in [
        "posterior.csv",
        "waves.csv",
        "targets.csv",
        "calibrated.toml",
    ] {
        assert_eq!(
            fs::read(dir.path().join("whole").join(name)).unwrap(),
            fs::read(dir.path().join("cut").join(name)).unwrap(),
            "{name} identical after a resume"
        );
    }
}
