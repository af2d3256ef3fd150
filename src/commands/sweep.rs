//! `holdsim sweep`: every point of an experiment, streamed to disk, resumable.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use serde_json::json;

use super::{UsageError, threads};
use crate::budget;
use crate::cli::SweepArgs;
use crate::experiment::{Experiment, Point};
use crate::output::table::{Cell, Csv, Format};
use crate::progress;
use crate::scenario::Number;
use crate::sweep::{self, files, files::Start, files::SweepFiles};

/// How one session of a sweep runs: the command line's switches, and what a caller in
/// the same process (the Python package) adds.
#[derive(Clone, Copy, Debug, Default)]
pub struct Session<'a> {
    /// Discard whatever the folder holds and start again.
    pub force: bool,
    /// No progress bar.
    pub quiet: bool,
    /// Nothing on stdout: the caller reads the folder instead.
    pub silent: bool,
    /// Set by the caller to stop between chunks of points: what is written stays,
    /// and the same command resumes there.
    pub stop: Option<&'a AtomicBool>,
}

impl Session<'_> {
    /// The command line's session of `args`.
    pub(super) fn of(args: &SweepArgs) -> Session<'static> {
        Session {
            force: args.force,
            quiet: args.quiet,
            ..Session::default()
        }
    }

    /// Prints `line` unless silent.
    pub(super) fn say(&self, line: impl std::fmt::Display) {
        if !self.silent {
            println!("{line}");
        }
    }
}

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

/// `points.csv`: the design, one row per point, each level as the experiment file
/// spells it.
pub fn points_csv(e: &Experiment) -> anyhow::Result<String> {
    let schema = files::points_schema(e.factors.iter().map(|f| f.path.as_str()));
    let bytes = Csv.bytes(&schema, &mut |sink| {
        let mut cells = Vec::with_capacity(schema.len());
        e.points.iter().try_for_each(|p| {
            cells.clear();
            cells.push(Cell::count(p.index));
            cells.extend(p.values.iter().map(|&v| Cell::Setting(v)));
            sink.row(&cells)
        })
    })?;
    Ok(String::from_utf8(bytes)?)
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
    session: Session<'_>,
    overrides: &[String],
    shard: Option<Shard>,
) -> anyhow::Result<SweepRun> {
    let description = describe(experiment);
    let points_csv = points_csv(experiment)?;
    let sweep_print = fingerprint(&format!("{description}\n{points_csv}"));
    // A shard has its own folder and checkpoint; every shard shares the sweep's fingerprint.
    let (out, print, points): (PathBuf, String, Vec<Point>) = match shard {
        None => (
            out.to_path_buf(),
            sweep_print.clone(),
            experiment.points.clone(),
        ),
        Some(sh) => (
            out.join(sh.folder()),
            format!("{sweep_print}/{}", sh.folder()),
            experiment
                .points
                .iter()
                .filter(|p| sh.owns(p.index))
                .cloned()
                .collect(),
        ),
    };
    let out = out.as_path();
    admit(experiment, points.len(), threads)?;
    let (mut files, start) = SweepFiles::open(out, &print, session.force, &points_csv)?;
    let total = points.len();
    if start == Start::Complete {
        return Ok(SweepRun {
            summary: format!(
                "{} is already complete ({total} points); pass --force to run it again.",
                out.display()
            ),
        });
    }
    if let Start::Resume(done) = start {
        session.say(format!(
            "Resuming {} after {done} of {total} points.",
            out.display()
        ));
    }

    let started = Instant::now();
    let tally = run_points(experiment, &points, &mut files, threads, session)?;
    let wall = started.elapsed().as_secs_f64();

    let mut manifest = description;
    manifest["fingerprint"] = json!(print);
    manifest["sweep_fingerprint"] = json!(sweep_print);
    manifest["holdsim_commit"] = json!(crate::build_info::commit());
    manifest["shard"] = match shard {
        Some(sh) => json!({"index": sh.index, "count": sh.count, "points": total}),
        None => json!(null),
    };
    manifest["experiment_file"] = json!(experiment.path.display().to_string());
    manifest["overrides"] = json!(overrides);
    manifest["seed_scheme"] = json!(super::SEED_SCHEME);
    manifest["threads"] = json!(threads);
    manifest["wall_time_seconds_this_session"] = json!(wall);
    manifest["created_utc"] = json!(crate::output::utc_now());
    manifest["files"] = json!(sweep::files::FINAL);
    let dir = files.finish(&manifest)?;
    let summary = format!(
        "Swept {total} points of {} ({} design): {} ran this session{}, {} replications, in {wall:.1} s on {threads} thread{}.\nWrote {} (points, replications, summary, status as CSV and Parquet; manifest.json).",
        experiment.name,
        experiment.method,
        tally.ok,
        if tally.failed > 0 {
            format!(", {} failed (see status.csv)", tally.failed)
        } else {
            String::new()
        },
        tally.replications,
        if threads == 1 { "" } else { "s" },
        dir.display()
    );
    Ok(SweepRun { summary })
}

/// What one session of a sweep ran.
struct Tally {
    ok: usize,
    failed: usize,
    replications: usize,
}

/// Runs the points not yet in `files`, in chunks (memory stays bounded and results
/// reach the disk as points finish), with a progress bar over all points.
fn run_points(
    experiment: &Experiment,
    points: &[Point],
    files: &mut SweepFiles,
    threads: usize,
    session: Session<'_>,
) -> anyhow::Result<Tally> {
    let total = points.len();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    let bar = progress::bar(total as u64, "points", session.quiet);
    bar.set_position(files.points_done() as u64);
    let chunk = (2 * threads).max(4);
    let mut tally = Tally {
        ok: 0,
        failed: 0,
        replications: 0,
    };
    while files.points_done() < total {
        if session
            .stop
            .is_some_and(|stop| stop.load(Ordering::Relaxed))
        {
            bar.abandon();
            anyhow::bail!(
                "stopped after {} of {total} points; the same command resumes there",
                files.points_done()
            );
        }
        let from = files.points_done();
        let to = (from + chunk).min(total);
        let results = pool.install(|| sweep::run_chunk(experiment, &points[from..to]));
        for r in &results {
            match &r.outcome {
                Ok(rows) => {
                    tally.ok += 1;
                    tally.replications += rows.len();
                }
                Err(_) => tally.failed += 1,
            }
        }
        files.append(&results)?;
        bar.set_position(to as u64);
    }
    bar.finish_and_clear();
    Ok(tally)
}

/// The default output folder of an experiment: results/<file stem>.
pub fn default_out(path: &Path) -> PathBuf {
    PathBuf::from("results").join(
        path.file_stem()
            .map_or("sweep".into(), |s| s.to_string_lossy().into_owned()),
    )
}

/// The shard asked for: `--shard K/N`, else the Slurm array variables, else none.
/// Announces it, so a log says which points a process ran.
pub fn shard_of(args: &SweepArgs, session: Session<'_>) -> anyhow::Result<Option<Shard>> {
    let shard = match &args.shard {
        Some(text) => Some(Shard::parse(text).map_err(super::UsageError)?),
        None => Shard::from_slurm_env().map_err(super::UsageError)?,
    };
    if let Some(sh) = shard {
        session.say(format!(
            "Shard {} of {} (points whose index mod {} is {}).",
            sh.index, sh.count, sh.count, sh.index
        ));
    }
    Ok(shard)
}

pub fn sweep(args: &SweepArgs) -> anyhow::Result<()> {
    sweep_in(args, Session::of(args))
}

/// [`sweep`] with a caller's `session` (its `force` and `quiet` are the caller's).
pub fn sweep_in(args: &SweepArgs, session: Session<'_>) -> anyhow::Result<()> {
    let experiment = crate::experiment::load(&args.experiment, &args.overrides)?;
    if experiment.sensitivity.is_some() {
        return Err(super::UsageError(format!(
            "{} is a sensitivity analysis ([sensitivity]); run it with `holdsim sensitivity {}`",
            args.experiment.display(),
            args.experiment.display()
        ))
        .into());
    }
    let (out, shard) = out_and_shard(args, session)?;
    let run = run_sweep(
        &experiment,
        &out,
        threads(args.threads)?,
        session,
        &args.overrides,
        shard,
    )?;
    session.say(run.summary);
    Ok(())
}

/// Where a `sweep` or `sensitivity` command writes (`--out`, else
/// results/<experiment file stem>) and which shard it runs (`--shard`, else Slurm's
/// array variables, else all points).
pub(super) fn out_and_shard(
    args: &SweepArgs,
    session: Session<'_>,
) -> anyhow::Result<(PathBuf, Option<Shard>)> {
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| default_out(&args.experiment));
    Ok((out, shard_of(args, session)?))
}

/// One share of a sweep's points: those whose index is `index` modulo `count`, which
/// balances shards (neighbouring design points, often alike in cost, go to different
/// shards) and is the same on every machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    /// `K/N`, K counting from 0.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let bad = || {
            format!(
                "--shard expects K/N with 0 ≤ K < N (K counts from 0), e.g. --shard 0/4; found `{text}`"
            )
        };
        let (k, n) = text.split_once('/').ok_or_else(bad)?;
        let (index, count): (usize, usize) = (
            k.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    /// Inside a Slurm array job: K = (ID − MIN) / STEP, N = COUNT.
    pub fn from_slurm_env() -> Result<Option<Shard>, String> {
        let var = |name: &str| std::env::var(name).ok();
        let Some(id) = var("SLURM_ARRAY_TASK_ID") else {
            return Ok(None);
        };
        let num = |name: &str, default: Option<usize>| -> Result<usize, String> {
            match var(name) {
                Some(v) => v
                    .trim()
                    .parse()
                    .map_err(|_| format!("{name} = `{v}` is not a whole number")),
                None => {
                    default.ok_or_else(|| format!("SLURM_ARRAY_TASK_ID is set but {name} is not"))
                }
            }
        };
        let id: usize = id
            .trim()
            .parse()
            .map_err(|_| format!("SLURM_ARRAY_TASK_ID = `{id}` is not a whole number"))?;
        let (min, step, count) = (
            num("SLURM_ARRAY_TASK_MIN", Some(0))?,
            num("SLURM_ARRAY_TASK_STEP", Some(1))?,
            num("SLURM_ARRAY_TASK_COUNT", None)?,
        );
        if step == 0 || id < min || !(id - min).is_multiple_of(step) {
            return Err(format!(
                "SLURM_ARRAY_TASK_ID {id} is not MIN {min} + k·STEP {step}"
            ));
        }
        Shard::parse(&format!("{}/{count}", (id - min) / step)).map(Some)
    }

    pub fn owns(&self, point: usize) -> bool {
        point % self.count == self.index
    }

    /// The shard's folder inside the sweep's output folder.
    pub fn folder(&self) -> String {
        format!("shard-{}-of-{}", self.index, self.count)
    }
}

/// The keys that size a replication's memory and work: a factor on one of them is
/// sized at its largest level.
const SIZE_KEYS: [&str; 4] = [
    "run.sites",
    "run.horizon_days",
    "workforce.link_workers",
    "referrals.rate_per_week",
];

/// Refuses (exit 2) a sweep whose points cannot fit: the memory of the points running
/// at once (each sized as the base scenario with every size factor at its largest
/// level and the most replications a point may take), and the work of all `points`
/// against [`budget::MAX_POST_DAYS`].
pub(super) fn admit(experiment: &Experiment, points: usize, threads: usize) -> anyhow::Result<()> {
    admit_as(
        experiment,
        points,
        threads,
        "this sweep",
        "use fewer points or replications, a shorter horizon, or shard it over machines (--shard)",
    )
}

/// [`admit`] for `what` ("this calibration"), with its own way to be `smaller`.
pub(super) fn admit_as(
    experiment: &Experiment,
    points: usize,
    threads: usize,
    what: &str,
    smaller: &str,
) -> anyhow::Result<()> {
    let mut largest = experiment.scenario.clone();
    for f in experiment
        .factors
        .iter()
        .filter(|f| SIZE_KEYS.contains(&f.path.as_str()))
    {
        let value = match largest.get_path(&f.path) {
            Ok(Number::Int(_)) => Number::Int(f.max.round() as i64),
            Ok(Number::Float(_)) => Number::Float(f.max),
            Err(_) => continue,
        };
        // A level outside the key's range was refused when the design was read.
        let _ = largest.set_path(&f.path, value);
    }
    let mut job = budget::Job::of(&largest, false);
    job.replications = experiment
        .adaptive
        .as_ref()
        .map_or(experiment.replications, |a| {
            a.max_replications.max(experiment.replications)
        });
    // A chunk of points runs at once (see `run_sweep`), each holding its rows.
    let in_flight = (2 * threads).max(4).min(points.max(1));
    let estimate = budget::admit(
        "a chunk of this sweep's points (run at once)",
        &vec![job; in_flight],
        threads,
        false,
    )?;
    let per_point = estimate.post_days / in_flight as u128;
    let total = per_point.saturating_mul(points as u128);
    if total > budget::MAX_POST_DAYS {
        return Err(UsageError(format!(
            "{what} is too large: {points} points would simulate up to {:.1e} post-days (points × replications × link worker posts × days), more than the ceiling of {:.0e} (months of computing); {smaller}",
            total as f64,
            budget::MAX_POST_DAYS as f64
        ))
        .into());
    }
    Ok(())
}
