//! Weighted summaries of particles: quantiles, medians, the posterior predictive of
//! each target, and the small linear algebra the proposals need (weighted
//! covariance, Cholesky factor, Gaussian log-density).

use super::file::Target;
use super::method::Particle;

/// The `q`-quantile of `values` under `weights` (any positive scale): the smallest
/// value whose cumulative weight reaches `q` of the total, interpolated halfway at
/// exact ties of the cumulative weight, so equal weights give the usual median.
pub fn weighted_quantile(values: &[f64], weights: &[f64], q: f64) -> f64 {
    let mut order: Vec<usize> = (0..values.len())
        .filter(|&i| values[i].is_finite() && weights[i] > 0.0)
        .collect();
    if order.is_empty() {
        return f64::NAN;
    }
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let total: f64 = order.iter().map(|&i| weights[i]).sum();
    let goal = q.clamp(0.0, 1.0) * total;
    let mut cumulative = 0.0;
    for (n, &i) in order.iter().enumerate() {
        cumulative += weights[i];
        if cumulative >= goal * (1.0 - 1e-12) {
            let exact = (cumulative - goal).abs() <= 1e-12 * total;
            return match order.get(n + 1) {
                Some(&next) if exact && q > 0.0 && q < 1.0 => (values[i] + values[next]) / 2.0,
                _ => values[i],
            };
        }
    }
    values[*order.last().expect("not empty")]
}

/// One parameter's marginal: its weighted median and central 90% interval.
pub fn marginal(particles: &[Particle], parameter: usize) -> (f64, f64, f64) {
    let values: Vec<f64> = particles.iter().map(|p| p.theta[parameter]).collect();
    let weights: Vec<f64> = particles.iter().map(|p| p.weight).collect();
    (
        weighted_quantile(&values, &weights, 0.5),
        weighted_quantile(&values, &weights, 0.05),
        weighted_quantile(&values, &weights, 0.95),
    )
}

/// A target's posterior predictive: the weighted mean of the particles' simulated
/// means, and a 95% interval for a new observation, mean ± 1.96 √(weighted variance
/// of the particles' means + observation and discrepancy variance): a normal
/// approximation of parameter uncertainty and measurement noise together.
pub struct Predictive {
    pub mean: f64,
    pub low: f64,
    pub high: f64,
    /// |observed − predictive mean| / √(fixed variance + the mean's variance).
    pub implausibility: f64,
}

pub fn predictive(particles: &[Particle], target: &Target, index: usize) -> Predictive {
    let means: Vec<f64> = particles.iter().map(|p| p.simulated[index].mean).collect();
    let weights: Vec<f64> = particles.iter().map(|p| p.weight).collect();
    let total: f64 = weights.iter().sum();
    let mean = means.iter().zip(&weights).map(|(m, w)| m * w).sum::<f64>() / total;
    let spread = means
        .iter()
        .zip(&weights)
        .map(|(m, w)| w * (m - mean).powi(2))
        .sum::<f64>()
        / total;
    let var_of_mean = particles
        .iter()
        .zip(&weights)
        .map(|(p, w)| w * p.simulated[index].var_of_mean)
        .sum::<f64>()
        / total;
    let half = 1.96 * (spread + target.fixed_variance()).sqrt();
    Predictive {
        mean,
        low: mean - half,
        high: mean + half,
        implausibility: (target.value - mean).abs()
            / (target.fixed_variance() + var_of_mean).sqrt(),
    }
}

/// Effective sample size of normalised weights: 1 / Σ w².
pub fn effective_size(weights: &[f64]) -> f64 {
    1.0 / weights.iter().map(|w| w * w).sum::<f64>()
}

/// Weighted mean and covariance of `points` (weights summing to 1).
pub fn weighted_covariance(points: &[&[f64]], weights: &[f64]) -> (Vec<f64>, Vec<Vec<f64>>) {
    let d = points.first().map_or(0, |p| p.len());
    let mut mean = vec![0.0; d];
    for (p, w) in points.iter().zip(weights) {
        for (m, x) in mean.iter_mut().zip(p.iter()) {
            *m += w * x;
        }
    }
    let mut cov = vec![vec![0.0; d]; d];
    for (p, w) in points.iter().zip(weights) {
        for i in 0..d {
            for j in 0..d {
                cov[i][j] += w * (p[i] - mean[i]) * (p[j] - mean[j]);
            }
        }
    }
    (mean, cov)
}

/// The lower Cholesky factor of a symmetric positive-definite matrix, or `None`.
pub fn cholesky(a: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let d = a.len();
    let mut l = vec![vec![0.0; d]; d];
    for i in 0..d {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            if i == j {
                let v = a[i][i] - s;
                if !(v > 0.0 && v.is_finite()) {
                    return None;
                }
                l[i][i] = v.sqrt();
            } else {
                l[i][j] = (a[i][j] - s) / l[j][j];
            }
        }
    }
    Some(l)
}

/// log N(x; mean, L Lᵀ) up to the constant −d/2 log 2π, which cancels in weights.
pub fn gaussian_log_density(x: &[f64], mean: &[f64], l: &[Vec<f64>]) -> f64 {
    let d = x.len();
    let mut z = vec![0.0; d];
    for i in 0..d {
        let s: f64 = (0..i).map(|k| l[i][k] * z[k]).sum();
        z[i] = (x[i] - mean[i] - s) / l[i][i];
    }
    let log_det: f64 = (0..d).map(|i| l[i][i].ln()).sum();
    -0.5 * z.iter().map(|v| v * v).sum::<f64>() - log_det
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_weights_give_the_usual_median_and_weights_move_it() {
        let values = [3.0, 1.0, 2.0, 4.0];
        assert_eq!(weighted_quantile(&values, &[1.0; 4], 0.5), 2.5);
        assert_eq!(weighted_quantile(&values[..3], &[1.0; 3], 0.5), 2.0);
        assert_eq!(weighted_quantile(&values, &[1.0, 1.0, 1.0, 10.0], 0.5), 4.0);
        assert_eq!(weighted_quantile(&values, &[1.0; 4], 0.0), 1.0);
        assert_eq!(weighted_quantile(&values, &[1.0; 4], 1.0), 4.0);
    }

    #[test]
    fn cholesky_reproduces_the_matrix_and_refuses_a_singular_one() {
        let a = vec![vec![4.0, 2.0], vec![2.0, 3.0]];
        let l = cholesky(&a).unwrap();
        for i in 0..2 {
            for j in 0..2 {
                let back: f64 = (0..2).map(|k| l[i][k] * l[j][k]).sum();
                assert!((back - a[i][j]).abs() < 1e-12);
            }
        }
        assert!(cholesky(&[vec![1.0, 1.0], vec![1.0, 1.0]]).is_none());
        // Standard normal at its mean: log density 0 up to the constant.
        let unit = vec![vec![1.0, 0.0], vec![0.0, 1.0]];
        assert_eq!(gaussian_log_density(&[0.0, 0.0], &[0.0, 0.0], &unit), 0.0);
        assert!((gaussian_log_density(&[1.0, 0.0], &[0.0, 0.0], &unit) + 0.5).abs() < 1e-12);
    }
}
