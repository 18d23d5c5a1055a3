//! Plane-to-plane homographies as row-major `[[f64; 3]; 3]`: `[x', y', w'] = H [x, y, 1]`.
//!
//! Registration's convention is that `H` maps reference pixels to frame pixels, normalised so
//! that `H[2][2] = 1`; the generator maps panel coordinates to image pixels the same way.

/// Row-major 3x3 matrix.
pub type Mat3 = [[f64; 3]; 3];

pub const IDENTITY: Mat3 = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];

/// Applies `h` to a point; `None` when the point maps to infinity or behind the camera
/// (`w <= 0`, which a real view of a plane never produces for points of the plane that are
/// visible).
pub fn apply(h: &Mat3, p: [f64; 2]) -> Option<[f64; 2]> {
    let w = h[2][0] * p[0] + h[2][1] * p[1] + h[2][2];
    if w <= 1e-12 {
        return None;
    }
    Some(divide(h, p, w))
}

/// How `h` stretches the plane around point `p`: the determinant of its Jacobian there and its
/// larger singular value `s1` (the smaller is `det / s1`; `s1 / s2` is the anisotropy, 1 for a
/// view that does not foreshorten). `None` when `p` maps to infinity or behind the camera, or
/// the Jacobian does not keep orientation (`det` not positive, NaN included).
pub fn local_stretch(h: &Mat3, p: [f64; 2]) -> Option<(f64, f64)> {
    let [u, v] = apply(h, p)?;
    let w = h[2][0] * p[0] + h[2][1] * p[1] + h[2][2];
    let j = [
        [(h[0][0] - u * h[2][0]) / w, (h[0][1] - u * h[2][1]) / w],
        [(h[1][0] - v * h[2][0]) / w, (h[1][1] - v * h[2][1]) / w],
    ];
    let det = j[0][0] * j[1][1] - j[0][1] * j[1][0];
    // `!(det > 0)` is also true for NaN, which must fail.
    if !(det > 0.0) {
        return None;
    }
    let fro2 = j.iter().flatten().map(|v| v * v).sum::<f64>();
    // Singular values s1 >= s2: s1² + s2² = fro², s1 s2 = det.
    let disc = (fro2 * fro2 - 4.0 * det * det).max(0.0).sqrt();
    Some((det, ((fro2 + disc) / 2.0).sqrt()))
}

/// Applies `h` to a point without checking the homogeneous weight: a point at infinity comes
/// out infinite or NaN. For callers that know every point they map is in front of the camera
/// (rendering a view they built themselves).
pub fn apply_unchecked(h: &Mat3, p: [f64; 2]) -> [f64; 2] {
    let w = h[2][0] * p[0] + h[2][1] * p[1] + h[2][2];
    divide(h, p, w)
}

#[inline]
fn divide(h: &Mat3, p: [f64; 2], w: f64) -> [f64; 2] {
    [
        (h[0][0] * p[0] + h[0][1] * p[1] + h[0][2]) / w,
        (h[1][0] * p[0] + h[1][1] * p[1] + h[1][2]) / w,
    ]
}

/// Projects the box `(x, y, w, h)` (reference pixels, top-left corner and size) into the frame
/// as a quadrilateral: top-left, top-right, bottom-right, bottom-left. Corners that map to
/// infinity come out as NaN, which callers treat as "not drawable".
pub fn project_box(h: &Mat3, x: f64, y: f64, w: f64, hgt: f64) -> [[f64; 2]; 4] {
    [[x, y], [x + w, y], [x + w, y + hgt], [x, y + hgt]]
        .map(|p| apply(h, p).unwrap_or([f64::NAN, f64::NAN]))
}

/// The product `a b` (apply `b` first).
pub fn mul(a: &Mat3, b: &Mat3) -> Mat3 {
    let mut c = [[0.0; 3]; 3];
    for (i, row) in c.iter_mut().enumerate() {
        for (j, v) in row.iter_mut().enumerate() {
            *v = (0..3).map(|k| a[i][k] * b[k][j]).sum();
        }
    }
    c
}

pub fn det(m: &Mat3) -> f64 {
    m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
        - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
        + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
}

/// The inverse by the adjugate; `None` for a singular or non-finite matrix.
pub fn inverse(m: &Mat3) -> Option<Mat3> {
    let d = det(m);
    if !d.is_finite() || d.abs() < 1e-300 {
        return None;
    }
    let c =
        |r0: usize, c0: usize, r1: usize, c1: usize| m[r0][c0] * m[r1][c1] - m[r0][c1] * m[r1][c0];
    let adj = [
        [c(1, 1, 2, 2), -c(0, 1, 2, 2), c(0, 1, 1, 2)],
        [-c(1, 0, 2, 2), c(0, 0, 2, 2), -c(0, 0, 1, 2)],
        [c(1, 0, 2, 1), -c(0, 0, 2, 1), c(0, 0, 1, 1)],
    ];
    Some(adj.map(|r| r.map(|v| v / d)))
}

/// Scales `h` so that `h[2][2] = 1` (when possible).
pub fn normalized(h: Mat3) -> Option<Mat3> {
    let s = h[2][2];
    if !s.is_finite() || s.abs() < 1e-12 {
        return None;
    }
    let out = h.map(|r| r.map(|v| v / s));
    out.iter().flatten().all(|v| v.is_finite()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverse_undoes_a_perspective_view() {
        let h = [[1.2, 0.1, 30.0], [-0.05, 0.9, 12.0], [0.0004, -0.0002, 1.0]];
        let hi = inverse(&h).unwrap();
        let p = [123.0, 45.0];
        let q = apply(&hi, apply(&h, p).unwrap()).unwrap();
        assert!(
            (q[0] - p[0]).abs() < 1e-9 && (q[1] - p[1]).abs() < 1e-9,
            "{q:?}"
        );
        let id = normalized(mul(&h, &hi)).unwrap();
        for (i, row) in id.iter().enumerate() {
            for (j, v) in row.iter().enumerate() {
                assert!((v - IDENTITY[i][j]).abs() < 1e-12, "{id:?}");
            }
        }
    }

    #[test]
    fn singular_and_behind_camera_are_refused() {
        assert!(inverse(&[[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.0, 0.0, 1.0]]).is_none());
        let h = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [-0.01, 0.0, 1.0]];
        assert!(apply(&h, [200.0, 0.0]).is_none());
        assert!(apply_unchecked(&h, [200.0, 0.0])[0] < 0.0);
        assert!(project_box(&h, 50.0, 0.0, 100.0, 10.0)[1][0].is_nan());
    }
}
