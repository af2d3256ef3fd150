//! Monte Carlo replications in parallel. Replications run on a rayon pool of the
//! requested size in ordered batches; each batch's outcomes are handed on in
//! replication order before the next batch starts, so every output is bit-identical
//! whatever the thread count or scheduling, and memory holds one batch, not the run.
//!
//! This is the core's one run API: every front end follows a run through [`Watch`]
//! (a callback per finished replication and per simulated week) and stops it with
//! its cancellation flag, checked between replications and after every simulated day.

use std::borrow::Cow;
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;

use rayon::prelude::*;

use crate::engine::{Control, Options, Progress, Replication, Workspace, run_replication_with};
use crate::kpi::{self, Kpis};
use crate::model::Model;

/// What each replication simulates: one model for every replication (a [`Model`]),
/// or with a posterior the model of the particle drawn for it
/// ([`crate::posterior::Drawn`]). Built on the worker that runs the replication.
pub trait Models: Sync {
    /// The model replication `replication` simulates, or why it cannot be built.
    fn model(&self, replication: u64) -> Result<Cow<'_, Model>, String>;
}

impl Models for Model {
    fn model(&self, _replication: u64) -> Result<Cow<'_, Model>, String> {
        Ok(Cow::Borrowed(self))
    }
}

/// One finished replication and its KPIs.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub replication: Replication,
    pub kpis: Kpis,
}

/// Who is told how a run is going (from worker threads, in any order), and the flag
/// that stops it.
#[derive(Clone, Copy)]
pub struct Watch<'a> {
    /// After each finished replication.
    pub on_done: &'a (dyn Fn() + Sync),
    /// After each simulated site-week (see [`Progress`]).
    pub progress: Progress<'a>,
    /// Set by anyone to stop the run: no further outcome reaches the sink, and the run
    /// returns [`Stopped::Cancelled`].
    pub cancel: Option<&'a AtomicBool>,
}

impl Watch<'_> {
    /// Nobody watching, nothing to stop.
    pub const UNWATCHED: Watch<'static> = Watch {
        on_done: &|| {},
        progress: &crate::engine::no_progress,
        cancel: None,
    };
}

/// Why a run ended before its last replication (besides an error from the sink).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Stopped {
    #[error("the run was cancelled")]
    Cancelled,
    #[error("cannot start {threads} worker threads: {message}")]
    Threads { threads: usize, message: String },
    #[error("replication {replication} cannot run: {message}")]
    Invalid { replication: u64, message: String },
}

/// Runs replications `0..replications` of `model` on `threads` threads (0 = all
/// cores) in ordered batches of `batch`, calling `sink` with each outcome in
/// replication order (on the calling thread) and telling `watch` how it goes.
/// Stops at the first error from `sink`, or when `watch.cancel` is set.
pub fn run_each<E: From<Stopped>>(
    model: &dyn Models,
    sizes: (u32, usize, usize),
    options: &Options,
    watch: Watch,
    sink: &mut dyn FnMut(Outcome) -> Result<(), E>,
) -> Result<(), E> {
    run_each_prepared(model, sizes, options, watch, &|o| o, sink)
}

/// As [`run_each`], but each outcome is first turned into a `T` by `prepare` on the
/// worker thread that simulated it, and `sink` receives the `T`s in replication order.
/// Work that needs one outcome only (a front end rendering its rows as text) then runs
/// in parallel, and only what must be ordered (appending them to files) on the
/// calling thread. A batch holds its `T`s, not its outcomes, until they are handed on.
pub fn run_each_prepared<T: Send, E: From<Stopped>>(
    models: &dyn Models,
    (replications, threads, batch): (u32, usize, usize),
    options: &Options,
    watch: Watch,
    prepare: &(dyn Fn(Outcome) -> T + Sync),
    sink: &mut dyn FnMut(T) -> Result<(), E>,
) -> Result<(), E> {
    let pool = pool(threads)?;
    let control = Control {
        progress: watch.progress,
        cancel: watch.cancel,
    };
    // Workspaces outlive batches, so buffers grown once are reused by later batches;
    // which workspace a replication gets does not change its result.
    let spare: Mutex<Vec<Workspace>> = Mutex::new(Vec::new());
    let total = u64::from(replications);
    let batch = batch.max(1) as u64;
    let mut start = 0;
    while start < total {
        let end = start.saturating_add(batch).min(total);
        let prepared: Vec<Result<Option<T>, Stopped>> = pool.install(|| {
            (start..end)
                .into_par_iter()
                .map(|r| {
                    if control.cancelled() {
                        return Ok(None);
                    }
                    let model = models.model(r).map_err(|message| Stopped::Invalid {
                        replication: r,
                        message,
                    })?;
                    let model: &Model = &model;
                    let mut workspace = spare
                        .lock()
                        .map(|mut s| s.pop())
                        .ok()
                        .flatten()
                        .unwrap_or_default();
                    let replication =
                        run_replication_with(&mut workspace, model, r, options, control);
                    if let Ok(mut s) = spare.lock() {
                        s.push(workspace);
                    }
                    let Some(replication) = replication else {
                        return Ok(None);
                    };
                    let kpis = kpi::compute(model, &replication);
                    let prepared = prepare(Outcome { replication, kpis });
                    (watch.on_done)();
                    Ok(Some(prepared))
                })
                .collect()
        });
        for item in prepared {
            match item? {
                Some(item) if !control.cancelled() => sink(item)?,
                _ => return Err(Stopped::Cancelled.into()),
            }
        }
        start = end;
    }
    Ok(())
}

/// Runs replications `0..replications` and keeps every outcome, in replication order
/// (for tests and small runs; commands stream with [`run_each`]).
pub fn run(
    model: &dyn Models,
    replications: u32,
    threads: usize,
    options: &Options,
    watch: Watch,
) -> Result<Vec<Outcome>, Stopped> {
    let mut outcomes = Vec::new();
    run_each(
        model,
        (replications, threads, usize::MAX),
        options,
        watch,
        &mut |o| {
            outcomes.push(o);
            Ok::<(), Stopped>(())
        },
    )?;
    Ok(outcomes)
}

/// A rayon pool of `threads` workers, for the runner and anything else that runs
/// replications at once (a calibration's points).
pub fn pool(threads: usize) -> Result<rayon::ThreadPool, Stopped> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Stopped::Threads {
            threads,
            message: e.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Number, Scenario};

    #[test]
    fn prepared_items_are_made_on_the_workers_and_arrive_in_replication_order() {
        let mut scenario = Scenario::default();
        scenario
            .set_path("run.horizon_days", Number::Int(120))
            .unwrap();
        scenario
            .set_path("run.warmup_days", Number::Int(10))
            .unwrap();
        let model = Model::try_new(&scenario).unwrap();
        let options = Options::default();
        let all = run(&model, 7, 2, &options, Watch::UNWATCHED).unwrap();
        let caller = std::thread::current().id();
        let mut seen = Vec::new();
        run_each_prepared(
            &model,
            (7, 2, 3),
            &options,
            Watch::UNWATCHED,
            &|o| (o.replication.index, o.kpis, std::thread::current().id()),
            &mut |item| {
                seen.push(item);
                Ok::<(), Stopped>(())
            },
        )
        .unwrap();
        assert_eq!(seen.len(), 7);
        for ((index, kpis, thread), o) in seen.iter().zip(&all) {
            assert_eq!(*index, o.replication.index);
            assert_eq!(format!("{kpis:?}"), format!("{:?}", o.kpis));
            assert_ne!(*thread, caller, "prepared on a worker thread");
        }
    }
}
