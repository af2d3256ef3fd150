use holdsim::{engine, kpi, model::Model, scenario};
fn main() {
    let path = std::env::args().nth(1);
    let s = match path {
        Some(p) => scenario::load(std::path::Path::new(&p), &[]).unwrap(),
        None => scenario::Scenario::default(),
    };
    let m = Model::new(&s);
    let n = 100;
    let t0 = std::time::Instant::now();
    let mut sums = vec![0.0; kpi::KPI_COUNT];
    let mut pd = 0.0;
    for r in 0..n {
        let rep = engine::run_replication(
            &m,
            r,
            &engine::Options {
                audit: r < 3,
                ..Default::default()
            },
        );
        if !rep.audit_problems.is_empty() {
            println!("{:?}", rep.audit_problems);
        }
        pd += rep.patient_days;
        let k = kpi::compute(&m, &rep);
        for (i, v) in k.0.iter().enumerate() {
            sums[i] += v.unwrap_or(f64::NAN);
        }
    }
    let el = t0.elapsed().as_secs_f64();
    for (i, k) in kpi::ALL_KPIS.iter().enumerate() {
        println!("{:32} {:.4}", k.name(), sums[i] / n as f64);
    }
    println!("patient-days/s {:.3e}  ({} reps in {:.2}s)", pd / el, n, el);
}
