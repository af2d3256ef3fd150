//! Long calls that Ctrl-C can stop. The work runs on its own thread with the GIL
//! released (so other Python threads run, and the work's rayon pool uses every core);
//! the calling thread waits on a condition variable, waking every few milliseconds to
//! take the GIL and run Python's signal handlers. When they raise (Ctrl-C's
//! `KeyboardInterrupt`), it sets the core's cancellation flag (`runner::Watch::cancel`,
//! checked after every simulated day), waits for the work to stop and re-raises.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use pyo3::prelude::*;

use crate::errors::HoldsimError;

/// How often the waiting thread looks at Python's signals: short enough that Ctrl-C
/// feels immediate, long enough to cost nothing measurable.
const SIGNAL_POLL: Duration = Duration::from_millis(20);

/// Runs `work` on a worker thread, telling it through its flag to stop when a Python
/// signal handler raises; returns its result or that exception. A panic in the work
/// becomes `HoldsimError`, never a crash of the interpreter.
pub fn interruptible<T, W>(py: Python<'_>, work: W) -> PyResult<T>
where
    T: Send,
    W: FnOnce(&AtomicBool) -> T + Send,
{
    let cancel = AtomicBool::new(false);
    let done: (Mutex<Option<std::thread::Result<T>>>, Condvar) = (Mutex::new(None), Condvar::new());
    std::thread::scope(|scope| {
        let (cancel, done) = (&cancel, &done);
        scope.spawn(move || {
            let result = catch_unwind(AssertUnwindSafe(|| work(cancel)));
            let mut slot = done.0.lock().unwrap_or_else(|e| e.into_inner());
            *slot = Some(result);
            done.1.notify_all();
        });
        let mut raised: Option<PyErr> = None;
        loop {
            let finished = py.detach(|| wait_for(done, SIGNAL_POLL));
            if let Some(result) = finished {
                return finish(raised, result);
            }
            if raised.is_none()
                && let Err(e) = py.check_signals()
            {
                cancel.store(true, Ordering::Relaxed);
                raised = Some(e);
            }
        }
    })
}

/// As [`interruptible`], but the work runs as a job on `pool` instead of a thread of
/// its own: no thread is started, which is most of a fast call's overhead (see
/// python/benchmarks/simulate_overhead.py). The work owns what it uses.
pub fn interruptible_on<T, W>(py: Python<'_>, pool: &rayon::ThreadPool, work: W) -> PyResult<T>
where
    T: Send + 'static,
    W: FnOnce(&AtomicBool) -> T + Send + 'static,
{
    type Slot<T> = (Mutex<Option<std::thread::Result<T>>>, Condvar);
    let cancel = Arc::new(AtomicBool::new(false));
    let done: Arc<Slot<T>> = Arc::new((Mutex::new(None), Condvar::new()));
    let (job_cancel, job_done) = (Arc::clone(&cancel), Arc::clone(&done));
    pool.spawn(move || {
        let result = catch_unwind(AssertUnwindSafe(|| work(&job_cancel)));
        let mut slot = job_done.0.lock().unwrap_or_else(|e| e.into_inner());
        *slot = Some(result);
        job_done.1.notify_all();
    });
    let mut raised: Option<PyErr> = None;
    loop {
        if let Some(result) = py.detach(|| wait_for(&done, SIGNAL_POLL)) {
            return finish(raised, result);
        }
        if raised.is_none()
            && let Err(e) = py.check_signals()
        {
            cancel.store(true, Ordering::Relaxed);
            raised = Some(e);
        }
    }
}

/// The work's outcome for Python: the exception raised while waiting, else its
/// result, a panic as `HoldsimError`.
fn finish<T>(raised: Option<PyErr>, result: std::thread::Result<T>) -> PyResult<T> {
    match (raised, result) {
        (Some(e), _) => Err(e),
        (None, Ok(value)) => Ok(value),
        (None, Err(panic)) => Err(HoldsimError::new_err(format!(
            "internal error (please report it): {}",
            panic_text(&panic)
        ))),
    }
}

/// The work's result once it is there, waiting at most `timeout` for it.
fn wait_for<T>((slot, ready): &(Mutex<Option<T>>, Condvar), timeout: Duration) -> Option<T> {
    let guard = slot.lock().unwrap_or_else(|e| e.into_inner());
    let (mut guard, _) = ready
        .wait_timeout_while(guard, timeout, |r| r.is_none())
        .unwrap_or_else(|e| e.into_inner());
    guard.take()
}

fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".into())
}
