//! One appliance instance's control panel: its random layout and look (body colour, display,
//! push buttons / touch keys, knobs, printed labels and icons, brand), how it is drawn in a
//! given state (pressed button, lit LED, knob angles, display text), and how people can refer
//! to each control (label, colour, position).

use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::draw::{luma, mix, rgb, scale, text_width, Canvas, Rgb};
use crate::kinds::{ControlType, Icon, KindSpec};

/// Panel texture size, in panel pixels.
pub const PANEL_W: usize = 960;
pub const PANEL_H: usize = 640;

/// How a control is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Round,
    Rect,
    Pill,
    Touch,
    Knob,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelPos {
    On,
    Above,
    Below,
}

#[derive(Debug, Clone)]
pub struct Control {
    /// The kind's control id (`start`, `dial`, ...).
    pub id: &'static str,
    pub label: String,
    pub ty: ControlType,
    pub icon: Icon,
    pub shape: Shape,
    pub cx: f32,
    pub cy: f32,
    /// Half width and half height of the body (knobs: the radius twice).
    pub hw: f32,
    pub hh: f32,
    pub color: Rgb,
    pub color_name: &'static str,
    pub label_pos: LabelPos,
    pub label_size: f32,
    /// Whether the label is printed at all: an icon-only key (the harder generator) shows its
    /// icon and no text, and `label` is then only what the control is called.
    pub printed: bool,
    /// How much further than usual from the key its label is printed, in panel pixels (the
    /// harder generator's far labels; 0 otherwise).
    pub label_shift: f32,
    /// `button1`, `button2`, ... as in buttons.csv.
    pub button_name: String,
}

impl Control {
    /// What people call it: "button", "key" or "knob".
    pub fn thing(&self) -> &'static str {
        match self.shape {
            Shape::Knob => "knob",
            Shape::Touch => "key",
            _ => "button",
        }
    }

    /// Points on the body's outline, in panel coordinates (for a knob, the grip without the
    /// printed scale around it).
    pub fn outline(&self) -> Vec<(f32, f32)> {
        let n = 48;
        (0..n)
            .map(|i| {
                let a = i as f32 / n as f32 * std::f32::consts::TAU;
                let (c, s) = (a.cos(), a.sin());
                match self.shape {
                    Shape::Round | Shape::Knob => (self.cx + c * self.hw, self.cy + s * self.hh),
                    _ => {
                        // A rectangle's outline: push the circle point onto the box.
                        let k = 1.0 / (c.abs() / self.hw).max(s.abs() / self.hh);
                        (self.cx + c * k, self.cy + s * k)
                    }
                }
            })
            .collect()
    }
}

/// The dynamic part of the panel.
#[derive(Debug, Clone, PartialEq)]
pub struct PanelState {
    pub display: String,
    /// Control being pressed down right now.
    pub pressed: Option<usize>,
    /// Control whose LED / backlight is on.
    pub lit: Option<usize>,
    /// Knob rotations in radians (0 = pointer up), per control (0 for buttons).
    pub angles: Vec<f32>,
}

#[derive(Debug, Clone)]
pub struct Panel {
    pub kind: &'static KindSpec,
    pub body: Rgb,
    pub body_name: &'static str,
    pub ink: Rgb,
    pub display: (f32, f32, f32, f32),
    pub display_bg: Rgb,
    pub display_fg: Rgb,
    pub idle_text: String,
    pub brand: String,
    pub accent: Option<(Rgb, f32)>,
    pub led_color: Rgb,
    pub controls: Vec<Control>,
}

const BODIES: &[(&str, [u8; 3])] = &[
    ("white", [236, 236, 232]),
    ("black", [30, 30, 33]),
    ("silver", [178, 182, 186]),
    ("graphite", [70, 72, 77]),
    ("cream", [232, 222, 198]),
    ("red", [160, 34, 38]),
    ("navy", [36, 48, 82]),
    ("mint", [170, 214, 196]),
    ("stainless", [204, 204, 198]),
];

const BUTTON_COLOURS: &[(&str, [u8; 3])] = &[
    ("black", [35, 35, 38]),
    ("white", [242, 242, 240]),
    ("grey", [128, 130, 134]),
    ("silver", [196, 198, 202]),
    ("red", [204, 42, 40]),
    ("green", [40, 160, 72]),
    ("blue", [42, 92, 196]),
    ("orange", [238, 128, 32]),
    ("yellow", [238, 202, 44]),
];

const DISPLAY_BG: &[[u8; 3]] = &[[14, 17, 15], [36, 48, 38], [10, 20, 42], [150, 162, 142]];
const DISPLAY_FG: &[[u8; 3]] = &[
    [255, 64, 40],
    [90, 255, 130],
    [90, 220, 255],
    [236, 240, 244],
    [255, 172, 40],
];

const SYLLABLES: &[&str] = &[
    "kor", "vel", "nor", "ami", "ze", "lux", "tron", "bel", "sa", "mi", "ca", "do", "ro", "vi",
    "ta", "qu", "en", "ix",
];

fn pick_colour(
    rng: &mut ChaCha8Rng,
    table: &'static [(&'static str, [u8; 3])],
) -> (&'static str, Rgb) {
    let (name, c) = table[rng.random_range(0..table.len())];
    (name, rgb(c[0], c[1], c[2]))
}

fn contrasting(body: Rgb) -> Rgb {
    if luma(body) > 0.5 {
        rgb(28, 28, 30)
    } else {
        rgb(238, 238, 236)
    }
}

impl Panel {
    /// A new random instance of `kind`: controls (the kind's own plus 0-2 extras), labels,
    /// colours, shapes and layout all drawn from `rng`.
    pub fn random(kind: &'static KindSpec, rng: &mut ChaCha8Rng) -> Panel {
        let (body_name, body) = pick_colour(rng, BODIES);
        let ink = contrasting(body);
        let touch_panel = rng.random_bool(0.3);
        let button_shape = if touch_panel {
            Shape::Touch
        } else {
            [Shape::Round, Shape::Rect, Shape::Pill][rng.random_range(0..3)]
        };

        // Which controls this instance has.
        let mut specs: Vec<&crate::kinds::ControlSpec> = kind.controls.iter().collect();
        let mut extras: Vec<_> = kind.extras.iter().collect();
        extras.shuffle(rng);
        let n_extras = rng.random_range(0..=extras.len().min(2));
        specs.extend(extras.into_iter().take(n_extras));

        // Button colours: a base colour distinct from the body, some accents.
        let base = loop {
            let (name, c) = pick_colour(rng, BUTTON_COLOURS);
            if (luma(c) - luma(body)).abs() > 0.15 {
                break (name, c);
            }
        };
        let traffic_lights = rng.random_bool(0.5);
        let knob_colour = loop {
            let (name, c) = pick_colour(rng, &BUTTON_COLOURS[..4]);
            if (luma(c) - luma(body)).abs() > 0.15 {
                break (name, c);
            }
        };

        let mut controls: Vec<Control> = specs
            .iter()
            .map(|spec| {
                let label = spec.labels[rng.random_range(0..spec.labels.len())].to_string();
                let (shape, (color_name, color)) = match spec.ty {
                    ControlType::Knob => (Shape::Knob, knob_colour),
                    ControlType::Button => {
                        let mut colour = base;
                        if traffic_lights && spec.icon == Icon::Play {
                            colour = ("green", rgb(40, 160, 72));
                        } else if traffic_lights && spec.icon == Icon::Stop {
                            colour = ("red", rgb(204, 42, 40));
                        } else if rng.random_bool(0.15) {
                            colour = pick_colour(rng, BUTTON_COLOURS);
                        }
                        if touch_panel {
                            // Touch keys are printed symbols: their "colour" is the print.
                            colour = (if luma(body) > 0.5 { "black" } else { "white" }, ink);
                        }
                        (button_shape, colour)
                    }
                };
                Control {
                    id: spec.id,
                    label,
                    ty: spec.ty,
                    icon: spec.icon,
                    shape,
                    cx: 0.0,
                    cy: 0.0,
                    hw: 0.0,
                    hh: 0.0,
                    color,
                    color_name,
                    label_pos: LabelPos::Below,
                    label_size: 18.0,
                    printed: true,
                    label_shift: 0.0,
                    button_name: String::new(),
                }
            })
            .collect();

        let display = layout(&mut controls, rng, button_shape);

        // buttons.csv numbering: a random order, so the number says nothing about the control.
        let mut order: Vec<usize> = (0..controls.len()).collect();
        order.shuffle(rng);
        for (n, &i) in order.iter().enumerate() {
            controls[i].button_name = format!("button{}", n + 1);
        }

        let db = DISPLAY_BG[rng.random_range(0..DISPLAY_BG.len())];
        let display_bg = rgb(db[0], db[1], db[2]);
        let display_fg = if luma(display_bg) > 0.4 {
            rgb(22, 24, 22)
        } else {
            let f = DISPLAY_FG[rng.random_range(0..DISPLAY_FG.len())];
            rgb(f[0], f[1], f[2])
        };
        let idle_text =
            ["0:00", "--:--", "12:00", "READY", "- -"][rng.random_range(0..5)].to_string();
        let mut brand: String = (0..rng.random_range(2..=3))
            .map(|_| SYLLABLES[rng.random_range(0..SYLLABLES.len())])
            .collect();
        brand = if rng.random_bool(0.5) {
            brand.to_uppercase()
        } else {
            let mut c = brand.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        };
        let accent = rng.random_bool(0.5).then(|| {
            let (_, c) = pick_colour(rng, BUTTON_COLOURS);
            (mix(body, c, 0.5), rng.random_range(8.0f32..18.0))
        });
        let led_color =
            [rgb(80, 255, 120), rgb(255, 160, 40), rgb(90, 200, 255)][rng.random_range(0..3)];
        Panel {
            kind,
            body,
            body_name,
            ink,
            display,
            display_bg,
            display_fg,
            idle_text,
            brand,
            accent,
            led_color,
            controls,
        }
    }

    pub fn control_index(&self, id: &str) -> usize {
        self.controls
            .iter()
            .position(|c| c.id == id)
            .unwrap_or_else(|| panic!("panel has no control {id}"))
    }

    pub fn idle_state(&self) -> PanelState {
        PanelState {
            display: self.idle_text.clone(),
            pressed: None,
            lit: None,
            angles: vec![0.0; self.controls.len()],
        }
    }

    /// Where a control is, in words ("in the top left corner"), if no other control of the
    /// same sort shares the description.
    pub fn position_phrase(&self, index: usize) -> Option<String> {
        let region = |c: &Control| {
            let (x0, x1) = self
                .controls
                .iter()
                .fold((f32::MAX, f32::MIN), |a, c| (a.0.min(c.cx), a.1.max(c.cx)));
            let (y0, y1) = self
                .controls
                .iter()
                .fold((f32::MAX, f32::MIN), |a, c| (a.0.min(c.cy), a.1.max(c.cy)));
            let u = (c.cx - x0) / (x1 - x0).max(1.0);
            let v = (c.cy - y0) / (y1 - y0).max(1.0);
            let col = if u < 0.3 {
                0
            } else if u > 0.7 {
                2
            } else {
                1
            };
            let row = if v < 0.3 {
                0
            } else if v > 0.7 {
                2
            } else {
                1
            };
            (row, col)
        };
        let me = &self.controls[index];
        let r = region(me);
        let shared = self
            .controls
            .iter()
            .enumerate()
            .any(|(j, c)| j != index && c.thing() == me.thing() && region(c) == r);
        if shared {
            return None;
        }
        Some(
            match r {
                (0, 0) => "in the top left corner",
                (0, 1) => "at the top in the middle",
                (0, 2) => "in the top right corner",
                (1, 0) => "on the left",
                (1, 1) => "in the middle",
                (1, 2) => "on the right",
                (2, 0) => "in the bottom left corner",
                (2, 1) => "at the bottom in the middle",
                _ => "in the bottom right corner",
            }
            .to_string(),
        )
    }

    /// The control's colour, if no other control of the same sort has it.
    pub fn colour_phrase(&self, index: usize) -> Option<&'static str> {
        let me = &self.controls[index];
        let unique =
            !self.controls.iter().enumerate().any(|(j, c)| {
                j != index && c.thing() == me.thing() && c.color_name == me.color_name
            });
        (unique && me.shape != Shape::Touch).then_some(me.color_name)
    }

    /// Where a label printed beside its key is centred (panel pixels); `None` for a label on
    /// the key or no label at all.
    pub fn label_anchor(&self, ctl: &Control) -> Option<(f32, f32)> {
        if ctl.label_pos == LabelPos::On || !ctl.printed {
            return None;
        }
        let gap = if ctl.shape == Shape::Knob {
            ctl.hh * 0.42
        } else {
            0.0
        };
        let off = ctl.hh + gap + ctl.label_size * 0.9 + ctl.label_shift;
        let y = if ctl.label_pos == LabelPos::Above {
            ctl.cy - off
        } else {
            ctl.cy + off
        };
        Some((ctl.cx, y))
    }

    /// The box (x0, y0, x1, y1) a label printed beside its key covers, in panel pixels.
    pub fn label_box(&self, ctl: &Control) -> Option<(f32, f32, f32, f32)> {
        let (x, y) = self.label_anchor(ctl)?;
        let hw = text_width(ctl.label_size, &ctl.label) / 2.0;
        let hh = ctl.label_size * 0.6;
        Some((x - hw, y - hh, x + hw, y + hh))
    }

    /// Draws the panel in `state` at PANEL_W x PANEL_H.
    pub fn render(&self, state: &PanelState) -> Canvas {
        let mut c = Canvas::new(PANEL_W, PANEL_H, self.body);
        c.vertical_gradient(scale(self.body, 1.06), scale(self.body, 0.9));
        // Bevel.
        c.rrect_outline(
            PANEL_W as f32 / 2.0,
            PANEL_H as f32 / 2.0,
            PANEL_W as f32 / 2.0 - 10.0,
            PANEL_H as f32 / 2.0 - 10.0,
            18.0,
            3.0,
            scale(self.body, 0.75),
            0.8,
        );
        if let Some((accent, height)) = self.accent {
            c.rrect(
                PANEL_W as f32 / 2.0,
                PANEL_H as f32 - 26.0 - height / 2.0,
                PANEL_W as f32 / 2.0 - 30.0,
                height / 2.0,
                height / 2.0,
                accent,
                1.0,
            );
        }
        // Brand, under or over the display.
        let (dx, dy, dw, dh) = self.display;
        let brand_y = if dy > 120.0 {
            dy - dh / 2.0 - 28.0
        } else {
            dy + dh / 2.0 + 30.0
        };
        c.text_centered(dx, brand_y, 22.0, scale(self.ink, 1.0), &self.brand);

        // Display.
        c.rrect(
            dx,
            dy + 3.0,
            dw / 2.0 + 8.0,
            dh / 2.0 + 8.0,
            10.0,
            scale(self.body, 0.6),
            0.6,
        );
        c.rrect(
            dx,
            dy,
            dw / 2.0 + 6.0,
            dh / 2.0 + 6.0,
            10.0,
            scale(self.body, 0.7),
            1.0,
        );
        c.rrect(dx, dy, dw / 2.0, dh / 2.0, 6.0, self.display_bg, 1.0);
        let mut size = dh * 0.52;
        while size > 10.0 && text_width(size, &state.display) > dw * 0.86 {
            size -= 2.0;
        }
        c.text_centered(dx, dy, size, self.display_fg, &state.display);

        for (i, ctl) in self.controls.iter().enumerate() {
            let pressed = state.pressed == Some(i);
            let lit = state.lit == Some(i);
            match ctl.shape {
                Shape::Knob => self.draw_knob(&mut c, ctl, state.angles[i]),
                Shape::Touch => self.draw_touch(&mut c, ctl, pressed, lit),
                _ => self.draw_push(&mut c, ctl, pressed, lit),
            }
            if let Some((x, y)) = self.label_anchor(ctl) {
                c.text_centered(x, y, ctl.label_size, self.ink, &ctl.label);
            }
        }
        c
    }

    fn draw_push(&self, c: &mut Canvas, ctl: &Control, pressed: bool, lit: bool) {
        let (cx, cy) = (ctl.cx, ctl.cy + if pressed { 2.5 } else { 0.0 });
        let r = match ctl.shape {
            Shape::Round => ctl.hw,
            Shape::Pill => ctl.hh,
            _ => ctl.hh.min(ctl.hw) * 0.35,
        };
        let shadow = if pressed { 1.5 } else { 5.0 };
        c.rrect(
            ctl.cx + shadow * 0.4,
            ctl.cy + shadow,
            ctl.hw + 1.0,
            ctl.hh + 1.0,
            r,
            [0.0; 3],
            0.35,
        );
        c.rrect(
            cx,
            cy,
            ctl.hw + 2.0,
            ctl.hh + 2.0,
            r + 2.0,
            scale(ctl.color, 0.7),
            1.0,
        );
        let body = if pressed {
            scale(ctl.color, 0.82)
        } else {
            ctl.color
        };
        let (hw, hh) = (ctl.hw, ctl.hh);
        c.paint(
            (cx - hw, cy - hh, cx + hw, cy + hh),
            1.0,
            |x, y| crate::draw::sd_rrect(x - cx, y - cy, hw, hh, r),
            |_, y, d| {
                let t = ((y - (cy - hh)) / (2.0 * hh)).clamp(0.0, 1.0);
                let edge = if d > -3.0 { 0.9 } else { 1.0 };
                scale(mix(scale(body, 1.12), scale(body, 0.9), t), edge)
            },
        );
        let ink = contrasting(ctl.color);
        if ctl.label_pos == LabelPos::On && ctl.printed {
            c.text_centered(cx, cy, ctl.label_size, ink, &ctl.label);
        } else if ctl.icon != Icon::None {
            draw_icon(c, ctl.icon, cx, cy, ctl.hh.min(ctl.hw) * 0.42, ink, body);
        }
        // LED above the top-right corner.
        let (lx, ly) = (ctl.cx + ctl.hw * 0.75, ctl.cy - ctl.hh - 10.0);
        if lit {
            c.circle(lx, ly, 9.0, self.led_color, 0.3);
            c.circle(lx, ly, 4.5, scale(self.led_color, 1.2), 1.0);
        } else {
            c.circle(lx, ly, 4.5, scale(self.body, 0.55), 1.0);
        }
    }

    fn draw_touch(&self, c: &mut Canvas, ctl: &Control, pressed: bool, lit: bool) {
        let glow = if lit || pressed {
            self.led_color
        } else {
            ctl.color
        };
        if pressed {
            c.rrect(
                ctl.cx,
                ctl.cy,
                ctl.hw + 6.0,
                ctl.hh + 6.0,
                12.0,
                self.led_color,
                0.25,
            );
        }
        c.rrect_outline(
            ctl.cx,
            ctl.cy,
            ctl.hw,
            ctl.hh,
            10.0,
            2.0,
            mix(self.body, ctl.color, 0.45),
            1.0,
        );
        let icon = if ctl.icon == Icon::None {
            Icon::Star
        } else {
            ctl.icon
        };
        draw_icon(
            c,
            icon,
            ctl.cx,
            ctl.cy,
            ctl.hh.min(ctl.hw) * 0.55,
            glow,
            self.body,
        );
    }

    fn draw_knob(&self, c: &mut Canvas, ctl: &Control, angle: f32) {
        let (cx, cy, r) = (ctl.cx, ctl.cy, ctl.hw);
        // Detent ticks around the skirt.
        for i in 0..24 {
            let a = i as f32 / 24.0 * std::f32::consts::TAU;
            let (s, co) = (a.sin(), -a.cos());
            let (r0, r1) = if i % 3 == 0 {
                (1.18, 1.36)
            } else {
                (1.2, 1.28)
            };
            c.capsule(
                (cx + s * r * r0, cy + co * r * r0),
                (cx + s * r * r1, cy + co * r * r1),
                1.6,
                self.ink,
                0.8,
            );
        }
        c.circle(cx + 3.0, cy + 6.0, r * 1.02, [0.0; 3], 0.35);
        c.circle(cx, cy, r * 1.06, scale(ctl.color, 0.6), 1.0);
        let color = ctl.color;
        c.paint(
            (cx - r, cy - r, cx + r, cy + r),
            1.0,
            |x, y| crate::draw::sd_circle(x - cx, y - cy, r),
            |x, y, d| {
                let t = ((y - cy) / r * 0.5 + 0.5 + (x - cx) / r * 0.15).clamp(0.0, 1.0);
                let grip = if d > -r * 0.18 && d < -r * 0.12 {
                    0.85
                } else {
                    1.0
                };
                scale(mix(scale(color, 1.2), scale(color, 0.78), t), grip)
            },
        );
        let (s, co) = (angle.sin(), -angle.cos());
        let pointer = if luma(color) > 0.5 {
            rgb(200, 30, 30)
        } else {
            rgb(250, 250, 250)
        };
        c.capsule(
            (cx + s * r * 0.3, cy + co * r * 0.3),
            (cx + s * r * 0.84, cy + co * r * 0.84),
            r * 0.07,
            pointer,
            1.0,
        );
    }
}

/// Places the controls and returns the display rectangle (centre x, centre y, w, h).
fn layout(controls: &mut [Control], rng: &mut ChaCha8Rng, shape: Shape) -> (f32, f32, f32, f32) {
    let (w, h) = (PANEL_W as f32, PANEL_H as f32);
    let m = rng.random_range(40.0f32..60.0);
    let dw = rng.random_range(230.0f32..340.0);
    let dh = rng.random_range(90.0f32..130.0);
    let style = rng.random_range(0..3);
    let knobs: Vec<usize> = (0..controls.len())
        .filter(|&i| controls[i].shape == Shape::Knob)
        .collect();
    let mut buttons: Vec<usize> = (0..controls.len())
        .filter(|&i| controls[i].shape != Shape::Knob)
        .collect();
    buttons.shuffle(rng);

    // (x0, y0, x1, y1) regions.
    let (display, knob_region, button_region);
    match style {
        0 => {
            let dx = [m + dw / 2.0, w / 2.0, w - m - dw / 2.0][rng.random_range(0..3)];
            display = (dx, m + 30.0 + dh / 2.0, dw, dh);
            let top = m + dh + 90.0;
            let region = (m, top, w - m, h - m - 20.0);
            let split = region.1 + (region.3 - region.1) * 0.5;
            if rng.random_bool(0.5) {
                knob_region = (region.0, region.1, region.2, split);
                button_region = (region.0, split, region.2, region.3);
            } else {
                button_region = (region.0, region.1, region.2, split);
                knob_region = (region.0, split, region.2, region.3);
            }
        }
        1 => {
            let dy = rng.random_range(m + 80.0 + dh / 2.0..h - m - 60.0 - dh / 2.0);
            display = (m + dw / 2.0, dy, dw, dh);
            let region = (m + dw + 40.0, m, w - m, h - m - 20.0);
            let split = region.1 + (region.3 - region.1) * 0.45;
            knob_region = (region.0, region.1, region.2, split);
            button_region = (region.0, split, region.2, region.3);
        }
        _ => {
            let kw = w * 0.32;
            knob_region = (m, m, m + kw, h - m - 20.0);
            let rx0 = m + kw + 30.0;
            display = (
                (rx0 + w - m) / 2.0,
                m + 30.0 + dh / 2.0,
                dw.min(w - m - rx0 - 20.0),
                dh,
            );
            button_region = (rx0, m + dh + 90.0, w - m, h - m - 20.0);
        }
    }

    // Knobs: evenly spread along the longer side of their region.
    let (kx0, ky0, kx1, ky1) = knob_region;
    let (kw, kh) = (kx1 - kx0, ky1 - ky0);
    let n = knobs.len().max(1) as f32;
    let along_x = kw >= kh;
    for (j, &i) in knobs.iter().enumerate() {
        let (cw, ch) = if along_x { (kw / n, kh) } else { (kw, kh / n) };
        let r = (cw.min(ch) * rng.random_range(0.22f32..0.3)).min(95.0);
        let (cx, cy) = if along_x {
            (kx0 + cw * (j as f32 + 0.5), ky0 + ch * 0.45)
        } else {
            (kx0 + cw * 0.5, ky0 + ch * (j as f32 + 0.45))
        };
        let c = &mut controls[i];
        c.cx = cx + rng.random_range(-8.0f32..8.0);
        c.cy = cy;
        c.hw = r;
        c.hh = r;
        c.label_pos = LabelPos::Below;
        c.label_size = fit_label(&c.label, 20.0, cw * 0.9);
    }

    // Buttons: a grid with some empty cells, filled in random order.
    let (bx0, by0, bx1, by1) = button_region;
    let (bw, bh) = (bx1 - bx0, by1 - by0);
    let nb = buttons.len().max(1);
    let cols = (((nb as f32) * bw / bh).sqrt().round() as usize).clamp(1, nb);
    let rows = nb.div_ceil(cols);
    let (cw, ch) = (bw / cols as f32, bh / rows as f32);
    let mut cells: Vec<usize> = (0..rows * cols).collect();
    cells.shuffle(rng);
    let mut used: Vec<usize> = cells.into_iter().take(buttons.len()).collect();
    used.sort_unstable();
    let label_above = rng.random_bool(0.3);
    let label_on = matches!(shape, Shape::Rect | Shape::Pill) && rng.random_bool(0.5);
    let size_k = rng.random_range(0.85f32..1.1);
    for (&i, &cell) in buttons.iter().zip(&used) {
        let (col, row) = (cell % cols, cell / cols);
        let c = &mut controls[i];
        c.cx = bx0 + cw * (col as f32 + 0.5) + rng.random_range(-5.0f32..5.0);
        c.cy = by0 + ch * (row as f32 + 0.5) + rng.random_range(-4.0f32..4.0);
        let (hw, hh) = match shape {
            Shape::Round => {
                let r = (cw.min(ch) * 0.24 * size_k).min(46.0);
                (r, r)
            }
            Shape::Rect => (
                (cw * 0.36 * size_k).min(80.0),
                (ch * 0.2 * size_k).min(34.0),
            ),
            Shape::Pill => (
                (cw * 0.38 * size_k).min(84.0),
                (ch * 0.16 * size_k).min(26.0),
            ),
            _ => (
                (cw * 0.3 * size_k).min(60.0),
                (ch * 0.22 * size_k).min(38.0),
            ),
        };
        c.hw = hw;
        c.hh = hh;
        let on_size = fit_label(&c.label, (hh * 0.8).min(22.0), hw * 1.7);
        if label_on && on_size >= 12.0 {
            c.label_pos = LabelPos::On;
            c.label_size = on_size;
        } else {
            c.label_pos = if label_above {
                LabelPos::Above
            } else {
                LabelPos::Below
            };
            c.label_size = fit_label(&c.label, (ch * 0.13).clamp(14.0, 22.0), cw * 0.92);
        }
    }
    display
}

/// The largest size up to `size` at which `label` fits in `width`.
fn fit_label(label: &str, mut size: f32, width: f32) -> f32 {
    while size > 10.0 && text_width(size, label) > width {
        size -= 1.0;
    }
    size
}

/// Draws a small symbol of half size `s`; `bg` is the colour behind it (for cut-outs).
pub fn draw_icon(c: &mut Canvas, icon: Icon, cx: f32, cy: f32, s: f32, color: Rgb, bg: Rgb) {
    let t = (s * 0.16).max(1.5);
    match icon {
        Icon::None => {}
        Icon::Play => c.polygon(
            &[
                (cx - 0.55 * s, cy - 0.75 * s),
                (cx + 0.75 * s, cy),
                (cx - 0.55 * s, cy + 0.75 * s),
            ],
            color,
            1.0,
        ),
        Icon::Stop => c.rrect(cx, cy, 0.6 * s, 0.6 * s, 0.1 * s, color, 1.0),
        Icon::Pause => {
            c.rrect(cx - 0.35 * s, cy, 0.18 * s, 0.65 * s, 0.05 * s, color, 1.0);
            c.rrect(cx + 0.35 * s, cy, 0.18 * s, 0.65 * s, 0.05 * s, color, 1.0);
        }
        Icon::Power => {
            c.ring(cx, cy + 0.08 * s, 0.62 * s, t * 1.2, color, 1.0);
            c.capsule((cx, cy - 0.95 * s), (cx, cy - 0.1 * s), t * 2.2, bg, 1.0);
            c.capsule((cx, cy - 0.85 * s), (cx, cy - 0.1 * s), t * 0.8, color, 1.0);
        }
        Icon::Plus => {
            c.capsule((cx - 0.6 * s, cy), (cx + 0.6 * s, cy), t, color, 1.0);
            c.capsule((cx, cy - 0.6 * s), (cx, cy + 0.6 * s), t, color, 1.0);
        }
        Icon::Minus => c.capsule((cx - 0.6 * s, cy), (cx + 0.6 * s, cy), t, color, 1.0),
        Icon::Clock => {
            c.ring(cx, cy, 0.7 * s, t * 1.1, color, 1.0);
            c.capsule((cx, cy), (cx, cy - 0.45 * s), t * 0.7, color, 1.0);
            c.capsule((cx, cy), (cx + 0.35 * s, cy + 0.1 * s), t * 0.7, color, 1.0);
        }
        Icon::Up => c.polygon(
            &[
                (cx - 0.7 * s, cy + 0.5 * s),
                (cx, cy - 0.6 * s),
                (cx + 0.7 * s, cy + 0.5 * s),
            ],
            color,
            1.0,
        ),
        Icon::Down => c.polygon(
            &[
                (cx - 0.7 * s, cy - 0.5 * s),
                (cx + 0.7 * s, cy - 0.5 * s),
                (cx, cy + 0.6 * s),
            ],
            color,
            1.0,
        ),
        Icon::Star => {
            for k in 0..4 {
                let a = k as f32 * std::f32::consts::FRAC_PI_4;
                let (dx, dy) = (a.cos() * 0.7 * s, a.sin() * 0.7 * s);
                c.capsule((cx - dx, cy - dy), (cx + dx, cy + dy), t * 0.8, color, 1.0);
            }
        }
        Icon::Lock => {
            c.ring(cx, cy - 0.25 * s, 0.38 * s, t, color, 1.0);
            c.rrect(cx, cy + 0.3 * s, 0.6 * s, 0.42 * s, 0.08 * s, color, 1.0);
        }
        Icon::Drop => {
            c.circle(cx, cy + 0.25 * s, 0.5 * s, color, 1.0);
            c.polygon(
                &[
                    (cx - 0.46 * s, cy + 0.1 * s),
                    (cx, cy - 0.8 * s),
                    (cx + 0.46 * s, cy + 0.1 * s),
                ],
                color,
                1.0,
            );
        }
        Icon::Wave => {
            for k in -1..=1 {
                let y = cy + k as f32 * 0.45 * s;
                c.capsule(
                    (cx - 0.7 * s, y + 0.1 * s),
                    (cx - 0.2 * s, y - 0.1 * s),
                    t * 0.7,
                    color,
                    1.0,
                );
                c.capsule(
                    (cx - 0.2 * s, y - 0.1 * s),
                    (cx + 0.2 * s, y + 0.1 * s),
                    t * 0.7,
                    color,
                    1.0,
                );
                c.capsule(
                    (cx + 0.2 * s, y + 0.1 * s),
                    (cx + 0.7 * s, y - 0.1 * s),
                    t * 0.7,
                    color,
                    1.0,
                );
            }
        }
        Icon::Flame => {
            c.circle(cx, cy + 0.3 * s, 0.45 * s, color, 1.0);
            c.polygon(
                &[
                    (cx - 0.42 * s, cy + 0.2 * s),
                    (cx + 0.1 * s, cy - 0.85 * s),
                    (cx + 0.42 * s, cy + 0.2 * s),
                ],
                color,
                1.0,
            );
        }
    }
}
