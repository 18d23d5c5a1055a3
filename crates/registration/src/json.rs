//! The JSON object `pressnext register --json` prints for a frame, built in
//! the library so the app and tests produce exactly the same shape:
//!
//! `{"in_view": bool, "homography": [[3 x 3]] | null, "inliers": n,
//!   "buttons": [{"name": .., "quad": [[x, y] x 4]}]}`
//!
//! Quads are in frame pixels, corners top-left, top-right, bottom-right,
//! bottom-left of the button's box; `buttons` is empty when not in view, so
//! a consumer that draws every quad it gets can never draw a wrong box.
//! [`add_details`] appends diagnostics for `--details`.

use serde_json::{json, Value};

use super::{project_box, Registration};

/// A button's box on the reference photo (reference pixels, top-left corner
/// and size).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ButtonBox {
    pub name: String,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// The registration of one frame as the CLI's JSON object: exactly the keys
/// `in_view`, `homography`, `inliers`, `buttons`, in that order.
pub fn registration_json(reg: &Registration, buttons: &[ButtonBox]) -> Value {
    let (homography, quads) = match (&reg.homography, reg.in_view) {
        (Some(h), true) => (
            json!(h),
            buttons
                .iter()
                .map(|b| {
                    let q = project_box(h, b.x, b.y, b.w, b.h).map(|p| p.map(round3));
                    json!({"name": b.name, "quad": q})
                })
                .collect::<Vec<_>>(),
        ),
        _ => (Value::Null, Vec::new()),
    };
    json!({
        "in_view": reg.in_view,
        "homography": homography,
        "inliers": reg.inliers,
        "buttons": quads,
    })
}

/// Adds the diagnostics (`reason` code or null, `reprojection_error`,
/// `matches`, `sharpness`, `mode`) after the four keys of
/// [`registration_json`] (`pressnext register --details`).
pub fn add_details(v: &mut Value, reg: &Registration) {
    if let Some(map) = v.as_object_mut() {
        map.insert("reason".into(), json!(reg.reason.map(|r| r.code())));
        map.insert(
            "reprojection_error".into(),
            json!(reg.reprojection_error.map(round3)),
        );
        map.insert("matches".into(), json!(reg.matches));
        map.insert("sharpness".into(), json!(round3(reg.sharpness)));
        let mode = match reg.mode {
            super::Mode::Detected => "detected",
            super::Mode::Tracked => "tracked",
        };
        map.insert("mode".into(), json!(mode));
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Mode, NotInViewReason, IDENTITY};
    use super::*;

    fn reg(in_view: bool) -> Registration {
        Registration {
            in_view,
            homography: in_view.then_some(IDENTITY),
            inliers: 42,
            matches: 50,
            reprojection_error: Some(0.5),
            sharpness: 100.0,
            reason: (!in_view).then_some(NotInViewReason::NotFound),
            mode: Mode::Detected,
        }
    }

    #[test]
    fn shape_in_view_and_not_in_view() {
        let b = [ButtonBox {
            name: "power".into(),
            x: 1.0,
            y: 2.0,
            w: 3.0,
            h: 4.0,
        }];
        let v = registration_json(&reg(true), &b);
        assert_eq!(v["in_view"], true);
        assert_eq!(v["inliers"], 42);
        assert_eq!(
            v["homography"],
            json!([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
        );
        assert_eq!(
            v["buttons"],
            json!([{"name": "power", "quad": [[1.0, 2.0], [4.0, 2.0], [4.0, 6.0], [1.0, 6.0]]}])
        );
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["in_view", "homography", "inliers", "buttons"]);
        let mut n = registration_json(&reg(false), &b);
        assert_eq!(n["in_view"], false);
        assert_eq!(n["homography"], Value::Null);
        assert_eq!(n["buttons"], json!([]));
        add_details(&mut n, &reg(false));
        assert_eq!(n["reason"], "not_found");
        assert_eq!(n["mode"], "detected");
        assert_eq!(
            n.as_object().unwrap().keys().take(4).collect::<Vec<_>>(),
            ["in_view", "homography", "inliers", "buttons"]
        );
    }
}
