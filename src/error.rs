//! The errors of the app's edges, and the one place any error becomes the process's
//! exit code.
//!
//! Commands return `anyhow::Error`, adding context on the way up ("cannot write …").
//! What the user sees is the whole chain; what a script sees is the exit code, and that
//! must say who has to act — the user (fix the input or the command line) or the
//! machine (a full disk, a permission). [`exit_code`] decides it from the typed errors
//! in the chain: if any of them is the user's to fix, the code says so, so context
//! added on the way up never turns an input problem into an environment one.
//!
//! | Error (anywhere in the chain, as the error, a context or a source) | Exit |
//! |---|---|
//! | [`UsageError`]: a command line or input file that cannot work as given | 2 |
//! | [`ScenarioError`]: an invalid scenario (every problem listed) | 2 |
//! | [`ExperimentError::Usage`], [`ExperimentError::Scenario`]: an experiment file to fix | 2 |
//! | [`ExperimentError::Unreadable`]: an experiment file the machine cannot read | 1 |
//! | [`Refusal`]: a job too large for this machine, with what to change | 2 |
//! | [`FolderRefusal`]: an `--out` that must not or cannot be written (exists without `--force`, not holdsim's, protected, a file, a dangling link) | 2 |
//! | [`FolderLocked`]: another holdsim is writing that folder; the same command works once it ends | 1 |
//! | anything else, e.g. [`Stopped`](holdsim_core::runner::Stopped) (no threads, or cancelled), I/O, permissions, a bug | 1 |
//! | SIGINT, SIGTERM, SIGHUP (Ctrl-C, `kill`, a closed terminal) | 128 + signal: 130, 143, 129 |
//!
//! 2 matches clap's own exit code for a bad command line. The core's
//! [`holdsim_core::source::ReadError`] never arrives here on its own: the core turns it
//! into a scenario problem or an [`ExperimentError`] first. The signal codes never pass
//! through here: [`crate::output::interrupt`] cleans up and exits from its own thread,
//! as a shell reports a process ended by that signal.

use holdsim_core::budget::Refusal;
use holdsim_core::experiment::ExperimentError;
use holdsim_core::scenario::ScenarioError;

pub use crate::output::folder::{FolderLocked, FolderRefusal};

/// Exit code for a problem the user must fix: the input or the command line.
pub const EXIT_USAGE: u8 = 2;

/// Exit code for everything else: the machine, the environment, a bug.
pub const EXIT_FAILURE: u8 = 1;

/// A command line or input that cannot work as given; the message says what to change
/// (exit 2, like clap's own errors).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// The process's exit code for `error`: see the table in this module's documentation.
pub fn exit_code(error: &anyhow::Error) -> u8 {
    if user_must_fix(error) {
        EXIT_USAGE
    } else {
        EXIT_FAILURE
    }
}

/// Whether any error in `error`'s chain is one the user must fix. *Any*: a usage
/// problem stays the user's however much context is added above or below it.
fn user_must_fix(error: &anyhow::Error) -> bool {
    find::<UsageError>(error).is_some()
        || find::<ScenarioError>(error).is_some()
        || find::<Refusal>(error).is_some()
        || find::<FolderRefusal>(error).is_some()
        || find::<ExperimentError>(error).is_some_and(|e| match e {
            ExperimentError::Usage(_) | ExperimentError::Scenario(_) => true,
            ExperimentError::Unreadable(_) => false,
        })
}

/// The first `T` in `error`: as the error or a context added with `.context(…)`
/// (anyhow finds those), or as a source further down the chain (`chain` finds those).
fn find<T>(error: &anyhow::Error) -> Option<&T>
where
    T: std::error::Error + Send + Sync + 'static,
{
    error
        .downcast_ref::<T>()
        .or_else(|| error.chain().find_map(|link| link.downcast_ref::<T>()))
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use anyhow::Context;
    use holdsim_core::runner::Stopped;
    use holdsim_core::scenario::Problem;

    use super::*;

    /// `error` as a command returns it: wrapped in context on the way up.
    fn as_returned<E: std::error::Error + Send + Sync + 'static>(error: E) -> anyhow::Error {
        Err::<(), E>(error)
            .context("while loading `x.toml`")
            .context("cannot run")
            .unwrap_err()
    }

    #[test]
    fn exit_code_maps_each_kind_of_error_through_its_context() {
        let scenario = || ScenarioError {
            problems: vec![Problem {
                source: "x.toml".into(),
                line: Some(3),
                key: Some("run.seed".into()),
                message: "not a number".into(),
            }],
        };
        let out = PathBuf::from("out");
        let table: Vec<(&str, anyhow::Error, u8)> = vec![
            ("usage", as_returned(UsageError("--threads".into())), 2),
            ("scenario", as_returned(scenario()), 2),
            (
                "experiment usage",
                as_returned(ExperimentError::Usage("bad".into())),
                2,
            ),
            (
                "experiment scenario",
                as_returned(ExperimentError::Scenario(scenario())),
                2,
            ),
            (
                "experiment unreadable",
                as_returned(ExperimentError::Unreadable("EACCES".into())),
                1,
            ),
            ("refusal", as_returned(Refusal("too large".into())), 2),
            (
                "folder exists",
                as_returned(FolderRefusal::Exists { out: out.clone() }),
                2,
            ),
            (
                "folder locked",
                as_returned(FolderLocked {
                    out,
                    holder: "holdsim process 1".into(),
                    lock: PathBuf::from(".out.lock"),
                }),
                1,
            ),
            ("cancelled", as_returned(Stopped::Cancelled), 1),
            (
                "io",
                as_returned(std::io::Error::from(std::io::ErrorKind::PermissionDenied)),
                1,
            ),
            (
                "plain message",
                anyhow::anyhow!("disk full").context("x"),
                1,
            ),
        ];
        for (kind, error, expected) in table {
            assert_eq!(exit_code(&error), expected, "{kind}: {error:#}");
        }
    }

    #[test]
    fn a_problem_the_user_must_fix_decides_wherever_it_is_in_the_chain() {
        // Given as context above a machine fault.
        let inner = anyhow::Error::new(std::io::Error::other("disk")).context("reading");
        let outer = inner.context(UsageError("choose another --out".into()));
        assert_eq!(exit_code(&outer), EXIT_USAGE);
        // Below another typed error given as context.
        let outer = anyhow::Error::new(UsageError("x".into())).context(Stopped::Cancelled);
        assert_eq!(exit_code(&outer), EXIT_USAGE);
        // As the source of another error.
        #[derive(Debug, thiserror::Error)]
        #[error("while checking")]
        struct Wrapper(#[source] UsageError);
        let wrapped = Wrapper(UsageError("x".into()));
        assert_eq!(exit_code(&anyhow::Error::new(wrapped)), EXIT_USAGE);
        let outer = anyhow::Error::new(Stopped::Cancelled).context("x");
        assert_eq!(exit_code(&outer), EXIT_FAILURE);
    }
}
