//! The `holdsim` binary as a user meets it: the README's commands, outputs, errors.

use std::fs;

use crate::util::{holdsim, root};

fn scenario_path(name: &str) -> String {
    root().join("scenarios").join(name).display().to_string()
}

#[test]
fn run_writes_every_result_file_and_prints_the_kpi_table() {
    let dir = tempfile::tempdir().unwrap();
    let out = holdsim(dir.path())
        .args(["run", &scenario_path("baseline.toml"), "-n", "8", "--quiet"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("Exits per post-year"), "{stdout}");
    assert!(stdout.contains("95% CI"));
    let results = dir.path().join("results/baseline");
    for f in [
        "summary.csv",
        "replications.csv",
        "timeseries.csv",
        "manifest.json",
    ] {
        assert!(results.join(f).exists(), "missing {f}");
    }
    let replications = fs::read_to_string(results.join("replications.csv")).unwrap();
    assert_eq!(
        replications.lines().count(),
        1 + 8,
        "header + one row per replication"
    );
    let summary = fs::read_to_string(results.join("summary.csv")).unwrap();
    assert!(summary.starts_with("kpi,n,mean,sd,ci_low,ci_high,p5,p50,p95\n"));
    assert_eq!(summary.lines().count(), 1 + holdsim::kpi::KPI_COUNT);
    // 1825 days → 261 weeks (the last partial) per replication.
    let series = fs::read_to_string(results.join("timeseries.csv")).unwrap();
    assert_eq!(series.lines().count(), 1 + 8 * 261);
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(results.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["replications"], 8);
    assert_eq!(manifest["seed"], 20240621);
    assert_eq!(manifest["scenario"]["workforce"]["link_workers"], 3);
    assert!(manifest["wall_time_seconds"].as_f64().unwrap() > 0.0);
    // No staging folders left behind.
    let names: Vec<_> = fs::read_dir(dir.path().join("results"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("baseline")]);
}

#[test]
fn thread_count_does_not_change_result_files() {
    let dir = tempfile::tempdir().unwrap();
    for threads in ["1", "2"] {
        let out = holdsim(dir.path())
            .args([
                "run",
                &scenario_path("pressured.toml"),
                "-n",
                "6",
                "--threads",
                threads,
                "--out",
                threads,
                "--per-site",
                "--quiet",
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    for f in [
        "summary.csv",
        "replications.csv",
        "timeseries.csv",
        "timeseries_by_site.csv",
    ] {
        let a = fs::read(dir.path().join("1").join(f)).unwrap();
        let b = fs::read(dir.path().join("2").join(f)).unwrap();
        assert!(a == b, "{f} differs between 1 and 2 threads");
    }
}

#[test]
fn an_existing_output_folder_is_kept_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec!["run", "--quiet", "-n", "2", "--out", "out"];
        args.push(Box::leak(scenario_path("baseline.toml").into_boxed_str()));
        args.extend_from_slice(extra);
        holdsim(dir.path()).args(&args).output().unwrap()
    };
    assert!(run(&[]).status.success());
    fs::write(dir.path().join("out/note.txt"), "mine").unwrap();
    let refused = run(&[]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("already exists; pass --force"));
    assert!(
        dir.path().join("out/note.txt").exists(),
        "nothing touched without --force"
    );
    assert!(run(&["--force"]).status.success());
    assert!(
        !dir.path().join("out/note.txt").exists(),
        "replaced whole with --force"
    );
}

#[test]
fn seed_and_set_change_the_run_and_are_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let run = |out: &str, extra: &[&str]| {
        let mut args = vec![
            "run".to_string(),
            scenario_path("baseline.toml"),
            "-n".into(),
            "3".into(),
            "--quiet".into(),
            "--out".into(),
            out.into(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        let o = holdsim(dir.path()).args(&args).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        fs::read_to_string(dir.path().join(out).join("replications.csv")).unwrap()
    };
    let a = run("a", &[]);
    assert_eq!(a, run("a2", &[]), "same seed, same results");
    assert_ne!(a, run("b", &["--seed", "7"]));
    let c = run(
        "c",
        &[
            "--set",
            "workforce.link_workers=5",
            "--set",
            "profile.waiting.holding_hours_mean=0.5",
        ],
    );
    assert_ne!(a, c);
    let manifest = fs::read_to_string(dir.path().join("c/manifest.json")).unwrap();
    let m: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    assert_eq!(m["scenario"]["workforce"]["link_workers"], 5);
    assert_eq!(m["scenario"]["profile"][1]["holding_hours_mean"], 0.5);
}

#[test]
fn a_bad_scenario_gets_a_clear_error_and_no_output() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("bad.toml"),
        "[workforce]\nlink_workers = 0\nhours_per_wek = 30\n",
    )
    .unwrap();
    let out = holdsim(dir.path())
        .args(["run", "bad.toml", "--quiet"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains(
            "bad.toml, line 2, `workforce.link_workers`: expected an integer ≥ 1, found 0"
        ),
        "{err}"
    );
    assert!(
        err.contains(
            "line 3, `workforce.hours_per_wek`: unknown key (did you mean `hours_per_week`?)"
        ),
        "{err}"
    );
    assert!(
        !err.contains("panicked") && !err.contains("stack backtrace"),
        "{err}"
    );
    assert!(
        !dir.path().join("results").exists(),
        "no output folder for a bad scenario"
    );

    let bad_set = holdsim(dir.path())
        .args([
            "check",
            &scenario_path("baseline.toml"),
            "--set",
            "policy.caseload_cap=-3",
        ])
        .output()
        .unwrap();
    assert_eq!(bad_set.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad_set.stderr).contains("--set policy.caseload_cap=-3"));

    let missing = holdsim(dir.path())
        .args(["run", "nowhere.toml"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&missing.stderr)
            .contains("cannot read scenario file `nowhere.toml`")
    );
}

#[test]
fn check_prints_the_resolved_scenario_which_loads_back() {
    let dir = tempfile::tempdir().unwrap();
    let out = holdsim(dir.path())
        .args(["check", &scenario_path("supported.toml")])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("caseload_cap = 30"));
    assert!(text.contains("rate_per_week = 12.0"));
    assert!(text.contains("[[profile]]") && text.contains("name = \"isolated\""));
    fs::write(dir.path().join("resolved.toml"), &text).unwrap();
    let again = holdsim::scenario::load(&dir.path().join("resolved.toml"), &[]).unwrap();
    let original = holdsim::scenario::load(&root().join("scenarios/supported.toml"), &[]).unwrap();
    assert_eq!(again, original);
}

#[test]
fn every_command_has_help() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec!["--help"],
        vec!["run", "--help"],
        vec!["check", "--help"],
    ] {
        let out = holdsim(dir.path()).args(&args).output().unwrap();
        assert!(out.status.success());
        assert!(String::from_utf8_lossy(&out.stdout).contains("Usage:"));
    }
}

#[test]
fn bundled_scenarios_are_valid_and_explain_themselves() {
    for name in ["baseline.toml", "pressured.toml", "supported.toml"] {
        let path = root().join("scenarios").join(name);
        holdsim::scenario::load(&path, &[]).unwrap_or_else(|e| panic!("{name}: {e}"));
        let text = fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with('#') && text.contains("Question it answers"),
            "{name} needs its opening comment"
        );
    }
    let p = holdsim::scenario::load(&root().join("scenarios/pressured.toml"), &[]).unwrap();
    assert_eq!(p.referrals.rate_per_week, 20.0);
    let s = holdsim::scenario::load(&root().join("scenarios/supported.toml"), &[]).unwrap();
    assert_eq!(
        (
            s.policy.caseload_cap,
            s.policy.max_holding_weeks,
            s.support.training_effect,
            s.support.supervision_hours_per_month
        ),
        (30, 12.0, 0.2, 2.0)
    );
}
