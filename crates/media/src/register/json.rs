//! The JSON object `pressnext register --json` prints for a frame, built in
//! the library so the app and tests produce exactly the same shape:
//!
//! `{"in_view": bool, "homography": [[3 x 3]] | null, "inliers": n,
//!   "buttons": [{"name": .., "quad": [[x, y] x 4]}]}`
//!
//! Quads are in frame pixels, corners top-left, top-right, bottom-right,
//! bottom-left of the button's box; `buttons` is empty when not in view, so
//! a consumer that draws every quad it gets can never draw a wrong box.

use serde_json::{json, Value};

use super::{project_box, Registration};

/// A button's box on the reference photo (reference pixels, top-left corner
/// and size).
#[derive(Debug, Clone, PartialEq)]
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

/// The registration of one frame as the CLI's JSON object. Extra keys
/// (`reason`, `reprojection_error`, `mode`) follow the four required ones.
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
        "reason": reg.reason.map(|r| r.code()),
        "reprojection_error": reg.reprojection_error.map(round3),
        "mode": match reg.mode { super::Mode::Detected => "detected", super::Mode::Tracked => "tracked" },
    })
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
        let b = [ButtonBox { name: "power".into(), x: 1.0, y: 2.0, w: 3.0, h: 4.0 }];
        let v = registration_json(&reg(true), &b);
        assert_eq!(v["in_view"], true);
        assert_eq!(v["inliers"], 42);
        assert_eq!(v["homography"], json!([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]));
        assert_eq!(v["buttons"], json!([{"name": "power", "quad": [[1.0, 2.0], [4.0, 2.0], [4.0, 6.0], [1.0, 6.0]]}]));
        let keys: Vec<&String> = v.as_object().unwrap().keys().take(4).collect();
        assert_eq!(keys, ["in_view", "homography", "inliers", "buttons"]);
        let n = registration_json(&reg(false), &b);
        assert_eq!(n["in_view"], false);
        assert_eq!(n["homography"], Value::Null);
        assert_eq!(n["buttons"], json!([]));
        assert_eq!(n["reason"], "not_found");
    }
}
