//! Small dense linear algebra: solving `A x = b` for a symmetric positive semi-definite `A`
//! (the Newton matrix `Σ d F'(u) x x'` of calibration, the normal equations of the
//! linearisation).
//!
//! Cholesky factorisation with diagonal pivoting: at each step the largest remaining diagonal
//! element is the pivot; when it falls below `TOLERANCE × (largest initial diagonal)` the
//! remaining directions are treated as null (the margins are collinear — a margin and its own
//! crossing, or the categories of two margins that both sum to `N`) and their unknowns set to
//! 0. For a consistent system this gives *a* solution; any solution gives the same fitted
//! values `X x`, which is all calibration and the residuals need (R's `MASS::ginv` gives the
//! minimum-norm one; the fitted values are the same).

/// Relative size under which a pivot counts as zero.
pub const TOLERANCE: f64 = 1e-11;

/// A factorised symmetric positive semi-definite matrix, to solve several right-hand sides.
#[derive(Debug, Clone)]
pub struct Cholesky {
    p: usize,
    /// Lower-triangular factor of the permuted matrix, row-major `p × p`; only the first
    /// `rang` columns are meaningful.
    l: Vec<f64>,
    /// `ordre[k]` = the original index of the k-th pivot.
    ordre: Vec<usize>,
    rang: usize,
}

impl Cholesky {
    /// Factorises `a` (row-major `p × p`, symmetric; only read).
    pub fn new(a: &[f64], p: usize) -> Self {
        let mut m = a.to_vec();
        let mut ordre: Vec<usize> = (0..p).collect();
        let echelle = (0..p).map(|i| a[i * p + i]).fold(0.0f64, f64::max);
        let seuil = TOLERANCE * echelle;
        let mut rang = 0;
        for k in 0..p {
            // Pivot: the largest remaining diagonal element.
            let (mut best, mut val) = (k, m[k * p + k]);
            for i in k + 1..p {
                if m[i * p + i] > val {
                    best = i;
                    val = m[i * p + i];
                }
            }
            // NaN counts as zero too.
            if val.is_nan() || val <= seuil {
                break;
            }
            if best != k {
                // Symmetric swap of rows and columns k and best.
                for j in 0..p {
                    m.swap(k * p + j, best * p + j);
                }
                for i in 0..p {
                    m.swap(i * p + k, i * p + best);
                }
                ordre.swap(k, best);
            }
            let d = m[k * p + k].sqrt();
            m[k * p + k] = d;
            for i in k + 1..p {
                m[i * p + k] /= d;
            }
            for i in k + 1..p {
                let lik = m[i * p + k];
                if lik == 0.0 {
                    continue;
                }
                for j in k + 1..=i {
                    m[i * p + j] -= lik * m[j * p + k];
                }
            }
            // Keep the upper triangle in step (read by the pivot search through the diagonal
            // only, and by the next swaps).
            for i in k + 1..p {
                for j in i + 1..p {
                    m[i * p + j] = m[j * p + i];
                }
            }
            rang += 1;
        }
        Cholesky {
            p,
            l: m,
            ordre,
            rang,
        }
    }

    /// The numerical rank.
    pub fn rang(&self) -> usize {
        self.rang
    }

    /// A solution of `A x = b` (unknowns of the null directions set to 0).
    pub fn resoudre(&self, b: &[f64]) -> Vec<f64> {
        let (p, r) = (self.p, self.rang);
        let l = &self.l;
        // Forward: L y = P b (first r components).
        let mut y = vec![0.0; r];
        for i in 0..r {
            let mut s = b[self.ordre[i]];
            for (j, yj) in y.iter().enumerate().take(i) {
                s -= l[i * p + j] * yj;
            }
            y[i] = s / l[i * p + i];
        }
        // Backward: L' z = y.
        let mut z = vec![0.0; r];
        for i in (0..r).rev() {
            let mut s = y[i];
            for (j, zj) in z.iter().enumerate().skip(i + 1) {
                s -= l[j * p + i] * zj;
            }
            z[i] = s / l[i * p + i];
        }
        let mut x = vec![0.0; p];
        for i in 0..r {
            x[self.ordre[i]] = z[i];
        }
        x
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn produit(a: &[f64], x: &[f64], p: usize) -> Vec<f64> {
        (0..p)
            .map(|i| (0..p).map(|j| a[i * p + j] * x[j]).sum())
            .collect()
    }

    #[test]
    fn solves_a_definite_system() {
        let a = [4.0, 1.0, 0.5, 1.0, 3.0, 0.2, 0.5, 0.2, 2.0];
        let b = [1.0, 2.0, 3.0];
        let c = Cholesky::new(&a, 3);
        assert_eq!(c.rang(), 3);
        let x = c.resoudre(&b);
        for (u, v) in produit(&a, &x, 3).iter().zip(b) {
            assert!((u - v).abs() < 1e-12);
        }
    }

    #[test]
    fn solves_a_consistent_singular_system() {
        // X has columns (1,1,0,0), (0,0,1,1), (1,0,1,0), (0,1,0,1): rank 3.
        let x = [
            [1.0, 0.0, 1.0, 0.0],
            [1.0, 0.0, 0.0, 1.0],
            [0.0, 1.0, 1.0, 0.0],
            [0.0, 1.0, 0.0, 1.0],
        ];
        let d = [1.0, 2.0, 3.0, 4.0];
        let mut a = [0.0; 16];
        for (k, row) in x.iter().enumerate() {
            for i in 0..4 {
                for j in 0..4 {
                    a[i * 4 + j] += d[k] * row[i] * row[j];
                }
            }
        }
        // b in the range of A: A times some vector.
        let b = produit(&a, &[0.3, -0.2, 0.7, 0.1], 4);
        let c = Cholesky::new(&a, 4);
        assert_eq!(c.rang(), 3);
        let s = c.resoudre(&b);
        for (u, v) in produit(&a, &s, 4).iter().zip(&b) {
            assert!((u - v).abs() < 1e-12, "{u} vs {v}");
        }
    }
}
