//! Issue 8, experiments: designs that are exact and validated (classes 3 and 4), CLI
//! promises that hold (class 7: exit codes, shardable sensitivity analyses).

use std::fs;
use std::path::Path;
use std::process::Output;

use crate::util::{holdsim, root};

/// A short, cheap run for experiments whose points are actually run.
const QUICK: &str = "[run]\nhorizon_days = 200\nwarmup_days = 20\n[experiment]\nreplications = 2\n";

fn write_experiment(dir: &Path, name: &str, body: &str) -> String {
    let scenarios = root().join("scenarios").display().to_string();
    fs::write(
        dir.join(name),
        format!("base = \"{scenarios}/baseline.toml\"\n{body}"),
    )
    .unwrap();
    name.to_string()
}

fn run(dir: &Path, args: &[&str]) -> Output {
    holdsim(dir).args(args).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts exit code 2 and that stderr holds every one of `needles`.
fn refused(o: &Output, needles: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "exit code; stderr: {err}");
    for n in needles {
        assert!(err.contains(n), "expected `{n}` in: {err}");
    }
}

#[test]
fn silently_wrong_sweeps_grid_point_count_overflow_is_refused_naming_the_factors() {
    let dir = tempfile::tempdir().unwrap();
    // 65536^4 = 2^64 points: the old count wrapped round to 0.
    let values: Vec<String> = (1..=65536).map(|i| format!("{}e-6", i)).collect();
    let values = values.join(", ");
    let mut body = String::from("[design]\nmethod = \"grid\"\n");
    for key in [
        "strain.alpha",
        "referrals.rate_per_week",
        "support.supervision_hours_per_month",
        "strain.threshold_sd",
    ] {
        body.push_str(&format!(
            "[[design.factor]]\npath = \"{key}\"\nvalues = [{values}]\n"
        ));
    }
    let exp = write_experiment(dir.path(), "huge.toml", &body);
    let o = run(dir.path(), &["sweep", "--quiet", &exp, "--out", "never"]);
    refused(
        &o,
        &[
            "huge.toml",
            "`strain.alpha`",
            "`strain.threshold_sd`",
            "at most 1000000 points",
        ],
    );
    assert!(!dir.path().join("never").exists());
}

#[test]
fn silently_wrong_sweeps_non_finite_fractional_duplicate_and_ignored_values_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let grid = "[design]\nmethod = \"grid\"\n";
    let cases: Vec<(String, Vec<&str>)> = vec![
        (
            // `values` is on line 6 of the file (`base` is line 1)
            format!(
                "{grid}[[design.factor]]\npath = \"policy.caseload_cap\"\nvalues = [nan, 20]\n"
            ),
            vec![
                "line 6: factor `policy.caseload_cap`",
                "not a finite number",
            ],
        ),
        (
            format!("{grid}[[design.factor]]\npath = \"strain.alpha\"\nvalues = [0.05, inf]\n"),
            vec!["line 6: factor `strain.alpha`", "not a finite number"],
        ),
        (
            format!(
                "{grid}[[design.factor]]\npath = \"workforce.link_workers\"\nvalues = [2, 2.5]\n"
            ),
            vec![
                "line 6: factor `workforce.link_workers`",
                "not a whole number",
            ],
        ),
        (
            format!(
                "{grid}[[design.factor]]\npath = \"workforce.link_workers\"\nfrom = 1.5\nto = 3.5\nstep = 1.0\n"
            ),
            vec![
                "line 6: factor `workforce.link_workers`",
                "not a whole number",
            ],
        ),
        (
            format!(
                "{grid}[[design.factor]]\npath = \"strain.alpha\"\nfrom = 0.01\nto = -inf\nstep = 0.01\n"
            ),
            vec!["line 6: factor `strain.alpha`", "not a finite number"],
        ),
        (
            format!(
                "{grid}[[design.factor]]\npath = \"strain.alpha\"\nvalues = [0.05]\n[[design.factor]]\npath = \"strain.alpha\"\nvalues = [0.06]\n"
            ),
            vec![
                "line 8: factor `strain.alpha`",
                "listed twice (first on line 5)",
            ],
        ),
        (
            String::from(
                "[design]\nmethod = \"latin_hypercube\"\npoints = 4\n[[design.factor]]\npath = \"strain.alpha\"\nmin = 0.01\nmax = 0.09\nvalues = [0.5]\nstep = 0.1\n",
            ),
            vec![
                "line 6: factor `strain.alpha`",
                "`values`, `step` are not used by method = \"latin_hypercube\"",
            ],
        ),
        (
            format!(
                "{grid}points = 10\n[[design.factor]]\npath = \"strain.alpha\"\nvalues = [0.05]\n"
            ),
            vec!["`points` not used by method = \"grid\""],
        ),
        (
            String::from(
                "[design]\nmethod = \"random\"\npoints = 4\n[[design.factor]]\npath = \"workforce.link_workers\"\nmin = 2\nmax = 5.5\n",
            ),
            vec![
                "line 8: factor `workforce.link_workers`: `max`",
                "not a whole number",
            ],
        ),
    ];
    for (body, needles) in cases {
        let exp = write_experiment(dir.path(), "bad.toml", &body);
        let o = run(dir.path(), &["sweep", "--quiet", &exp, "--out", "never"]);
        let mut all = vec!["bad.toml"];
        all.extend_from_slice(&needles);
        refused(&o, &all);
        assert!(!dir.path().join("never").exists());
    }

    // A table CSV: the CSV file, its line and the column.
    let table = write_experiment(
        dir.path(),
        "table.toml",
        "[design]\nmethod = \"table\"\nfile = \"points.csv\"\n",
    );
    for (csv, needles) in [
        (
            "workforce.link_workers,policy.caseload_cap\n3,20\n\n4,NaN\n",
            &[
                "points.csv` line 4, column 2 `policy.caseload_cap`",
                "not a finite number",
            ][..],
        ),
        (
            "workforce.link_workers,policy.caseload_cap\n3.5,20\n",
            &[
                "points.csv` line 2, column 1 `workforce.link_workers`",
                "not a whole number",
            ],
        ),
        (
            "workforce.link_workers,policy.caseload_cap,workforce.link_workers\n3,20,4\n",
            &[
                "points.csv` line 1",
                "`workforce.link_workers` appears twice (columns 1 and 3)",
            ],
        ),
        (
            "strain.alpha\ninf\n",
            &[
                "points.csv` line 2, column 1 `strain.alpha`",
                "not a finite number",
            ],
        ),
    ] {
        fs::write(dir.path().join("points.csv"), csv).unwrap();
        let o = run(dir.path(), &["sweep", "--quiet", &table, "--out", "never"]);
        let mut all = vec!["table.toml"];
        all.extend_from_slice(needles);
        refused(&o, &all);
        assert!(!dir.path().join("never").exists());
    }
}

#[test]
fn silently_wrong_sweeps_steps_give_the_decimals_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let exp = write_experiment(
        dir.path(),
        "steps.toml",
        &format!(
            "{QUICK}[design]\nmethod = \"grid\"\n[[design.factor]]\npath = \"strain.rho_rest\"\nfrom = 0.1\nto = 0.5\nstep = 0.1\n"
        ),
    );
    let o = run(dir.path(), &["sweep", "--quiet", &exp, "--out", "out"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let points = fs::read_to_string(dir.path().join("out/points.csv")).unwrap();
    assert_eq!(
        points,
        "point,strain.rho_rest\n0,0.1\n1,0.2\n2,0.3\n3,0.4\n4,0.5\n"
    );
    // A hand-typed `--set` reproduces the point, replication by replication.
    let base = root().join("scenarios/baseline.toml").display().to_string();
    let o = run(
        dir.path(),
        &[
            "run",
            "--quiet",
            &base,
            "--set",
            "run.horizon_days=200",
            "--set",
            "run.warmup_days=20",
            "--set",
            "strain.rho_rest=0.3",
            "-n",
            "2",
            "--out",
            "by_hand",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let swept: Vec<String> = fs::read_to_string(dir.path().join("out/replications.csv"))
        .unwrap()
        .lines()
        .filter_map(|l| l.strip_prefix("2,").map(str::to_string))
        .collect();
    let by_hand: Vec<String> = fs::read_to_string(dir.path().join("by_hand/replications.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(str::to_string)
        .collect();
    assert_eq!(swept.len(), 2);
    assert_eq!(swept, by_hand);
}

#[test]
fn allocation_aborts_huge_design_sizes_are_refused_before_allocating() {
    let dir = tempfile::tempdir().unwrap();
    let factor = "path = \"strain.alpha\"\nmin = 0.01\nmax = 0.09\n";
    for (command, body, needles) in [
        (
            "sweep",
            format!(
                "[design]\nmethod = \"latin_hypercube\"\npoints = 1000000000000\n[[design.factor]]\n{factor}"
            ),
            &["`points` = 1000000000000", "at most 1000000 points"][..],
        ),
        (
            "sensitivity",
            format!(
                "[sensitivity]\nmethod = \"morris\"\nkpis = [\"mean_strain\"]\ntrajectories = 1000000000000\n[[sensitivity.factor]]\n{factor}"
            ),
            &["`trajectories` = 1000000000000", "at most 1000000 points"],
        ),
        (
            "sensitivity",
            format!(
                "[sensitivity]\nmethod = \"sobol\"\nkpis = [\"mean_strain\"]\nsamples = 1099511627776\n[[sensitivity.factor]]\n{factor}"
            ),
            &["`samples` = 1099511627776", "at most 1000000 points"],
        ),
        (
            "sensitivity",
            format!(
                "{QUICK}[sensitivity]\nmethod = \"morris\"\nkpis = [\"mean_strain\"]\ntrajectories = 2\nbootstrap = 1000000000000\n[[sensitivity.factor]]\n{factor}"
            ),
            &["`bootstrap` = 1000000000000", "100000 resamples"],
        ),
        (
            "sweep",
            format!(
                "{QUICK}[adaptive]\ntarget_relative_half_width = 0.01\nkpis = [\"mean_strain\"]\nmax_replications = 4000000000\n[design]\nmethod = \"grid\"\n[[design.factor]]\npath = \"strain.alpha\"\nvalues = [0.05]\n"
            ),
            &["[adaptive]", "max_replications = 4000000000", "100000"],
        ),
    ] {
        let exp = write_experiment(dir.path(), "big.toml", &body);
        let o = run(dir.path(), &[command, "--quiet", &exp, "--out", "never"]);
        let mut all = vec!["big.toml"];
        all.extend_from_slice(needles);
        refused(&o, &all);
        assert!(!dir.path().join("never").exists());
    }
}

#[test]
fn promises_the_cli_does_not_keep_sharded_sensitivity_merges_to_the_same_indices() {
    let dir = tempfile::tempdir().unwrap();
    let exp = write_experiment(
        dir.path(),
        "m.toml",
        &format!(
            "{QUICK}[sensitivity]\nmethod = \"morris\"\nkpis = [\"mean_strain\", \"wait_mean_days\"]\ntrajectories = 3\nseed = 4\nbootstrap = 50\n[[sensitivity.factor]]\npath = \"strain.alpha\"\nmin = 0.03\nmax = 0.07\n[[sensitivity.factor]]\npath = \"referrals.rate_per_week\"\nmin = 6.0\nmax = 18.0\n"
        ),
    );
    let o = run(
        dir.path(),
        &["sensitivity", "--quiet", &exp, "--out", "single"],
    );
    assert!(o.status.success(), "{}", stderr(&o));

    // Shard 0 by the flag, shard 1 as a Slurm array task would run it.
    let o = run(
        dir.path(),
        &[
            "sensitivity",
            "--quiet",
            &exp,
            "--out",
            "sharded",
            "--shard",
            "0/2",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let said = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(said.contains("holdsim merge sharded"), "{said}");
    let o = holdsim(dir.path())
        .args(["sensitivity", "--quiet", &exp, "--out", "sharded"])
        .env("SLURM_ARRAY_TASK_ID", "1")
        .env("SLURM_ARRAY_TASK_COUNT", "2")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let sharded = dir.path().join("sharded");
    for k in 0..2 {
        assert!(
            sharded.join(format!("shard-{k}-of-2/status.csv")).exists(),
            "shard {k} ran into its own folder"
        );
    }
    assert!(
        !sharded.join("indices.csv").exists(),
        "no indices from a part of the points"
    );
    // Before the merge the analysis says what to do instead of running everything.
    let o = run(
        dir.path(),
        &["sensitivity", "--quiet", &exp, "--out", "sharded"],
    );
    refused(&o, &["holdsim merge"]);

    let o = run(dir.path(), &["merge", "sharded"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("holdsim sensitivity"));
    let o = run(
        dir.path(),
        &["sensitivity", "--quiet", &exp, "--out", "sharded"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("already complete"),
        "the merged sweep is found complete, not rerun"
    );
    let single = fs::read(dir.path().join("single/indices.csv")).unwrap();
    let merged = fs::read(sharded.join("indices.csv")).unwrap();
    assert!(single.len() > 200);
    assert_eq!(
        String::from_utf8_lossy(&single),
        String::from_utf8_lossy(&merged)
    );
}

#[test]
fn promises_the_cli_does_not_keep_input_problems_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = root().join("scenarios/baseline.toml").display().to_string();
    let other = root()
        .join("scenarios/supported.toml")
        .display()
        .to_string();
    let grid = write_experiment(
        dir.path(),
        "grid.toml",
        "[design]\nmethod = \"grid\"\n[[design.factor]]\npath = \"strain.alpha\"\nvalues = [0.05]\n",
    );
    let morris = write_experiment(
        dir.path(),
        "morris.toml",
        "[sensitivity]\nmethod = \"morris\"\nkpis = [\"mean_strain\"]\n[[sensitivity.factor]]\npath = \"strain.alpha\"\nmin = 0.03\nmax = 0.07\n",
    );
    let bad_design = write_experiment(
        dir.path(),
        "bad_design.toml",
        "[design]\nmethod = \"grid\"\n[[design.factor]]\npath = \"strain.alpha\"\n",
    );
    let bad_sensitivity = write_experiment(
        dir.path(),
        "bad_sens.toml",
        "[sensitivity]\nmethod = \"sobol\"\nkpis = [\"mean_strain\"]\ntrajectories = 4\n[[sensitivity.factor]]\npath = \"strain.alpha\"\nmin = 0.03\nmax = 0.07\n",
    );
    let bad_adaptive = write_experiment(
        dir.path(),
        "bad_adaptive.toml",
        "[adaptive]\ntarget_relative_half_width = -1.0\nkpis = [\"mean_strain\"]\nmax_replications = 10\n[design]\nmethod = \"grid\"\n[[design.factor]]\npath = \"strain.alpha\"\nvalues = [0.05]\n",
    );
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["sweep", &scenario],
            "so it is a scenario, not an experiment",
        ),
        (
            vec!["sensitivity", &scenario],
            "so it is a scenario, not an experiment",
        ),
        (vec!["sweep", &morris], "run it with `holdsim sensitivity"),
        (vec!["sensitivity", &grid], "runs with `holdsim sweep"),
        (vec!["sweep", &bad_design], "bad_design.toml: [design]"),
        (
            vec!["sensitivity", &bad_sensitivity],
            "`trajectories` not used by method = \"sobol\"",
        ),
        (
            vec!["sweep", &bad_adaptive],
            "bad_adaptive.toml: [adaptive]",
        ),
        (vec!["sweep", "missing.toml"], "missing.toml"),
        (
            vec!["sweep", "/dev/zero"],
            "`/dev/zero`: it is a character device, not a regular file",
        ),
        (vec!["sensitivity", "."], "not a regular file"),
        (vec!["sweep", &grid, "--threads", "0"], "--threads"),
        (vec!["run", &scenario, "--threads", "0"], "--threads"),
        (
            vec!["sweep", &grid, "--shard", "2/2"],
            "--shard expects K/N",
        ),
        (
            vec!["sensitivity", &morris, "--shard", "x"],
            "--shard expects K/N",
        ),
        (
            vec!["compare", &scenario, &other, "--baseline", "elsewhere.toml"],
            "--baseline elsewhere.toml is not one of the scenarios",
        ),
    ];
    for (args, needle) in cases {
        let mut all = args.clone();
        all.extend_from_slice(&["--out", "never"]);
        let o = run(dir.path(), &all);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(needle), "{args:?}: {}", stderr(&o));
        assert!(!dir.path().join("never").exists(), "{args:?}");
    }
}

/// A sweep whose work or memory cannot fit is refused before anything runs: the base
/// scenario is sized with each size factor at its largest level, and the work of all
/// points is counted (not just one point's).
#[test]
fn allocation_aborts_sweeps_too_large_for_the_machine_are_refused_up_front() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        // 1,000 points × 100 replications × 3,000 posts × 36,500 days ≈ 1.1e13 post-days.
        (
            "[run]\nsites = 1000\nhorizon_days = 36500\n[experiment]\nreplications = 100\n[design]\nmethod = \"latin_hypercube\"\npoints = 1000\n[[design.factor]]\npath = \"strain.alpha\"\nmin = 0.03\nmax = 0.07\n",
            "this sweep is too large",
        ),
        // One small base site, but a factor takes it to a million sites per point.
        (
            "[run]\nhorizon_days = 36500\n[experiment]\nreplications = 1000\n[design]\nmethod = \"grid\"\n[[design.factor]]\npath = \"run.sites\"\nvalues = [1, 1000000]\n",
            "post-days",
        ),
    ];
    for (i, (body, needle)) in cases.into_iter().enumerate() {
        let exp = write_experiment(dir.path(), &format!("big{i}.toml"), body);
        let o = run(dir.path(), &["sweep", "--quiet", &exp, "--out", "never"]);
        refused(&o, &[needle]);
        assert!(
            !dir.path().join("never").exists(),
            "case {i}: nothing written"
        );
    }
}
