//! Monte Carlo replications in parallel. Replications run on a rayon pool of the
//! requested size and are collected in replication order, so every output is
//! bit-identical whatever the thread count or scheduling.

use rayon::prelude::*;

use crate::engine::{Options, Replication, Workspace, run_replication_in};
use crate::kpi::{self, Kpis};
use crate::model::Model;

/// One finished replication and its KPIs.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub replication: Replication,
    pub kpis: Kpis,
}

/// Runs replications `0..replications` of `model` on `threads` threads (0 = all
/// cores), calling `on_done` after each (from worker threads, in any order).
pub fn run(
    model: &Model,
    replications: u32,
    threads: usize,
    options: &Options,
    on_done: &(dyn Fn() + Sync),
) -> anyhow::Result<Vec<Outcome>> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    Ok(pool.install(|| {
        (0..u64::from(replications))
            .into_par_iter()
            .map_init(Workspace::default, |workspace, r| {
                let replication = run_replication_in(workspace, model, r, options);
                let kpis = kpi::compute(model, &replication);
                on_done();
                Outcome { replication, kpis }
            })
            .collect()
    }))
}
