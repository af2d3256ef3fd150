//! Monte Carlo replications in parallel. Replications run on a rayon pool of the
//! requested size in ordered batches; each batch's outcomes are handed on in
//! replication order before the next batch starts, so every output is bit-identical
//! whatever the thread count or scheduling, and memory holds one batch, not the run.

use std::sync::Mutex;

use rayon::prelude::*;

use crate::engine::{Options, Progress, Replication, Workspace, run_replication_with};
use crate::kpi::{self, Kpis};
use crate::model::Model;

/// One finished replication and its KPIs.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub replication: Replication,
    pub kpis: Kpis,
}

/// Who is told how a run is going (from worker threads, in any order).
#[derive(Clone, Copy)]
pub struct Watch<'a> {
    /// After each finished replication.
    pub on_done: &'a (dyn Fn() + Sync),
    /// After each simulated site-day (see [`Progress`]).
    pub progress: Progress<'a>,
}

/// Runs replications `0..replications` of `model` on `threads` threads (0 = all
/// cores) in ordered batches of `batch`, calling `sink` with each outcome in
/// replication order (on the calling thread) and telling `watch` how it goes.
/// Stops at the first error from `sink`.
pub fn run_each(
    model: &Model,
    (replications, threads, batch): (u32, usize, usize),
    options: &Options,
    watch: Watch,
    sink: &mut dyn FnMut(Outcome) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    // Workspaces outlive batches, so buffers grown once are reused by later batches;
    // which workspace a replication gets does not change its result.
    let spare: Mutex<Vec<Workspace>> = Mutex::new(Vec::new());
    let total = u64::from(replications);
    let batch = batch.max(1) as u64;
    let mut start = 0;
    while start < total {
        let end = start.saturating_add(batch).min(total);
        let outcomes: Vec<Outcome> = pool.install(|| {
            (start..end)
                .into_par_iter()
                .map(|r| {
                    let mut workspace = spare
                        .lock()
                        .map(|mut s| s.pop())
                        .ok()
                        .flatten()
                        .unwrap_or_default();
                    let replication =
                        run_replication_with(&mut workspace, model, r, options, watch.progress);
                    if let Ok(mut s) = spare.lock() {
                        s.push(workspace);
                    }
                    let kpis = kpi::compute(model, &replication);
                    (watch.on_done)();
                    Outcome { replication, kpis }
                })
                .collect()
        });
        for outcome in outcomes {
            sink(outcome)?;
        }
        start = end;
    }
    Ok(())
}

/// Runs replications `0..replications` and keeps every outcome, in replication order
/// (for tests and small runs; commands stream with [`run_each`]).
pub fn run(
    model: &Model,
    replications: u32,
    threads: usize,
    options: &Options,
    on_done: &(dyn Fn() + Sync),
) -> anyhow::Result<Vec<Outcome>> {
    let mut outcomes = Vec::new();
    run_each(
        model,
        (replications, threads, usize::MAX),
        options,
        Watch {
            on_done,
            progress: &crate::engine::no_progress,
        },
        &mut |o| {
            outcomes.push(o);
            Ok(())
        },
    )?;
    Ok(outcomes)
}
