//! The distributions of docs/model.md § 7.9, parameterised as the model states them
//! (median/p90, mean/cv, mean/sd) and converted once to the textbook form.

use rand::RngExt;
use rand_distr::{Beta, Distribution, Gamma, Normal, Poisson, StandardNormal};

use crate::rng::Rng;

/// The standard normal's 0.9 quantile: `σ = (ln p90 − ln median) / z90`.
pub const Z90: f64 = 1.281_551_565_545;

/// A duration in whole days (docs/model.md § 7.9): `max(1, ceil(x − 1e−9))` of a
/// log-normal draw `x`, or of the median itself when p90 equals the median.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Duration {
    Fixed(f64),
    LogNormal { mu: f64, sigma: f64 },
}

impl Duration {
    pub fn from_median_p90(median: f64, p90: f64) -> Duration {
        if p90 == median {
            Duration::Fixed(median)
        } else {
            Duration::LogNormal {
                mu: median.ln(),
                sigma: (p90.ln() - median.ln()) / Z90,
            }
        }
    }

    /// The continuous draw `x` before rounding to days.
    pub fn sample_raw(&self, rng: &mut Rng) -> f64 {
        match *self {
            Duration::Fixed(x) => x,
            Duration::LogNormal { mu, sigma } => {
                let z: f64 = rng.sample(StandardNormal);
                (mu + sigma * z).exp()
            }
        }
    }

    pub fn sample_days(&self, rng: &mut Rng) -> u32 {
        whole_days(self.sample_raw(rng))
    }
}

/// `max(1, ceil(x − 1e−9))`, saturating at `u32::MAX` for absurd draws.
pub fn whole_days(x: f64) -> u32 {
    let d = (x - 1e-9).ceil();
    if d >= u32::MAX as f64 {
        u32::MAX
    } else {
        (d as u32).max(1)
    }
}

/// `Poisson(λ)` with `Poisson(0) = 0` (docs/model.md § 7.1).
#[derive(Clone, Copy, Debug)]
pub struct Count(Option<Poisson<f64>>);

impl Count {
    pub fn new(lambda: f64) -> Count {
        Count(if lambda > 0.0 {
            Some(Poisson::new(lambda).expect("validated: finite, > 0"))
        } else {
            None
        })
    }

    pub fn sample(&self, rng: &mut Rng) -> u32 {
        match &self.0 {
            Some(p) => p.sample(rng) as u32,
            None => 0,
        }
    }
}

/// `Gamma(mean, cv)`: shape `1/cv²`, scale `mean·cv²`; a mean of 0 gives 0.
#[derive(Clone, Copy, Debug)]
pub struct GammaMeanCv(Option<Gamma<f64>>);

impl GammaMeanCv {
    pub fn new(mean: f64, cv: f64) -> GammaMeanCv {
        GammaMeanCv(if mean > 0.0 {
            Some(Gamma::new(1.0 / (cv * cv), mean * cv * cv).expect("validated: mean > 0, cv > 0"))
        } else {
            None
        })
    }

    pub fn sample(&self, rng: &mut Rng) -> f64 {
        self.0.as_ref().map_or(0.0, |g| g.sample(rng))
    }
}

/// `Beta(mean m, sd v)`: `a = m·k`, `b = (1 − m)·k`, `k = m(1 − m)/v² − 1`.
#[derive(Clone, Copy, Debug)]
pub struct BetaMeanSd(Beta<f64>);

impl BetaMeanSd {
    /// `None` when the sd is infeasible (`v² ≥ m(1 − m)`).
    pub fn new(mean: f64, sd: f64) -> Option<BetaMeanSd> {
        let k = mean * (1.0 - mean) / (sd * sd) - 1.0;
        if !(k > 0.0 && k.is_finite()) {
            return None;
        }
        Beta::new(mean * k, (1.0 - mean) * k).ok().map(BetaMeanSd)
    }

    pub fn sample(&self, rng: &mut Rng) -> f64 {
        self.0.sample(rng)
    }
}

/// `Normal(mean, sd)` truncated below at `floor` by redrawing (burnout thresholds).
#[derive(Clone, Copy, Debug)]
pub struct TruncatedNormal {
    normal: Normal<f64>,
    floor: f64,
}

impl TruncatedNormal {
    pub fn new(mean: f64, sd: f64, floor: f64) -> TruncatedNormal {
        TruncatedNormal {
            normal: Normal::new(mean, sd).expect("validated: sd ≥ 0, finite"),
            floor,
        }
    }

    pub fn sample(&self, rng: &mut Rng) -> f64 {
        // mean > floor is validated, so each draw succeeds with probability > 1/2.
        loop {
            let x = self.normal.sample(rng);
            if x >= self.floor {
                return x;
            }
        }
    }
}

/// Daily probability equivalent to a weekly one: `1 − (1 − q)^(1/7)`.
pub fn daily_from_weekly(q: f64) -> f64 {
    1.0 - (1.0 - q).powf(1.0 / 7.0)
}

/// Failures before the first success of daily Bernoulli(`p`) trials, by inversion of
/// a uniform `u` in [0, 1): the day count at which a daily-probability event fires.
/// `u32::MAX` stands for "never" (`p = 0`).
pub fn geometric_failures(p: f64, u: f64) -> u32 {
    if p >= 1.0 {
        return 0;
    }
    if p <= 0.0 {
        return u32::MAX;
    }
    let g = ((1.0 - u).ln() / (1.0 - p).ln()).floor();
    if g >= u32::MAX as f64 {
        u32::MAX
    } else {
        g as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn rng() -> Rng {
        Rng::seed_from_u64(42)
    }

    fn quantile(mut xs: Vec<f64>, q: f64) -> f64 {
        xs.sort_by(f64::total_cmp);
        xs[((xs.len() as f64) * q) as usize]
    }

    #[test]
    fn lognormal_durations_hit_their_median_and_p90() {
        let d = Duration::from_median_p90(28.0, 90.0);
        let mut r = rng();
        let xs: Vec<f64> = (0..100_000).map(|_| d.sample_raw(&mut r)).collect();
        // Sampling sd of a quantile at n = 1e5 is under 0.5% here; allow 2%.
        assert!((quantile(xs.clone(), 0.5) / 28.0 - 1.0).abs() < 0.02);
        assert!((quantile(xs, 0.9) / 90.0 - 1.0).abs() < 0.02);
    }

    #[test]
    fn fixed_duration_when_p90_equals_median_and_rounding_rule() {
        let d = Duration::from_median_p90(10.0, 10.0);
        assert_eq!(d, Duration::Fixed(10.0));
        assert_eq!(d.sample_days(&mut rng()), 10);
        assert_eq!(whole_days(10.0 + 1e-12), 10);
        assert_eq!(whole_days(10.2), 11);
        assert_eq!(whole_days(0.01), 1);
    }

    #[test]
    fn gamma_and_beta_match_their_moments() {
        let mut r = rng();
        let n = 200_000;
        let g = GammaMeanCv::new(0.375, 0.5);
        let xs: Vec<f64> = (0..n).map(|_| g.sample(&mut r)).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let sd = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64).sqrt();
        // Standard error of the mean is 0.375·0.5/√n ≈ 4e-4; allow 1%.
        assert!((mean / 0.375 - 1.0).abs() < 0.01, "gamma mean {mean}");
        assert!(
            (sd / mean / 0.5 - 1.0).abs() < 0.02,
            "gamma cv {}",
            sd / mean
        );
        assert_eq!(GammaMeanCv::new(0.0, 0.5).sample(&mut r), 0.0);

        let b = BetaMeanSd::new(0.55, 0.2).unwrap();
        let xs: Vec<f64> = (0..n).map(|_| b.sample(&mut r)).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let sd = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64).sqrt();
        assert!((mean - 0.55).abs() < 0.003, "beta mean {mean}");
        assert!((sd - 0.2).abs() < 0.003, "beta sd {sd}");
        assert!(BetaMeanSd::new(0.5, 0.5).is_none());
    }

    #[test]
    fn poisson_zero_is_exact_and_truncated_normal_respects_its_floor() {
        let mut r = rng();
        assert_eq!(Count::new(0.0).sample(&mut r), 0);
        let c = Count::new(3.0);
        let mean = (0..100_000).map(|_| c.sample(&mut r) as f64).sum::<f64>() / 1e5;
        assert!((mean - 3.0).abs() < 0.03, "poisson mean {mean}");
        let t = TruncatedNormal::new(0.3, 0.5, 0.2);
        assert!((0..10_000).all(|_| t.sample(&mut r) >= 0.2));
    }

    #[test]
    fn geometric_days_match_daily_probability() {
        let p = daily_from_weekly(0.1);
        assert!((1.0 - (1.0 - p).powi(7) - 0.1).abs() < 1e-12);
        let mut r = rng();
        let n = 200_000;
        let mean = (0..n)
            .map(|_| geometric_failures(p, r.random::<f64>()) as f64)
            .sum::<f64>()
            / n as f64;
        let expected = (1.0 - p) / p;
        assert!((mean / expected - 1.0).abs() < 0.02, "{mean} vs {expected}");
        assert_eq!(geometric_failures(1.0, 0.7), 0);
        assert_eq!(geometric_failures(0.0, 0.7), u32::MAX);
    }
}
