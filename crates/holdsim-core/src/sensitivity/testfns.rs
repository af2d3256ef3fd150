//! Test functions with analytic sensitivity indices, written on the unit cube
//! (each maps u ∈ [0, 1] onto its own input range, as the caller will do for the
//! model's factors).

use std::f64::consts::PI;

/// Ishigami & Homma (1990): f = sin x1 + a sin² x2 + b x3⁴ sin x1, x ~ U[−π, π]³.
pub const ISHIGAMI_A: f64 = 7.0;
pub const ISHIGAMI_B: f64 = 0.1;

pub fn ishigami(u: &[f64]) -> f64 {
    let x: Vec<f64> = u.iter().map(|&u| -PI + 2.0 * PI * u).collect();
    x[0].sin() + ISHIGAMI_A * x[1].sin().powi(2) + ISHIGAMI_B * x[2].powi(4) * x[0].sin()
}

/// Analytic (S1, ST) of the Ishigami function (e.g. Saltelli et al. 2008,
/// *Global Sensitivity Analysis: The Primer*, section 4.7; Sobol' & Levitan 1999):
/// V1 = ½(1 + bπ⁴/5)², V2 = a²/8, V3 = 0, V13 = b²π⁸·8/225, all other terms 0.
pub struct IshigamiTruth {
    pub first: [f64; 3],
    pub total: [f64; 3],
    pub s13: f64,
}

pub fn ishigami_truth() -> IshigamiTruth {
    let (a, b) = (ISHIGAMI_A, ISHIGAMI_B);
    let pi4 = PI.powi(4);
    let v1 = 0.5 * (1.0 + b * pi4 / 5.0).powi(2);
    let v2 = a * a / 8.0;
    let v13 = b * b * pi4 * pi4 * 8.0 / 225.0;
    let v = v1 + v2 + v13;
    IshigamiTruth {
        first: [v1 / v, v2 / v, 0.0],
        total: [(v1 + v13) / v, v2 / v, v13 / v],
        s13: v13 / v,
    }
}

/// Sobol' g-function (Saltelli & Sobol' 1995): ∏ (|4u_i − 2| + a_i) / (1 + a_i) on
/// [0, 1]^k; V_i = 1 / (3(1 + a_i)²), V = ∏(1 + V_i) − 1.
pub fn g_function(a: &[f64], u: &[f64]) -> f64 {
    a.iter()
        .zip(u)
        .map(|(&a, &u)| ((4.0 * u - 2.0).abs() + a) / (1.0 + a))
        .product()
}

/// Analytic (S1, ST) of the g-function: S_i = V_i / V,
/// ST_i = V_i ∏_{j≠i}(1 + V_j) / V.
pub fn g_function_truth(a: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let vi: Vec<f64> = a.iter().map(|&a| 1.0 / (3.0 * (1.0 + a).powi(2))).collect();
    let prod: f64 = vi.iter().map(|v| 1.0 + v).product();
    let v = prod - 1.0;
    let first = vi.iter().map(|&x| x / v).collect();
    let total = vi.iter().map(|&x| x * prod / (1.0 + x) / v).collect();
    (first, total)
}

/// y = Σ c_i (lo_i + (hi_i − lo_i) u_i): the factor ranges are applied here, as
/// the caller does for real factors.
pub fn linear(c: &[f64], ranges: &[(f64, f64)], u: &[f64]) -> f64 {
    c.iter()
        .zip(ranges)
        .zip(u)
        .map(|((&c, &(lo, hi)), &u)| c * (lo + (hi - lo) * u))
        .sum()
}

/// Evaluate `f` at every point, in order.
pub fn evaluate(points: &[Vec<f64>], f: impl Fn(&[f64]) -> f64) -> Vec<f64> {
    points.iter().map(|p| f(p)).collect()
}

#[test]
fn ishigami_truth_matches_the_published_values() {
    let t = ishigami_truth();
    let close = |x: f64, y: f64| (x - y).abs() < 5e-5;
    assert!(close(t.first[0], 0.3139) && close(t.first[1], 0.4424));
    assert!(close(t.total[0], 0.5576) && close(t.total[1], 0.4424));
    assert!(close(t.total[2], 0.2437) && close(t.s13, 0.2437));
}
