//! What a posterior adds to each replication: building the drawn particle's model
//! (`Drawn::model`, the arrival series shared with the base model) against building a
//! model from scratch, and checking every particle of the bundled posterior first.
//!
//! Run with `cargo bench --bench posterior`; compare the per-replication figure with
//! `cargo bench --bench engine` (a baseline replication).

use holdsim::commands::PosteriorUsed;
use holdsim::model::Model;
use holdsim::posterior::Drawn;
use holdsim::runner::Models;
use holdsim::scenario::Scenario;

fn main() {
    divan::main();
}

fn bundled() -> PosteriorUsed {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("calibration/literature-posterior.csv");
    PosteriorUsed::read(&path).expect("the bundled posterior reads")
}

/// One replication's model with a posterior: the particle drawn for it, its values
/// set and checked, and its model built with the base's arrival series.
#[divan::bench]
fn drawn_model_per_replication(bencher: divan::Bencher) {
    let used = bundled();
    let drawn = Drawn::new(&Scenario::default(), &used.posterior).unwrap();
    let mut r = 0u64;
    bencher.bench_local(|| {
        r += 1;
        divan::black_box(drawn.model(r).unwrap().alpha_effective)
    });
}

/// A model built from scratch (the per-day arrival series derived again).
#[divan::bench]
fn model_from_scratch() -> f64 {
    Model::try_new(divan::black_box(&Scenario::default()))
        .unwrap()
        .alpha_effective
}

/// Checking all 1000 particles of the bundled posterior against a scenario.
#[divan::bench(sample_count = 20)]
fn check_every_particle(bencher: divan::Bencher) {
    let used = bundled();
    let base = Scenario::default();
    bencher.bench_local(|| Drawn::new(&base, &used.posterior).is_ok());
}
