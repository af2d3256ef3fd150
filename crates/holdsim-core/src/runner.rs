//! Monte Carlo replications in parallel. Replications run on a rayon pool of the
//! requested size, taken in order by its workers; their outcomes are handed on in
//! replication order while later ones run, so every output is bit-identical whatever
//! the thread count or scheduling, and memory holds a bounded window, not the run.
//!
//! This is the core's one run API: every front end follows a run through [`Watch`]
//! (a callback per finished replication and per simulated week) and stops it with
//! its cancellation flag, checked between replications and after every simulated day.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Condvar, Mutex, mpsc};

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
/// cores), at most `window` ahead of the last handed on, calling `sink` with each outcome in
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
/// calling thread, while the workers go on simulating.
///
/// Workers take replications in order from a shared counter, at most `window` ahead
/// of the last one handed on, so the `T`s waiting to be handed on stay bounded
/// (usually about one per worker: the calling thread keeps up) and their buffers are
/// reused while still in cache.
pub fn run_each_prepared<T: Send, E: From<Stopped>>(
    models: &dyn Models,
    (replications, threads, window): (u32, usize, usize),
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
    let queue = Queue::new(u64::from(replications), window);
    let (sender, received) = mpsc::channel::<Group<T>>();
    let simulate = |r: u64, workspace: &mut Workspace| -> Result<Option<T>, Stopped> {
        if control.cancelled() {
            return Ok(None);
        }
        let model = models.model(r).map_err(|message| Stopped::Invalid {
            replication: r,
            message,
        })?;
        let model: &Model = &model;
        let Some(replication) = run_replication_with(workspace, model, r, options, control) else {
            return Ok(None);
        };
        let kpis = kpi::compute(model, &replication);
        let prepared = prepare(Outcome { replication, kpis });
        (watch.on_done)();
        Ok(Some(prepared))
    };
    std::thread::scope(|scope| {
        let workers = scope.spawn(|| {
            // Every clone of the sender is gone when the workers are, so the calling
            // thread never waits for an outcome no one will send.
            let sender = sender;
            pool.broadcast(|_| {
                let mut workspace = Workspace::default();
                let mut group = Vec::with_capacity(GROUP);
                // False once the calling thread has stopped listening.
                let send = |group: &mut Group<T>| {
                    group.is_empty() || sender.send(std::mem::take(group)).is_ok()
                };
                loop {
                    // Never hold outcomes while waiting for room: the calling thread
                    // may need them to make it.
                    let taken = match queue.take_now() {
                        Some(taken) => taken,
                        None if send(&mut group) => queue.take(),
                        None => break,
                    };
                    let Some(r) = taken else { break };
                    group.push((r, simulate(r, &mut workspace)));
                    if group.len() >= GROUP && !send(&mut group) {
                        break;
                    }
                }
                send(&mut group);
            });
        });
        let handed_on = hand_on_in_order(&received, &queue, &control, sink);
        // Stop the workers (after an error or a cancellation they may still be
        // running) and wait for them.
        queue.stop();
        drop(received);
        if let Err(panic) = workers.join() {
            std::panic::resume_unwind(panic);
        }
        handed_on
    })
}

/// Receives the workers' outcomes and hands them to `sink` in replication order,
/// telling `queue` how far it got. Stops at the first error, a cancellation, or when
/// the workers are gone.
fn hand_on_in_order<T, E: From<Stopped>>(
    received: &mpsc::Receiver<Group<T>>,
    queue: &Queue,
    control: &Control,
    sink: &mut dyn FnMut(T) -> Result<(), E>,
) -> Result<(), E> {
    let mut waiting = BTreeMap::new();
    let mut next = 0;
    while next < queue.total {
        let Ok(group) = received.recv() else {
            return Err(Stopped::Cancelled.into());
        };
        waiting.extend(group);
        while let Some(item) = waiting.remove(&next) {
            match item? {
                Some(item) if !control.cancelled() => sink(item)?,
                _ => return Err(Stopped::Cancelled.into()),
            }
            next += 1;
            queue.handed_on(next);
        }
    }
    Ok(())
}

/// Outcomes a worker sends at once: each send may wake the calling thread (a system
/// call on the worker's time), so a few go together.
const GROUP: usize = 4;

/// Replications and what became of them, as a worker sends them.
type Group<T> = Vec<(u64, Result<Option<T>, Stopped>)>;

/// The replications still to start, handed out in order to the workers, never more
/// than a window ahead of the last one handed on.
struct Queue {
    total: u64,
    window: u64,
    /// The next replication to start, how many have been handed on, and whether the
    /// run has stopped.
    state: Mutex<(u64, u64, bool)>,
    /// Signalled when replications are handed on, or the run stops.
    room: Condvar,
}

impl Queue {
    fn new(total: u64, window: usize) -> Queue {
        Queue {
            total,
            window: u64::try_from(window).unwrap_or(u64::MAX).max(1),
            state: Mutex::new((0, 0, false)),
            room: Condvar::new(),
        }
    }

    /// The next replication to simulate, once it is within the window; `None` when
    /// none is left or the run has stopped. A worker waiting for room first helps
    /// the others (a multi-site replication splits its sites into pool jobs).
    fn take(&self) -> Option<u64> {
        if let Some(taken) = self.take_now() {
            return taken;
        }
        // Helping runs a pool job, so the lock is not held meanwhile.
        while rayon::yield_now() == Some(rayon::Yield::Executed) {
            if let Some(taken) = self.try_take(&mut *self.state.lock().ok()?) {
                return taken;
            }
        }
        // Nothing to help with: sleep until there is room or the run stops.
        let mut state = self.state.lock().ok()?;
        loop {
            if let Some(taken) = self.try_take(&mut state) {
                return taken;
            }
            state = self.room.wait(state).ok()?;
        }
    }

    /// What [`Queue::take`] returns now, or `None` if it must wait for room.
    fn take_now(&self) -> Option<Option<u64>> {
        match self.state.lock() {
            Ok(mut state) => self.try_take(&mut state),
            Err(_) => Some(None),
        }
    }

    /// [`Queue::take_now`] with the state at hand.
    fn try_take(&self, (next, handed_on, stopped): &mut (u64, u64, bool)) -> Option<Option<u64>> {
        if *stopped || *next >= self.total {
            return Some(None);
        }
        if *next < handed_on.saturating_add(self.window) {
            *next += 1;
            return Some(Some(*next - 1));
        }
        None
    }

    /// `count` replications have been handed on.
    fn handed_on(&self, count: u64) {
        if let Ok(mut state) = self.state.lock() {
            state.1 = count;
        }
        self.room.notify_all();
    }

    /// No replication starts after this.
    fn stop(&self) {
        if let Ok(mut state) = self.state.lock() {
            state.2 = true;
        }
        self.room.notify_all();
    }
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

    /// A default scenario cut to 60 days: runs in a few milliseconds.
    fn short_model() -> Model {
        let mut scenario = Scenario::default();
        scenario
            .set_path("run.horizon_days", Number::Int(60))
            .unwrap();
        scenario
            .set_path("run.warmup_days", Number::Int(10))
            .unwrap();
        Model::try_new(&scenario).unwrap()
    }

    #[test]
    fn any_window_and_thread_count_hands_on_every_replication_in_order() {
        let model = short_model();
        let options = Options::default();
        for (threads, window) in [(1, 1), (2, 1), (3, 2), (2, usize::MAX)] {
            let mut seen = Vec::new();
            run_each_prepared(
                &model,
                (9, threads, window),
                &options,
                Watch::UNWATCHED,
                &|o| o.replication.index,
                &mut |r| {
                    seen.push(r);
                    Ok::<(), Stopped>(())
                },
            )
            .unwrap();
            assert_eq!(
                seen,
                (0..9).collect::<Vec<_>>(),
                "{threads} threads, window {window}"
            );
        }
    }

    #[test]
    fn a_sink_error_ends_the_run_with_that_error_and_nothing_after_it() {
        let model = short_model();
        let mut seen = Vec::new();
        let result = run_each(
            &model,
            (50, 2, 4),
            &Options::default(),
            Watch::UNWATCHED,
            &mut |o| {
                seen.push(o.replication.index);
                if o.replication.index == 5 {
                    Err(Stopped::Invalid {
                        replication: 5,
                        message: "disk full".into(),
                    })
                } else {
                    Ok(())
                }
            },
        );
        assert_eq!(
            result,
            Err(Stopped::Invalid {
                replication: 5,
                message: "disk full".into()
            })
        );
        assert_eq!(seen, (0..=5).collect::<Vec<_>>());
    }

    #[test]
    fn cancelling_stops_the_run_before_its_end() {
        let model = short_model();
        let cancel = AtomicBool::new(false);
        let mut seen = 0;
        let result = run_each(
            &model,
            (1000, 2, 8),
            &Options::default(),
            Watch {
                cancel: Some(&cancel),
                ..Watch::UNWATCHED
            },
            &mut |_| {
                seen += 1;
                if seen == 3 {
                    cancel.store(true, std::sync::atomic::Ordering::Relaxed);
                }
                Ok::<(), Stopped>(())
            },
        );
        assert_eq!(result, Err(Stopped::Cancelled));
        assert_eq!(seen, 3, "nothing reaches the sink after the cancellation");
    }

    #[test]
    fn prepared_items_are_made_on_the_workers_and_arrive_in_replication_order() {
        let model = short_model();
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
