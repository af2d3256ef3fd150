//! Engine speed in patient-days per second (docs/model.md § 7.10: patients Queued, Connecting
//! or Holding at step 8, summed over simulated days), on one core.
//!
//! Run with `cargo bench --bench engine`. Divan reports `item/s`: each item is one
//! patient-day, so the throughput column is patient-days per second.

use divan::Bencher;
use divan::counter::ItemsCount;
use holdsim::engine::{Options, Workspace, run_replication_in};
use holdsim::model::Model;
use holdsim::scenario::{Number, Scenario};

fn main() {
    divan::main();
}

fn model(overrides: &[(&str, Number)]) -> Model {
    let mut s = Scenario::default();
    for (path, value) in overrides {
        s.set_path(path, *value).expect("valid bench override");
    }
    Model::try_new(&s).expect("valid scenario")
}

/// Patient-days of replication 0, so the counter matches the work measured.
fn patient_days(model: &Model) -> u64 {
    run_replication_in(&mut Workspace::default(), model, 0, &Options::default()).patient_days as u64
}

fn bench_replication(bencher: Bencher, model: &Model) {
    let mut workspace = Workspace::default();
    bencher
        .counter(ItemsCount::new(patient_days(model)))
        .bench_local(|| {
            run_replication_in(
                &mut workspace,
                divan::black_box(model),
                0,
                &Options::default(),
            )
        });
}

/// One replication of `scenarios/baseline.toml`: 1 site, 3 LWs, 5 years.
#[divan::bench(sample_count = 50)]
fn baseline_replication(bencher: Bencher) {
    bench_replication(bencher, &model(&[]));
}

/// One replication of `scenarios/pressured.toml` (20 referrals a week).
#[divan::bench(sample_count = 50)]
fn pressured_replication(bencher: Bencher) {
    bench_replication(
        bencher,
        &model(&[("referrals.rate_per_week", Number::Float(20.0))]),
    );
}

/// A many-site run: 100 pressured sites for 5 years in one replication.
#[divan::bench(sample_count = 10)]
fn hundred_sites_replication(bencher: Bencher) {
    bench_replication(
        bencher,
        &model(&[
            ("run.sites", Number::Int(100)),
            ("referrals.rate_per_week", Number::Float(20.0)),
        ]),
    );
}

/// One replication of `scenarios/england.toml`: 1,250 sites (650 with 2 posts, 600 with
/// 3), 20 referrals a week each, 10 years. Sites run in parallel chunks, so this one
/// uses every thread divan's process has (set RAYON_NUM_THREADS to pin it).
#[divan::bench(sample_count = 3)]
fn england_replication(bencher: Bencher) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/england.toml");
    let scenario = holdsim::scenario::load(&path, &[]).expect("bundled scenario");
    bench_replication(bencher, &Model::try_new(&scenario).expect("valid scenario"));
}
