//! The distributions of docs/model.md § 7.9, parameterised as the model states them
//! (median/p90, mean/cv, mean/sd) and converted once to the textbook form.

use std::fmt;

use rand::RngExt;
use rand_distr::{Beta, Distribution, Gamma, Normal, Poisson, StandardNormal};

use crate::rng::Rng;

mod ziggurat;

/// A standard normal draw, the very number rand_distr's `StandardNormal` draws from the
/// same generator state (tested bit for bit). Why not call it: it is not inlined into
/// the samplers, and its call cost more than the ziggurat's fast path, which about
/// 98.8% of draws take. That path is done here; the rare draws (a wedge or the tail)
/// rewind the generator — a SplitMix64 state is one word — and let rand_distr make
/// them, so nothing of its algorithm is re-implemented but the first test.
#[inline]
pub fn standard_normal(rng: &mut Rng) -> f64 {
    let saved = rng.clone();
    let bits = rand::Rng::next_u64(rng);
    let i = bits as usize & 0xff;
    // The top 52 bits as a float in [2, 4) (exponent 1), minus 3: [−1, 1).
    let u = f64::from_bits((bits >> 12) | (1024u64 << 52)) - 3.0;
    let x = u * ziggurat::ZIG_NORM_X[i];
    if x.abs() < ziggurat::ZIG_NORM_X[i + 1] {
        return x;
    }
    *rng = saved;
    rng.sample(StandardNormal)
}

/// The standard normal's 0.9 quantile: `σ = (ln p90 − ln median) / z90`.
pub const Z90: f64 = 1.281_551_565_545;

/// Why a distribution cannot be built from its parameters: the distribution's own
/// limit, said in its own terms. [`crate::model::Model::try_new`] turns it into a
/// problem naming the scenario keys behind the parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct DistError {
    /// The parameter to change ("mean", "cv", "sd", "median", "p90", "lambda"), so
    /// the problem can be reported at the key that holds it.
    pub param: &'static str,
    pub message: String,
}

impl fmt::Display for DistError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DistError {}

fn fail<T>(param: &'static str, message: String) -> Result<T, DistError> {
    Err(DistError { param, message })
}

/// A duration in whole days (docs/model.md § 7.9): `max(1, ceil(x − 1e−9))` of a
/// log-normal draw `x`, or of the median itself when p90 equals the median.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Duration {
    Fixed(f64),
    LogNormal { mu: f64, sigma: f64 },
}

impl Duration {
    /// Needs `0 < median ≤ p90`, both finite. Any such pair gives a finite `μ` and
    /// `σ`; a draw that overflows to infinity is a duration longer than any horizon
    /// ([`whole_days`] saturates).
    pub fn from_median_p90(median: f64, p90: f64) -> Result<Duration, DistError> {
        if !(median.is_finite() && median > 0.0) {
            return fail(
                "median",
                format!("the median ({median:?}) must be a finite number > 0"),
            );
        }
        if !(p90.is_finite() && p90 >= median) {
            return fail(
                "p90",
                format!(
                    "the 90th percentile ({p90:?}) must be a finite number ≥ the median ({median:?})"
                ),
            );
        }
        Ok(if p90 == median {
            Duration::Fixed(median)
        } else {
            Duration::LogNormal {
                mu: median.ln(),
                sigma: (p90.ln() - median.ln()) / Z90,
            }
        })
    }

    /// The continuous draw `x` before rounding to days.
    pub fn sample_raw(&self, rng: &mut Rng) -> f64 {
        match *self {
            Duration::Fixed(x) => x,
            Duration::LogNormal { mu, sigma } => (mu + sigma * standard_normal(rng)).exp(),
        }
    }

    pub fn sample_days(&self, rng: &mut Rng) -> u32 {
        whole_days(self.sample_raw(rng))
    }
}

/// `max(1, ceil(x − 1e−9))`, saturating at `u32::MAX` for absurd draws. The ceiling
/// is taken from a truncating cast: `ceil` is a library call on baseline x86-64
/// (no SSE4.1), and this runs for every log-normal wait.
#[inline]
pub fn whole_days(x: f64) -> u32 {
    let y = x - 1e-9;
    if y >= u32::MAX as f64 {
        return u32::MAX;
    }
    // Saturating: a negative y (or NaN) gives 0; below u32::MAX, t + 1 cannot overflow.
    let t = y as u32;
    let d = if f64::from(t) < y { t + 1 } else { t };
    d.max(1)
}

/// Cumulative probabilities kept by a Poisson sampler that inverts.
const CDF_TABLE: usize = 16;

/// `Poisson(λ)` with `Poisson(0) = 0` (docs/model.md § 7.1).
#[derive(Clone, Copy, Debug)]
pub struct Count(CountRepr);

#[derive(Clone, Copy, Debug)]
enum CountRepr {
    Zero,
    /// Inversion of one uniform by sequential search from 0 (λ below
    /// [`Count::INVERSION_BELOW`]): exact, one uniform and about λ steps a draw, where
    /// Knuth's product of uniforms needs λ + 1 uniforms. `cap` ends the search
    /// should rounding leave the summed probabilities short of the uniform (a tail
    /// beyond `cap` has probability far below 2⁻⁵³).
    ///
    /// The first [`CDF_TABLE`] cumulative probabilities are kept, so most draws are
    /// a few comparisons (a referral's sessions and preparing weeks, a day's
    /// referrals); the search goes on by subtraction past them.
    Inversion {
        lambda: f64,
        cdf: [f64; CDF_TABLE],
        /// `P(X = CDF_TABLE − 1)`, where the search past the table starts.
        last_p: f64,
        cap: u32,
    },
    /// rand_distr's rejection method (Ahrens & Dieter) for larger means.
    Rejection(Poisson<f64>),
}

impl Count {
    /// The largest mean accepted. Draws are counts of days, sessions or referrals
    /// held in 32 bits: at λ = 1e9 (sd ≈ 3.2e4) a draw beyond `u32::MAX` is
    /// impossible in practice, where rand_distr's own limit (1.8e19) is not.
    pub const MAX_MEAN: f64 = 1e9;

    /// Means below this are drawn by inversion (as rand_distr switches from Knuth's
    /// method to rejection at 12): the search's expected length is λ + 1 steps, and
    /// `e^−λ` stays far from underflow.
    pub const INVERSION_BELOW: f64 = 12.0;

    /// `Poisson(0)`: always 0.
    pub const ZERO: Count = Count(CountRepr::Zero);

    pub fn new(lambda: f64) -> Result<Count, DistError> {
        if !(lambda.is_finite() && lambda >= 0.0) {
            return fail(
                "lambda",
                format!("the Poisson mean ({lambda:?}) must be a finite number ≥ 0"),
            );
        }
        if lambda > Self::MAX_MEAN {
            return fail(
                "lambda",
                format!(
                    "the Poisson mean ({lambda:?}) exceeds {:e}, beyond which its counts do not fit 32 bits",
                    Self::MAX_MEAN
                ),
            );
        }
        if lambda == 0.0 {
            return Ok(Count(CountRepr::Zero));
        }
        if lambda < Self::INVERSION_BELOW {
            // P(X > λ + 40√λ + 40) < 1e−30 for every λ < 12.
            let cap = (lambda + 40.0 * lambda.sqrt() + 40.0) as u32;
            let mut cdf = [0.0; CDF_TABLE];
            let (mut p, mut total, mut last_p) = ((-lambda).exp(), 0.0, 0.0);
            for (k, c) in cdf.iter_mut().enumerate() {
                total += p;
                *c = total;
                last_p = p;
                p *= lambda / (k + 1) as f64;
            }
            return Ok(Count(CountRepr::Inversion {
                lambda,
                cdf,
                last_p,
                cap,
            }));
        }
        Poisson::new(lambda)
            .map(|p| Count(CountRepr::Rejection(p)))
            .map_err(|e| DistError {
                param: "lambda",
                message: format!("Poisson({lambda:?}): {e}"),
            })
    }

    /// Whether every draw is 0 (a mean of 0): no generator needs to be started.
    #[inline]
    pub fn is_zero(&self) -> bool {
        matches!(self.0, CountRepr::Zero)
    }

    /// A draw; saturates at `u32::MAX` (unreachable below [`Count::MAX_MEAN`]).
    /// Always inlined (a referral draws two, a site-day one): the compiler left it
    /// out of line, and the call cost a fifth of a typical draw.
    #[inline(always)]
    pub fn sample(&self, rng: &mut Rng) -> u32 {
        // By reference: the table is not copied out.
        match &self.0 {
            CountRepr::Zero => 0,
            CountRepr::Inversion {
                lambda,
                cdf,
                last_p,
                cap,
            } => {
                // The smallest k with P(X ≤ k) > u.
                let u: f64 = rng.random();
                // The first k with u < cdf[k] is the count of entries ≤ u (the table
                // never decreases): counted without a data-dependent exit, which a
                // search mispredicted about once a draw.
                let k = cdf.iter().filter(|&&c| c <= u).count();
                if k < CDF_TABLE {
                    k as u32
                } else {
                    Self::beyond_table(*lambda, cdf[CDF_TABLE - 1], *last_p, *cap, u)
                }
            }
            CountRepr::Rejection(p) => Self::rejection(p, rng),
        }
    }

    /// The inversion's search past its table (`u ≥ table_total = P(X < CDF_TABLE)`):
    /// subtract `P(X = k)` from what `u` exceeds until it no longer covers it.
    #[cold]
    fn beyond_table(lambda: f64, table_total: f64, last_p: f64, cap: u32, u: f64) -> u32 {
        let mut u = u - table_total;
        let mut p = last_p;
        let mut k = CDF_TABLE as u32 - 1;
        loop {
            k += 1;
            p *= lambda / f64::from(k);
            if u < p || k >= cap {
                return k;
            }
            u -= p;
        }
    }

    /// Kept out of line so that [`Count::sample`]'s inversion inlines where it is used.
    #[inline(never)]
    fn rejection(p: &Poisson<f64>, rng: &mut Rng) -> u32 {
        p.sample(rng) as u32
    }
}

/// Marsaglia & Tsang's (2000) exact rejection sampler of Gamma(shape, 1) for shapes
/// ≥ 1, with its constants computed once: about 1.02 normal and uniform pairs a
/// draw and, thanks to the squeeze, a logarithm in under 2% of them. rand_distr uses
/// the same method; having it here lets a Beta be drawn from two of them (see
/// [`BetaMeanSd`]) with everything inlined.
#[derive(Clone, Copy, Debug)]
struct MarsagliaTsang {
    /// `shape − 1/3`.
    d: f64,
    /// `1/√(9d)`.
    c: f64,
}

impl MarsagliaTsang {
    /// Needs `shape ≥ 1`, finite.
    fn new(shape: f64) -> MarsagliaTsang {
        let d = shape - 1.0 / 3.0;
        MarsagliaTsang {
            d,
            c: 1.0 / (9.0 * d).sqrt(),
        }
    }

    #[inline]
    fn sample(&self, rng: &mut Rng) -> f64 {
        loop {
            let x = standard_normal(rng);
            let v = 1.0 + self.c * x;
            if v <= 0.0 {
                continue;
            }
            let v = v * v * v;
            let u: f64 = rng.random();
            let x2 = x * x;
            // The squeeze, then the exact test (u = 0 passes it: ln 0 = −∞).
            if u < 1.0 - 0.0331 * x2 * x2 || u.ln() < 0.5 * x2 + self.d * (1.0 - v + v.ln()) {
                return self.d * v;
            }
        }
    }
}

/// `Gamma(mean, cv)`: shape `1/cv²`, scale `mean·cv²`; a mean of 0 gives 0.
#[derive(Clone, Copy, Debug)]
pub struct GammaMeanCv(GammaRepr);

#[derive(Clone, Copy, Debug)]
enum GammaRepr {
    Zero,
    /// Shape ≥ 1 (cv ≤ 1): Marsaglia–Tsang, times the scale.
    Large(MarsagliaTsang, f64),
    /// Shape < 1: rand_distr's (Marsaglia–Tsang at shape + 1, times `U^(1/shape)`).
    Small(Gamma<f64>),
}

impl GammaMeanCv {
    /// Needs a finite mean ≥ 0 and a finite cv > 0 whose shape `1/cv²` is finite and
    /// positive and whose scale `mean·cv²` is a normal number: a subnormal or zero
    /// scale is refused by rand_distr, and an infinite shape makes every draw infinite.
    pub fn new(mean: f64, cv: f64) -> Result<GammaMeanCv, DistError> {
        if !(mean.is_finite() && mean >= 0.0) {
            return fail(
                "mean",
                format!("the mean ({mean:?}) must be a finite number ≥ 0"),
            );
        }
        if !(cv.is_finite() && cv > 0.0) {
            return fail("cv", format!("the cv ({cv:?}) must be a finite number > 0"));
        }
        if mean == 0.0 {
            return Ok(GammaMeanCv(GammaRepr::Zero));
        }
        let shape = 1.0 / (cv * cv);
        let scale = mean * cv * cv;
        if !(shape.is_finite() && shape > 0.0) {
            return fail(
                "cv",
                format!(
                    "the cv ({cv:?}) is too {} for a Gamma: its shape 1/cv² is {shape:?}; {} the cv",
                    if cv < 1.0 { "small" } else { "large" },
                    if cv < 1.0 { "raise" } else { "lower" }
                ),
            );
        }
        if !(scale.is_finite() && scale >= f64::MIN_POSITIVE) {
            return fail(
                if mean < f64::MIN_POSITIVE {
                    "mean"
                } else {
                    "cv"
                },
                format!(
                    "mean ({mean:?}) · cv² ({:?}) = {scale:?} is too small to be a Gamma's scale (below {:e}); raise the mean or the cv, or set the mean to 0 for none",
                    cv * cv,
                    f64::MIN_POSITIVE
                ),
            );
        }
        if shape >= 1.0 {
            return Ok(GammaMeanCv(GammaRepr::Large(
                MarsagliaTsang::new(shape),
                scale,
            )));
        }
        Gamma::new(shape, scale)
            .map(|g| GammaMeanCv(GammaRepr::Small(g)))
            .map_err(|e| DistError {
                param: "cv",
                message: format!("Gamma(shape {shape:?}, scale {scale:?}): {e}"),
            })
    }

    #[inline]
    pub fn sample(&self, rng: &mut Rng) -> f64 {
        match &self.0 {
            GammaRepr::Zero => 0.0,
            GammaRepr::Large(g, scale) => g.sample(rng) * scale,
            GammaRepr::Small(g) => g.sample(rng),
        }
    }
}

/// `Beta(mean m, sd v)`: `a = m·k`, `b = (1 − m)·k`, `k = m(1 − m)/v² − 1`.
#[derive(Clone, Copy, Debug)]
pub struct BetaMeanSd(BetaRepr);

#[derive(Clone, Copy, Debug)]
enum BetaRepr {
    /// `a, b ≥ 1`: `X/(X + Y)` of independent `X ~ Gamma(a)`, `Y ~ Gamma(b)`, exact
    /// and (two Marsaglia–Tsang draws, almost never a logarithm) cheaper than Cheng's
    /// algorithm, which takes a logarithm and an exponential every draw.
    TwoGammas(MarsagliaTsang, MarsagliaTsang),
    /// A shape below 1: rand_distr's (Cheng's BC), safe where Gamma draws underflow.
    Cheng(Beta<f64>),
}

impl BetaMeanSd {
    /// Needs `0 < m < 1`, a feasible sd (`v² < m(1 − m)`), a finite `k` (the sd not
    /// vanishingly small) and normal `a`, `b` (the sd not a hair below its limit):
    /// the sampler divides by them, and a subnormal one makes its draws NaN.
    pub fn new(mean: f64, sd: f64) -> Result<BetaMeanSd, DistError> {
        if !(mean > 0.0 && mean < 1.0) {
            return fail("mean", format!("the mean ({mean:?}) must lie in (0, 1)"));
        }
        if !(sd.is_finite() && sd > 0.0) {
            return fail("sd", format!("the sd ({sd:?}) must be a finite number > 0"));
        }
        let limit = mean * (1.0 - mean);
        let k = limit / (sd * sd) - 1.0;
        if k.is_nan() || k <= 0.0 {
            return fail(
                "sd",
                format!(
                    "the sd ({sd:?}) is infeasible for a Beta with mean {mean:?}: sd² must be < mean·(1 − mean) = {limit:.4}, so sd < {:.4}",
                    limit.sqrt()
                ),
            );
        }
        if !k.is_finite() {
            return fail(
                "sd",
                format!(
                    "the sd ({sd:?}) is too small for a Beta: its parameters mean·(1 − mean)/sd² overflow"
                ),
            );
        }
        let (a, b) = (mean * k, (1.0 - mean) * k);
        if !(a >= f64::MIN_POSITIVE && b >= f64::MIN_POSITIVE) {
            return fail(
                "sd",
                format!(
                    "the sd ({sd:?}) is so close to its limit √(mean·(1 − mean)) = {:.6} that the Beta's parameters ({a:e}, {b:e}) underflow; lower it a little",
                    limit.sqrt()
                ),
            );
        }
        if a >= 1.0 && b >= 1.0 {
            return Ok(BetaMeanSd(BetaRepr::TwoGammas(
                MarsagliaTsang::new(a),
                MarsagliaTsang::new(b),
            )));
        }
        Beta::new(a, b)
            .map(|b| BetaMeanSd(BetaRepr::Cheng(b)))
            .map_err(|e| DistError {
                param: "sd",
                message: format!("Beta({a:?}, {b:?}): {e}"),
            })
    }

    #[inline]
    pub fn sample(&self, rng: &mut Rng) -> f64 {
        match &self.0 {
            BetaRepr::TwoGammas(a, b) => {
                let x = a.sample(rng);
                let y = b.sample(rng);
                // Not x / (x + y): with shapes near f64::MAX the sum overflows.
                1.0 / (1.0 + y / x)
            }
            BetaRepr::Cheng(b) => b.sample(rng),
        }
    }
}

/// `Normal(mean, sd)` truncated below at `floor` by redrawing (burnout thresholds).
#[derive(Clone, Copy, Debug)]
pub struct TruncatedNormal {
    normal: Normal<f64>,
    floor: f64,
}

impl TruncatedNormal {
    /// Needs a finite mean above the floor (so each draw is kept with probability
    /// over 1/2 and the redrawing ends) and a finite sd ≥ 0.
    pub fn new(mean: f64, sd: f64, floor: f64) -> Result<TruncatedNormal, DistError> {
        if !(mean.is_finite() && mean > floor) {
            return fail(
                "mean",
                format!("the mean ({mean:?}) must be a finite number above the floor {floor:?}"),
            );
        }
        if !(sd.is_finite() && sd >= 0.0) {
            return fail("sd", format!("the sd ({sd:?}) must be a finite number ≥ 0"));
        }
        Normal::new(mean, sd)
            .map(|normal| TruncatedNormal { normal, floor })
            .map_err(|e| DistError {
                param: "sd",
                message: format!("Normal({mean:?}, {sd:?}): {e}"),
            })
    }

    pub fn sample(&self, rng: &mut Rng) -> f64 {
        // mean > floor is checked, so each draw succeeds with probability > 1/2.
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

/// Failures before the first success of daily Bernoulli(`p`) trials: the day count at
/// which a daily-probability event fires, drawn by inversion of one uniform. The
/// logarithm of `1 − p` is taken once here, not at every draw (queue dropouts draw
/// one per queue entry).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Geometric {
    /// The daily probability.
    pub p: f64,
    /// `ln(1 − p)`.
    ln_q: f64,
    /// `(1 − p)^LOOKAHEAD`: the probability of at least [`Geometric::LOOKAHEAD`] failures.
    q_lookahead: f64,
}

impl Geometric {
    /// How far [`Geometric::failures_within_lookahead`] looks: eight weeks.
    pub const LOOKAHEAD: u32 = 56;

    pub fn new(p: f64) -> Geometric {
        Geometric {
            p,
            ln_q: (1.0 - p).ln(),
            q_lookahead: (1.0 - p).powi(Self::LOOKAHEAD as i32),
        }
    }

    /// [`Geometric::failures`] of `u` when it is below [`Geometric::LOOKAHEAD`], else
    /// `None` without taking a logarithm. Why: a queued patient is usually assigned
    /// long before its dropout day, so the day need not be known until then; the
    /// caller asks again ([`Geometric::failures`]) if the patient is still waiting.
    /// Up to a rounding tie (`1 − u` within an ulp of `(1 − p)^LOOKAHEAD`), `None`
    /// means `failures(u) ≥ LOOKAHEAD`.
    #[inline]
    pub fn failures_within_lookahead(&self, u: f64) -> Option<u32> {
        if 1.0 - u <= self.q_lookahead && self.p < 1.0 {
            None
        } else {
            Some(self.failures(u))
        }
    }

    /// The failures for uniform `u` in [0, 1); `u32::MAX` stands for "never" (`p = 0`).
    #[inline]
    pub fn failures(&self, u: f64) -> u32 {
        if self.p >= 1.0 {
            return 0;
        }
        if self.p <= 0.0 {
            return u32::MAX;
        }
        // Both logarithms are ≤ 0 (ln(1 − u) finite as u < 1), so the quotient is ≥ 0
        // and the saturating cast is its floor, capped at u32::MAX (`floor` would be
        // a library call on baseline x86-64).
        ((1.0 - u).ln() / self.ln_q) as u32
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
        let d = Duration::from_median_p90(28.0, 90.0).unwrap();
        let mut r = rng();
        let xs: Vec<f64> = (0..100_000).map(|_| d.sample_raw(&mut r)).collect();
        // Sampling sd of a quantile at n = 1e5 is under 0.5% here; allow 2%.
        assert!((quantile(xs.clone(), 0.5) / 28.0 - 1.0).abs() < 0.02);
        assert!((quantile(xs, 0.9) / 90.0 - 1.0).abs() < 0.02);
    }

    #[test]
    fn fixed_duration_when_p90_equals_median_and_rounding_rule() {
        let d = Duration::from_median_p90(10.0, 10.0).unwrap();
        assert_eq!(d, Duration::Fixed(10.0));
        assert_eq!(d.sample_days(&mut rng()), 10);
        assert_eq!(whole_days(10.0 + 1e-12), 10);
        assert_eq!(whole_days(10.2), 11);
        assert_eq!(whole_days(0.01), 1);
        // The cast-based ceiling is `max(1, ceil(x − 1e−9))` to the edges.
        for x in [
            -5.0,
            0.0,
            1e-9,
            1.0,
            1.0 + 2e-9,
            7.5,
            2.5e9,
            4294967295.4,
            4294967296.0,
            1e300,
        ] {
            let d = (x - 1e-9f64).ceil();
            let expected = if d >= u32::MAX as f64 {
                u32::MAX
            } else {
                (d as u32).max(1)
            };
            assert_eq!(whole_days(x), expected, "x = {x}");
        }
    }

    #[test]
    fn gamma_and_beta_match_their_moments() {
        let mut r = rng();
        let n = 200_000;
        let g = GammaMeanCv::new(0.375, 0.5).unwrap();
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
        assert_eq!(GammaMeanCv::new(0.0, 0.5).unwrap().sample(&mut r), 0.0);

        let b = BetaMeanSd::new(0.55, 0.2).unwrap();
        let xs: Vec<f64> = (0..n).map(|_| b.sample(&mut r)).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let sd = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64).sqrt();
        assert!((mean - 0.55).abs() < 0.003, "beta mean {mean}");
        assert!((sd - 0.2).abs() < 0.003, "beta sd {sd}");
        assert!(BetaMeanSd::new(0.5, 0.5).is_err());
    }

    #[test]
    fn poisson_zero_is_exact_and_truncated_normal_respects_its_floor() {
        let mut r = rng();
        assert_eq!(Count::new(0.0).unwrap().sample(&mut r), 0);
        let c = Count::new(3.0).unwrap();
        let mean = (0..100_000).map(|_| c.sample(&mut r) as f64).sum::<f64>() / 1e5;
        assert!((mean - 3.0).abs() < 0.03, "poisson mean {mean}");
        let t = TruncatedNormal::new(0.3, 0.5, 0.2).unwrap();
        assert!((0..10_000).all(|_| t.sample(&mut r) >= 0.2));
    }

    #[test]
    fn standard_normal_draws_exactly_what_rand_distr_draws() {
        // Same generator state, same number, over enough draws to take the wedge and
        // tail paths thousands of times; and the generators stay in step.
        let (mut ours, mut theirs) = (rng(), rng());
        for _ in 0..1_000_000 {
            let a = standard_normal(&mut ours);
            let b: f64 = theirs.sample(StandardNormal);
            assert_eq!(a.to_bits(), b.to_bits());
        }
        assert_eq!(ours, theirs);
    }

    /// The two-sample Kolmogorov–Smirnov statistic of `a` and `b` (sorted in place).
    fn ks(a: &mut [f64], b: &mut [f64]) -> f64 {
        a.sort_by(f64::total_cmp);
        b.sort_by(f64::total_cmp);
        let (mut i, mut j, mut d) = (0, 0, 0.0f64);
        while i < a.len() && j < b.len() {
            if a[i] <= b[j] {
                i += 1;
            } else {
                j += 1;
            }
            d = d.max((i as f64 / a.len() as f64 - j as f64 / b.len() as f64).abs());
        }
        d
    }

    /// Whether `ours` and rand_distr's `theirs` draw from one distribution: 100,000
    /// draws each, from unrelated generators, and the KS statistic below its 0.999
    /// critical value (1.95 · √(2/n) ≈ 0.0087).
    fn same_distribution(
        mut ours: impl FnMut(&mut Rng) -> f64,
        theirs: impl Distribution<f64>,
    ) -> (bool, f64) {
        let n = 100_000;
        let (mut r1, mut r2) = (Rng::seed_from_u64(1), Rng::seed_from_u64(2));
        let mut a: Vec<f64> = (0..n).map(|_| ours(&mut r1)).collect();
        let mut b: Vec<f64> = (0..n).map(|_| theirs.sample(&mut r2)).collect();
        let d = ks(&mut a, &mut b);
        (d < 1.95 * (2.0 / n as f64).sqrt(), d)
    }

    #[test]
    fn gamma_and_beta_samplers_match_rand_distrs_exactly_in_distribution() {
        // Shapes from the squeeze's worst case (1) to large, and the small-shape path.
        for (mean, cv) in [(1.0, 1.0), (0.25, 0.5), (0.5, 0.8), (3.0, 0.1), (2.0, 1.7)] {
            let shape = 1.0 / (cv * cv);
            let g = GammaMeanCv::new(mean, cv).unwrap();
            let theirs = Gamma::new(shape, mean / shape).unwrap();
            let (ok, d) = same_distribution(|r| g.sample(r), theirs);
            assert!(ok, "Gamma(mean {mean}, cv {cv}): KS {d}");
        }
        // Beta: both shapes ≥ 1 (two Gammas), and one shape below 1 (Cheng's).
        for (mean, sd) in [(0.3, 0.15), (0.55, 0.2), (0.05, 0.1)] {
            let b = BetaMeanSd::new(mean, sd).unwrap();
            let k = mean * (1.0 - mean) / (sd * sd) - 1.0;
            let theirs = Beta::new(mean * k, (1.0 - mean) * k).unwrap();
            let (ok, d) = same_distribution(|r| b.sample(r), theirs);
            assert!(ok, "Beta(mean {mean}, sd {sd}): KS {d}");
        }
        // The check can fail: a Beta whose first shape is 5% off.
        let b = BetaMeanSd::new(0.3, 0.15).unwrap();
        let k = 0.21 / 0.0225 - 1.0;
        let theirs = Beta::new(0.3 * k * 1.05, 0.7 * k).unwrap();
        assert!(!same_distribution(|r| b.sample(r), theirs).0);
    }

    /// Pearson's chi-square of `n` draws of `Count::new(drawn)` against the Poisson(`lambda`)
    /// probabilities, the tail beyond the last cell with an expected count ≥ 5 pooled,
    /// and the 0.999 quantile of its chi-square distribution (Wilson–Hilferty, within
    /// 0.1 of the tables at these degrees of freedom).
    fn poisson_chi2(drawn: f64, lambda: f64, n: u32) -> (f64, f64) {
        let c = Count::new(drawn).unwrap();
        let mut r = rng();
        let mut pmf = vec![(-lambda).exp()];
        while f64::from(n) * pmf[pmf.len() - 1] >= 5.0 || pmf.len() as f64 <= lambda {
            let k = pmf.len() as f64;
            pmf.push(pmf[pmf.len() - 1] * lambda / k);
        }
        pmf.pop();
        let tail = 1.0 - pmf.iter().sum::<f64>();
        pmf.push(tail);
        let mut counts = vec![0u32; pmf.len()];
        for _ in 0..n {
            let k = (c.sample(&mut r) as usize).min(pmf.len() - 1);
            counts[k] += 1;
        }
        let chi2 = counts
            .iter()
            .zip(&pmf)
            .map(|(&o, &p)| (f64::from(o) - f64::from(n) * p).powi(2) / (f64::from(n) * p))
            .sum();
        let k = (pmf.len() - 1) as f64;
        let q999 = k * (1.0 - 2.0 / (9.0 * k) + 3.09 * (2.0 / (9.0 * k)).sqrt()).powi(3);
        (chi2, q999)
    }

    #[test]
    fn poisson_counts_follow_the_poisson_probabilities_on_both_methods() {
        // Inversion below 12, rejection from 12.
        for lambda in [0.05, 0.7, 2.4, 5.0, 11.99, 12.0, 30.0] {
            let (chi2, limit) = poisson_chi2(lambda, lambda, 200_000);
            assert!(
                chi2 < limit,
                "λ = {lambda}: chi2 {chi2:.1} (limit {limit:.1})"
            );
        }
        // The check can fail: Poisson(5.1) draws against Poisson(5) probabilities.
        let (chi2, limit) = poisson_chi2(5.1, 5.0, 200_000);
        assert!(chi2 > limit, "chi2 {chi2:.1} (limit {limit:.1})");
    }

    #[test]
    fn geometric_days_match_daily_probability() {
        let p = daily_from_weekly(0.1);
        assert!((1.0 - (1.0 - p).powi(7) - 0.1).abs() < 1e-12);
        let mut r = rng();
        let n = 200_000;
        let mean = (0..n)
            .map(|_| Geometric::new(p).failures(r.random::<f64>()) as f64)
            .sum::<f64>()
            / n as f64;
        let expected = (1.0 - p) / p;
        assert!((mean / expected - 1.0).abs() < 0.02, "{mean} vs {expected}");
        assert_eq!(Geometric::new(1.0).failures(0.7), 0);
        assert_eq!(Geometric::new(0.0).failures(0.7), u32::MAX);
    }

    /// Every parameter that used to reach an `expect` is an error that says why
    /// (issue 8, class 2): the values `--set` could give before limits existed.
    #[test]
    fn panics_on_accepted_values_become_distribution_errors() {
        // Gamma: cv so small its shape is infinite, so large its shape underflows,
        // a subnormal mean (scale underflows).
        assert!(GammaMeanCv::new(0.375, 1e-200).is_err());
        assert!(GammaMeanCv::new(0.375, 1e200).is_err());
        assert!(GammaMeanCv::new(5e-324, 0.5).is_err());
        assert!(GammaMeanCv::new(f64::NAN, 0.5).is_err());
        assert!(GammaMeanCv::new(0.375, 1e-150).is_ok());
        // Poisson: beyond the 32-bit limit, negative, NaN.
        assert!(Count::new(1e300).is_err());
        assert!(Count::new(Count::MAX_MEAN * 1.01).is_err());
        assert!(Count::new(-1.0).is_err());
        assert!(Count::new(f64::NAN).is_err());
        assert!(Count::new(Count::MAX_MEAN).is_ok());
        // Beta: vanishing sd (k infinite), infeasible sd, sd a hair below its limit.
        let e = BetaMeanSd::new(0.55, 1e-200).unwrap_err();
        assert!(e.message.contains("too small"), "{e}");
        assert!(BetaMeanSd::new(0.55, 0.6).is_err());
        let e = BetaMeanSd::new(1e-305, 1e-305f64.sqrt() * (1.0 - 1e-7)).unwrap_err();
        assert!(e.message.contains("underflow"), "{e}");
        assert!(BetaMeanSd::new(0.0, 0.1).is_err());
        // Normal: infinite sd, mean at the floor.
        assert!(TruncatedNormal::new(1.0, f64::INFINITY, 0.2).is_err());
        assert!(TruncatedNormal::new(0.2, 0.1, 0.2).is_err());
        // Log-normal: p90 below the median, infinite p90.
        assert!(Duration::from_median_p90(10.0, 5.0).is_err());
        assert!(Duration::from_median_p90(10.0, f64::INFINITY).is_err());
        assert!(Duration::from_median_p90(5e-324, 1.7e308).is_ok());
    }
}
