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
    let named: Vec<[f32; 3]> = COLOURS
        .iter()
        .filter(|(name, _)| sentence_words.iter().any(|w| w == name))
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

/// Per box, 1 when the position words of `sentence` describe where it is among all boxes
/// (thirds of their span: "top left corner", "on the right", "in the middle"), else 0.
pub fn position_scores(sentence: &str, rects: &[Rect]) -> Vec<f32> {
    let s = sentence.to_lowercase();
    let wanted_row = if s.contains("top") {
        Some(0)
    } else if s.contains("bottom") {
        Some(2)
    } else {
        None
    };
    let wanted_col = if s.contains(" left") {
        Some(0)
    } else if s.contains(" right") && !s.contains("to the right") {
        Some(2)
    } else {
        None
    };
    let middle = s.contains("middle") || s.contains("centre") || s.contains("center");
    if wanted_row.is_none() && wanted_col.is_none() && !middle {
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
    let third = |v: f32, lo: f32, hi: f32| {
        let u = (v - lo) / (hi - lo).max(1.0);
        if u < 0.3 {
            0
        } else if u > 0.7 {
            2
        } else {
            1
        }
    };
    centres
        .iter()
        .map(|&(x, y)| {
            let (row, col) = (third(y, y0, y1), third(x, x0, x1));
            // "in the middle" alone is the centre cell; with "top"/"bottom" it is the middle column.
            let row_ok =
                wanted_row.map_or(!middle || wanted_col.is_some() || row == 1, |r| r == row);
            let col_ok = wanted_col.map_or(!middle || col == 1, |c| c == col);
            if row_ok && col_ok {
                1.0
            } else {
                0.0
            }
        })
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
        let colours = [[200.0, 45.0, 40.0], [40.0, 40.0, 40.0]];
        let words: Vec<String> = ["press", "the", "red", "key"].map(String::from).to_vec();
        let s = colour_scores(&words, &colours);
        assert!(s[0] > 0.9 && s[1] < 0.1, "{s:?}");
    }
}
