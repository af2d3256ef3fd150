//! `holdsim sweep`: designs, streamed results, resume after `kill -9`, failed points,
//! adaptive replications, and clear refusals.

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::util::{holdsim, root};

use holdsim::sweep::files::FINAL as FILES;

fn write_experiment(dir: &Path, name: &str, body: &str) -> String {
    let scenarios = root().join("scenarios").display().to_string();
    let text = format!("base = \"{scenarios}/baseline.toml\"\n{body}");
    fs::write(dir.join(name), text).unwrap();
    name.to_string()
}

fn sweep(dir: &Path, args: &[&str]) -> std::process::Output {
    let mut all = vec!["sweep", "--quiet"];
    all.extend_from_slice(args);
    holdsim(dir).args(&all).output().unwrap()
}

fn assert_same_results(a: &Path, b: &Path) {
    for f in FILES {
        assert!(
            fs::read(a.join(f)).unwrap() == fs::read(b.join(f)).unwrap(),
            "{f} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
}

const LHS: &str = r#"
[run]
horizon_days = 400
warmup_days = 50
[experiment]
replications = 4
[design]
method = "latin_hypercube"
points = 48
seed = 3
[[design.factor]]
path = "workforce.link_workers"
min = 2
max = 5
[[design.factor]]
path = "referrals.rate_per_week"
min = 8.0
max = 24.0
"#;

#[test]
fn a_latin_hypercube_sweep_writes_every_file_and_is_thread_independent() {
    let dir = tempfile::tempdir().unwrap();
    let exp = write_experiment(dir.path(), "lhs.toml", LHS);
    for (out, threads) in [("one", "1"), ("two", "2")] {
        let o = sweep(dir.path(), &[&exp, "--out", out, "--threads", threads]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    assert_same_results(&dir.path().join("one"), &dir.path().join("two"));
    let points = fs::read_to_string(dir.path().join("one/points.csv")).unwrap();
    assert_eq!(
        points.lines().next().unwrap(),
        "point,workforce.link_workers,referrals.rate_per_week"
    );
    assert_eq!(points.lines().count(), 49);
    // Latin hypercube: each of 48 strata of the rate holds exactly one point.
    let mut strata: Vec<usize> = points
        .lines()
        .skip(1)
        .map(|l| {
            ((l.split(',').nth(2).unwrap().parse::<f64>().unwrap() - 8.0) / 16.0 * 48.0) as usize
        })
        .collect();
    strata.sort();
    assert_eq!(strata, (0..48).collect::<Vec<_>>());
    // Integer keys are rounded.
    assert!(
        points
            .lines()
            .skip(1)
            .all(|l| ["2", "3", "4", "5"].contains(&l.split(',').nth(1).unwrap()))
    );
    let replications = fs::read_to_string(dir.path().join("one/replications.csv")).unwrap();
    assert_eq!(replications.lines().count(), 1 + 48 * 4);
    assert!(
        !dir.path().join("one/progress").exists(),
        "no progress folder once complete"
    );
    // Running again finds it complete.
    let again = sweep(dir.path(), &[&exp, "--out", "one"]);
    assert!(String::from_utf8_lossy(&again.stdout).contains("already complete"));
}

#[test]
fn a_sweep_killed_with_sigkill_resumes_to_identical_results() {
    let dir = tempfile::tempdir().unwrap();
    let exp = write_experiment(
        dir.path(),
        "lhs.toml",
        &LHS.replace("points = 48", "points = 120"),
    );
    let o = sweep(dir.path(), &[&exp, "--out", "whole", "--threads", "2"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    // Start the same sweep, kill -9 it once some (not all) points are checkpointed.
    let mut child = holdsim(dir.path())
        .args(["sweep", "--quiet", &exp, "--out", "cut", "--threads", "1"])
        .spawn()
        .unwrap();
    let checkpoint = dir.path().join("cut/progress/checkpoint.json");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(text) = fs::read_to_string(&checkpoint) {
            let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
            if v["points_done"].as_u64().unwrap_or(0) >= 8 {
                break;
            }
        }
        assert!(Instant::now() < deadline, "sweep made no progress");
        assert!(
            child.try_wait().unwrap().is_none(),
            "sweep finished before it could be killed; make it longer"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    let done: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&checkpoint).unwrap()).unwrap();
    assert!(
        done["points_done"].as_u64().unwrap() < 120,
        "killed part-way"
    );
    assert!(
        !dir.path().join("cut/replications.csv").exists(),
        "no final file before the end"
    );

    let resumed = sweep(dir.path(), &[&exp, "--out", "cut", "--threads", "2"]);
    assert!(
        resumed.status.success(),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    assert!(String::from_utf8_lossy(&resumed.stdout).contains("Resuming"));
    assert_same_results(&dir.path().join("whole"), &dir.path().join("cut"));
}

#[test]
fn an_invalid_combination_is_recorded_and_the_sweep_carries_on() {
    let dir = tempfile::tempdir().unwrap();
    // warmup 500 is valid alone but not with horizon 400.
    let exp = write_experiment(
        dir.path(),
        "grid.toml",
        "[run]\nhorizon_days = 400\nwarmup_days = 10\n[experiment]\nreplications = 3\n[design]\nmethod = \"grid\"\n[[design.factor]]\npath = \"run.warmup_days\"\nvalues = [10, 500, 20]\n",
    );
    let o = sweep(dir.path(), &[&exp, "--out", "g"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("1 failed"));
    let status = fs::read_to_string(dir.path().join("g/status.csv")).unwrap();
    let lines: Vec<&str> = status.lines().collect();
    assert_eq!(lines[1], "0,ok,3,");
    // One quoting rule for every table: the reason is quoted only when it must be.
    assert!(
        lines[2].starts_with(
            "1,failed,0,run.horizon_days: horizon_days (400) must exceed warmup_days (500)"
        ),
        "{}",
        lines[2]
    );
    assert_eq!(lines[3], "2,ok,3,");
    let reps = fs::read_to_string(dir.path().join("g/replications.csv")).unwrap();
    assert_eq!(reps.lines().count(), 1 + 2 * 3);
}

#[test]
fn adaptive_replications_stop_when_precise_enough() {
    let dir = tempfile::tempdir().unwrap();
    let exp = write_experiment(
        dir.path(),
        "adaptive.toml",
        "[run]\nhorizon_days = 600\nwarmup_days = 60\n[experiment]\nreplications = 5\n[design]\nmethod = \"grid\"\n[[design.factor]]\npath = \"referrals.rate_per_week\"\nvalues = [6.0, 18.0]\n[adaptive]\ntarget_relative_half_width = 0.05\nkpis = [\"wait_mean_days\", \"held_patient_weeks\"]\nmax_replications = 60\nbatch = 5\n",
    );
    let o = sweep(dir.path(), &[&exp, "--out", "a"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let status = fs::read_to_string(dir.path().join("a/status.csv")).unwrap();
    let needed: Vec<usize> = status
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(2).unwrap().parse().unwrap())
        .collect();
    let summary = fs::read_to_string(dir.path().join("a/summary.csv")).unwrap();
    for (point, &n) in needed.iter().enumerate() {
        assert!(
            (5..=60).contains(&n) && n % 5 == 0,
            "point {point}: {n} replications"
        );
        // The rule holds at the end: every watched KPI within 5%, or the maximum reached.
        for kpi in ["wait_mean_days", "held_patient_weeks"] {
            let row: Vec<&str> = summary
                .lines()
                .find(|l| l.starts_with(&format!("{point},{kpi},")))
                .unwrap()
                .split(',')
                .collect();
            let (mean, lo, hi): (f64, f64, f64) = (
                row[3].parse().unwrap(),
                row[5].parse().unwrap(),
                row[6].parse().unwrap(),
            );
            assert!(
                n == 60 || (hi - lo) / 2.0 <= 0.05 * mean.abs(),
                "point {point} {kpi}: half-width {} vs mean {mean} after {n}",
                (hi - lo) / 2.0
            );
        }
    }
    assert!(
        needed[0] != needed[1] || needed[0] == 60,
        "points need different numbers of replications: {needed:?}"
    );
}

#[test]
fn experiments_and_scenarios_are_not_confused_and_bad_designs_fail_early() {
    let dir = tempfile::tempdir().unwrap();
    let exp = write_experiment(dir.path(), "e.toml", LHS);
    let o = holdsim(dir.path()).args(["run", &exp]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("run it with `holdsim sweep"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );

    let scenario = root().join("scenarios/baseline.toml").display().to_string();
    let o = sweep(dir.path(), &[&scenario]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("so it is a scenario, not an experiment"));

    for (body, expected) in [
        (
            "[design]\nmethod = \"grid\"\n[[design.factor]]\npath = \"workforce.link_wrkers\"\nvalues = [2]\n",
            "factor `workforce.link_wrkers`: unknown key",
        ),
        (
            "[design]\nmethod = \"grid\"\n[[design.factor]]\npath = \"workforce.link_workers\"\nvalues = [0, 2]\n",
            "`workforce.link_workers` = 0: expected an integer in [1, 10000]",
        ),
        (
            "[design]\nmethod = \"latin_hypercube\"\n[[design.factor]]\npath = \"strain.alpha\"\nmin = 0.0\nmax = 0.1\n",
            "`points` (how many design points) is required",
        ),
        ("[design]\nmethod = \"sobol\"\n", "unknown variant `sobol`"),
        (
            "[design]\nmethod = \"grid\"\nwhatever = 1\n",
            "unknown field `whatever`",
        ),
        (
            "[design]\nmethod = \"grid\"\n[[design.factor]]\npath = \"profile.nobody.weight\"\nvalues = [1]\n",
            "no profile `nobody`",
        ),
    ] {
        let e = write_experiment(dir.path(), "bad.toml", body);
        let o = sweep(dir.path(), &[&e, "--out", "never"]);
        assert!(!o.status.success());
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(expected), "expected `{expected}` in: {err}");
        assert!(err.contains("bad.toml"), "names the file: {err}");
        assert!(
            !dir.path().join("never").exists(),
            "nothing written for a bad design"
        );
    }

    // A --set the experiment's own [experiment] setting would silently beat is
    // refused; without that setting it applies.
    let grid = "[design]\nmethod = \"grid\"\n[[design.factor]]\npath = \"workforce.link_workers\"\nvalues = [2]\n";
    let e = write_experiment(
        dir.path(),
        "fixed.toml",
        &format!("[experiment]\nreplications = 3\n{grid}"),
    );
    let o = sweep(
        dir.path(),
        &[&e, "--set", "run.replications=2", "--out", "never"],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("--set run.replications has no effect here: the experiment's [experiment] replications = 3"),
        "{err}"
    );
    assert!(!dir.path().join("never").exists());
    let e = write_experiment(dir.path(), "free.toml", grid);
    let o = sweep(
        dir.path(),
        &[&e, "--set", "run.replications=2", "--out", "free"],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let rows = fs::read_to_string(dir.path().join("free/replications.csv")).unwrap();
    assert_eq!(rows.lines().count(), 1 + 2, "one point of 2 replications");
}

#[test]
fn morris_and_sobol_analyses_write_indices_and_charts() {
    let dir = tempfile::tempdir().unwrap();
    let factors = "[[sensitivity.factor]]\npath = \"strain.alpha\"\nmin = 0.03\nmax = 0.07\n[[sensitivity.factor]]\npath = \"referrals.rate_per_week\"\nmin = 6.0\nmax = 18.0\n[[sensitivity.factor]]\npath = \"strain.threshold_sd\"\nmin = 0.0\nmax = 0.0001\n";
    let run = "[run]\nhorizon_days = 500\nwarmup_days = 50\n[experiment]\nreplications = 3\n";
    let morris = write_experiment(
        dir.path(),
        "m.toml",
        &format!(
            "{run}[sensitivity]\nmethod = \"morris\"\nkpis = [\"wait_mean_days\", \"mean_strain\"]\ntrajectories = 8\nlevels = 4\nseed = 2\nbootstrap = 200\n{factors}"
        ),
    );
    let o = holdsim(dir.path())
        .args(["sensitivity", "--quiet", &morris, "--out", "m"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let indices = fs::read_to_string(dir.path().join("m/indices.csv")).unwrap();
    assert_eq!(indices.lines().count(), 1 + 2 * 3);
    let mu_star = |kpi: &str, factor: &str| -> f64 {
        let line = indices
            .lines()
            .find(|l| l.contains(&format!(",{kpi},{factor},")))
            .unwrap();
        line.split(',').nth(3).unwrap().parse().unwrap()
    };
    // Referral pressure drives waits; a factor with a negligible range does nothing.
    assert!(
        mu_star("wait_mean_days", "referrals.rate_per_week")
            > mu_star("wait_mean_days", "strain.threshold_sd")
    );
    assert!(
        mu_star("mean_strain", "strain.alpha")
            > 10.0 * mu_star("mean_strain", "strain.threshold_sd")
    );
    for f in [
        "sensitivity_wait_mean_days.svg",
        "sensitivity_wait_mean_days.png",
        "sensitivity_mean_strain.svg",
    ] {
        assert!(dir.path().join("m/plots").join(f).exists(), "{f}");
    }

    let sobol = write_experiment(
        dir.path(),
        "s.toml",
        &format!(
            "{run}[sensitivity]\nmethod = \"sobol\"\nkpis = [\"mean_strain\"]\nsamples = 32\nseed = 2\nbootstrap = 200\n{factors}"
        ),
    );
    let o = holdsim(dir.path())
        .args(["sensitivity", "--quiet", &sobol, "--out", "s"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let status = fs::read_to_string(dir.path().join("s/status.csv")).unwrap();
    assert_eq!(
        status.lines().count(),
        1 + 32 * (3 + 2),
        "n(k + 2) Saltelli points"
    );
    let indices = fs::read_to_string(dir.path().join("s/indices.csv")).unwrap();
    let total = |factor: &str| -> f64 {
        indices
            .lines()
            .find(|l| l.contains(&format!(",{factor},")))
            .unwrap()
            .split(',')
            .nth(11)
            .unwrap()
            .parse()
            .unwrap()
    };
    assert!(
        total("strain.alpha") > total("strain.threshold_sd"),
        "{indices}"
    );

    // A sensitivity file is not a sweep, and the reverse.
    let o = sweep(dir.path(), &[&morris]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("run it with `holdsim sensitivity"));
    let bad = write_experiment(
        dir.path(),
        "b.toml",
        &format!(
            "{run}[sensitivity]\nmethod = \"morris\"\nkpis = [\"wait_mean_days\"]\nlevels = 3\n{factors}"
        ),
    );
    let o = holdsim(dir.path())
        .args(["sensitivity", "--quiet", &bad])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("`levels` must be an even number"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn shards_merge_into_the_single_machine_result_and_missing_shards_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let exp = write_experiment(dir.path(), "lhs.toml", LHS);
    let o = sweep(dir.path(), &[&exp, "--out", "single"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for k in 0..3 {
        let shard = format!("{k}/3");
        let o = sweep(dir.path(), &[&exp, "--out", "sharded", "--shard", &shard]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        // Balanced: 48 points over 3 shards.
        let status = fs::read_to_string(
            dir.path()
                .join(format!("sharded/shard-{k}-of-3/status.csv")),
        )
        .unwrap();
        assert_eq!(status.lines().count(), 1 + 16);
    }
    // Before all shards are there, merge names what is missing.
    fs::rename(
        dir.path().join("sharded/shard-1-of-3"),
        dir.path().join("aside"),
    )
    .unwrap();
    let o = holdsim(dir.path())
        .args(["merge", "sharded"])
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("shard 1 of 3 is missing"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    fs::rename(
        dir.path().join("aside"),
        dir.path().join("sharded/shard-1-of-3"),
    )
    .unwrap();
    let o = holdsim(dir.path())
        .args(["merge", "sharded"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_same_results(&dir.path().join("single"), &dir.path().join("sharded"));

    // Slurm's array variables choose the shard when --shard is absent.
    let o = holdsim(dir.path())
        .args(["sweep", "--quiet", &exp, "--out", "env"])
        .env("SLURM_ARRAY_TASK_ID", "7")
        .env("SLURM_ARRAY_TASK_MIN", "3")
        .env("SLURM_ARRAY_TASK_STEP", "2")
        .env("SLURM_ARRAY_TASK_COUNT", "3")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        dir.path().join("env/shard-2-of-3/status.csv").exists(),
        "(7 − 3) / 2 = shard 2"
    );
    let o = sweep(dir.path(), &[&exp, "--shard", "3/3"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--shard expects K/N with 0 ≤ K < N"));
}

#[test]
fn slurm_writes_an_array_job_and_a_dependent_merge_job() {
    let dir = tempfile::tempdir().unwrap();
    let exp = write_experiment(dir.path(), "lhs.toml", LHS);
    let o = holdsim(dir.path())
        .args([
            "slurm",
            &exp,
            "--shards",
            "4",
            "--partition",
            "short",
            "--time",
            "00:10:00",
            "--mem",
            "1G",
            "--out",
            "cluster",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let slurm = dir.path().join("cluster/slurm");
    let sweep = fs::read_to_string(slurm.join("sweep.sbatch")).unwrap();
    for needle in [
        "#SBATCH --array=0-3",
        "#SBATCH --partition=short",
        "#SBATCH --time=00:10:00",
        "#SBATCH --mem=1G",
        " sweep '",
        "--out '",
    ] {
        assert!(
            sweep.contains(needle),
            "sweep.sbatch lacks `{needle}`:\n{sweep}"
        );
    }
    assert!(
        !sweep.contains("--shard "),
        "the shard comes from SLURM_ARRAY_TASK_* at run time"
    );
    let merge = fs::read_to_string(slurm.join("merge.sbatch")).unwrap();
    assert!(merge.contains(" merge '"));
    let submit = fs::read_to_string(slurm.join("submit.sh")).unwrap();
    assert!(
        submit.contains("--dependency=afterok:$array --kill-on-invalid-dep=yes"),
        "{submit}"
    );
    let o = holdsim(dir.path())
        .args(["slurm", &exp, "--shards", "500"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&o.stderr).contains("more than the 48 points"));
}
