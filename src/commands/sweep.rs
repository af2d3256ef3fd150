//! `holdsim sweep`: every point of an experiment, streamed to disk, resumable.

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde_json::json;

use super::threads;
use crate::cli::SweepArgs;
use crate::experiment::Experiment;
use crate::progress;
use crate::sweep::{self, files::Start, files::SweepFiles};

/// FNV-1a over the text: a stable fingerprint of what a sweep computes.
fn fingerprint(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// Everything that decides a sweep's results, as JSON (the manifest's core).
pub fn describe(e: &Experiment) -> serde_json::Value {
    json!({
        "holdsim_version": env!("CARGO_PKG_VERSION"),
        "experiment": e.name,
        "method": e.method,
        "replications": e.replications,
        "seed": e.seed,
        "common_random_numbers": e.common_random_numbers,
        "adaptive": e.adaptive.as_ref().map(|a| json!({
            "target_relative_half_width": a.target_relative_half_width,
            "kpis": a.kpis.iter().map(|k| k.name()).collect::<Vec<_>>(),
            "max_replications": a.max_replications,
            "batch": a.batch,
        })),
        "factors": e.factors.iter().map(|f| json!({"path": f.path, "min": f.min, "max": f.max})).collect::<Vec<_>>(),
        "points": e.points.len(),
        "scenario": e.scenario.to_json(),
    })
}

/// `points.csv`: the design, one row per point.
pub fn points_csv(e: &Experiment) -> String {
    let mut out = String::from("point");
    for f in &e.factors {
        out.push(',');
        out.push_str(&f.path);
    }
    out.push('\n');
    for p in &e.points {
        out.push_str(&p.index.to_string());
        for v in &p.values {
            out.push(',');
            out.push_str(&v.to_string());
        }
        out.push('\n');
    }
    out
}

/// What a sweep session did.
pub struct SweepRun {
    pub summary: String,
}

/// Runs (or resumes, or finds complete) the sweep of `experiment` in `out`.
pub fn run_sweep(
    experiment: &Experiment,
    out: &Path,
    threads: usize,
    force: bool,
    quiet: bool,
    overrides: &[String],
) -> anyhow::Result<SweepRun> {
    let description = describe(experiment);
    let points_csv = points_csv(experiment);
    let print = fingerprint(&format!("{description}\n{points_csv}"));
    let (mut files, start) = SweepFiles::open(out, &print, force, &points_csv)?;
    let total = experiment.points.len();
    if start == Start::Complete {
        return Ok(SweepRun {
            summary: format!(
                "{} is already complete ({total} points); pass --force to run it again.",
                out.display()
            ),
        });
    }
    if let Start::Resume(done) = start {
        println!("Resuming {} after {done} of {total} points.", out.display());
    }

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    let bar = progress::bar(total as u64, "points", quiet);
    bar.set_position(files.points_done() as u64);
    let started = Instant::now();
    // Chunks keep memory bounded and let results reach the disk as points finish.
    let chunk = (2 * threads).max(4);
    let (mut ok, mut failed, mut replications) = (0usize, 0usize, 0usize);
    while files.points_done() < total {
        let from = files.points_done();
        let to = (from + chunk).min(total);
        let results = pool.install(|| sweep::run_chunk(experiment, &experiment.points[from..to]));
        for r in &results {
            match &r.outcome {
                Ok(rows) => {
                    ok += 1;
                    replications += rows.len();
                }
                Err(_) => failed += 1,
            }
        }
        files.append(&results)?;
        bar.set_position(to as u64);
    }
    bar.finish_and_clear();
    let wall = started.elapsed().as_secs_f64();

    let mut manifest = description;
    manifest["fingerprint"] = json!(print);
    manifest["experiment_file"] = json!(experiment.path.display().to_string());
    manifest["overrides"] = json!(overrides);
    manifest["seed_scheme"] = json!(super::SEED_SCHEME);
    manifest["threads"] = json!(threads);
    manifest["wall_time_seconds_this_session"] = json!(wall);
    manifest["created_utc"] = json!(crate::output::utc_now());
    manifest["files"] = json!([
        "points.csv",
        "replications.csv",
        "summary.csv",
        "status.csv",
        "points.parquet",
        "replications.parquet",
        "summary.parquet",
        "status.parquet"
    ]);
    let dir = files.finish(&manifest)?;
    let summary = format!(
        "Swept {total} points of {} ({} design): {ok} ran this session{}, {replications} replications, in {wall:.1} s on {threads} thread{}.\nWrote {} (points, replications, summary, status as CSV and Parquet; manifest.json).",
        experiment.name,
        experiment.method,
        if failed > 0 {
            format!(", {failed} failed (see status.csv)")
        } else {
            String::new()
        },
        if threads == 1 { "" } else { "s" },
        dir.display()
    );
    Ok(SweepRun { summary })
}

/// The default output folder of an experiment: results/<file stem>.
pub fn default_out(path: &Path) -> PathBuf {
    PathBuf::from("results").join(
        path.file_stem()
            .map_or("sweep".into(), |s| s.to_string_lossy().into_owned()),
    )
}

pub fn sweep(args: &SweepArgs) -> anyhow::Result<()> {
    let experiment = Experiment::load(&args.experiment, &args.overrides)?;
    if experiment.sensitivity.is_some() {
        anyhow::bail!(
            "{} is a sensitivity analysis ([sensitivity]); run it with `holdsim sensitivity {}`",
            args.experiment.display(),
            args.experiment.display()
        );
    }
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| default_out(&args.experiment));
    let run = run_sweep(
        &experiment,
        &out,
        threads(args.threads)?,
        args.force,
        args.quiet,
        &args.overrides,
    )?;
    println!("{}", run.summary);
    Ok(())
}
