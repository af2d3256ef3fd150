//! Issue 8, class 3 (allocation aborts instead of refusals) for `run` and `compare`:
//! jobs too large for the machine are refused before anything is allocated (exit 2,
//! with the estimate and what to change); replications stream to disk in order, so
//! memory does not grow with them and the files are those the whole-table code makes;
//! a single replication reports its progress site-day by site-day.

use std::fs;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use holdsim::engine::{self, Control, Options, Workspace};
use holdsim::model::Model;
use holdsim::output::table::CsvWriter;
use holdsim::output::tables;
use holdsim::runner::{self, Watch};

use crate::util::{holdsim, root};

fn scenario_path(name: &str) -> String {
    root().join("scenarios").join(name).display().to_string()
}

/// Runs holdsim in `dir` with a fixed memory limit (so refusals do not depend on the
/// machine) and returns (exit code, stderr).
fn refused(dir: &Path, limit: &str, args: &[&str]) -> (Option<i32>, String) {
    let out = holdsim(dir)
        .env(holdsim::budget::MEMORY_LIMIT_ENV, limit)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn allocation_aborts_huge_in_range_jobs_are_refused_with_the_estimate() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = scenario_path("baseline.toml");
    // (arguments, what the message must say)
    let cases: [(&[&str], &[&str]); 3] = [
        // A million sites for a century with per-site series: terabytes of series.
        (
            &[
                "--set",
                "run.sites=1000000",
                "--set",
                "run.horizon_days=36500",
                "--per-site",
            ],
            &["estimated", "TiB", "per-site", "without --per-site"],
        ),
        // The same without per-site series: the memory fits, the work does not.
        (
            &[
                "--set",
                "run.sites=1000000",
                "--set",
                "run.horizon_days=36500",
                "-n",
                "100",
            ],
            &["post-days", "1,000,000 sites", "fewer replications"],
        ),
        // Ten million replications keep 184 bytes each for the summary: 1.8 GiB.
        (
            &["-n", "10000000"],
            &["estimated", "KPI values", "fewer replications (-n)"],
        ),
    ];
    for (args, says) in cases {
        let mut all = vec!["run", baseline.as_str(), "--quiet", "--out", "out"];
        all.extend_from_slice(args);
        let (code, stderr) = refused(dir.path(), "1G", &all);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        for s in says {
            assert!(stderr.contains(s), "{args:?}: `{s}` not in {stderr}");
        }
        assert!(!dir.path().join("out").exists(), "{args:?}: folder made");
    }
    // A comparison also reads every scenario's time series back for its report.
    let (code, stderr) = refused(
        dir.path(),
        "16G",
        &[
            "compare",
            &baseline,
            &scenario_path("supported.toml"),
            "-n",
            "1000000",
            "--quiet",
            "--out",
            "out",
        ],
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("this comparison") && stderr.contains("reading the time series back"),
        "{stderr}"
    );
    assert!(!dir.path().join("out").exists());
}

#[test]
fn allocation_aborts_sizes_near_u32_max_exit_2_not_134() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = scenario_path("baseline.toml");
    for set in [
        "workforce.link_workers=4000000000",
        "run.sites=4000000000",
        "run.horizon_days=4000000000",
    ] {
        // The machine's own limit: whatever it is, these cannot fit.
        let out = holdsim(dir.path())
            .env_remove(holdsim::budget::MEMORY_LIMIT_ENV)
            .args(["run", &baseline, "-n", "1", "--quiet", "--out", "out"])
            .args(["--set", set])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{set}: {stderr}");
        assert!(!stderr.contains("memory allocation"), "{set}: {stderr}");
        assert!(!dir.path().join("out").exists(), "{set}: folder made");
    }
}

#[test]
fn allocation_aborts_a_bad_memory_limit_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stderr) = refused(
        dir.path(),
        "lots",
        &["run", &scenario_path("baseline.toml"), "-n", "1", "--quiet"],
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("HOLDSIM_MEMORY_LIMIT"), "{stderr}");
}

/// The per-replication tables streamed in replication order, as a run writes them.
fn streamed(model: &Model, n: u32, threads: usize, batch: usize) -> [String; 3] {
    let mut files = [
        CsvWriter::begin(&tables::replications_schema(&[]), Vec::new()).unwrap(),
        CsvWriter::begin(&tables::timeseries_schema(false), Vec::new()).unwrap(),
        CsvWriter::begin(&tables::timeseries_schema(true), Vec::new()).unwrap(),
    ];
    let mut kept = Vec::new();
    let options = Options {
        per_site_series: true,
        audit: false,
    };
    runner::run_each(
        model,
        (n, threads, batch),
        &options,
        Watch::UNWATCHED,
        &mut |o| {
            let r = &o.replication;
            tables::replication_row(&mut files[0], None, r.index, r.patient_days, &o.kpis)?;
            tables::timeseries_rows(&mut files[1], r.index, None, &r.weeks)?;
            tables::site_rows(&mut files[2], &o)?;
            kept.push(tables::kept_values(&o));
            Ok::<(), anyhow::Error>(())
        },
    )
    .unwrap();
    files.map(|f| String::from_utf8(f.into_inner().unwrap()).unwrap())
}

#[test]
fn allocation_aborts_streamed_tables_are_the_whole_tables_byte_for_byte() {
    // 40 sites: three chunks of sites per replication.
    let scenario = holdsim::scenario::load(
        &root().join("scenarios/pressured.toml"),
        &[
            "run.sites=40".into(),
            "run.horizon_days=60".into(),
            "run.warmup_days=10".into(),
        ],
    )
    .unwrap();
    let model = Model::try_new(&scenario).expect("valid scenario");
    let options = Options {
        per_site_series: true,
        audit: false,
    };
    let all = runner::run(&model, 7, 2, &options, Watch::UNWATCHED).unwrap();
    let reference = [
        tables::replications_csv(&all),
        tables::timeseries_csv(&all),
        tables::timeseries_by_site_csv(&all),
    ];
    for (threads, batch) in [(1, 1), (2, 3), (2, 7), (1, 100)] {
        let files = streamed(&model, 7, threads, batch);
        for (f, (a, b)) in files.iter().zip(&reference).enumerate() {
            assert!(
                a == b,
                "table {f} differs ({threads} threads, batch {batch})"
            );
        }
    }
    let kept: Vec<_> = all.iter().map(tables::kept_values).collect();
    assert_eq!(
        tables::summary_csv(&tables::summaries_of_values(&kept)),
        tables::summary_csv(&tables::summaries(&all))
    );

    // And the CLI's files are the same bytes on 1 and 2 threads.
    let dir = tempfile::tempdir().unwrap();
    for threads in ["1", "2"] {
        let out = holdsim(dir.path())
            .args(["run", &scenario_path("pressured.toml"), "-n", "7"])
            .args(["--set", "run.sites=40", "--set", "run.horizon_days=60"])
            .args(["--set", "run.warmup_days=10", "--per-site", "--quiet"])
            .args(["--threads", threads, "--out", threads])
            .output()
            .unwrap();
        crate::util::assert_success(&out);
    }
    for (f, expected) in [
        "replications.csv",
        "timeseries.csv",
        "timeseries_by_site.csv",
    ]
    .iter()
    .zip(&reference)
    {
        for threads in ["1", "2"] {
            let written = fs::read_to_string(dir.path().join(threads).join(f)).unwrap();
            assert!(&written == expected, "{f} on {threads} threads differs");
        }
    }
}

#[test]
fn allocation_aborts_a_single_replication_reports_every_site_day() {
    let scenario = holdsim::scenario::load(
        &root().join("scenarios/baseline.toml"),
        &[
            "run.sites=40".into(),
            "run.horizon_days=30".into(),
            "run.warmup_days=5".into(),
        ],
    )
    .unwrap();
    let model = Model::try_new(&scenario).expect("valid scenario");
    let told = AtomicU64::new(0);
    let calls = AtomicU64::new(0);
    let hook = |n: u64| {
        told.fetch_add(n, Ordering::Relaxed);
        calls.fetch_add(1, Ordering::Relaxed);
    };
    let with = engine::run_replication_with(
        &mut Workspace::default(),
        &model,
        0,
        &Options::default(),
        Control {
            progress: &hook,
            cancel: None,
        },
    )
    .expect("nothing cancels it");
    assert_eq!(told.load(Ordering::Relaxed), 40 * 30);
    // Once per simulated week of each site (30 days: four weeks and two days).
    assert_eq!(calls.load(Ordering::Relaxed), 40 * 5);
    // Watching changes nothing.
    let without = engine::run_replication(&model, 0, &Options::default());
    assert_eq!(with.weeks, without.weeks);
    assert_eq!(with.patient_days, without.patient_days);
}

/// The core's one stop mechanism: a flag set from any thread ends a long replication
/// within a simulated day and a run between replications, and nothing from after
/// the flag reaches the sink.
#[test]
fn cancellation_stops_a_replication_between_days_and_a_run_between_replications() {
    let scenario = holdsim::scenario::load(
        &root().join("scenarios/baseline.toml"),
        &["run.sites=40".into(), "run.horizon_days=700".into()],
    )
    .unwrap();
    let model = Model::try_new(&scenario).expect("valid scenario");
    let cancel = AtomicBool::new(false);
    let told = AtomicU64::new(0);
    // Stop after ten simulated weeks of one site, in a replication of 40 × 100 weeks.
    let hook = |n: u64| {
        if told.fetch_add(n, Ordering::Relaxed) + n >= 70 {
            cancel.store(true, Ordering::Relaxed);
        }
    };
    let control = Control {
        progress: &hook,
        cancel: Some(&cancel),
    };
    let stopped = engine::run_replication_with(
        &mut Workspace::default(),
        &model,
        0,
        &Options::default(),
        control,
    );
    assert!(stopped.is_none(), "a cancelled replication is not reported");
    // Each of the three chunks of sites running when the flag is set may report at
    // most the week it is in; the check after every day stops it before another.
    assert!(
        told.load(Ordering::Relaxed) <= 70 + 3 * 7 + 7,
        "it stopped within a day: {} of {} site-days simulated",
        told.load(Ordering::Relaxed),
        40 * 700
    );

    // A run of 50 small replications, cancelled by its sink after the fifth outcome.
    let small = holdsim::scenario::load(&root().join("scenarios/baseline.toml"), &[]).unwrap();
    let small = Model::try_new(&small).unwrap();
    let cancel = AtomicBool::new(false);
    let mut seen = Vec::new();
    let result = runner::run_each(
        &small,
        (50, 2, 4),
        &Options::default(),
        Watch {
            cancel: Some(&cancel),
            ..Watch::UNWATCHED
        },
        &mut |o| {
            seen.push(o.replication.index);
            if seen.len() == 5 {
                cancel.store(true, Ordering::Relaxed);
            }
            Ok::<(), runner::Stopped>(())
        },
    );
    assert_eq!(result, Err(runner::Stopped::Cancelled));
    // Outcomes arrive in order; the batch in hand when the flag was set is dropped.
    assert_eq!(seen, (0..seen.len() as u64).collect::<Vec<_>>());
    assert_eq!(
        seen.len(),
        5,
        "nothing after the flag reaches the sink: {seen:?}"
    );
}
