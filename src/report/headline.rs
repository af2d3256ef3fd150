//! Plain-language headlines: "57% fewer link worker exits per post-year
//! than baseline (95% CI 50% to 64% fewer)" — only where the paired CI excludes zero;
//! otherwise the sentence says there is no clear difference, with the interval.

use crate::compare::{Difference, RelativeUndefined};
use crate::kpi::{Kpi, Quantity};
use crate::numbers::{kpi_value, multiple, percent, signed_percent};

/// The words for an increase and a decrease of this kind of quantity.
fn change_words(quantity: Quantity) -> (&'static str, &'static str) {
    match quantity {
        Quantity::Count => ("more", "fewer"),
        Quantity::Duration => ("longer", "shorter"),
        Quantity::Share | Quantity::Amount => ("higher", "lower"),
    }
}

/// One sentence about `scenario` against `baseline` on `kpi`. The claim rests on the
/// paired difference's 95% CI — the same rule as the table's bold, the terminal's `*`
/// and `diff_excludes_zero` — and the quoted relative interval is that CI divided by
/// the baseline mean, so it excludes zero exactly when the claim is made.
pub fn sentence(
    scenario: &str,
    baseline: &str,
    kpi: Kpi,
    baseline_mean: f64,
    scenario_mean: f64,
    d: &Difference,
) -> String {
    let what = kpi.info().phrase;
    let (up, down) = change_words(kpi.info().quantity);
    if scenario_mean == 0.0 && baseline_mean > 0.0 {
        // "100% fewer (95% CI 100% to 100%)" says less than this.
        return format!(
            "{scenario}: no {what} in any replication, against {} in {baseline}.",
            kpi_value(kpi, baseline_mean)
        );
    }
    match d.relative {
        Ok((rel, lo, hi)) if d.significant() && (lo > 0.0 || hi < 0.0) => {
            if rel >= 1.0 {
                // Large increases read better as multiples: "3.4 times baseline's".
                format!(
                    "{scenario}: {what} {} times {baseline}'s (95% CI {} to {} times).",
                    multiple(1.0 + rel),
                    multiple(1.0 + lo),
                    multiple(1.0 + hi)
                )
            } else {
                let word = if rel > 0.0 { up } else { down };
                // Both ends on the same side of zero: report them as magnitudes in order.
                let (a, b) = if rel > 0.0 { (lo, hi) } else { (-hi, -lo) };
                format!(
                    "{scenario}: {} {word} {what} than {baseline} (95% CI {} to {} {word}).",
                    percent(rel.abs()),
                    percent(a),
                    percent(b)
                )
            }
        }
        Ok((_, lo, hi)) => format!(
            "{scenario}: no clear difference from {baseline} in {what} (95% CI from {} to {}).",
            signed_percent(lo),
            signed_percent(hi)
        ),
        Err(RelativeUndefined::BaselineZero) => {
            if d.significant() {
                format!(
                    "{scenario}: {what} {} (baseline {baseline} had none, so no relative change is given).",
                    kpi_value(kpi, scenario_mean)
                )
            } else {
                format!(
                    "{scenario}: no clear difference from {baseline} in {what} (both near zero)."
                )
            }
        }
        Err(RelativeUndefined::TooFewReplications) => {
            format!(
                "{scenario}: {what} {} vs {} in {baseline} (too few replications for a confidence interval).",
                kpi_value(kpi, scenario_mean),
                kpi_value(kpi, baseline_mean)
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diff(rel: (f64, f64, f64), sig: bool) -> Difference {
        Difference {
            n: 100,
            mean: rel.0,
            ci_low: if sig { rel.1 } else { -1.0 },
            ci_high: if sig { rel.2 } else { 1.0 },
            relative: Ok(rel),
            share_higher: 0.5,
        }
    }

    #[test]
    fn significant_decrease_reads_as_fewer_with_ordered_interval() {
        let s = sentence(
            "B",
            "A",
            Kpi::ExitsPerPostYear,
            0.3,
            0.19,
            &diff((-0.38, -0.45, -0.30), true),
        );
        assert_eq!(
            s,
            "B: 38% fewer link workers leaving per post-year than A (95% CI 30% to 45% fewer)."
        );
    }

    #[test]
    fn unclear_difference_says_so() {
        let s = sentence(
            "B",
            "A",
            Kpi::WaitP90Days,
            10.0,
            10.2,
            &diff((0.02, -0.05, 0.09), false),
        );
        assert_eq!(
            s,
            "B: no clear difference from A in wait within which 9 in 10 are seen (95% CI from -5.0% to +9.0%)."
        );
    }

    #[test]
    fn large_increases_read_as_multiples_and_unclear_relative_changes_are_not_claimed() {
        let s = sentence(
            "B",
            "A",
            Kpi::WaitP90Days,
            10.0,
            45.0,
            &diff((3.5, 2.0, 5.0), true),
        );
        assert_eq!(
            s,
            "B: wait within which 9 in 10 are seen 4.5 times A's (95% CI 3.0 to 6.0 times)."
        );
        // The absolute difference may exclude zero while the ratio's interval does not.
        let s = sentence(
            "B",
            "A",
            Kpi::ExitsPerPostYear,
            0.13,
            0.26,
            &diff((0.91, -0.04, 1.86), true),
        );
        assert!(s.starts_with("B: no clear difference"), "{s}");
    }

    #[test]
    fn a_scenario_with_none_says_so_plainly() {
        let s = sentence(
            "B",
            "A",
            Kpi::BurnoutsPerPostYear,
            0.118,
            0.0,
            &diff((-1.0, -1.0, -1.0), true),
        );
        assert_eq!(
            s,
            "B: no burnouts per post-year in any replication, against 0.118 in A."
        );
    }

    #[test]
    fn statistics_that_contradict_themselves_headline_follows_the_paired_ci() {
        // The case: a relative interval excluding zero beside a paired CI of
        // [−0.0685, +0.000049] that the table does not flag.
        let d = Difference {
            n: 100,
            mean: -0.034,
            ci_low: -0.0685,
            ci_high: 0.000049,
            relative: Ok((-0.12, -0.22, -0.007)),
            share_higher: 0.5,
        };
        assert!(!d.significant());
        let s = sentence("B", "A", Kpi::BurnoutsPerPostYear, 0.3, 0.266, &d);
        assert!(s.starts_with("B: no clear difference"), "{s}");
    }

    #[test]
    fn zero_baseline_gives_no_relative_change() {
        let d = Difference {
            n: 10,
            mean: 2.0,
            ci_low: 1.0,
            ci_high: 3.0,
            relative: Err(RelativeUndefined::BaselineZero),
            share_higher: 0.5,
        };
        let s = sentence("B", "A", Kpi::BurnoutsPerPostYear, 0.0, 2.0, &d);
        assert!(s.contains("had none"), "{s}");
    }
}
