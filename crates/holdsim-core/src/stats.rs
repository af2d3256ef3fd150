//! Statistics across replications (docs/model.md § 7.11): mean, Student-t 95% confidence
//! interval, and percentiles by linear interpolation between order statistics (the
//! default of numpy and R). Undefined values are left out and the count used reported.

/// Summary of one KPI across replications.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Summary {
    /// Replications in which the KPI was defined.
    pub n: usize,
    pub mean: f64,
    pub sd: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub p5: f64,
    pub p50: f64,
    pub p95: f64,
    /// The central 95% of replications (type-7 percentiles 2.5 and 97.5): where a
    /// single replication's value falls, not where the mean lies. With parameters
    /// drawn from a posterior, one per replication, it holds parameter uncertainty
    /// and chance together.
    pub p2_5: f64,
    pub p97_5: f64,
}

impl Summary {
    /// Summarises the defined values, in the order given (the sum runs in that order,
    /// so the result is bit-identical whatever thread produced the values). `None` when
    /// no value is defined. With one value the CI is undefined (NaN).
    pub fn of(values: impl IntoIterator<Item = Option<f64>>) -> Option<Summary> {
        let mut xs: Vec<f64> = values
            .into_iter()
            .flatten()
            .filter(|x| x.is_finite())
            .collect();
        let n = xs.len();
        if n == 0 {
            return None;
        }
        let mean = xs.iter().sum::<f64>() / n as f64;
        let (sd, half) = if n > 1 {
            let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
            let sd = var.sqrt();
            (
                sd,
                t_quantile(0.975, (n - 1) as f64) * sd / (n as f64).sqrt(),
            )
        } else {
            (f64::NAN, f64::NAN)
        };
        xs.sort_by(f64::total_cmp);
        Some(Summary {
            n,
            mean,
            sd,
            ci_low: mean - half,
            ci_high: mean + half,
            p5: percentile_sorted(&xs, 0.05),
            p50: percentile_sorted(&xs, 0.5),
            p95: percentile_sorted(&xs, 0.95),
            p2_5: percentile_sorted(&xs, 0.025),
            p97_5: percentile_sorted(&xs, 0.975),
        })
    }

    /// Half-width of the 95% CI.
    pub fn half_width(&self) -> f64 {
        (self.ci_high - self.ci_low) / 2.0
    }
}

/// Percentile `q` in [0, 1] of sorted data, interpolating linearly between order
/// statistics at position `q·(n − 1)` (numpy's and R's default, "type 7").
pub fn percentile_sorted(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    let pos = q * (n - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    let frac = pos - lo as f64;
    sorted[lo] + frac * (sorted[hi] - sorted[lo])
}

/// Quantile `p` of Student's t with `df` degrees of freedom, by bisection on the CDF
/// (regularised incomplete beta), accurate to ~1e-12.
///
/// The same pair is asked for over and over (every week of every time series of a
/// run has `replications − 1` degrees of freedom) and each answer costs ~45
/// incomplete-beta evaluations, so each thread keeps its last answer.
pub fn t_quantile(p: f64, df: f64) -> f64 {
    thread_local! {
        static LAST: std::cell::Cell<(u64, u64, f64)> =
            const { std::cell::Cell::new((u64::MAX, u64::MAX, f64::NAN)) };
    }
    let key = (p.to_bits(), df.to_bits());
    let (lp, ld, last) = LAST.with(std::cell::Cell::get);
    if (lp, ld) == key {
        return last;
    }
    let q = t_quantile_bisected(p, df);
    LAST.with(|c| c.set((key.0, key.1, q)));
    q
}

fn t_quantile_bisected(p: f64, df: f64) -> f64 {
    if p == 0.5 {
        return 0.0;
    }
    if p < 0.5 {
        return -t_quantile(1.0 - p, df);
    }
    let (mut lo, mut hi) = (0.0, 1.0);
    while t_cdf(hi, df) < p {
        hi *= 2.0;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if t_cdf(mid, df) < p {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo < 1e-13 * hi.max(1.0) {
            break;
        }
    }
    0.5 * (lo + hi)
}

/// CDF of Student's t.
pub fn t_cdf(t: f64, df: f64) -> f64 {
    let x = df / (df + t * t);
    let tail = 0.5 * incomplete_beta(0.5 * df, 0.5, x);
    if t >= 0.0 { 1.0 - tail } else { tail }
}

/// Regularised incomplete beta `I_x(a, b)` by Lentz's continued fraction.
fn incomplete_beta(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let ln_front = ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln();
    if x < (a + 1.0) / (a + b + 2.0) {
        ln_front.exp() * beta_fraction(a, b, x) / a
    } else {
        1.0 - ln_front.exp() * beta_fraction(b, a, 1.0 - x) / b
    }
}

fn beta_fraction(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let mut c = 1.0;
    let mut d = 1.0 - (a + b) * x / (a + 1.0);
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..=500 {
        let m = f64::from(m);
        let aa = m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m));
        d = 1.0 + aa * d;
        d = if d.abs() < TINY { TINY } else { d };
        c = 1.0 + aa / c;
        c = if c.abs() < TINY { TINY } else { c };
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0));
        d = 1.0 + aa * d;
        d = if d.abs() < TINY { TINY } else { d };
        c = 1.0 + aa / c;
        c = if c.abs() < TINY { TINY } else { c };
        d = 1.0 / d;
        let delta = d * c;
        h *= delta;
        if (delta - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
}

/// `ln Γ(x)` by the Lanczos approximation (g = 7, n = 9), ~1e-15 relative.
fn ln_gamma(x: f64) -> f64 {
    const COEF: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = COEF[0];
    let t = x + 7.5;
    for (i, c) in COEF.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles_match_tables() {
        // Published two-sided 95% critical values.
        for (df, expected) in [
            (1.0, 12.7062),
            (2.0, 4.3027),
            (9.0, 2.2622),
            (29.0, 2.0452),
            (99.0, 1.9842),
            (1e6, 1.9600),
        ] {
            let q = t_quantile(0.975, df);
            assert!((q - expected).abs() < 5e-4, "df {df}: {q} vs {expected}");
        }
        assert!((t_cdf(0.0, 5.0) - 0.5).abs() < 1e-15);
    }

    #[test]
    fn percentiles_interpolate_like_numpy() {
        let xs = [1.0, 2.0, 3.0, 4.0, 10.0];
        // numpy.percentile([1,2,3,4,10], [5, 50, 95]) = [1.2, 3.0, 8.8]
        assert!((percentile_sorted(&xs, 0.05) - 1.2).abs() < 1e-12);
        assert_eq!(percentile_sorted(&xs, 0.5), 3.0);
        assert!((percentile_sorted(&xs, 0.95) - 8.8).abs() < 1e-12);
    }

    #[test]
    fn summary_skips_undefined_and_reports_count() {
        let s = Summary::of([Some(1.0), None, Some(3.0), Some(2.0)]).unwrap();
        assert_eq!(s.n, 3);
        assert_eq!(s.mean, 2.0);
        assert_eq!(s.sd, 1.0);
        // t(0.975, 2) · 1/√3
        assert!((s.half_width() - 4.302_652_7 / 3f64.sqrt()).abs() < 1e-6);
        assert!(Summary::of([None, None]).is_none());
        assert!(Summary::of([Some(5.0)]).unwrap().ci_low.is_nan());
    }
}
