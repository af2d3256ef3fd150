//! Helpers shared by the test modules: scenarios by dotted-path overrides, running
//! replications through the library, and the CLI in a temporary folder.

use std::path::Path;
use std::process::Command;

use holdsim::engine::{self, Options};
use holdsim::kpi::{self, Kpi, Kpis};
use holdsim::model::Model;
use holdsim::scenario::{Number, Scenario};

/// The default scenario with `overrides` applied (`("workforce.link_workers", 4.0)`).
pub fn scenario(overrides: &[(&str, f64)]) -> Scenario {
    let mut s = Scenario::default();
    for &(path, value) in overrides {
        let n = match s.get_path(path).unwrap_or_else(|e| panic!("{path}: {e}")) {
            Number::Int(_) => Number::Int(value as i64),
            Number::Float(_) => Number::Float(value),
        };
        s.set_path(path, n)
            .unwrap_or_else(|e| panic!("{path} = {value}: {e}"));
    }
    let problems = s.validate();
    assert!(problems.is_empty(), "invalid test scenario: {problems:?}");
    s
}

/// KPIs of replications `0..n`.
pub fn kpis(s: &Scenario, n: u64) -> Vec<Kpis> {
    let model = Model::try_new(s).expect("valid scenario");
    (0..n)
        .map(|r| {
            kpi::compute(
                &model,
                &engine::run_replication(&model, r, &Options::default()),
            )
        })
        .collect()
}

/// Values of one KPI across replications (undefined ones skipped).
pub fn values(kpis: &[Kpis], k: Kpi) -> Vec<f64> {
    kpis.iter().filter_map(|x| x[k]).collect()
}

pub fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

/// Standard error of the mean.
pub fn se(xs: &[f64]) -> f64 {
    let m = mean(xs);
    let var = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (xs.len() - 1) as f64;
    (var / xs.len() as f64).sqrt()
}

/// Mean and standard error of the paired differences `b − a`.
pub fn paired(a: &[f64], b: &[f64]) -> (f64, f64) {
    assert_eq!(a.len(), b.len());
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| y - x).collect();
    (mean(&d), se(&d))
}

/// The holdsim binary, run in `dir`.
pub fn holdsim(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_holdsim"));
    c.current_dir(dir);
    c.env_remove("CI");
    c
}

/// The project's root (for bundled scenarios).
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Starts a long real run (`pressured`, 20 sites, 400 replications) writing `out` in
/// `dir`, and returns it once it has begun writing (its hidden staging folder exists),
/// for tests that interrupt or kill it part-way.
pub fn start_long_run(dir: &Path) -> std::process::Child {
    let scenario = root().join("scenarios/pressured.toml");
    let mut child = holdsim(dir)
        .arg("run")
        .arg(&scenario)
        .args([
            "-n",
            "400",
            "--set",
            "run.sites=20",
            "--quiet",
            "--out",
            "out",
        ])
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let staging = || {
        std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .any(|e| e.file_name().to_string_lossy().starts_with(".out.partial-"))
    };
    while !staging() {
        assert!(
            std::time::Instant::now() < deadline,
            "the run never started"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run finished before it could be stopped"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child
}

/// Asserts that a holdsim command succeeded, showing its error output if not.
pub fn assert_success(out: &std::process::Output) {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
}
