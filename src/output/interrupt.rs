//! Ctrl-C, `kill` and a closed terminal (SIGINT, SIGTERM, SIGHUP) end holdsim cleanly:
//! the paths that exist only while a command runs — staging folders and lock files —
//! are removed before the process exits, so an interrupted command leaves nothing
//! behind. (`kill -9` cannot be caught: the next command to the same folder clears its
//! leftovers, see [`super::atomic`].)
//!
//! The signals are blocked in every thread and taken by one thread with `sigwait`,
//! so cleaning up runs as ordinary code, not in a signal handler. A resumable sweep's
//! `progress/` files are never registered: they are what a rerun resumes from.
//!
//! Its exit codes, 128 + the signal (130 for Ctrl-C, 143 for `kill`, 129 for a closed
//! terminal), are the only ones not decided by [`crate::error::exit_code`].

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// Paths to remove if the process is interrupted. Process-wide by nature: a signal
/// concerns the whole process.
static TEMPORARY: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn temporary() -> MutexGuard<'static, Vec<PathBuf>> {
    TEMPORARY.lock().unwrap_or_else(|e| e.into_inner())
}

/// Removes `path` (a folder with its contents, or a file) if holdsim is interrupted.
pub fn remove_on_interrupt(path: &Path) {
    temporary().push(path.to_path_buf());
}

/// `path` is no longer temporary (it was removed, or renamed into place).
pub fn keep(path: &Path) {
    temporary().retain(|p| p != path);
}

/// Runs `f` (e.g. renaming a finished folder into place) with interruption held off,
/// so an interrupt sees either the work before `f` or after it, never half of it.
pub fn uninterrupted<T>(f: impl FnOnce() -> T) -> T {
    let _held = temporary();
    f()
}

/// Removes `path`, a file or a folder that other threads of this process may still be
/// writing into: a file created while `remove_dir_all` walks the folder makes its last
/// step fail ("directory not empty"), so the removal is tried again, up to ~0.2 s, until
/// nothing is left.
fn remove_while_written(path: &Path) {
    for _ in 0..100 {
        match fs::symlink_metadata(path) {
            Ok(m) if m.is_dir() => {
                let _ = fs::remove_dir_all(path);
            }
            Ok(_) => {
                let _ = fs::remove_file(path);
            }
            Err(_) => return,
        }
        if fs::symlink_metadata(path).is_err() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

/// Blocks SIGINT, SIGTERM and SIGHUP in this thread and every thread it starts later
/// (call it first in `main`, before any thread exists), and starts the thread that
/// waits for them: it removes the registered paths and exits with 128 + the signal
/// number, as a shell reports a process ended by that signal.
pub fn install() {
    // SAFETY: plain libc calls on a signal set we own; no memory is shared with them.
    let set = unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
            libc::sigaddset(&mut set, signal);
        }
        if libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) != 0 {
            return;
        }
        set
    };
    let spawned = std::thread::Builder::new()
        .name("interrupt".into())
        .spawn(move || {
            let mut signal: libc::c_int = 0;
            // SAFETY: waits on our own signal set; `signal` is a valid out-pointer.
            while unsafe { libc::sigwait(&set, &mut signal) } != 0 {}
            let paths = temporary();
            for path in paths.iter().rev() {
                remove_while_written(path);
            }
            eprintln!("holdsim: interrupted; nothing half-written was left behind");
            // Once more just before exiting: a thread still running may have made a
            // file again while the message was written.
            for path in paths.iter().rev() {
                remove_while_written(path);
            }
            std::process::exit(128 + signal);
        });
    if spawned.is_err() {
        // Without the waiting thread, let the signals end the process as usual.
        // SAFETY: as above.
        unsafe {
            libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        }
    }
}
