//! Writing speed: one replication's rows of `timeseries.csv` as CSV text, the work a
//! run does per replication besides simulating it (issue 10).
//!
//! Run with `cargo bench --bench output`. Divan reports `item/s`: each item is one
//! row (a week), so the throughput column is rows per second; `bytes/s` is the text.

use divan::Bencher;
use divan::counter::{BytesCount, ItemsCount};
use holdsim::engine::{Options, Replication, Workspace, run_replication_in};
use holdsim::model::Model;
use holdsim::output::table::CsvRows;
use holdsim::output::tables;
use holdsim::scenario::Scenario;

fn main() {
    divan::main();
}

/// Replication 0 of the default scenario (`scenarios/baseline.toml`'s settings).
fn replication() -> Replication {
    let model = Model::try_new(&Scenario::default()).expect("valid scenario");
    run_replication_in(&mut Workspace::default(), &model, 0, &Options::default())
}

fn rows(r: &Replication) -> CsvRows {
    let mut rows = CsvRows::new();
    tables::timeseries_rows(&mut rows, r.index, None, &r.weeks).expect("rows in memory");
    rows
}

/// The weekly rows of one replication (261 weeks of 5 years), numbers to text.
#[divan::bench(sample_count = 100)]
fn timeseries_rows_of_a_replication(bencher: Bencher) {
    let r = replication();
    let bytes = rows(&r).len();
    bencher
        .counter(ItemsCount::new(r.weeks.len()))
        .counter(BytesCount::new(bytes))
        .bench_local(|| rows(divan::black_box(&r)));
}
