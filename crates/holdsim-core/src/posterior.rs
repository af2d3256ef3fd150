//! Parameter uncertainty carried into a run: with a posterior (the weighted particles
//! `holdsim calibrate` writes), each replication simulates the scenario with the
//! parameter values of one particle, drawn by weight. Results then spread with the
//! parameters as well as with chance, and an interval across replications holds both.
//!
//! Which particle replication r runs is keyed by (seed, r) only, never by the
//! scenario: replication r of every scenario of a comparison runs the same particle
//! on the same random streams, so paired differences keep common random numbers for
//! the parameters as they do for chance.

use std::borrow::Cow;

use crate::calibration::file::{MAX_PARAMETERS, MAX_PARTICLES};
use crate::experiment::typed;
use crate::model::Model;
use crate::runner::Models;
use crate::scenario::Scenario;

/// Weighted particles over named scenario parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Posterior {
    /// Dotted scenario paths (`strain.alpha`), one per parameter.
    paths: Vec<String>,
    /// One row per particle, one value per path.
    values: Vec<Vec<f64>>,
    /// Normalised to sum to 1.
    weights: Vec<f64>,
}

impl Posterior {
    /// Checks and normalises particles: at least one, at most [`MAX_PARTICLES`] over at
    /// most [`MAX_PARAMETERS`] distinct paths, one finite value per path, finite
    /// non-negative weights with a positive sum. `Err` says what is wrong (particles
    /// counted from 0, as `posterior.csv`'s `particle` column).
    pub fn new(
        paths: Vec<String>,
        values: Vec<Vec<f64>>,
        weights: Vec<f64>,
    ) -> Result<Posterior, String> {
        if paths.is_empty() || paths.len() > MAX_PARAMETERS {
            return Err(format!(
                "a posterior needs 1 to {MAX_PARAMETERS} parameters, not {}",
                paths.len()
            ));
        }
        if let Some((i, p)) = paths
            .iter()
            .enumerate()
            .find(|(i, p)| paths[..*i].contains(p))
        {
            return Err(format!("parameter `{p}` appears twice (column {})", i + 1));
        }
        if values.is_empty() || values.len() > MAX_PARTICLES || values.len() != weights.len() {
            return Err(format!(
                "a posterior needs 1 to {MAX_PARTICLES} particles, each with a weight (got {} particles, {} weights)",
                values.len(),
                weights.len()
            ));
        }
        for (i, (row, w)) in values.iter().zip(&weights).enumerate() {
            if row.len() != paths.len() || row.iter().any(|x| !x.is_finite()) {
                return Err(format!(
                    "particle {i} needs one finite value for each of {}",
                    paths.join(", ")
                ));
            }
            if !(w.is_finite() && *w >= 0.0) {
                return Err(format!(
                    "particle {i} has weight {w}; weights are finite and not negative"
                ));
            }
        }
        let total: f64 = weights.iter().sum();
        if !(total > 0.0 && total.is_finite()) {
            return Err(format!(
                "the weights sum to {total}; they need a positive sum"
            ));
        }
        let weights = weights.iter().map(|w| w / total).collect();
        Ok(Posterior {
            paths,
            values,
            weights,
        })
    }

    pub fn paths(&self) -> &[String] {
        &self.paths
    }

    /// Number of particles.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Particle `particle`'s values, in [`Posterior::paths`] order.
    pub fn values(&self, particle: usize) -> &[f64] {
        &self.values[particle]
    }

    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// The particle replication `replication` runs with: drawn by weight from a stream
    /// keyed by (`seed`, `replication`) only, so it is reproducible from the seed and
    /// the same for replication r of every scenario of a comparison.
    pub fn particle_for(&self, seed: u64, replication: u64) -> usize {
        use crate::rng::{mix, to_unit};
        let u = to_unit(mix(mix(seed ^ 0x9057_e410) ^ replication));
        crate::calibration::method::pick(&self.weights, u)
    }

    /// `base` with particle `particle`'s values set (an integer key takes the rounded
    /// value, as a sweep point does) and checked by the scenario's own rules. `Err`
    /// says what is wrong.
    pub fn scenario_of(&self, base: &Scenario, particle: usize) -> Result<Scenario, String> {
        let mut s = base.clone();
        for (path, &x) in self.paths.iter().zip(&self.values[particle]) {
            let value = typed(base, path, x)?;
            s.set_path(path, value)
                .map_err(|e| format!("`{path}` = {x}: {e}"))?;
        }
        s.validated()
    }

    /// Whether some parameter is a `run.*` or `referrals.*` key: the keys that shape
    /// a model's per-day arrival series (see [`Model::try_new_with_arrivals_of`]).
    fn moves_arrivals(&self) -> bool {
        self.paths
            .iter()
            .any(|p| p.starts_with("run.") || p.starts_with("referrals."))
    }
}

/// A scenario run with a posterior: replication r simulates the particle drawn for r
/// ([`Posterior::particle_for`] with the scenario's seed).
#[derive(Clone, Debug)]
pub struct Drawn {
    base: Scenario,
    posterior: Posterior,
    /// `base`'s model, whose arrival series every particle's model shares when the
    /// posterior moves no key they depend on (`None` when it does).
    shared_arrivals: Option<Model>,
    /// The streams' seed of the models built (a comparison's independent streams
    /// change it per scenario); particles are always drawn with `base.run.seed`.
    model_seed: u64,
}

impl Drawn {
    /// Checks every particle against `base` first (its scenario rules and
    /// [`Model::try_new`]), so no replication can fail later: `Err` names the first
    /// particle that does not make a runnable scenario.
    pub fn new(base: &Scenario, posterior: &Posterior) -> Result<Drawn, String> {
        let shared_arrivals = if posterior.moves_arrivals() {
            None
        } else {
            Some(Model::try_new(base).map_err(|e| e.to_string())?)
        };
        let drawn = Drawn {
            base: base.clone(),
            posterior: posterior.clone(),
            shared_arrivals,
            model_seed: base.run.seed,
        };
        for i in 0..posterior.len() {
            drawn
                .model_of(i)
                .map_err(|e| format!("posterior particle {i}: {e}"))?;
        }
        Ok(drawn)
    }

    /// The same draws with the models' streams seeded by `seed` (a comparison with
    /// independent streams per scenario).
    pub fn with_model_seed(mut self, seed: u64) -> Drawn {
        self.model_seed = seed;
        self
    }

    /// The particle replication `replication` runs.
    pub fn particle(&self, replication: u64) -> usize {
        self.posterior.particle_for(self.base.run.seed, replication)
    }

    pub fn posterior(&self) -> &Posterior {
        &self.posterior
    }

    /// Particle `particle`'s model.
    fn model_of(&self, particle: usize) -> Result<Model, String> {
        let scenario = self.posterior.scenario_of(&self.base, particle)?;
        let mut model = match &self.shared_arrivals {
            Some(reference) => Model::try_new_with_arrivals_of(&scenario, reference),
            None => Model::try_new(&scenario),
        }
        .map_err(|e| e.to_string())?;
        model.seed = self.model_seed;
        Ok(model)
    }
}

impl Models for Drawn {
    fn model(&self, replication: u64) -> Result<Cow<'_, Model>, String> {
        self.model_of(self.particle(replication)).map(Cow::Owned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Number;

    fn posterior(weights: Vec<f64>) -> Posterior {
        let values = (0..weights.len())
            .map(|i| vec![0.03 + 0.01 * i as f64])
            .collect();
        Posterior::new(vec!["strain.alpha".into()], values, weights).unwrap()
    }

    #[test]
    fn particles_are_drawn_by_weight_and_reproducibly() {
        let p = posterior(vec![0.1, 0.6, 0.3]);
        let draws: Vec<usize> = (0..20_000).map(|r| p.particle_for(7, r)).collect();
        for (i, w) in p.weights().iter().enumerate() {
            let share = draws.iter().filter(|&&d| d == i).count() as f64 / draws.len() as f64;
            assert!((share - w).abs() < 0.015, "particle {i}: {share} vs {w}");
        }
        let again: Vec<usize> = (0..20_000).map(|r| p.particle_for(7, r)).collect();
        assert_eq!(draws, again, "the same seed draws the same particles");
        let other: Vec<usize> = (0..20_000).map(|r| p.particle_for(8, r)).collect();
        assert_ne!(draws, other, "another seed draws others");
        assert!((0..100).all(|r| posterior(vec![0.0, 1.0]).particle_for(1, r) == 1));
    }

    #[test]
    fn weights_are_normalised_and_bad_particles_refused_by_number() {
        let p = posterior(vec![1.0, 3.0]);
        assert_eq!(p.weights(), [0.25, 0.75]);
        let bad = |paths: Vec<&str>, values: Vec<Vec<f64>>, weights: Vec<f64>| {
            Posterior::new(
                paths.into_iter().map(String::from).collect(),
                values,
                weights,
            )
            .unwrap_err()
        };
        assert!(
            bad(vec!["a"], vec![vec![1.0], vec![f64::NAN]], vec![1.0, 1.0]).contains("particle 1")
        );
        assert!(bad(vec!["a"], vec![vec![1.0]], vec![-1.0]).contains("weight -1"));
        assert!(bad(vec!["a"], vec![vec![1.0]], vec![0.0]).contains("positive sum"));
        assert!(bad(vec!["a", "a"], vec![vec![1.0, 1.0]], vec![1.0]).contains("twice"));
        assert!(bad(vec!["a"], vec![], vec![]).contains("1 to"));
    }

    #[test]
    fn each_replication_runs_its_particles_values_and_an_invalid_particle_is_named() {
        let base = Scenario::default();
        let p = posterior(vec![0.5, 0.5]);
        let drawn = Drawn::new(&base, &p).unwrap();
        for r in 0..20 {
            let model = drawn.model(r).unwrap();
            let alpha = p.values(drawn.particle(r))[0];
            let expected = p.scenario_of(&base, drawn.particle(r)).unwrap();
            assert_eq!(
                expected.get_path("strain.alpha").unwrap(),
                Number::Float(alpha)
            );
            // The shared arrival series make the very model try_new builds.
            let direct = Model::try_new(&expected).unwrap();
            assert_eq!(format!("{model:?}"), format!("{direct:?}"));
            assert_eq!(model.seed, base.run.seed);
        }
        // A posterior over a referral key derives each particle's own arrivals.
        let rates = Posterior::new(
            vec!["referrals.rate_per_week".into()],
            vec![vec![10.0], vec![30.0]],
            vec![1.0, 1.0],
        )
        .unwrap();
        let by_rate = Drawn::new(&base, &rates).unwrap();
        for r in 0..6 {
            let model = by_rate.model(r).unwrap();
            let direct = Model::try_new(&rates.scenario_of(&base, by_rate.particle(r)).unwrap());
            assert_eq!(format!("{model:?}"), format!("{:?}", direct.unwrap()));
        }
        let unknown =
            Posterior::new(vec!["strain.nope".into()], vec![vec![1.0]], vec![1.0]).unwrap();
        let e = Drawn::new(&base, &unknown).unwrap_err();
        assert!(e.contains("particle 0") && e.contains("strain.nope"), "{e}");
        let negative =
            Posterior::new(vec!["strain.alpha".into()], vec![vec![-5.0]], vec![1.0]).unwrap();
        let e = Drawn::new(&base, &negative).unwrap_err();
        assert!(e.contains("particle 0"), "{e}");
    }
}
