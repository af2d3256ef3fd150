//! The one progress-bar factory: a bar on an interactive terminal, nothing when
//! output is piped, under CI, or with `--quiet`.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A bar counting `total` units of `what`, or a hidden one when nobody is watching.
pub fn bar(total: u64, what: &str, quiet: bool) -> ProgressBar {
    let watching = !quiet && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
    if !watching {
        return ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
    }
    let bar = ProgressBar::new(total);
    let template = format!(
        "{{spinner}} [{{elapsed_precise}}] {{wide_bar}} {{pos}}/{{len}} {what} (ETA {{eta}})"
    );
    bar.set_style(
        ProgressStyle::with_template(&template).unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}
