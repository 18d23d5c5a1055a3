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
//! - **camera shake**: fast, small jitter on top of the handheld sway.
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
    fn every_symbol_but_none_has_a_spoken_name() {
        assert_eq!(icon_name(Icon::None), None);
        assert_eq!(icon_name(Icon::Flame), Some("flame"));
        assert_eq!(function_name("warm"), "keep warm");
        assert_eq!(function_name("power"), "power");
    }
}
