//! Numbers for people: the one way the terminal tables, the HTML report and the plots
//! write a value, so a KPI reads the same in all three (three significant figures,
//! thousands grouped from 1,000, shares as percentages, ASCII minus signs).
//!
//! Not for data files: CSV and Parquet keep Rust's shortest round-trip text so they
//! read back exactly (see `output`).

use crate::kpi::{Kpi, Quantity};

/// What an undefined or non-finite value is shown as.
pub const MISSING: &str = "–";

/// How a KPI's values are shown: as they are, or (shares) as percentages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shown {
    Plain,
    /// A fraction shown ×100 with `%`; a difference of two is in percentage points.
    Percent,
}

impl Shown {
    /// Shares are percentages wherever they are shown; everything else as is.
    pub fn of(kpi: Kpi) -> Shown {
        match kpi.info().quantity {
            Quantity::Share => Shown::Percent,
            _ => Shown::Plain,
        }
    }

    fn factor(self) -> f64 {
        match self {
            Shown::Plain => 1.0,
            Shown::Percent => 100.0,
        }
    }

    fn suffix(self) -> &'static str {
        match self {
            Shown::Plain => "",
            Shown::Percent => "%",
        }
    }

    /// A difference of two percentages is in percentage points, not a percent change.
    fn difference_suffix(self) -> &'static str {
        match self {
            Shown::Plain => "",
            Shown::Percent => " pp",
        }
    }
}

/// "12345.6" → "12,345.6": commas between groups of three integer digits, from four
/// digits on (the one grouping rule; GOV.UK style writes 1,000).
pub fn group_thousands(text: &str) -> String {
    let (sign, rest) = match text.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", text),
    };
    let (int, frac) = rest.split_at(rest.find('.').unwrap_or(rest.len()));
    let mut out = String::with_capacity(text.len() + int.len() / 3);
    out.push_str(sign);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out.push_str(frac);
    out
}

/// A value to about three significant figures (at most six decimals), thousands
/// grouped: 0.235, 5.00, 205, 472,215; `0` for zero and [`MISSING`] for NaN or ±∞.
pub fn significant(x: f64) -> String {
    if !x.is_finite() {
        return MISSING.into();
    }
    if x == 0.0 {
        return "0".into();
    }
    let decimals = (2 - x.abs().log10().floor() as i32).clamp(0, 6) as usize;
    group_thousands(&format!("{x:.decimals$}"))
}

/// [`significant`] with a `+` in front of a positive value, for differences.
pub fn signed(x: f64) -> String {
    let text = significant(x);
    if x > 0.0 && x.is_finite() {
        format!("+{text}")
    } else {
        text
    }
}

/// A KPI's value as it is shown everywhere: a share as a percentage ("3.12%").
pub fn kpi_value(kpi: Kpi, x: f64) -> String {
    shown_value(x, Shown::of(kpi))
}

/// A value shown as `shown` asks: three significant figures and the suffix.
pub fn shown_value(x: f64, shown: Shown) -> String {
    let text = significant(x * shown.factor());
    if x.is_finite() {
        text + shown.suffix()
    } else {
        text
    }
}

/// A difference of a KPI between two scenarios, signed; shares in percentage points.
pub fn kpi_difference(kpi: Kpi, x: f64) -> String {
    let shown = Shown::of(kpi);
    let text = signed(x * shown.factor());
    if x.is_finite() {
        text + shown.difference_suffix()
    } else {
        text
    }
}

/// Two significant figures' worth for ratios people read at a glance: one decimal
/// below 10, none from 10 on (4.5, 12, 1,234).
fn two_figures(x: f64) -> String {
    if !x.is_finite() {
        return MISSING.into();
    }
    if x.abs() >= 10.0 {
        group_thousands(&format!("{x:.0}"))
    } else {
        format!("{x:.1}")
    }
}

/// A fraction as a percentage: 0.57 → "57%", 0.05 → "5.0%", -0.123 → "-12%".
pub fn percent(fraction: f64) -> String {
    let text = two_figures(100.0 * fraction);
    if fraction.is_finite() {
        text + "%"
    } else {
        text
    }
}

/// [`percent`] with a `+` in front of a positive value, for relative changes.
pub fn signed_percent(fraction: f64) -> String {
    let text = percent(fraction);
    if fraction > 0.0 && fraction.is_finite() {
        format!("+{text}")
    } else {
        text
    }
}

/// A relative change with its 95% CI: "-38% [-45%, -30%]".
pub fn relative_change(r: f64, low: f64, high: f64) -> String {
    format!(
        "{} [{}, {}]",
        signed_percent(r),
        signed_percent(low),
        signed_percent(high)
    )
}

/// A difference of a KPI with its 95% CI: "-0.116 [-0.160, -0.0719]".
pub fn kpi_difference_with_ci(kpi: Kpi, mean: f64, low: f64, high: f64) -> String {
    format!(
        "{} [{}, {}]",
        kpi_difference(kpi, mean),
        kpi_difference(kpi, low),
        kpi_difference(kpi, high)
    )
}

/// A multiple ("4.5 times"): the same figures as [`percent`], without the `%`.
pub fn multiple(x: f64) -> String {
    two_figures(x)
}

/// An axis tick at `v` on an axis stepping by `step`: as many decimals as the step
/// needs (so ticks on one axis line up), thousands grouped, shares as percentages.
pub fn tick(v: f64, step: f64, shown: Shown) -> String {
    let step = step * shown.factor();
    let decimals = if step >= 1.0 || step <= 0.0 || !step.is_finite() {
        0
    } else {
        (-step.log10().floor()) as usize + usize::from(step_first_digit_is_not_one_two_five(step))
    };
    let v = v * shown.factor();
    // Snap the rounding error of a computed zero tick, so it is not "-0.0".
    let v = if v.abs() < step.abs() * 1e-9 { 0.0 } else { v };
    group_thousands(&format!("{v:.decimals$}")) + shown.suffix()
}

/// Steps are 1, 2 or 5 × 10^k, so this is false for every step plotters uses; a
/// guard for hand-picked steps such as 0.25, which need one more decimal.
fn step_first_digit_is_not_one_two_five(step: f64) -> bool {
    let m = step / 10f64.powf(step.log10().floor());
    ![1.0, 2.0, 5.0].iter().any(|d| (m - d).abs() < 1e-6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn significant_figures_and_grouping() {
        for (x, expected) in [
            (0.23456, "0.235"),
            (5.0, "5.00"),
            (204.6, "205"),
            (999.4, "999"),
            (1234.0, "1,234"),
            (-1234.0, "-1,234"),
            (12345.6, "12,346"),
            (472214.9, "472,215"),
            (1234567.0, "1,234,567"),
            (0.0012345, "0.00123"),
            (0.000000123, "0.000000"),
            (-0.5, "-0.500"),
            (0.0, "0"),
            (f64::NAN, "–"),
            (f64::INFINITY, "–"),
        ] {
            assert_eq!(significant(x), expected, "{x}");
        }
        assert_eq!(group_thousands("-12345.678"), "-12,345.678");
        assert_eq!(group_thousands("999"), "999");
        assert_eq!(group_thousands("1000"), "1,000");
    }

    #[test]
    fn signs_percentages_and_multiples() {
        for (x, expected) in [
            (1.5, "+1.50"),
            (-1.5, "-1.50"),
            (0.0, "0"),
            (2500.0, "+2,500"),
        ] {
            assert_eq!(signed(x), expected, "{x}");
        }
        for (x, expected) in [
            (0.57, "57%"),
            (0.05, "5.0%"),
            (-0.123, "-12%"),
            (0.0, "0.0%"),
            (12.34, "1,234%"),
            (f64::NAN, "–"),
        ] {
            assert_eq!(percent(x), expected, "{x}");
        }
        assert_eq!(signed_percent(0.09), "+9.0%");
        assert_eq!(signed_percent(-0.05), "-5.0%");
        assert_eq!(multiple(4.5), "4.5");
        assert_eq!(multiple(12.4), "12");
    }

    #[test]
    fn kpi_values_read_the_same_as_their_shares_and_units_say() {
        assert_eq!(kpi_value(Kpi::ShareReturnedToGp, 0.0312), "3.12%");
        assert_eq!(kpi_value(Kpi::ShareReturnedToGp, 0.0), "0%");
        assert_eq!(kpi_value(Kpi::CostPerPatientDischarged, 1234.6), "1,235");
        assert_eq!(kpi_value(Kpi::WaitP90Days, f64::NAN), "–");
        assert_eq!(kpi_difference(Kpi::VacancyFraction, 0.012), "+1.20 pp");
        assert_eq!(kpi_difference(Kpi::ExitsPerPostYear, -0.0345), "-0.0345");
        assert_eq!(
            kpi_difference_with_ci(Kpi::ExitsPerPostYear, -0.116, -0.16, -0.0719),
            "-0.116 [-0.160, -0.0719]"
        );
        assert_eq!(relative_change(-0.38, -0.45, 0.05), "-38% [-45%, +5.0%]");
    }

    #[test]
    fn ticks_have_matching_decimals() {
        for (v, step, shown, expected) in [
            (0.4, 0.2, Shown::Plain, "0.4"),
            (0.4, 0.2, Shown::Percent, "40%"),
            (20000.0, 5000.0, Shown::Plain, "20,000"),
            (5000.0, 1000.0, Shown::Plain, "5,000"),
            (-1e-17, 0.5, Shown::Plain, "0.0"),
            (0.75, 0.25, Shown::Plain, "0.75"),
            (0.035, 0.005, Shown::Percent, "3.5%"),
        ] {
            assert_eq!(tick(v, step, shown), expected, "{v} step {step}");
        }
        // Data labels beside points: the same figures as the tables.
        assert_eq!(shown_value(0.2417, Shown::Plain), "0.242");
        assert_eq!(shown_value(175.4, Shown::Plain), "175");
        assert_eq!(shown_value(0.05, Shown::Percent), "5.00%");
    }
}
