//! Calibration files are checked with file, line and key; the method is
//! deterministic for any thread count and resumes from its stages.

use std::path::{Path, PathBuf};

use super::*;
use crate::source::MemoryFiles;

const SMALL: &str = "title = \"small\"\n[run]\nhorizon_days = 400\nwarmup_days = 40\n";

fn files(calibration: &str) -> MemoryFiles {
    let mut files = MemoryFiles::one("c/cal.toml", calibration);
    files.0.insert(PathBuf::from("c/base.toml"), SMALL.into());
    files
}

fn load(text: &str) -> Result<Calibration, CalibrationError> {
    Calibration::load(&files(text), Path::new("c/cal.toml"))
}

fn problems(text: &str) -> String {
    match load(text) {
        Err(CalibrationError::Usage(m)) => m,
        other => panic!("expected a usage error, got {other:?}"),
    }
}

const GOOD: &str = r#"base = "base.toml"
[calibration]
replications = 4
particles = 40
waves = 1
[[parameter]]
path = "strain.alpha"
[[parameter]]
path = "strain.rho_rest"
min = 0.06
max = 0.14
[[target]]
kpi = "exits_per_post_year"
value = 0.25
sd = 0.05
source = "test"
"#;

#[test]
fn defaults_fill_settings_and_the_registry_fills_bounds() {
    let c = load(GOOD).unwrap();
    assert_eq!(c.settings.replications, 4);
    assert_eq!(
        c.settings.wave_points, 40,
        "wave_points defaults to particles"
    );
    assert_eq!(c.settings.cutoff, 3.0);
    let alpha = crate::scenario::levers::spec("strain.alpha")
        .unwrap()
        .plausible
        .unwrap();
    assert_eq!((c.parameters[0].min, c.parameters[0].max), alpha);
    assert!(c.parameters[0].from_registry);
    assert_eq!((c.parameters[1].min, c.parameters[1].max), (0.06, 0.14));
    assert!(!c.parameters[1].from_registry);
    assert!((c.targets[0].discrepancy_sd - 0.05 * 0.25).abs() < 1e-15);
}

#[test]
fn every_problem_names_its_line_and_key() {
    let bad = GOOD
        .replace("replications = 4", "replications = 1")
        .replace("path = \"strain.alpha\"", "path = \"strain.alpah\"")
        .replace("min = 0.06", "min = 0.2")
        .replace("sd = 0.05", "sd = -1")
        .replace("exits_per_post_year", "exits_per_year");
    let m = problems(&bad);
    assert!(
        m.contains(
            "c/cal.toml, line 3, `calibration.replications`: expected a whole number from 2"
        ),
        "{m}"
    );
    assert!(m.contains("line 7, `strain.alpah`: unknown key"), "{m}");
    assert!(
        m.contains("line 10, `strain.rho_rest`: `min` (0.2) must be below `max` (0.14)"),
        "{m}"
    );
    assert!(
        m.contains("line 13, `kpi`: `exits_per_year` is not a KPI"),
        "{m}"
    );
    let m = problems(&GOOD.replace("sd = 0.05", "sd = 0"));
    assert!(
        m.contains(
            "line 15, `exits_per_post_year`: `sd`: the observation's sd must be a number above 0"
        ),
        "{m}"
    );
}

#[test]
fn missing_tables_and_unknown_keys_are_refused() {
    assert!(problems("base = \"base.toml\"\n").contains("list the parameters"));
    assert!(problems("[calibration]\n").contains("`base = "));
    assert!(problems(&GOOD.replace("waves = 1", "wavs = 1")).contains("unknown field `wavs`"));
    let no_range = GOOD.replace("strain.alpha", "run.sites");
    assert!(
        problems(&no_range).contains("give `min`"),
        "{}",
        problems(&no_range)
    );
    match load(&GOOD.replace("base.toml", "nothere.toml")) {
        Err(CalibrationError::Scenario(e)) => assert!(e.to_string().contains("nothere.toml")),
        other => panic!("{other:?}"),
    }
}

fn run(threads: usize, stop_after: Option<usize>) -> Vec<Stage> {
    let c = load(GOOD).unwrap();
    let mut calibrator = Calibrator::new(c.clone(), threads, Vec::new()).unwrap();
    if let Some(n) = stop_after {
        for _ in 0..n {
            calibrator.run_next(&|| {}).unwrap();
        }
        let stages = calibrator.stages.clone();
        calibrator = Calibrator::new(c, threads, stages).unwrap();
    }
    calibrator.run_all(&|| {}, &mut |_| Ok(())).unwrap();
    calibrator.stages
}

#[test]
fn stages_are_identical_for_any_thread_count_and_after_a_resume() {
    let one = run(1, None);
    assert!(one.len() >= 2, "a wave and at least one generation");
    assert_eq!(one, run(3, None));
    assert_eq!(one, run(2, Some(2)));
    let Some(Stage::Generation(last)) = one.last() else {
        panic!("ends with a generation")
    };
    let total: f64 = last.particles.iter().map(|p| p.weight).sum();
    assert!((total - 1.0).abs() < 1e-9);
    assert_eq!(last.particles.len(), 40);
}

#[test]
fn stages_read_back_from_json_are_the_same_numbers() {
    let stages = run(2, None);
    let text = serde_json::to_string(&stages).unwrap();
    let back: Vec<Stage> = serde_json::from_str(&text).unwrap();
    assert_eq!(stages, back);
}
