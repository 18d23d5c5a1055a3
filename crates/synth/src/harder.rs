//! The harder generator (`SynthOptions::harder`, `pressnext synth --harder`): the cases where
//! real appliances are hard to ground, so that no single cue (the printed label, the video, the
//! layout words) solves a tutorial alone:
//!
//! - **icon-only keys**: some keys with a symbol carry no text at all;
//! - **one label on two keys**: two keys in different zones both read "+" (or "-", "Set", "OK");
//! - **far labels**: labels printed a key's height or more away from their key;
//! - **naming by function or icon**: "the power button" for a key printed "On/Off", "the key
//!   with the flame symbol";
//! - **sentences that name two controls**: "Press Start, not Stop.";
//! - **the hand from above**, covering the labels printed above the keys;
//! - **a pen instead of a finger** (the hand then grips the pen well away from the key);
//! - **camera shake**: fast, small jitter on top of the handheld sway;
//! - **hovering over a neighbour first**: on some steps the hand stops just above a nearby
//!   control for most of a second before it moves on to the step's own control, so the video
//!   shows two candidates in the sentence's time.
//!
//! Every choice comes from the harder generator's own RNG stream ([`harder_rng`]), so a dataset
//! made without `--harder` is byte for byte what it was before this module existed, and the
//! truth file (`synth_truth.json`) says how each line names its control.

use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::draw::{rgb, text_width, Rgb};
use crate::kinds::{ControlType, Icon};
use crate::panel::{LabelPos, Panel, Shape, PANEL_H, PANEL_W};

/// The harder generator's RNG for appliance `index` of a dataset made with `seed`: a stream of
/// its own, apart from every RNG of the ordinary generator.
pub(crate) fn harder_rng(seed: u64, index: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x4A2D_E5C0_0000_0013);
    rng.set_stream(index + 1);
    rng
}

/// How the harder generator films one tutorial.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HardFilming {
    /// The colour of a pen pointing at the controls instead of a finger.
    pub pen: Option<Rgb>,
    /// The hand comes in from above the panel (it covers labels printed above their keys).
    pub from_above: bool,
    /// Camera shake amplitude (0 none; 1 about a quarter of the slow sway, at 3-7 Hz).
    pub shake: f64,
    /// Seed of the shake's phases and frequencies.
    pub shake_seed: u64,
}

impl HardFilming {
    pub fn random(rng: &mut ChaCha8Rng) -> HardFilming {
        const PENS: [[u8; 3]; 4] = [[20, 40, 150], [200, 30, 30], [25, 25, 28], [230, 200, 40]];
        let pen = rng.random_bool(0.35).then(|| {
            let c = PENS[rng.random_range(0..PENS.len())];
            rgb(c[0], c[1], c[2])
        });
        HardFilming {
            pen,
            from_above: rng.random_bool(0.35),
            shake: if rng.random_bool(0.5) {
                rng.random_range(0.5f64..1.5)
            } else {
                0.0
            },
            shake_seed: rng.random(),
        }
    }
}

/// Share of the steps on which the hand first hovers over a neighbouring control.
const HOVER_SHARE: f64 = 0.45;

/// On some steps of `timeline`, the hand first hovers over one of the three controls nearest the
/// step's own (0.6-1.0 s, 2-6 finger heights above it) before it goes on to press or turn. Each
/// such step lasts one or two whole seconds longer, and every later step (and the video) moves
/// by as much, so the narration's timestamps still frame each step.
pub fn hover_before_steps(
    timeline: &mut crate::timeline::Timeline,
    panel: &Panel,
    rng: &mut ChaCha8Rng,
) {
    /// Seconds to reach the neighbour, and from it to the step's control.
    const TO_NEIGHBOUR: f64 = 0.6;
    const TO_TARGET: f64 = 0.5;
    /// Seconds from the end of the action to the end of the step, at least (as the ordinary
    /// schedule leaves).
    const LIFT_OFF: f64 = 0.6;
    let mut shift = 0u32;
    for step in &mut timeline.steps {
        step.start += shift;
        step.end += shift;
        step.act_start += shift as f64;
        step.act_end += shift as f64;
        if !rng.random_bool(HOVER_SHARE) {
            continue;
        }
        let own = timeline.functions[step.function].actions[step.step].control;
        let c = &panel.controls[own];
        let mut near: Vec<(f32, usize)> = panel
            .controls
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != own)
            .map(|(i, o)| ((o.cx - c.cx).hypot(o.cy - c.cy), i))
            .collect();
        near.sort_by(|a, b| a.0.total_cmp(&b.0));
        near.truncate(3);
        let Some(&(_, control)) = near.choose(rng) else {
            continue;
        };
        let dwell = rng.random_range(0.6f64..1.0);
        let height = rng.random_range(0.1f32..0.3);
        let start = step.start as f64 + TO_NEIGHBOUR;
        let end = start + dwell;
        let act_seconds = step.act_end - step.act_start;
        step.act_start = end + TO_TARGET;
        step.act_end = step.act_start + act_seconds;
        let new_end = (step.act_end + LIFT_OFF).ceil() as u32;
        let longer = new_end.saturating_sub(step.end);
        step.end += longer;
        shift += longer;
        step.hover = Some(crate::timeline::Hover {
            control,
            start,
            end,
            height,
        });
    }
    timeline.duration += shift;
}

/// Labels two keys can share on a real panel.
const SHARED_LABELS: [&str; 4] = ["+", "-", "Set", "OK"];

/// Makes `panel` harder: icon-only keys, one label on two keys, labels printed far from their
/// key. The layout (positions, sizes) is left as it is.
pub fn harden_panel(panel: &mut Panel, rng: &mut ChaCha8Rng) {
    let n = panel.controls.len();
    let buttons: Vec<usize> = (0..n)
        .filter(|&i| panel.controls[i].ty == ControlType::Button)
        .collect();

    // Icon-only keys: up to half of the keys that have a symbol of their own.
    let mut with_icon: Vec<usize> = buttons
        .iter()
        .copied()
        .filter(|&i| panel.controls[i].icon != Icon::None)
        .collect();
    with_icon.shuffle(rng);
    let max_hidden = buttons.len() / 2;
    let mut hidden = 0;
    for &i in &with_icon {
        if hidden < max_hidden && rng.random_bool(0.3) {
            panel.controls[i].printed = false;
            hidden += 1;
        }
    }

    // One label on two keys in different parts of the panel.
    if rng.random_bool(0.5) {
        let printed: Vec<usize> = buttons
            .iter()
            .copied()
            .filter(|&i| panel.controls[i].printed)
            .collect();
        let mut pairs: Vec<(usize, usize)> = Vec::new();
        for (k, &a) in printed.iter().enumerate() {
            for &b in &printed[k + 1..] {
                let (ca, cb) = (&panel.controls[a], &panel.controls[b]);
                if (ca.cx - cb.cx).hypot(ca.cy - cb.cy) > 180.0 {
                    pairs.push((a, b));
                }
            }
        }
        if let Some(&(a, b)) = pairs.choose(rng) {
            // A label one of the two already has, if it is one keys share; else one of those.
            let label = [a, b]
                .iter()
                .map(|&i| panel.controls[i].label.as_str())
                .find(|l| SHARED_LABELS.contains(l))
                .unwrap_or(SHARED_LABELS[rng.random_range(0..SHARED_LABELS.len())])
                .to_string();
            for i in [a, b] {
                let c = &mut panel.controls[i];
                // A short label fits wherever the old one did; keep its size unless it was
                // shrunk for a long word.
                c.label_size = c.label_size.max(14.0);
                c.label = label.clone();
            }
        }
    }

    // Far labels: on some panels, labels beside their keys moved away by as much as fits.
    if rng.random_bool(0.5) {
        let mut order: Vec<usize> = (0..n).collect();
        order.shuffle(rng);
        for i in order {
            let c = &panel.controls[i];
            if !c.printed || c.label_pos == LabelPos::On || !rng.random_bool(0.6) {
                continue;
            }
            for shift in [44.0f32, 36.0, 28.0, 20.0] {
                if label_fits(panel, i, shift) {
                    panel.controls[i].label_shift = shift;
                    break;
                }
            }
        }
    }
}

/// Whether control `i`'s label, moved `shift` further from its key, stays on the panel and
/// clear of every other key, knob scale, label and the display.
fn label_fits(panel: &Panel, i: usize, shift: f32) -> bool {
    let mut moved = panel.controls[i].clone();
    moved.label_shift = shift;
    let Some((x0, y0, x1, y1)) = panel.label_box(&moved) else {
        return false;
    };
    let pad = 6.0;
    let hits = |b: (f32, f32, f32, f32)| {
        x0 - pad < b.2 && b.0 < x1 + pad && y0 - pad < b.3 && b.1 < y1 + pad
    };
    if x0 < 24.0 || y0 < 24.0 || x1 > PANEL_W as f32 - 24.0 || y1 > PANEL_H as f32 - 24.0 {
        return false;
    }
    let (dx, dy, dw, dh) = panel.display;
    if hits((
        dx - dw / 2.0 - 8.0,
        dy - dh / 2.0 - 8.0,
        dx + dw / 2.0 + 8.0,
        dy + dh / 2.0 + 8.0,
    )) {
        return false;
    }
    // The brand, printed under or over the display.
    let brand_y = if dy > 120.0 {
        dy - dh / 2.0 - 28.0
    } else {
        dy + dh / 2.0 + 30.0
    };
    let bw = text_width(22.0, &panel.brand) / 2.0;
    if hits((dx - bw, brand_y - 14.0, dx + bw, brand_y + 14.0)) {
        return false;
    }
    panel.controls.iter().enumerate().all(|(j, c)| {
        if j == i {
            return true;
        }
        let k = if c.shape == Shape::Knob { 1.4 } else { 1.0 };
        // LEDs sit above push buttons' top-right corners.
        let body = (
            c.cx - c.hw * k - 4.0,
            c.cy - c.hh * k - 16.0,
            c.cx + c.hw * k + 4.0,
            c.cy + c.hh * k + 4.0,
        );
        !hits(body) && panel.label_box(c).is_none_or(|b| !hits(b))
    })
}

/// What a symbol is called when the narrator names a key by it ("the flame key").
pub fn icon_name(icon: Icon) -> Option<&'static str> {
    Some(match icon {
        Icon::None => return None,
        Icon::Play => "play",
        Icon::Stop => "stop",
        Icon::Pause => "pause",
        Icon::Power => "power",
        Icon::Plus => "plus",
        Icon::Minus => "minus",
        Icon::Clock => "clock",
        Icon::Up => "arrow",
        Icon::Down => "down arrow",
        Icon::Star => "star",
        Icon::Lock => "padlock",
        Icon::Drop => "water drop",
        Icon::Wave => "wave",
        Icon::Flame => "flame",
    })
}

/// What a control does, in the words a narrator uses for it ("power" for a key printed
/// "On/Off").
pub fn function_name(id: &str) -> String {
    match id {
        "cook" => "start".to_string(),
        "cancel" => "stop".to_string(),
        "warm" => "keep warm".to_string(),
        "temp" => "temperature".to_string(),
        "water" => "hot water".to_string(),
        "half" => "half load".to_string(),
        "dry" => "drying".to_string(),
        "minute" => "minutes".to_string(),
        "hour" => "hours".to_string(),
        "plus" => "up".to_string(),
        "minus" => "down".to_string(),
        "copy" => "black and white copy".to_string(),
        "colour" => "colour copy".to_string(),
        other => other.replace('_', " "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::KINDS;

    #[test]
    fn harder_panels_keep_labels_clear_and_hide_only_keys_with_a_symbol() {
        let (mut hidden, mut shared, mut far) = (0, 0, 0);
        for seed in 0..120u64 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let kind = &KINDS[seed as usize % KINDS.len()];
            let mut panel = Panel::random(kind, &mut rng);
            let mut h = harder_rng(seed, 0);
            let before: Vec<String> = panel.controls.iter().map(|c| c.label.clone()).collect();
            harden_panel(&mut panel, &mut h);
            let buttons = panel
                .controls
                .iter()
                .filter(|c| c.ty == ControlType::Button)
                .count();
            let unprinted = panel.controls.iter().filter(|c| !c.printed).count();
            assert!(unprinted <= buttons / 2, "seed {seed}");
            hidden += unprinted;
            for (i, c) in panel.controls.iter().enumerate() {
                assert!(c.printed || c.icon != Icon::None, "seed {seed}: {}", c.id);
                if c.label_shift > 0.0 {
                    far += 1;
                    assert!(
                        label_fits(&panel, i, c.label_shift),
                        "seed {seed}: {}",
                        c.id
                    );
                }
            }
            // The keys given one label: two, far apart.
            let relabelled: Vec<&crate::panel::Control> = panel
                .controls
                .iter()
                .zip(&before)
                .filter(|(c, label)| c.label != **label)
                .map(|(c, _)| c)
                .collect();
            if relabelled.len() == 2 {
                shared += 1;
                let (a, b) = (relabelled[0], relabelled[1]);
                assert_eq!(a.label, b.label, "seed {seed}");
                assert!((a.cx - b.cx).hypot(a.cy - b.cy) > 180.0, "seed {seed}");
            } else {
                // Or one of the two already had the label.
                assert!(relabelled.len() <= 1, "seed {seed}");
                shared += relabelled.len();
            }
        }
        assert!(
            hidden > 20 && shared > 20 && far > 20,
            "{hidden} {shared} {far}"
        );
    }

    #[test]
    fn hovers_come_before_the_act_and_later_steps_move_with_them() {
        let (mut hovers, mut steps) = (0, 0);
        for seed in 0..40u64 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let kind = &KINDS[seed as usize % KINDS.len()];
            let panel = Panel::random(kind, &mut rng);
            let plain = crate::timeline::Timeline::random(&panel, &mut rng, 20, 60);
            let mut timeline = plain.clone();
            hover_before_steps(&mut timeline, &panel, &mut harder_rng(seed, 0));
            let (mut previous_end, mut plain_previous_end) = (0, 0);
            for (s, p) in timeline.steps.iter().zip(&plain.steps) {
                steps += 1;
                assert!(s.start >= previous_end && s.start < s.end, "seed {seed}");
                // The gap before each step (a pause between functions) is kept.
                assert_eq!(
                    s.start - previous_end,
                    p.start - plain_previous_end,
                    "seed {seed}"
                );
                plain_previous_end = p.end;
                assert!(s.act_start >= s.start as f64 && s.act_end <= s.end as f64);
                assert!((s.act_end - s.act_start - (p.act_end - p.act_start)).abs() < 1e-9);
                previous_end = s.end;
                let own = timeline.functions[s.function].actions[s.step].control;
                match &s.hover {
                    Some(h) => {
                        hovers += 1;
                        assert_ne!(h.control, own, "seed {seed}");
                        assert!(s.start as f64 + 0.5 < h.start && h.start < h.end);
                        assert!(h.end < s.act_start && (0.1..0.3).contains(&h.height));
                    }
                    None => assert_eq!(s.end - s.start, p.end - p.start, "seed {seed}"),
                }
            }
            let added: u32 = timeline
                .steps
                .iter()
                .zip(&plain.steps)
                .map(|(s, p)| (s.end - s.start) - (p.end - p.start))
                .sum();
            assert_eq!(timeline.duration, plain.duration + added, "seed {seed}");
        }
        let share = hovers as f64 / steps as f64;
        assert!((0.3..0.6).contains(&share), "{hovers} of {steps}");
    }

    #[test]
    fn every_symbol_but_none_has_a_spoken_name() {
        assert_eq!(icon_name(Icon::None), None);
        assert_eq!(icon_name(Icon::Flame), Some("flame"));
        assert_eq!(function_name("warm"), "keep warm");
        assert_eq!(function_name("power"), "power");
    }
}
