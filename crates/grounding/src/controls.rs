//! Suggested control boxes for a photo nobody has annotated, the first draft of a new pack's
//! `buttons.csv` (the user corrects it in the box editor).
//!
//! A control is something drawn with its own outline: the rim of a key, the edge of a knob, the
//! frame of a touch field. The photo's edges (grey-level gradient) are joined into connected
//! outlines; an outline of control size and shape whose box is not mostly printed text (the
//! OCR's boxes) and not inside another outline is suggested. Each suggestion is named by the
//! text that labels it (`ocr::labels`: on the key, or just above, below or beside it); one that
//! no text labels is named `button{n}`.

use image::RgbImage;
use ocr::labels::label_candidates;
use ocr::TextBox;
use serde::Serialize;

use crate::layout::Rect;

/// Gradient (sum of absolute central differences of grey levels) that counts as an edge.
const EDGE: i32 = 20;
/// Pixels an outline's box grows by from the blur, the gradient and the dilation.
const GROWTH: f32 = 2.0;
/// Smallest side of a control, as a share of the photo's shorter side.
const MIN_SIDE: f32 = 0.025;
/// Largest side of a control, as a share of the photo's side along it.
const MAX_SIDE: f32 = 0.3;
/// Longest side over shortest: a slider or a bar is not a key.
const MAX_ASPECT: f32 = 3.5;
/// How far outside its outermost label a control may sit, as a share of the shorter side.
const PANEL_MARGIN: f32 = 0.12;
/// Largest control area over the median control's (a display is larger).
const MAX_AREA_OVER_MEDIAN: f32 = 3.0;
/// Share of a box inside printed text that makes it text, not a control.
const TEXT_SHARE: f32 = 0.6;

/// One suggested control.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SuggestedControl {
    /// `[x0, y0, x1, y1]` in photo pixels.
    pub rect: Rect,
    /// The label read for it, or `button{n}`.
    pub name: String,
    /// The label as read, when one was.
    pub label: Option<String>,
    /// OCR confidence of the label (0 without one).
    pub label_confidence: f32,
}

/// Suggested controls of `photo`, top to bottom then left to right; `texts` is what the OCR
/// read on it.
pub fn suggest(photo: &RgbImage, texts: &[TextBox]) -> Vec<SuggestedControl> {
    let (w, h) = (photo.width() as usize, photo.height() as usize);
    if w < 8 || h < 8 {
        return Vec::new();
    }
    let gray: Vec<i32> = photo
        .pixels()
        .map(|p| (299 * i32::from(p[0]) + 587 * i32::from(p[1]) + 114 * i32::from(p[2])) / 1000)
        .collect();
    // A 3 x 3 box blur first: sensor noise and JPEG blocks are not outlines.
    let mut smooth = gray.clone();
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            let i = y * w + x;
            let sum: i32 = [
                i - w - 1,
                i - w,
                i - w + 1,
                i - 1,
                i,
                i + 1,
                i + w - 1,
                i + w,
                i + w + 1,
            ]
            .iter()
            .map(|&j| gray[j])
            .sum();
            smooth[i] = sum / 9;
        }
    }
    let mut edge = vec![false; w * h];
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            let i = y * w + x;
            let gx = smooth[i + 1] - smooth[i - 1];
            let gy = smooth[i + w] - smooth[i - w];
            edge[i] = gx.abs() + gy.abs() >= EDGE;
        }
    }
    // Printed text is not an outline: erased, so a label touching its key does not merge with it.
    for t in texts {
        let r = t.quad.bounds();
        let (x0, y0) = (
            (r[0] - 1.0).max(0.0) as usize,
            (r[1] - 1.0).max(0.0) as usize,
        );
        let (x1, y1) = (
            ((r[2] + 1.0) as usize).min(w),
            ((r[3] + 1.0) as usize).min(h),
        );
        for y in y0..y1 {
            edge[y * w + x0..y * w + x1].fill(false);
        }
    }
    // One pixel of dilation closes the gaps JPEG and anti-aliasing leave in an outline.
    let mut closed = edge.clone();
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            if edge[y * w + x] {
                for dy in [-1isize, 0, 1] {
                    for dx in [-1isize, 0, 1] {
                        let j = ((y as isize + dy) as usize) * w + (x as isize + dx) as usize;
                        closed[j] = true;
                    }
                }
            }
        }
    }
    // The blur, the central differences and the dilation each widen an outline by a pixel.
    let boxes: Vec<Rect> = components(&closed, w, h)
        .into_iter()
        .map(|r| [r[0] + GROWTH, r[1] + GROWTH, r[2] - GROWTH, r[3] - GROWTH])
        .filter(|r| r[2] > r[0] && r[3] > r[1])
        .collect();

    let short = w.min(h) as f32;
    let text_rects: Vec<Rect> = texts.iter().map(|t| t.quad.bounds()).collect();
    // The panel is where its printed labels are: controls sit among them, within a control's
    // size of the outermost. Without any text the whole photo is searched.
    let margin = PANEL_MARGIN * short;
    let panel: Rect = if text_rects.is_empty() {
        [0.0, 0.0, w as f32, h as f32]
    } else {
        text_rects
            .iter()
            .fold([f32::MAX, f32::MAX, f32::MIN, f32::MIN], |a, t| {
                [
                    a[0].min(t[0]),
                    a[1].min(t[1]),
                    a[2].max(t[2]),
                    a[3].max(t[3]),
                ]
            })
    };
    let panel = [
        panel[0] - margin,
        panel[1] - margin,
        panel[2] + margin,
        panel[3] + margin,
    ];
    let mut kept: Vec<Rect> = boxes
        .into_iter()
        .filter(|r| {
            let (bw, bh) = (r[2] - r[0], r[3] - r[1]);
            bw >= MIN_SIDE * short
                && bh >= MIN_SIDE * short
                && bw <= MAX_SIDE * w as f32
                && bh <= MAX_SIDE * h as f32
                && bw.max(bh) / bw.min(bh) <= MAX_ASPECT
        })
        .filter(|r| intersection(r, &panel) >= 0.9 * area(r))
        .filter(|r| {
            let area = area(r);
            !text_rects
                .iter()
                .any(|t| intersection(r, t) >= TEXT_SHARE * area)
        })
        .collect();
    // An icon inside a key's rim is part of the key.
    let outer = kept.clone();
    kept.retain(|r| {
        !outer
            .iter()
            .any(|o| o != r && area(o) > area(r) && intersection(r, o) >= 0.9 * area(r))
    });
    // A display or a panel's window is several keys large; a control is not.
    if kept.len() >= 3 {
        let mut areas: Vec<f32> = kept.iter().map(area).collect();
        areas.sort_by(f32::total_cmp);
        let median = areas[areas.len() / 2];
        kept.retain(|r| area(r) <= MAX_AREA_OVER_MEDIAN * median);
    }
    kept.sort_by(|a, b| {
        let row = |r: &Rect| ((r[1] + r[3]) / 2.0 / (0.05 * h as f32)).floor();
        row(a).total_cmp(&row(b)).then(a[0].total_cmp(&b[0]))
    });

    let labels = label_candidates(texts, &kept);
    let mut used: Vec<String> = Vec::new();
    kept.iter()
        .zip(labels)
        .enumerate()
        .map(|(i, (rect, candidates))| {
            let best = candidates.first();
            let label = best
                .map(|c| c.text.trim().to_string())
                .filter(|t| !t.is_empty());
            let mut name = label
                .as_deref()
                .map(csv_safe)
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| format!("button{}", i + 1));
            if used.contains(&name) {
                name = format!("{name} {}", i + 1);
            }
            used.push(name.clone());
            SuggestedControl {
                rect: *rect,
                name,
                label,
                label_confidence: best.map_or(0.0, |c| c.confidence),
            }
        })
        .collect()
}

/// A name `buttons.csv` can hold: no commas, quotes or line breaks, spaces collapsed.
pub fn csv_safe(text: &str) -> String {
    text.chars()
        .map(|c| {
            if matches!(c, ',' | '"' | '\n' | '\r') {
                ' '
            } else {
                c
            }
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Bounding boxes `[x0, y0, x1, y1)` of the 8-connected components of `mask`.
fn components(mask: &[bool], w: usize, h: usize) -> Vec<Rect> {
    let mut seen = vec![false; w * h];
    let mut out = Vec::new();
    let mut stack = Vec::new();
    for start in 0..w * h {
        if !mask[start] || seen[start] {
            continue;
        }
        seen[start] = true;
        stack.push(start);
        let (mut x0, mut y0, mut x1, mut y1) = (w, h, 0, 0);
        while let Some(i) = stack.pop() {
            let (x, y) = (i % w, i / w);
            x0 = x0.min(x);
            y0 = y0.min(y);
            x1 = x1.max(x);
            y1 = y1.max(y);
            for dy in -1isize..=1 {
                for dx in -1isize..=1 {
                    let (nx, ny) = (x as isize + dx, y as isize + dy);
                    if nx < 0 || ny < 0 || nx >= w as isize || ny >= h as isize {
                        continue;
                    }
                    let j = ny as usize * w + nx as usize;
                    if mask[j] && !seen[j] {
                        seen[j] = true;
                        stack.push(j);
                    }
                }
            }
        }
        out.push([x0 as f32, y0 as f32, (x1 + 1) as f32, (y1 + 1) as f32]);
    }
    out
}

fn area(r: &Rect) -> f32 {
    (r[2] - r[0]).max(0.0) * (r[3] - r[1]).max(0.0)
}

fn intersection(a: &Rect, b: &Rect) -> f32 {
    let w = (a[2].min(b[2]) - a[0].max(b[0])).max(0.0);
    let h = (a[3].min(b[3]) - a[1].max(b[1])).max(0.0);
    w * h
}

/// Intersection over union of two boxes.
pub fn iou(a: &Rect, b: &Rect) -> f32 {
    let i = intersection(a, b);
    let u = area(a) + area(b) - i;
    if u > 0.0 {
        i / u
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outline(img: &mut RgbImage, r: [u32; 4], colour: [u8; 3]) {
        for x in r[0]..r[2] {
            for t in 0..2 {
                img.put_pixel(x, r[1] + t, image::Rgb(colour));
                img.put_pixel(x, r[3] - 1 - t, image::Rgb(colour));
            }
        }
        for y in r[1]..r[3] {
            for t in 0..2 {
                img.put_pixel(r[0] + t, y, image::Rgb(colour));
                img.put_pixel(r[2] - 1 - t, y, image::Rgb(colour));
            }
        }
    }

    #[test]
    fn outlined_keys_are_found_named_by_their_labels_and_icons_are_not_keys() {
        let mut img = RgbImage::from_pixel(400, 300, image::Rgb([50, 50, 55]));
        outline(&mut img, [40, 100, 100, 140], [200, 200, 200]);
        outline(&mut img, [200, 100, 260, 140], [200, 200, 200]);
        // An icon inside the second key, and a bar across the bottom (not a key).
        outline(&mut img, [220, 110, 240, 130], [230, 230, 230]);
        outline(&mut img, [20, 260, 380, 270], [40, 160, 60]);
        let label = TextBox {
            quad: ocr::Quad([[45.0, 80.0], [95.0, 80.0], [95.0, 95.0], [45.0, 95.0]]),
            text: "On/Off".into(),
            confidence: 0.98,
        };
        // A brand name far from both keys: no key's label, but it marks the panel's extent.
        let brand = TextBox {
            quad: ocr::Quad([
                [300.0, 200.0],
                [360.0, 200.0],
                [360.0, 215.0],
                [300.0, 215.0],
            ]),
            text: "ACME".into(),
            confidence: 0.97,
        };
        let found = suggest(&img, &[label, brand]);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].name, "On/Off");
        assert_eq!(found[1].name, "button2");
        assert!(
            iou(&found[0].rect, &[40.0, 100.0, 100.0, 140.0]) > 0.8,
            "{found:?}"
        );
        assert!(iou(&found[1].rect, &[200.0, 100.0, 260.0, 140.0]) > 0.8);
    }

    #[test]
    fn names_fit_a_csv_field() {
        assert_eq!(csv_safe(" Hot, \"Water\"\n"), "Hot Water");
    }
}
