//! Sweeps on disk: the core's sweep points ([`holdsim_core::sweep`], re-exported
//! here) written as points finish, with a checkpoint after every chunk (`files`), and
//! shards merged into one result (`merge`).
//!
//! A sweep killed at any moment resumes from the checkpoint (anything after it is cut
//! off and redone), so the final files are byte-identical to an uninterrupted run,
//! whatever the thread count or interruption pattern.

pub use holdsim_core::sweep::*;

pub mod files;
pub mod merge;
