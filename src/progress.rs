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

/// The bar of `run` and `compare`: it counts replications, or, when there are too
/// few replications to move it (fewer than two per thread), simulated site-days, so
/// that even a single huge replication shows progress at once.
pub struct RunBar {
    bar: ProgressBar,
    by_site_days: bool,
}

impl RunBar {
    /// `replications` per scenario, `scenarios` run one after another, `site_days` in
    /// all (replications × sites × days, summed over scenarios).
    pub fn new(
        replications: u32,
        scenarios: u64,
        site_days: u64,
        threads: usize,
        quiet: bool,
    ) -> RunBar {
        let by_site_days = u64::from(replications) < (threads as u64).saturating_mul(2);
        let bar = if by_site_days {
            bar(site_days, "site-days", quiet)
        } else {
            bar(
                u64::from(replications).saturating_mul(scenarios),
                "replications",
                quiet,
            )
        };
        // Redraw on a timer too, so the clock moves even while a slow day runs.
        if !bar.is_hidden() {
            bar.enable_steady_tick(std::time::Duration::from_millis(200));
        }
        RunBar { bar, by_site_days }
    }

    /// Called when a replication is done.
    pub fn replication_done(&self) {
        if !self.by_site_days {
            self.bar.inc(1);
        }
    }

    /// Called with simulated site-days, when the bar counts them.
    pub fn site_days(&self, n: u64) {
        self.bar.inc(n);
    }

    /// Whether the engine's progress hook should be connected: only for a bar that
    /// counts site-days and is shown. Otherwise it is left out, saving a call (and a
    /// look at the clock) per simulated week of each site: about 1% of England's time.
    pub fn counts_site_days(&self) -> bool {
        self.by_site_days && !self.bar.is_hidden()
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
