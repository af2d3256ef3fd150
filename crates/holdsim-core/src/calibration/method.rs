//! The method, stage by stage: history-matching waves, then ABC population Monte
//! Carlo generations. A [`Calibrator`] holds the finished stages; `next_stage` runs
//! one more from them alone, so a caller can save the stages after each one and
//! resume from them (the CLI does) with the same result as an uninterrupted run.
//!
//! **Waves** (Vernon et al. 2010; Andrianakis et al. 2015, by direct simulation
//! instead of an emulator): wave 1 is a Latin hypercube over the prior box; each
//! later wave proposes around the previous wave's non-implausible points (a
//! Gaussian with twice their covariance, kept inside the box). A point is
//! non-implausible when every target's implausibility
//! |z − mean| / √(obs var + discrepancy var + var of the simulated mean) is below the
//! cut-off.
//!
//! **Generations** (Beaumont et al. 2009; Toni et al. 2009): proposals from a
//! defensive mixture (5% the uniform prior, 95% Gaussians of twice the previous
//! population's weighted covariance around its particles), accepted with probability
//! exp(−½ Σ r²/(V h²)) with V = obs var + discrepancy var + var of the simulated mean
//! and only when non-implausible, weighted prior / proposal density. The tolerance h
//! starts at the median standardised distance of the last wave's survivors and
//! shrinks to the floor h = 1, where the kernel is the stated error model itself:
//! the posterior is never narrower than the data, the discrepancy and the
//! simulation noise allow.

use rand::{RngExt, SeedableRng};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::file::{Calibration, Target};
use super::posterior::{cholesky, gaussian_log_density, weighted_covariance, weighted_quantile};
use super::simulate::{Simulated, Simulator, implausibilities, stage_seed};
use crate::dist::standard_normal;
use crate::rng::{Rng, mix};
use crate::runner::Stopped;
use crate::sensitivity::latin_hypercube;

/// Share of each ABC proposal drawn from the uniform prior (a defensive mixture,
/// Hesterberg 1995), so no part of the box history matching kept is left unvisited.
const DEFENSIVE_SHARE: f64 = 0.05;
/// Draws of a proposal tried before giving up on landing inside the prior box.
const BOX_TRIES: usize = 1000;

/// One simulated point of a wave.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Evaluated {
    #[serde(with = "exact::many")]
    pub theta: Vec<f64>,
    /// Each target's simulated mean, or why the point could not run.
    pub outcome: Result<Vec<Simulated>, String>,
    /// The largest implausibility over targets (infinite for a point that failed).
    #[serde(with = "exact::one")]
    pub max_implausibility: f64,
}

/// A history-matching wave.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Wave {
    pub wave: u32,
    pub points: Vec<Evaluated>,
}

impl Wave {
    /// The points below the cut-off.
    pub fn kept<'a>(&'a self, cutoff: f64) -> impl Iterator<Item = &'a Evaluated> + 'a {
        self.points
            .iter()
            .filter(move |p| p.max_implausibility < cutoff)
    }

    /// Points whose scenario could not run.
    pub fn failed(&self) -> usize {
        self.points.iter().filter(|p| p.outcome.is_err()).count()
    }
}

/// A weighted posterior particle and what it simulated when accepted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Particle {
    #[serde(with = "exact::many")]
    pub theta: Vec<f64>,
    /// Normalised: the population's weights sum to 1.
    #[serde(with = "exact::one")]
    pub weight: f64,
    pub simulated: Vec<Simulated>,
}

/// An ABC generation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Generation {
    pub generation: u32,
    /// The kernel's scale h (1 = the floor: the error model itself).
    #[serde(with = "exact::one")]
    pub tolerance: f64,
    /// Proposals simulated.
    pub simulations: usize,
    pub particles: Vec<Particle>,
    /// Whether the attempt budget ran out before `particles` were accepted.
    pub short: bool,
}

/// A finished stage.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Stage {
    Wave(Wave),
    Generation(Generation),
}

impl Stage {
    /// Parameter points simulated in the stage.
    pub fn simulations(&self) -> usize {
        match self {
            Stage::Wave(w) => w.points.len(),
            Stage::Generation(g) => g.simulations,
        }
    }
}

/// A calibration in progress: its settings, its simulator and the stages done.
pub struct Calibrator {
    pub calibration: Calibration,
    simulator: Simulator,
    pool: rayon::ThreadPool,
    pub stages: Vec<Stage>,
}

impl Calibrator {
    /// A calibrator on `threads` threads (results do not depend on them), resuming
    /// after `stages` (empty to start).
    pub fn new(
        calibration: Calibration,
        threads: usize,
        stages: Vec<Stage>,
    ) -> Result<Calibrator, Stopped> {
        let pool = crate::runner::pool(threads)?;
        Ok(Calibrator {
            simulator: Simulator::new(&calibration),
            calibration,
            pool,
            stages,
        })
    }

    fn waves(&self) -> impl Iterator<Item = &Wave> {
        self.stages.iter().filter_map(|s| match s {
            Stage::Wave(w) => Some(w),
            Stage::Generation(_) => None,
        })
    }

    fn last_generation(&self) -> Option<&Generation> {
        self.stages.iter().rev().find_map(|s| match s {
            Stage::Generation(g) => Some(g),
            Stage::Wave(_) => None,
        })
    }

    /// Whether every stage is done: the last generation reached the floor or the
    /// generation limit.
    pub fn is_done(&self) -> bool {
        let generations = self.stages.len() - self.waves().count();
        self.last_generation().is_some_and(|g| {
            g.tolerance <= 1.0 || generations >= self.calibration.settings.generations as usize
        })
    }

    /// The posterior: the last generation's particles.
    pub fn posterior(&self) -> Option<&[Particle]> {
        self.last_generation().map(|g| g.particles.as_slice())
    }

    /// Simulations run so far.
    pub fn simulations(&self) -> usize {
        self.stages.iter().map(Stage::simulations).sum()
    }

    /// Runs the next stage and keeps it; `on_point` is called (from worker threads)
    /// after each simulated point. `Err` says why the calibration cannot go on.
    pub fn run_next(&mut self, on_point: &(dyn Fn() + Sync)) -> Result<(), String> {
        let waves = self.waves().count() as u32;
        let stage = if waves < self.calibration.settings.waves {
            Stage::Wave(self.pool.install(|| self.wave(waves + 1, on_point))?)
        } else {
            let generation = (self.stages.len() as u32) - waves;
            Stage::Generation(
                self.pool
                    .install(|| self.generation(generation, on_point))?,
            )
        };
        self.stages.push(stage);
        Ok(())
    }

    /// Runs every remaining stage, calling `after` with each finished one (to save it).
    pub fn run_all(
        &mut self,
        on_point: &(dyn Fn() + Sync),
        after: &mut dyn FnMut(&Calibrator) -> Result<(), String>,
    ) -> Result<(), String> {
        while !self.is_done() {
            self.run_next(on_point)?;
            after(self)?;
        }
        Ok(())
    }

    /// Wave `wave` (from 1): its points, simulated in parallel, in index order.
    fn wave(&self, wave: u32, on_point: &(dyn Fn() + Sync)) -> Result<Wave, String> {
        let settings = &self.calibration.settings;
        let bounds = self.calibration.bounds();
        let n = settings.wave_points;
        let seed = stage_seed(settings.seed, u64::from(wave));
        let thetas: Vec<Vec<f64>> = if wave == 1 {
            latin_hypercube(bounds.len(), n, seed)
                .into_iter()
                .map(|u| scale_unit(&u, &bounds))
                .collect()
        } else {
            let previous = self.waves().last().expect("a wave before");
            let kept: Vec<&[f64]> = previous
                .kept(settings.cutoff)
                .map(|p| p.theta.as_slice())
                .collect();
            if kept.is_empty() {
                return Err(no_point_left(previous.wave, settings.cutoff));
            }
            let weights = vec![1.0 / kept.len() as f64; kept.len()];
            let proposal = Proposal::new(&kept, &weights, &bounds, 0.0);
            (0..n)
                .map(|i| proposal.draw(&mut point_rng(seed, i)))
                .collect()
        };
        let points = thetas
            .into_par_iter()
            .enumerate()
            .map(|(i, theta)| {
                let outcome = self.simulator.run(seed, i, &theta);
                on_point();
                let max_implausibility = match &outcome {
                    Ok(s) => max_of(&implausibilities(&self.calibration.targets, s)),
                    Err(_) => f64::INFINITY,
                };
                Evaluated {
                    theta,
                    outcome,
                    max_implausibility,
                }
            })
            .collect::<Vec<_>>();
        let wave = Wave { wave, points };
        if wave.kept(settings.cutoff).next().is_none() {
            return Err(no_point_left(wave.wave, settings.cutoff));
        }
        Ok(wave)
    }

    /// The population a generation starts from (the last wave's non-implausible
    /// points, equally weighted, for the first) and its tolerance.
    fn start_of(&self, generation: u32) -> (Vec<Vec<f64>>, Vec<f64>, f64) {
        let targets = &self.calibration.targets;
        let cutoff = self.calibration.settings.cutoff;
        let (thetas, weights, distances, previous_h) = match self.last_generation() {
            Some(g) if generation > 0 => (
                g.particles.iter().map(|p| p.theta.clone()).collect(),
                g.particles.iter().map(|p| p.weight).collect::<Vec<_>>(),
                g.particles
                    .iter()
                    .map(|p| distance(targets, &p.simulated))
                    .collect::<Vec<_>>(),
                g.tolerance,
            ),
            _ => {
                let last = self.waves().last().expect("waves before generations");
                let kept: Vec<&Evaluated> = last.kept(cutoff).collect();
                let distances = kept
                    .iter()
                    .map(|p| distance(targets, p.outcome.as_ref().expect("kept points ran")))
                    .collect();
                let weights = vec![1.0 / kept.len() as f64; kept.len()];
                let thetas = kept.iter().map(|p| p.theta.clone()).collect();
                (thetas, weights, distances, f64::INFINITY)
            }
        };
        let median = weighted_quantile(&distances, &weights, 0.5);
        let tolerance = median.min(0.9 * previous_h).max(1.0);
        (thetas, weights, tolerance)
    }

    /// ABC generation `generation` (from 0).
    fn generation(
        &self,
        generation: u32,
        on_point: &(dyn Fn() + Sync),
    ) -> Result<Generation, String> {
        let settings = &self.calibration.settings;
        let targets = &self.calibration.targets;
        let bounds = self.calibration.bounds();
        let seed = stage_seed(settings.seed, 1000 + u64::from(generation));
        let (thetas, weights, tolerance) = self.start_of(generation);
        let previous: Vec<&[f64]> = thetas.iter().map(Vec::as_slice).collect();
        let proposal = Proposal::new(&previous, &weights, &bounds, DEFENSIVE_SHARE);
        let wanted = settings.particles;
        let budget = wanted.saturating_mul(settings.attempts as usize);
        let mut accepted: Vec<(Vec<f64>, Vec<Simulated>)> = Vec::new();
        let mut simulations = 0;
        while accepted.len() < wanted && simulations < budget {
            let rate = (accepted.len().max(1) as f64 / simulations.max(1) as f64).max(0.02);
            let missing = (wanted - accepted.len()) as f64;
            let batch = ((missing / rate * 1.1).ceil() as usize).clamp(1, budget - simulations);
            let start = simulations;
            let results: Vec<Option<(Vec<f64>, Vec<Simulated>)>> = (start..start + batch)
                .into_par_iter()
                .map(|i| {
                    let mut rng = point_rng(seed, i);
                    let theta = proposal.draw(&mut rng);
                    let outcome = self.simulator.run(seed, i, &theta);
                    on_point();
                    let simulated = outcome.ok()?;
                    let keep = max_of(&implausibilities(targets, &simulated)) < settings.cutoff
                        && rng.random::<f64>() < kernel(targets, &simulated, tolerance);
                    keep.then_some((theta, simulated))
                })
                .collect();
            simulations += batch;
            accepted.extend(results.into_iter().flatten());
        }
        accepted.truncate(wanted);
        if accepted.is_empty() {
            return Err(format!(
                "ABC generation {generation} accepted none of {simulations} proposals at tolerance {tolerance:.3}: the targets cannot be matched together; check their values and sds, or raise `attempts`"
            ));
        }
        let raw: Vec<f64> = accepted
            .iter()
            .map(|(theta, _)| (-proposal.log_density(theta)).exp())
            .collect();
        let total: f64 = raw.iter().sum();
        let short = accepted.len() < wanted;
        let particles = accepted
            .into_iter()
            .zip(raw)
            .map(|((theta, simulated), w)| Particle {
                theta,
                weight: w / total,
                simulated,
            })
            .collect();
        Ok(Generation {
            generation,
            tolerance,
            simulations,
            particles,
            short,
        })
    }
}

fn no_point_left(wave: u32, cutoff: f64) -> String {
    format!(
        "history-matching wave {wave} found no point with every target's implausibility below {cutoff}: the model cannot match these targets together inside the prior ranges; check the targets' values and sds, widen the ranges, or allow more model discrepancy"
    )
}

fn max_of(values: &[f64]) -> f64 {
    values.iter().copied().fold(0.0, f64::max)
}

/// √(mean over targets of r²/V): a point's standardised distance from the data.
fn distance(targets: &[Target], simulated: &[Simulated]) -> f64 {
    let sum: f64 = targets
        .iter()
        .zip(simulated)
        .map(|(t, s)| (t.value - s.mean).powi(2) / (t.fixed_variance() + s.var_of_mean))
        .sum();
    (sum / targets.len() as f64).sqrt()
}

/// The ABC kernel's acceptance probability at tolerance `h`.
fn kernel(targets: &[Target], simulated: &[Simulated], h: f64) -> f64 {
    let k = targets.len() as f64;
    (-0.5 * k * (distance(targets, simulated) / h).powi(2)).exp()
}

/// The random stream of point `index` of a stage: which parameter values it takes
/// and, in ABC, whether it is accepted.
fn point_rng(stage_seed: u64, index: usize) -> Rng {
    Rng::seed_from_u64(mix(mix(stage_seed ^ 0xca11_b8a7e) ^ index as u64))
}

fn scale_unit(u: &[f64], bounds: &[(f64, f64)]) -> Vec<f64> {
    u.iter()
        .zip(bounds)
        .map(|(x, (lo, hi))| lo + x * (hi - lo))
        .collect()
}

/// A defensive mixture: `uniform_share` of the prior box, the rest Gaussians of
/// twice the population's weighted covariance around its points (Beaumont et al.
/// 2009), truncated to the box.
struct Proposal {
    centres: Vec<Vec<f64>>,
    weights: Vec<f64>,
    cholesky: Vec<Vec<f64>>,
    bounds: Vec<(f64, f64)>,
    uniform_share: f64,
}

impl Proposal {
    fn new(
        points: &[&[f64]],
        weights: &[f64],
        bounds: &[(f64, f64)],
        uniform_share: f64,
    ) -> Proposal {
        let (_, mut cov) = weighted_covariance(points, weights);
        for (i, row) in cov.iter_mut().enumerate() {
            let range = bounds[i].1 - bounds[i].0;
            for x in row.iter_mut() {
                *x *= 2.0;
            }
            // A floor for a population collapsed onto one value (a single survivor,
            // an integer key), so the kernel still moves: 1% of the range.
            row[i] += (0.01 * range).powi(2);
        }
        let cholesky = cholesky(&cov).unwrap_or_else(|| {
            let d = bounds.len();
            (0..d)
                .map(|i| {
                    let mut row = vec![0.0; d];
                    row[i] = cov[i][i].max(1e-300).sqrt();
                    row
                })
                .collect()
        });
        Proposal {
            centres: points.iter().map(|p| p.to_vec()).collect(),
            weights: weights.to_vec(),
            cholesky,
            bounds: bounds.to_vec(),
            uniform_share,
        }
    }

    fn inside(&self, theta: &[f64]) -> bool {
        theta
            .iter()
            .zip(&self.bounds)
            .all(|(x, (lo, hi))| x >= lo && x <= hi)
    }

    /// A draw inside the box (after [`BOX_TRIES`] misses, the centre itself).
    fn draw(&self, rng: &mut Rng) -> Vec<f64> {
        let uniform = |rng: &mut Rng| {
            self.bounds
                .iter()
                .map(|(lo, hi)| lo + rng.random::<f64>() * (hi - lo))
                .collect::<Vec<f64>>()
        };
        if rng.random::<f64>() < self.uniform_share {
            return uniform(rng);
        }
        let u: f64 = rng.random();
        let centre = &self.centres[pick(&self.weights, u)];
        for _ in 0..BOX_TRIES {
            let z: Vec<f64> = (0..centre.len()).map(|_| standard_normal(rng)).collect();
            let theta: Vec<f64> = (0..centre.len())
                .map(|i| centre[i] + (0..=i).map(|k| self.cholesky[i][k] * z[k]).sum::<f64>())
                .collect();
            if self.inside(&theta) {
                return theta;
            }
        }
        centre.clone()
    }

    /// log of the proposal's density at `theta` relative to the uniform prior's
    /// (the truncation to the box is one constant for every draw, so it cancels
    /// when weights are normalised).
    fn log_density(&self, theta: &[f64]) -> f64 {
        let volume: f64 = self.bounds.iter().map(|(lo, hi)| (hi - lo).ln()).sum();
        let log_norm = -0.5 * (theta.len() as f64) * (2.0 * std::f64::consts::PI).ln();
        let terms: Vec<f64> = self
            .centres
            .iter()
            .zip(&self.weights)
            .map(|(c, w)| w.ln() + log_norm + gaussian_log_density(theta, c, &self.cholesky))
            .collect();
        let top = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let mixture = top + terms.iter().map(|t| (t - top).exp()).sum::<f64>().ln();
        let uniform = -volume;
        let a = (1.0 - self.uniform_share).ln() + mixture;
        if self.uniform_share > 0.0 {
            let b = self.uniform_share.ln() + uniform;
            let m = a.max(b);
            m + ((a - m).exp() + (b - m).exp()).ln() - uniform
        } else {
            a - uniform
        }
    }
}

/// The index whose cumulative weight first exceeds `u` × total (the last for `u`
/// at 1 or weights that do not sum as expected).
pub(crate) fn pick(weights: &[f64], u: f64) -> usize {
    let total: f64 = weights.iter().sum();
    let mut cumulative = 0.0;
    for (i, w) in weights.iter().enumerate() {
        cumulative += w;
        if u * total < cumulative {
            return i;
        }
    }
    weights.len().saturating_sub(1)
}

/// Numbers saved as their bits, so stages read back from a checkpoint are the very
/// numbers computed (JSON's decimal text need not parse back to the same double, and
/// has no infinity) and a resumed calibration is bit-identical to an uninterrupted one.
pub(crate) mod exact {
    pub mod one {
        use serde::{Deserialize, Deserializer, Serializer};

        pub fn serialize<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_u64(x.to_bits())
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
            u64::deserialize(d).map(f64::from_bits)
        }
    }

    pub mod many {
        use serde::{Deserialize, Deserializer, Serialize, Serializer};

        pub fn serialize<S: Serializer>(xs: &[f64], s: S) -> Result<S::Ok, S::Error> {
            let bits: Vec<u64> = xs.iter().map(|x| x.to_bits()).collect();
            bits.serialize(s)
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
            Vec::<u64>::deserialize(d).map(|b| b.into_iter().map(f64::from_bits).collect())
        }
    }
}
