//! Plane-to-plane homographies: the minimal 4-point solution, the normalised
//! least-squares DLT, Gauss-Newton refinement of the reprojection error,
//! and RANSAC over putative matches. The matrix operations themselves (apply, compose, invert,
//! project a box) live in the `geometry` crate and are re-exported here.
//!
//! Written here (not taken from kornia-3d or OpenCV) because the whole
//! estimator is about 300 lines, needs no linear-algebra crate, and lets the
//! tracker run RANSAC with a handful of iterations when its prior is good.
//! Conventions: `H` maps reference pixels to frame pixels,
//! `[x', y', w'] = H [x, y, 1]`, row-major `[[f64; 3]; 3]`, normalised so
//! that `H[2][2] = 1`.

// Index loops are the clearest way to write small dense matrix algebra.
#![allow(clippy::needless_range_loop)]
// `!(x < y)` is deliberate: it is also true for NaN, which must fail.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

pub use geometry::homography::{
    apply, det, inverse, local_stretch, mul, normalized, project_box, Mat3, IDENTITY,
};
pub use geometry::SplitMix64;

/// A point correspondence: reference pixel -> frame pixel.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Correspondence {
    pub src: [f64; 2],
    pub dst: [f64; 2],
    /// Least-squares weight (inverse variance of the position error):
    /// keypoints from coarse pyramid levels are less precise.
    pub weight: f64,
}

/// Squared reprojection error of one correspondence under `h` (infinite
/// when the source point does not map to a finite frame point).
#[inline]
pub fn sq_error(h: &Mat3, c: &Correspondence) -> f64 {
    match apply(h, c.src) {
        Some(p) => (p[0] - c.dst[0]).powi(2) + (p[1] - c.dst[1]).powi(2),
        None => f64::INFINITY,
    }
}

/// Solves the n x n system `a x = b` by Gaussian elimination with partial
/// pivoting (a is row-major n x n).
fn solve<const N: usize>(mut a: [[f64; N]; N], mut b: [f64; N]) -> Option<[f64; N]> {
    for col in 0..N {
        let piv = (col..N).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[piv][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, piv);
        b.swap(col, piv);
        for r in col + 1..N {
            let f = a[r][col] / a[col][col];
            if f != 0.0 {
                for k in col..N {
                    a[r][k] -= f * a[col][k];
                }
                b[r] -= f * b[col];
            }
        }
    }
    let mut x = [0.0; N];
    for r in (0..N).rev() {
        let s: f64 = (r + 1..N).map(|k| a[r][k] * x[k]).sum();
        x[r] = (b[r] - s) / a[r][r];
    }
    x.iter().all(|v| v.is_finite()).then_some(x)
}

/// The exact homography through four correspondences (`h22 = 1`), or `None`
/// for a degenerate sample.
pub fn from_four(c: &[Correspondence; 4]) -> Option<Mat3> {
    // Normalise so the 8x8 system is well conditioned in pixel units.
    let (ts, td) = (
        similarity_norm(c.iter().map(|c| c.src)),
        similarity_norm(c.iter().map(|c| c.dst)),
    );
    let mut a = [[0.0; 8]; 8];
    let mut b = [0.0; 8];
    for (i, cc) in c.iter().enumerate() {
        let [x, y] = apply_affine(&ts, cc.src);
        let [u, v] = apply_affine(&td, cc.dst);
        a[2 * i] = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y];
        b[2 * i] = u;
        a[2 * i + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y];
        b[2 * i + 1] = v;
    }
    let h = solve(a, b)?;
    let hn = [[h[0], h[1], h[2]], [h[3], h[4], h[5]], [h[6], h[7], 1.0]];
    denormalize(&hn, &ts, &td)
}

/// Hartley normalisation: translate the centroid to 0 and scale so the mean
/// distance is sqrt(2). Returned as an affine matrix.
fn similarity_norm(points: impl Iterator<Item = [f64; 2]>) -> Mat3 {
    let pts: Vec<[f64; 2]> = points.collect();
    let n = pts.len().max(1) as f64;
    let cx = pts.iter().map(|p| p[0]).sum::<f64>() / n;
    let cy = pts.iter().map(|p| p[1]).sum::<f64>() / n;
    let md = pts
        .iter()
        .map(|p| (p[0] - cx).hypot(p[1] - cy))
        .sum::<f64>()
        / n;
    let s = if md > 1e-12 {
        std::f64::consts::SQRT_2 / md
    } else {
        1.0
    };
    [[s, 0.0, -s * cx], [0.0, s, -s * cy], [0.0, 0.0, 1.0]]
}

#[inline]
/// The farthest that `a` places any of `points` from where `b` places it (distance in the
/// target plane); `None` when either sends one of them to infinity.
pub(crate) fn max_shift(a: &Mat3, b: &Mat3, points: &[[f64; 2]]) -> Option<f64> {
    points.iter().try_fold(0.0f64, |most, &p| {
        let (u, v) = (apply(a, p)?, apply(b, p)?);
        Some(most.max((u[0] - v[0]).hypot(u[1] - v[1])))
    })
}

fn apply_affine(t: &Mat3, p: [f64; 2]) -> [f64; 2] {
    [t[0][0] * p[0] + t[0][2], t[1][1] * p[1] + t[1][2]]
}

fn denormalize(hn: &Mat3, ts: &Mat3, td: &Mat3) -> Option<Mat3> {
    normalized(mul(&mul(&inverse(td)?, hn), ts))
}

/// Least-squares homography through all correspondences: normalised DLT
/// (smallest eigenvector of `AᵀA`) followed by Gauss-Newton on the
/// reprojection error, so the result minimises the error in frame pixels
/// rather than the algebraic error.
pub fn fit(corrs: &[Correspondence]) -> Option<Mat3> {
    if corrs.len() < 4 {
        return None;
    }
    let ts = similarity_norm(corrs.iter().map(|c| c.src));
    let td = similarity_norm(corrs.iter().map(|c| c.dst));
    let norm: Vec<Correspondence> = corrs
        .iter()
        .map(|c| Correspondence {
            src: apply_affine(&ts, c.src),
            dst: apply_affine(&td, c.dst),
            weight: c.weight,
        })
        .collect();
    let mut ata = [[0.0f64; 9]; 9];
    for c in &norm {
        let [x, y] = c.src;
        let [u, v] = c.dst;
        let rows = [
            [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, -u],
            [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, -v],
        ];
        for r in &rows {
            for i in 0..9 {
                if r[i] == 0.0 {
                    continue;
                }
                for j in i..9 {
                    ata[i][j] += c.weight * r[i] * r[j];
                }
            }
        }
    }
    for i in 0..9 {
        for j in 0..i {
            ata[i][j] = ata[j][i];
        }
    }
    let v = smallest_eigenvector(ata);
    let hn = normalized([[v[0], v[1], v[2]], [v[3], v[4], v[5]], [v[6], v[7], v[8]]])?;
    // Refinement in the normalised frame: the destination normalisation is
    // an isotropic scale, so its squared error is the pixel error times a
    // constant and the minimiser is the same.
    let hn = gauss_newton(hn, &norm, 10).unwrap_or(hn);
    denormalize(&hn, &ts, &td)
}

/// Gauss-Newton on the 8 free entries (h22 = 1) of the geometric
/// reprojection error. Stops when a step no longer lowers the error.
fn gauss_newton(mut h: Mat3, corrs: &[Correspondence], iters: usize) -> Option<Mat3> {
    let cost = |h: &Mat3| corrs.iter().map(|c| c.weight * sq_error(h, c)).sum::<f64>();
    let mut cur = cost(&h);
    for _ in 0..iters {
        let mut jtj = [[0.0; 8]; 8];
        let mut jtr = [0.0; 8];
        for c in corrs {
            let [x, y] = c.src;
            let w = h[2][0] * x + h[2][1] * y + 1.0;
            if w <= 1e-12 {
                return None;
            }
            let px = (h[0][0] * x + h[0][1] * y + h[0][2]) / w;
            let py = (h[1][0] * x + h[1][1] * y + h[1][2]) / w;
            let rx = px - c.dst[0];
            let ry = py - c.dst[1];
            let jx = [
                x / w,
                y / w,
                1.0 / w,
                0.0,
                0.0,
                0.0,
                -px * x / w,
                -px * y / w,
            ];
            let jy = [
                0.0,
                0.0,
                0.0,
                x / w,
                y / w,
                1.0 / w,
                -py * x / w,
                -py * y / w,
            ];
            let wt = c.weight;
            for i in 0..8 {
                jtr[i] += wt * (jx[i] * rx + jy[i] * ry);
                for j in i..8 {
                    jtj[i][j] += wt * (jx[i] * jx[j] + jy[i] * jy[j]);
                }
            }
        }
        for i in 0..8 {
            for j in 0..i {
                jtj[i][j] = jtj[j][i];
            }
            // A touch of Levenberg damping keeps the step sane on nearly
            // degenerate inlier sets.
            jtj[i][i] *= 1.0 + 1e-6;
        }
        let step = solve(jtj, jtr)?;
        let flat = [
            h[0][0], h[0][1], h[0][2], h[1][0], h[1][1], h[1][2], h[2][0], h[2][1],
        ];
        let n: Vec<f64> = flat.iter().zip(&step).map(|(a, d)| a - d).collect();
        let cand = [[n[0], n[1], n[2]], [n[3], n[4], n[5]], [n[6], n[7], 1.0]];
        let c = cost(&cand);
        if !(c < cur) {
            break;
        }
        let gain = cur - c;
        h = cand;
        cur = c;
        if gain < 1e-12 * (1.0 + cur) {
            break;
        }
    }
    Some(h)
}

/// Eigenvector of the smallest eigenvalue of a symmetric 9x9 matrix (cyclic
/// Jacobi rotations; 9x9 converges in a few sweeps).
fn smallest_eigenvector(mut a: [[f64; 9]; 9]) -> [f64; 9] {
    let mut v = [[0.0; 9]; 9];
    for (i, row) in v.iter_mut().enumerate() {
        row[i] = 1.0;
    }
    for _sweep in 0..50 {
        let off: f64 = (0..9)
            .flat_map(|i| (0..9).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i][j] * a[i][j])
            .sum();
        if off < 1e-22 {
            break;
        }
        for p in 0..9 {
            for q in p + 1..9 {
                if a[p][q].abs() < 1e-300 {
                    continue;
                }
                let theta = (a[q][q] - a[p][p]) / (2.0 * a[p][q]);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..9 {
                    let akp = a[k][p];
                    let akq = a[k][q];
                    a[k][p] = c * akp - s * akq;
                    a[k][q] = s * akp + c * akq;
                }
                for k in 0..9 {
                    let apk = a[p][k];
                    let aqk = a[q][k];
                    a[p][k] = c * apk - s * aqk;
                    a[q][k] = s * apk + c * aqk;
                }
                for row in v.iter_mut() {
                    let vkp = row[p];
                    let vkq = row[q];
                    row[p] = c * vkp - s * vkq;
                    row[q] = s * vkp + c * vkq;
                }
            }
        }
    }
    let k = (0..9)
        .min_by(|&i, &j| a[i][i].total_cmp(&a[j][j]))
        .unwrap_or(8);
    std::array::from_fn(|i| v[i][k])
}

/// RANSAC settings.
#[derive(Debug, Clone)]
pub struct RansacParams {
    /// Inlier threshold on the reprojection error, in frame pixels.
    pub threshold: f64,
    pub max_iterations: usize,
    /// Stop once the chance of having missed a better all-inlier sample is
    /// below `1 - confidence`.
    pub confidence: f64,
    pub seed: u64,
}

/// The outcome of [`ransac`].
#[derive(Debug, Clone)]
pub struct RansacResult {
    pub h: Mat3,
    /// Indices (into the input) of the inliers of the refined `h`.
    pub inliers: Vec<usize>,
    /// Root-mean-square reprojection error of the inliers, frame pixels.
    pub rms_error: f64,
}

fn twice_area(a: [f64; 2], b: [f64; 2], c: [f64; 2]) -> f64 {
    (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
}

/// Rejects samples with three (nearly) collinear points on either side, and
/// samples whose quadrilateral changes orientation (a mirror image is not a
/// view of a plane from its front).
fn sample_ok(s: &[Correspondence; 4]) -> bool {
    for side in 0..2 {
        let p = |i: usize| if side == 0 { s[i].src } else { s[i].dst };
        for (a, b, c) in [(0, 1, 2), (0, 1, 3), (0, 2, 3), (1, 2, 3)] {
            if twice_area(p(a), p(b), p(c)).abs() < 4.0 {
                return false;
            }
        }
    }
    // Same orientation of every triangle on both sides.
    [(0, 1, 2), (0, 1, 3), (0, 2, 3), (1, 2, 3)]
        .iter()
        .all(|&(a, b, c)| {
            twice_area(s[a].src, s[b].src, s[c].src).signum()
                == twice_area(s[a].dst, s[b].dst, s[c].dst).signum()
        })
}

/// Robust homography over putative matches: RANSAC with the minimal 4-point
/// solver, adaptive iteration count, then least-squares refits on the
/// inliers (twice, re-collecting inliers with the refined model).
pub fn ransac(corrs: &[Correspondence], p: &RansacParams) -> Option<RansacResult> {
    let n = corrs.len();
    if n < 4 {
        return None;
    }
    let t2 = p.threshold * p.threshold;
    let mut rng = SplitMix64(p.seed ^ n as u64);
    let mut best: Option<(Mat3, usize)> = None;
    let mut needed = p.max_iterations;
    let mut it = 0;
    while it < needed.min(p.max_iterations) {
        it += 1;
        let mut idx = [0usize; 4];
        let mut k = 0;
        while k < 4 {
            let c = rng.below(n);
            if !idx[..k].contains(&c) {
                idx[k] = c;
                k += 1;
            }
        }
        let sample = idx.map(|i| corrs[i]);
        if !sample_ok(&sample) {
            continue;
        }
        let Some(h) = from_four(&sample) else {
            continue;
        };
        let count = corrs.iter().filter(|c| sq_error(&h, c) < t2).count();
        if best.as_ref().is_none_or(|b| count > b.1) {
            best = Some((h, count));
            let w = count as f64 / n as f64;
            let denom = (1.0 - w.powi(4)).ln();
            needed = if denom < 0.0 {
                ((1.0 - p.confidence).ln() / denom).ceil().max(1.0) as usize
            } else {
                p.max_iterations
            };
        }
    }
    let (mut h, _) = best?;
    let mut inliers: Vec<usize> = (0..n).filter(|&i| sq_error(&h, &corrs[i]) < t2).collect();
    for _ in 0..3 {
        if inliers.len() < 4 {
            return None;
        }
        let set: Vec<Correspondence> = inliers.iter().map(|&i| corrs[i]).collect();
        let Some(refit) = fit(&set) else { break };
        let new_inliers: Vec<usize> = (0..n)
            .filter(|&i| sq_error(&refit, &corrs[i]) < t2)
            .collect();
        if new_inliers.len() < inliers.len() {
            break;
        }
        let same = new_inliers == inliers;
        h = refit;
        inliers = new_inliers;
        if same {
            break;
        }
    }
    if inliers.len() < 4 {
        return None;
    }
    let rms_error = (inliers
        .iter()
        .map(|&i| sq_error(&h, &corrs[i]))
        .sum::<f64>()
        / inliers.len() as f64)
        .sqrt();
    Some(RansacResult {
        h,
        inliers,
        rms_error,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn truth() -> Mat3 {
        [
            [0.9, -0.3, 120.0],
            [0.25, 1.1, 40.0],
            [0.0004, -0.0002, 1.0],
        ]
    }

    #[test]
    fn four_points_recover_the_homography() {
        let h = truth();
        let src = [[0.0, 0.0], [300.0, 10.0], [280.0, 200.0], [20.0, 220.0]];
        let c = src.map(|s| Correspondence {
            src: s,
            dst: apply(&h, s).unwrap(),
            weight: 1.0,
        });
        let e = from_four(&c).unwrap();
        for i in 0..3 {
            for j in 0..3 {
                assert!(
                    (e[i][j] - h[i][j]).abs() < 1e-6 * h[i][j].abs().max(1.0),
                    "{e:?}"
                );
            }
        }
    }

    #[test]
    fn ransac_ignores_outliers_and_fit_is_accurate() {
        let h = truth();
        let mut rng = SplitMix64(7);
        let mut corrs = Vec::new();
        for i in 0..200 {
            let s = [rng.unit() * 400.0, rng.unit() * 300.0];
            let mut d = apply(&h, s).unwrap();
            if i % 3 == 0 {
                d = [rng.unit() * 1280.0, rng.unit() * 720.0];
            } else {
                d[0] += (rng.unit() - 0.5) * 1.0;
                d[1] += (rng.unit() - 0.5) * 1.0;
            }
            corrs.push(Correspondence {
                src: s,
                dst: d,
                weight: 1.0,
            });
        }
        let r = ransac(
            &corrs,
            &RansacParams {
                threshold: 3.0,
                max_iterations: 1000,
                confidence: 0.999,
                seed: 1,
            },
        )
        .unwrap();
        assert!(
            r.inliers.len() >= 130 && r.inliers.len() <= 140,
            "{}",
            r.inliers.len()
        );
        assert!(r.rms_error < 0.5);
        for p in [[0.0, 0.0], [400.0, 300.0], [0.0, 300.0]] {
            let a = apply(&h, p).unwrap();
            let b = apply(&r.h, p).unwrap();
            assert!((a[0] - b[0]).hypot(a[1] - b[1]) < 0.5, "{a:?} {b:?}");
        }
    }

    #[test]
    fn inverse_and_box_projection() {
        let h = truth();
        let hi = inverse(&h).unwrap();
        let p = apply(&hi, apply(&h, [10.0, 20.0]).unwrap()).unwrap();
        assert!((p[0] - 10.0).abs() < 1e-9 && (p[1] - 20.0).abs() < 1e-9);
        let q = project_box(&IDENTITY, 1.0, 2.0, 3.0, 4.0);
        assert_eq!(q, [[1.0, 2.0], [4.0, 2.0], [4.0, 6.0], [1.0, 6.0]]);
    }
}
