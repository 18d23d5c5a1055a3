//! Cue (c): where a control is and what colour it is, against the words of the sentence ("the
//! red key", "the button in the top left corner"). Positions are read from the button boxes,
//! relative to the span of all the panel's controls; colours from the photo's pixels inside
//! each box.

use image::RgbImage;

/// Colour words and a typical sRGB value of each.
const COLOURS: &[(&str, [f32; 3])] = &[
    ("black", [35.0, 35.0, 38.0]),
    ("white", [240.0, 240.0, 238.0]),
    ("grey", [128.0, 130.0, 134.0]),
    ("gray", [128.0, 130.0, 134.0]),
    ("silver", [192.0, 194.0, 198.0]),
    ("red", [200.0, 45.0, 40.0]),
    ("green", [45.0, 160.0, 75.0]),
    ("blue", [45.0, 90.0, 195.0]),
    ("orange", [235.0, 130.0, 35.0]),
    ("yellow", [235.0, 200.0, 45.0]),
];

/// One control's box on the photo, `[x0, y0, x1, y1]`.
pub type Rect = [f32; 4];

/// Distance from the point `p` to the rectangle `r`, in the same pixels (0 inside).
pub fn distance(r: &Rect, p: [f64; 2]) -> f64 {
    let dx = (r[0] as f64 - p[0]).max(p[0] - r[2] as f64).max(0.0);
    let dy = (r[1] as f64 - p[1]).max(p[1] - r[3] as f64).max(0.0);
    dx.hypot(dy)
}

/// The colour of each box: the per-channel median of its pixels (the key's body, not its
/// printed label, which covers a minority of it).
pub fn box_colours(photo: &RgbImage, rects: &[Rect]) -> Vec<[f32; 3]> {
    rects
        .iter()
        .map(|r| {
            let (w, h) = photo.dimensions();
            if w == 0 || h == 0 {
                return [0.0; 3];
            }
            let x0 = (r[0].max(0.0) as u32).min(w.saturating_sub(1));
            let y0 = (r[1].max(0.0) as u32).min(h.saturating_sub(1));
            let x1 = (r[2].max(0.0) as u32).clamp(x0 + 1, w);
            let y1 = (r[3].max(0.0) as u32).clamp(y0 + 1, h);
            let mut ch: [Vec<u8>; 3] = Default::default();
            for y in y0..y1 {
                for x in x0..x1 {
                    let p = photo.get_pixel(x, y).0;
                    for c in 0..3 {
                        ch[c].push(p[c]);
                    }
                }
            }
            ch.map(|mut v| {
                v.sort_unstable();
                v.get(v.len() / 2).copied().unwrap_or(0) as f32
            })
        })
        .collect()
}

/// Per box, how well the colour words of `sentence` describe it (0-1; all 0 when the sentence
/// names no colour).
pub fn colour_scores(sentence_words: &[String], colours: &[[f32; 3]]) -> Vec<f32> {
    // "black and white" (a copy, a print) names no colour of a control.
    let black_and_white = |i: usize| {
        let at = |k: usize, w: &str| sentence_words.get(k).is_some_and(|x| x == w);
        (at(i, "black") && at(i + 1, "and") && at(i + 2, "white"))
            || (i >= 2 && at(i - 2, "black") && at(i - 1, "and") && at(i, "white"))
    };
    let named: Vec<[f32; 3]> = COLOURS
        .iter()
        .filter(|(name, _)| {
            sentence_words
                .iter()
                .enumerate()
                .any(|(i, w)| w == name && !black_and_white(i))
        })
        .map(|(_, rgb)| *rgb)
        .collect();
    colours
        .iter()
        .map(|c| {
            named
                .iter()
                .map(|n| {
                    let d = ((c[0] - n[0]).powi(2) + (c[1] - n[1]).powi(2) + (c[2] - n[2]).powi(2))
                        .sqrt();
                    (-d / 60.0).exp()
                })
                .fold(0.0, f32::max)
        })
        .collect()
}

/// How far behind the best-placed box (in mean closeness, 0-1) a box still scores: the score
/// falls from 1 at the best to 0 this far behind it.
const POSITION_MARGIN: f32 = 0.25;

/// The position words of a sentence: which side of the panel's span of controls it points to
/// on each axis (`Some(0.0)` top or left, `Some(1.0)` bottom or right, `Some(0.5)` the middle).
/// Whole words only ("stop" is no "top"), and "to the left/right" is a turning direction, not a
/// place.
fn wanted_position(sentence: &str) -> (Option<f32>, Option<f32>) {
    let words = crate::lower_words(sentence);
    let has = |w: &str| words.iter().any(|x| x == w);
    let side = |w: &str| {
        words
            .iter()
            .enumerate()
            .any(|(i, x)| x == w && !(i >= 2 && words[i - 2] == "to" && words[i - 1] == "the"))
    };
    let row = if has("top") || has("upper") {
        Some(0.0)
    } else if has("bottom") || has("lower") {
        Some(1.0)
    } else {
        None
    };
    let col = if side("left") {
        Some(0.0)
    } else if side("right") {
        Some(1.0)
    } else {
        None
    };
    let middle = has("middle") || has("centre") || has("center") || has("central");
    match (row, col, middle) {
        (None, None, true) => (Some(0.5), Some(0.5)),
        // "at the top in the middle": the middle column of that row.
        (Some(r), None, true) => (Some(r), Some(0.5)),
        (None, Some(c), true) => (Some(0.5), Some(c)),
        (r, c, _) => (r, c),
    }
}

/// Per box, how well the position words of `sentence` ("top left corner", "on the right", "in
/// the middle", "at the bottom in the middle") describe where it is among all boxes: each named
/// axis gives the box's closeness to the named side of the span of the boxes' centres (0-1), the
/// mean over the named axes ranks the boxes, and the best scores 1, falling to 0 at
/// [`POSITION_MARGIN`] behind it. All 0 when the sentence names no position. Graded rather than
/// thirds of the span: "the knob in the bottom left corner" is the lowest of the left ones even
/// where a key further right sits lower.
pub fn position_scores(sentence: &str, rects: &[Rect]) -> Vec<f32> {
    let (row, col) = wanted_position(sentence);
    if (row.is_none() && col.is_none()) || rects.is_empty() {
        return vec![0.0; rects.len()];
    }
    let centres: Vec<(f32, f32)> = rects
        .iter()
        .map(|r| ((r[0] + r[2]) / 2.0, (r[1] + r[3]) / 2.0))
        .collect();
    let span = |f: fn(&(f32, f32)) -> f32| {
        centres
            .iter()
            .map(f)
            .fold((f32::MAX, f32::MIN), |a, v| (a.0.min(v), a.1.max(v)))
    };
    let (x0, x1) = span(|c| c.0);
    let (y0, y1) = span(|c| c.1);
    let unit = |v: f32, lo: f32, hi: f32| (v - lo) / (hi - lo).max(1.0);
    let closeness: Vec<f32> = centres
        .iter()
        .map(|&(x, y)| {
            let axes = [(row, unit(y, y0, y1)), (col, unit(x, x0, x1))];
            let (sum, count) = axes
                .iter()
                .filter_map(|(want, u)| want.map(|w| 1.0 - (u - w).abs() / w.max(1.0 - w)))
                .fold((0.0, 0), |(s, n), c| (s + c, n + 1));
            sum / count as f32
        })
        .collect();
    let best = closeness.iter().copied().fold(f32::MIN, f32::max);
    closeness
        .iter()
        .map(|c| (1.0 - (best - c) / POSITION_MARGIN).max(0.0))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_and_colours() {
        let rects = [
            [0.0, 0.0, 10.0, 10.0],
            [100.0, 0.0, 110.0, 10.0],
            [50.0, 50.0, 60.0, 60.0],
            [0.0, 100.0, 10.0, 110.0],
        ];
        assert_eq!(
            position_scores("Press the button in the top left corner.", &rects),
            vec![1.0, 0.0, 0.0, 0.0]
        );
        assert_eq!(
            position_scores("the key in the middle", &rects),
            vec![0.0, 0.0, 1.0, 0.0]
        );
        assert_eq!(
            position_scores("Turn the knob to the right to 5.", &rects),
            vec![0.0; 4]
        );
        assert_eq!(
            position_scores("Twist the dial to the left.", &rects),
            vec![0.0; 4]
        );
        // A word holding a position word is none: "stop" is not "top".
        assert_eq!(
            position_scores("To stop cooking, keep the Off button pressed.", &rects),
            vec![0.0; 4]
        );
        // The lowest of the left ones, though another key sits lower further right.
        let panel = [
            [364.0, 191.0, 443.0, 278.0],
            [354.0, 360.0, 431.0, 441.0],
            [515.0, 441.0, 601.0, 494.0],
            [753.0, 485.0, 856.0, 543.0],
            [767.0, 378.0, 874.0, 437.0],
        ];
        let s = position_scores("Turn the knob in the bottom left corner clockwise.", &panel);
        assert_eq!(s[1], 1.0, "{s:?}");
        assert!(
            s.iter().enumerate().all(|(i, &v)| i == 1 || v < 0.75),
            "{s:?}"
        );
        let mut row = rects.to_vec();
        row.push([50.0, 0.0, 60.0, 10.0]);
        assert_eq!(
            position_scores("Press the key at the top in the middle.", &row),
            vec![0.0, 0.0, 0.0, 0.0, 1.0]
        );
        let colours = [[200.0, 45.0, 40.0], [40.0, 40.0, 40.0]];
        let words: Vec<String> = ["press", "the", "red", "key"].map(String::from).to_vec();
        let s = colour_scores(&words, &colours);
        assert!(s[0] > 0.9 && s[1] < 0.1, "{s:?}");
    }
}
