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
    crate::util::assert_success(&out);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("Link workers leaving per post-year"),
        "{stdout}"
    );
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
    assert!(summary.starts_with("kpi,n,mean,sd,ci_low,ci_high,p5,p50,p95,p2_5,p97_5\n"));
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
    // The manifest names every file of the folder (but holdsim's marker), and only them.
    let mut listed: Vec<String> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_string())
        .collect();
    let mut present: Vec<String> = fs::read_dir(&results)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|name| name != ".holdsim")
        .collect();
    listed.sort();
    present.sort();
    assert_eq!(listed, present);
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
        crate::util::assert_success(&out);
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
    assert_eq!(refused.status.code(), Some(2));
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
    // The largest seed a scenario file can hold runs and is recorded; one more is
    // refused by name before anything runs (exit 2: the input must change).
    let largest = i64::MAX.to_string();
    run("d", &["--seed", &largest]);
    let manifest = fs::read_to_string(dir.path().join("d/manifest.json")).unwrap();
    let m: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    assert_eq!(m["seed"], i64::MAX);
    for (command, scenarios) in [("run", 1), ("compare", 2)] {
        let o = holdsim(dir.path())
            .arg(command)
            .args(std::iter::repeat_n(
                scenario_path("baseline.toml"),
                scenarios,
            ))
            .args(["--seed", "9223372036854775808", "-q", "--out", "e"])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{command}");
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(
            stderr.contains("is not a seed: a whole number from 0 to 9223372036854775807"),
            "{stderr}"
        );
        assert!(!dir.path().join("e").exists());
    }
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
            "bad.toml, line 2, `workforce.link_workers`: expected an integer in [1, 10000], found 0"
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

fn compare_args(extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = vec!["compare".into()];
    args.extend(["baseline.toml", "supported.toml"].map(scenario_path));
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

#[test]
fn compare_writes_table_csv_plots_report_and_scenario_folders() {
    let dir = tempfile::tempdir().unwrap();
    let out = holdsim(dir.path())
        .args(compare_args(&["-n", "5", "--quiet", "--out", "cmp"]))
        .output()
        .unwrap();
    crate::util::assert_success(&out);
    let stdout = String::from_utf8(out.stdout).unwrap();
    // Options are named by their titles, in full.
    assert!(
        stdout.contains(
            "Supported: training, 2 h supervision a month, caseload cap, 12-week boundary vs Today: 3 link workers, 12 referrals a week"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("difference [95% CI]"));
    let cmp = dir.path().join("cmp");
    for f in [
        "compare.csv",
        "compare.json",
        "report.html",
        "scenarios/baseline/replications.csv",
        "scenarios/supported/timeseries.csv",
    ] {
        assert!(cmp.join(f).exists(), "missing {f}");
    }
    let svgs = fs::read_dir(cmp.join("plots"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "svg")
        })
        .count();
    let pngs = fs::read_dir(cmp.join("plots"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "png")
        })
        .count();
    assert!(svgs >= 5 && svgs == pngs, "{svgs} SVGs, {pngs} PNGs");

    let csv = fs::read_to_string(cmp.join("compare.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "scenario,kpi,n,mean,ci_low,ci_high,diff,diff_ci_low,diff_ci_high,rel_change,rel_ci_low,rel_ci_high,diff_excludes_zero,title,p_better"
    );
    assert_eq!(csv.lines().count(), 1 + 2 * holdsim::kpi::KPI_COUNT);
    // Common random numbers: identical referrals, so a difference of exactly 0.
    let referrals = csv
        .lines()
        .find(|l| l.starts_with("supported,referrals,"))
        .unwrap();
    let cells: Vec<&str> = referrals.split(',').collect();
    assert_eq!(&cells[6..9], &["0", "0", "0"], "{referrals}");
    assert_eq!(cells[12], "false");
    // The title, last and quoted (it holds commas), read back whole by a CSV reader.
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let titled = reader
        .records()
        .map(Result::unwrap)
        .find(|r| &r[0] == "supported" && &r[1] == "referrals")
        .unwrap();
    assert_eq!(
        &titled[13],
        "Supported: training, 2 h supervision a month, caseload cap, 12-week boundary"
    );

    // Each scenario folder equals a plain `run` of that scenario with the same seed.
    let run = holdsim(dir.path())
        .args([
            "run",
            &scenario_path("supported.toml"),
            "-n",
            "5",
            "--quiet",
            "--out",
            "single",
        ])
        .output()
        .unwrap();
    assert!(run.status.success());
    assert_eq!(
        fs::read(cmp.join("scenarios/supported/replications.csv")).unwrap(),
        fs::read(dir.path().join("single/replications.csv")).unwrap()
    );

    // Plots and the report are regenerated from the files alone.
    fs::remove_dir_all(cmp.join("plots")).unwrap();
    fs::remove_file(cmp.join("report.html")).unwrap();
    assert!(
        holdsim(dir.path())
            .args(["plot", "cmp"])
            .output()
            .unwrap()
            .status
            .success()
    );
    assert!(cmp.join("plots").exists());
    assert!(
        holdsim(dir.path())
            .args(["report", "cmp"])
            .output()
            .unwrap()
            .status
            .success()
    );
    assert!(
        fs::read_to_string(cmp.join("report.html"))
            .unwrap()
            .contains("boundary compared with Today: 3 link workers")
    );
    // A single run's folder gets plots and a report too.
    assert!(
        holdsim(dir.path())
            .args(["report", "single"])
            .output()
            .unwrap()
            .status
            .success()
    );
    assert!(dir.path().join("single/report.html").exists());

    // Figures for a journal: a size, no title, an option renamed, another folder.
    let out = holdsim(dir.path())
        .args([
            "plot",
            "single",
            "--width",
            "640",
            "--height",
            "480",
            "--no-title",
            "--only",
            "fan_lw_vacant",
            "--out",
            "fig",
        ])
        .args(["--label", "supported=Supported team"])
        .output()
        .unwrap();
    crate::util::assert_success(&out);
    let svg = fs::read_to_string(dir.path().join("fig/fan_lw_vacant.svg")).unwrap();
    assert!(
        svg.starts_with("<svg width=\"640\" height=\"480\""),
        "{}",
        &svg[..80]
    );
    assert!(svg.contains("aria-label=\"Supported team\"") && !svg.contains("<text"));
    let png = fs::read(dir.path().join("fig/fan_lw_vacant.png")).unwrap();
    let be = |i: usize| u32::from_be_bytes(png[i..i + 4].try_into().unwrap());
    assert_eq!((be(16), be(20)), (1280, 960));
    // One figure alone.
    let out = holdsim(dir.path())
        .args(["plot", "single", "--only", "fan_queued", "--out", "one"])
        .output()
        .unwrap();
    crate::util::assert_success(&out);
    let mut files: Vec<String> = fs::read_dir(dir.path().join("one"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files, ["fan_queued.png", "fan_queued.svg"]);
    // Bad values are the user's to fix: exit 2, saying what was expected.
    for (args, says) in [
        (vec!["--width", "50"], "200 to 4000"),
        (vec!["--label", "nosuch=x"], "`nosuch`"),
        (vec!["--label", "novalue"], "KEY=TEXT"),
        (vec!["--only", "fan_nosuch"], "fan_lw_vacant"),
        (vec!["--height", "200"], "too small"),
    ] {
        let out = holdsim(dir.path())
            .args(["plot", "single"])
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
    }
}

#[test]
fn compare_refuses_mismatched_windows_and_unknown_baselines() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("short.toml"), "[run]\nhorizon_days = 900\n").unwrap();
    let mut args = compare_args(&["-n", "2", "--quiet"]);
    args.push("short.toml".into());
    let out = holdsim(dir.path()).args(&args).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("horizon 1825 days") && err.contains("horizon 900 days"),
        "{err}"
    );
    assert!(!dir.path().join("results").exists(), "nothing written");

    let out = holdsim(dir.path())
        .args(compare_args(&["--baseline", "pressured.toml", "--quiet"]))
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("--baseline pressured.toml is not one of the scenarios given")
    );

    let out = holdsim(dir.path())
        .args(["compare", &scenario_path("baseline.toml")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "one scenario is a usage error");
}

#[test]
fn compare_baseline_flag_reorders_and_independent_streams_differ() {
    let dir = tempfile::tempdir().unwrap();
    let supported = scenario_path("supported.toml");
    let out = holdsim(dir.path())
        .args(compare_args(&[
            "-n",
            "3",
            "--quiet",
            "--out",
            "a",
            "--baseline",
            &supported,
        ]))
        .output()
        .unwrap();
    crate::util::assert_success(&out);
    let m: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("a/compare.json")).unwrap())
            .unwrap();
    assert_eq!(m["baseline"], "supported");
    assert_eq!(m["scenarios"][0]["name"], "supported");
    let csv = fs::read_to_string(dir.path().join("a/compare.csv")).unwrap();
    assert!(
        csv.lines()
            .any(|l| l.starts_with("baseline,referrals,") && l.split(',').nth(6) == Some("0"))
    );

    let out = holdsim(dir.path())
        .args(compare_args(&[
            "-n",
            "3",
            "--quiet",
            "--out",
            "b",
            "--independent-streams",
        ]))
        .output()
        .unwrap();
    assert!(out.status.success());
    let csv = fs::read_to_string(dir.path().join("b/compare.csv")).unwrap();
    let referrals = csv
        .lines()
        .find(|l| l.starts_with("supported,referrals,"))
        .unwrap();
    assert_ne!(
        referrals.split(',').nth(6),
        Some("0"),
        "independent streams see different referrals"
    );
}

#[test]
fn a_run_killed_part_way_leaves_no_results_and_its_leftovers_are_cleared() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = scenario_path("pressured.toml");
    // Wait until the run has started writing (its staging folder exists), then kill -9.
    let mut child = crate::util::start_long_run(dir.path());
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        !dir.path().join("out").exists(),
        "a killed run leaves no results folder"
    );
    // The next run clears the dead run's staging folder and writes whole results.
    let o = holdsim(dir.path())
        .args(["run", &scenario, "-n", "2", "--quiet", "--out", "out"])
        .output()
        .unwrap();
    assert!(o.status.success());
    let names: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["out".to_string()], "no staging folders left");
    assert!(dir.path().join("out/manifest.json").exists());
}
