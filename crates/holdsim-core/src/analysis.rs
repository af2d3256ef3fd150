//! Everything a comparison concludes, computed once from the runs so the terminal, the
//! report, the workbook, the web app and Python all read the same numbers.

use crate::compare::{self, Arm, Row};
use crate::economics::{self, CostEffect};
use crate::kpi::Kpi;
use crate::verdict::{self, Pair, Verdict};

/// A comparison's conclusions. The first run is the baseline.
#[derive(Clone, Debug)]
pub struct Analysis {
    /// Every run's summary per KPI, and its paired difference from the baseline.
    pub rows: Vec<Row>,
    /// Every option against every other, per KPI.
    pub pairs: Vec<Pair>,
    /// The best option on each headline KPI, and whether it is clearly best.
    pub verdicts: Vec<Verdict>,
    /// Each option's cost per leaver avoided and per extra patient seen.
    pub effects: Vec<CostEffect>,
}

/// Analyses `runs` (one run gives its summaries only).
pub fn analyse<A: Arm>(runs: &[A]) -> Analysis {
    let rows = compare::compare(runs);
    if runs.len() < 2 {
        return Analysis {
            rows,
            pairs: Vec::new(),
            verdicts: Vec::new(),
            effects: Vec::new(),
        };
    }
    let pairs = verdict::pairwise(runs);
    let verdicts = verdict::verdicts(runs, &pairs, &Kpi::headlines());
    let effects = economics::cost_effectiveness(runs);
    Analysis {
        rows,
        pairs,
        verdicts,
        effects,
    }
}
