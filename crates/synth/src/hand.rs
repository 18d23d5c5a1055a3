//! A simple drawn hand, in image coordinates: a pointing index finger with the other fingers
//! curled behind it and the palm leaving the frame, or a thumb-and-finger grip around a knob.
//! A soft shadow on the panel shrinks as the fingertip comes down.

use crate::draw::{mix, scale, sd_capsule, Canvas, Rgb};

#[derive(Debug, Clone, Copy)]
pub enum Grip {
    /// Fingertip at `tip`.
    Point { tip: (f32, f32) },
    /// Thumb and index on opposite sides of a knob of `radius` at `center`, rotated `angle`.
    Turn {
        center: (f32, f32),
        radius: f32,
        angle: f32,
    },
}

#[derive(Debug, Clone, Copy)]
pub struct Hand {
    pub grip: Grip,
    /// Unit vector from the fingertip towards the wrist.
    pub toward_wrist: (f32, f32),
    /// Finger radius in pixels.
    pub finger: f32,
    /// 0 touching the panel, 1 hovering.
    pub height: f32,
    pub skin: Rgb,
    /// A pen held like a pointer (its colour): its tip is at the grip's `tip` and the fingers
    /// hold it well behind, so no fingertip is on the control (the harder generator).
    pub pen: Option<Rgb>,
}

struct Limb {
    a: (f32, f32),
    b: (f32, f32),
    r: f32,
}

/// How far behind the pen's tip the pointing fingertip holds it, in finger radii.
const PEN_HOLD: f32 = 6.5;

impl Hand {
    /// The pen's body, tip to back end, for a pointing hand holding one.
    fn pen_body(&self) -> Option<((f32, f32), (f32, f32))> {
        let (Grip::Point { tip }, Some(_)) = (self.grip, self.pen) else {
            return None;
        };
        let (wx, wy) = self.toward_wrist;
        let f = self.finger;
        // The pen leans away from the palm's side, past the knuckles.
        let back = (
            tip.0 + (wx + 0.25 * -wy) * 15.0 * f,
            tip.1 + (wy + 0.25 * wx) * 15.0 * f,
        );
        Some((tip, back))
    }

    fn limbs(&self) -> Vec<Limb> {
        let (wx, wy) = self.toward_wrist;
        let (px, py) = (-wy, wx); // perpendicular
        let f = self.finger;
        let at = |o: (f32, f32), along: f32, across: f32| {
            (
                o.0 + wx * along + px * across,
                o.1 + wy * along + py * across,
            )
        };
        match self.grip {
            Grip::Point { tip } => {
                let tip = if self.pen.is_some() {
                    at(tip, PEN_HOLD * f, 0.0)
                } else {
                    tip
                };
                let knuckle = at(tip, 5.0 * f, 0.0);
                vec![
                    // Palm, leaving the frame.
                    Limb {
                        a: at(tip, 7.5 * f, 0.8 * f),
                        b: at(tip, 16.0 * f, 1.5 * f),
                        r: 3.4 * f,
                    },
                    // Curled fingers.
                    Limb {
                        a: at(tip, 5.6 * f, 1.9 * f),
                        b: at(tip, 7.2 * f, 2.2 * f),
                        r: 1.05 * f,
                    },
                    Limb {
                        a: at(tip, 5.9 * f, 3.5 * f),
                        b: at(tip, 7.5 * f, 3.6 * f),
                        r: 1.0 * f,
                    },
                    Limb {
                        a: at(tip, 6.4 * f, 4.9 * f),
                        b: at(tip, 8.0 * f, 4.8 * f),
                        r: 0.9 * f,
                    },
                    // Thumb along the side.
                    Limb {
                        a: at(tip, 6.0 * f, -2.0 * f),
                        b: at(tip, 9.5 * f, -2.6 * f),
                        r: 1.15 * f,
                    },
                    // The pointing finger.
                    Limb {
                        a: tip,
                        b: knuckle,
                        r: f,
                    },
                ]
            }
            Grip::Turn {
                center,
                radius,
                angle,
            } => {
                let (c, s) = (angle.cos(), angle.sin());
                let g1 = (center.0 + c * radius * 1.05, center.1 + s * radius * 1.05);
                let g2 = (center.0 - c * radius * 1.05, center.1 - s * radius * 1.05);
                let palm = at(center, radius + 6.5 * f, 0.0);
                vec![
                    Limb {
                        a: palm,
                        b: at(center, radius + 15.0 * f, 0.5 * f),
                        r: 3.6 * f,
                    },
                    Limb {
                        a: g1,
                        b: palm,
                        r: 1.05 * f,
                    },
                    Limb {
                        a: g2,
                        b: palm,
                        r: 1.15 * f,
                    },
                ]
            }
        }
    }

    pub fn draw(&self, canvas: &mut Canvas) {
        let limbs = self.limbs();
        let f = self.finger;
        // Shadow: offset grows with height.
        let (sx, sy) = (f * (0.6 + 3.0 * self.height), f * (1.0 + 4.0 * self.height));
        for l in &limbs {
            let a = (l.a.0 + sx, l.a.1 + sy);
            let b = (l.b.0 + sx, l.b.1 + sy);
            canvas.capsule(a, b, l.r * 1.05, [0.0; 3], 0.22);
        }
        if let (Some((a, b)), Some(pen)) = (self.pen_body(), self.pen) {
            let r = 0.42 * f;
            canvas.capsule(
                (a.0 + sx * 0.5, a.1 + sy * 0.5),
                (b.0 + sx, b.1 + sy),
                r,
                [0.0; 3],
                0.2,
            );
            canvas.capsule(a, b, r, pen, 1.0);
            // The metal tip.
            let (dx, dy) = ((b.0 - a.0) / 15.0 / f, (b.1 - a.1) / 15.0 / f);
            canvas.capsule(
                a,
                (a.0 + dx * 1.2 * f, a.1 + dy * 1.2 * f),
                0.3 * f,
                [0.75, 0.75, 0.72],
                1.0,
            );
        }
        let skin = self.skin;
        let dark = scale(skin, 0.72);
        for l in &limbs {
            let (a, b, r) = (l.a, l.b, l.r);
            canvas.paint(
                (
                    a.0.min(b.0) - r,
                    a.1.min(b.1) - r,
                    a.0.max(b.0) + r,
                    a.1.max(b.1) + r,
                ),
                1.0,
                |x, y| sd_capsule(x, y, a, b, r),
                |_, _, d| mix(dark, skin, (-d / r).clamp(0.0, 1.0).sqrt()),
            );
        }
        // A fingernail near the tip.
        if let Grip::Point { tip } = self.grip {
            let (wx, wy) = self.toward_wrist;
            let tip = if self.pen.is_some() {
                (tip.0 + wx * PEN_HOLD * f, tip.1 + wy * PEN_HOLD * f)
            } else {
                tip
            };
            let a = (tip.0 + wx * 0.45 * f, tip.1 + wy * 0.45 * f);
            let b = (tip.0 + wx * 1.2 * f, tip.1 + wy * 1.2 * f);
            canvas.capsule(a, b, 0.5 * f, mix(skin, [1.0, 0.93, 0.9], 0.5), 0.8);
        }
    }
}
