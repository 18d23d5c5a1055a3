//! Controls a new pack's photo outlines miss, found where the tutorial's hand presses
//! (docs/new-pack.md, step 4).
//!
//! `grounding::controls::suggest` sees a control only by its outline; a printed icon on a flat
//! membrane, or a key merged with its neighbour, has none. The tutorial shows where such a control
//! is anyway: the hand stops on it. Every frame that `grounding::video::activity_observed`
//! registers to the photo goes through `follow`'s model-free [`HandFinder`], which gives the
//! hand's tip in photo pixels. Where the tip dwells (stays within a small radius for a few
//! sampled frames, as a press or a turn does), away from every suggested box and inside the
//! panel (the region its controls and labels span), the dwells are clustered; a cluster that
//! recurs or lasts long enough becomes a box the size of the median suggested control, named by
//! the label the OCR reads beside it (`ocr::labels`, the rule the suggestions use) or
//! `button{n}`.
//!
//! The tip [`HandFinder`] reports is the far end of the finger, not the point it presses: the
//! offset between the two is learnt from the same video, as the median offset from the dwells
//! that land on suggested boxes to those boxes' centres.

use follow::{HandFinder, Rect};
use grounding::video::RegisteredFrame;
use ocr::labels::label_candidates;
use ocr::TextBox;

/// Thresholds of the hand source, chosen on the generated appliances of seed 77 (the numbers
/// are in docs/new-pack.md, "Measured").
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HandConfig {
    /// A dwell's tips stay within this share of the median control's longer side of their mean.
    pub dwell_radius: f32,
    /// Fewest consecutive sampled frames (4 per second) of a dwell.
    pub dwell_frames: usize,
    /// Dwells within this share of the median control's longer side join one cluster.
    pub cluster_radius: f32,
    /// A cluster becomes a control with at least this many dwells...
    pub min_dwells: usize,
    /// ...or with one dwell of at least this many frames (a hold or a turn).
    pub long_dwell_frames: usize,
    /// A dwell this share of the median control's shorter side around a suggested box is on it.
    pub near_box: f32,
    /// The panel is what the suggested controls and the labels span, grown by this share of the
    /// median control's longer side (a control may sit beyond the outermost label and box).
    pub panel_margin: f32,
}

impl Default for HandConfig {
    fn default() -> Self {
        HandConfig {
            dwell_radius: 0.35,
            dwell_frames: 2,
            cluster_radius: 1.4,
            min_dwells: 2,
            long_dwell_frames: 6,
            near_box: 0.5,
            panel_margin: 0.5,
        }
    }
}

/// The hand's tip in one sampled frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimedTip {
    /// Seconds into the video.
    pub time: f64,
    /// Photo pixels; `None` when the frame did not register or no hand was seen.
    pub at: Option<[f32; 2]>,
}

/// The hand's tip over the tutorial, frame by frame, as the registration pass hands the frames
/// over.
pub struct HandTrack {
    finder: HandFinder,
    tips: Vec<TimedTip>,
}

impl HandTrack {
    /// A track over a photo of `photo` (width, height) whose suggested controls are `controls`
    /// and whose printed labels are `labels` (the grid spans both, so a hand on a control without
    /// a box is still seen).
    pub fn new(photo: (u32, u32), controls: &[Rect], labels: &[Rect]) -> Self {
        HandTrack {
            finder: HandFinder::spanning(photo, controls, labels),
            tips: Vec::new(),
        }
    }

    /// Looks for the hand in one registered frame.
    pub fn observe(&mut self, frame: RegisteredFrame<'_>) {
        let at = frame
            .homography
            .and_then(|h| self.finder.observe(frame.time, frame.image, h))
            .map(|tip| tip.at);
        self.tips.push(TimedTip {
            time: frame.time,
            at,
        });
    }

    pub fn tips(&self) -> &[TimedTip] {
        &self.tips
    }
}

/// A stop of the hand's tip: consecutive sampled frames within a small radius.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dwell {
    /// Mean tip, photo pixels.
    pub at: [f32; 2],
    pub start: f64,
    pub end: f64,
    pub frames: usize,
}

/// A control the hand operates that no suggested box covers.
#[derive(Debug, Clone, PartialEq)]
pub struct HandControl {
    /// `[x0, y0, x1, y1]` in photo pixels.
    pub rect: Rect,
    /// The label read beside it, or `button{n}` (unique among `taken` and each other).
    pub name: String,
    pub label: Option<String>,
    /// Dwells of the hand on it and their sampled frames in all.
    pub dwells: usize,
    pub frames: usize,
}

/// The dwells of `tips`: maximal runs of consecutive frames with a tip, every tip within `radius`
/// (photo pixels) of the run's mean, at least `min_frames` long.
pub fn dwells(tips: &[TimedTip], radius: f32, min_frames: usize) -> Vec<Dwell> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < tips.len() {
        let Some(first) = tips[i].at else {
            i += 1;
            continue;
        };
        let mut points = vec![first];
        let mut j = i + 1;
        while let Some(p) = tips.get(j).and_then(|t| t.at) {
            let mut with = points.clone();
            with.push(p);
            let m = mean(&with);
            if with.iter().any(|q| distance_between(*q, m) > radius) {
                break;
            }
            points = with;
            j += 1;
        }
        if points.len() >= min_frames.max(1) {
            out.push(Dwell {
                at: mean(&points),
                start: tips[i].time,
                end: tips[j - 1].time,
                frames: points.len(),
            });
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

/// Controls the hand operates that none of `boxes` (the suggested controls, photo pixels)
/// covers, on a photo of `photo` (width, height) whose OCR read `texts`; `taken` are the names
/// already used.
pub fn hand_controls(
    tips: &[TimedTip],
    boxes: &[Rect],
    texts: &[TextBox],
    photo: (u32, u32),
    taken: &[String],
    config: &HandConfig,
) -> Vec<HandControl> {
    if boxes.is_empty() {
        // Without a suggested control there is no size for one, nor a panel to be inside.
        return Vec::new();
    }
    let median = |f: &dyn Fn(&Rect) -> f32| {
        let mut v: Vec<f32> = boxes.iter().map(f).collect();
        v.sort_by(f32::total_cmp);
        v[v.len() / 2]
    };
    let (size_w, size_h) = (median(&|r| r[2] - r[0]), median(&|r| r[3] - r[1]));
    let (long, short) = (size_w.max(size_h), size_w.min(size_h));
    let found = dwells(tips, config.dwell_radius * long, config.dwell_frames);

    // The pressing point is short of the finger's far end: learnt from the dwells on boxes.
    let margin = config.near_box * short;
    let near = |p: [f32; 2], r: &Rect| {
        p[0] >= r[0] - margin
            && p[0] <= r[2] + margin
            && p[1] >= r[1] - margin
            && p[1] <= r[3] + margin
    };
    let (mut dx, mut dy): (Vec<f32>, Vec<f32>) = found
        .iter()
        .filter_map(|d| {
            boxes
                .iter()
                .find(|r| near(d.at, r))
                .map(|r| ((r[0] + r[2]) / 2.0 - d.at[0], (r[1] + r[3]) / 2.0 - d.at[1]))
        })
        .unzip();
    let offset = if dx.is_empty() {
        [0.0, 0.0]
    } else {
        dx.sort_by(f32::total_cmp);
        dy.sort_by(f32::total_cmp);
        [dx[dx.len() / 2], dy[dy.len() / 2]]
    };

    // The panel: what its controls and labels span. A hand resting beside it adds nothing.
    let grow = config.panel_margin * long;
    let panel = boxes
        .iter()
        .copied()
        .chain(texts.iter().map(|t| t.quad.bounds()))
        .fold([f32::MAX, f32::MAX, f32::MIN, f32::MIN], |a, r| {
            [
                a[0].min(r[0]),
                a[1].min(r[1]),
                a[2].max(r[2]),
                a[3].max(r[3]),
            ]
        });
    let off_boxes: Vec<Dwell> = found
        .into_iter()
        .map(|d| Dwell {
            at: [d.at[0] + offset[0], d.at[1] + offset[1]],
            ..d
        })
        .filter(|d| {
            let p = d.at;
            p[0] >= panel[0] - grow
                && p[0] <= panel[2] + grow
                && p[1] >= panel[1] - grow
                && p[1] <= panel[3] + grow
        })
        .filter(|d| !boxes.iter().any(|r| near(d.at, r)))
        .collect();

    // Single-linkage clusters of the remaining dwells.
    let link = config.cluster_radius * long;
    let mut cluster = vec![usize::MAX; off_boxes.len()];
    let mut clusters: Vec<Vec<usize>> = Vec::new();
    for start in 0..off_boxes.len() {
        if cluster[start] != usize::MAX {
            continue;
        }
        let id = clusters.len();
        cluster[start] = id;
        let mut members = vec![start];
        let mut k = 0;
        while k < members.len() {
            let a = off_boxes[members[k]].at;
            for (j, d) in off_boxes.iter().enumerate() {
                if cluster[j] == usize::MAX && distance_between(a, d.at) <= link {
                    cluster[j] = id;
                    members.push(j);
                }
            }
            k += 1;
        }
        clusters.push(members);
    }

    let (w, h) = (photo.0 as f32, photo.1 as f32);
    let mut rects: Vec<(Rect, usize, usize)> = clusters
        .iter()
        .filter_map(|members| {
            let frames: usize = members.iter().map(|&k| off_boxes[k].frames).sum();
            let longest = members.iter().map(|&k| off_boxes[k].frames).max()?;
            if members.len() < config.min_dwells && longest < config.long_dwell_frames {
                return None;
            }
            // Weighted by frames: a long press says more about where the control is.
            let c = [
                members
                    .iter()
                    .map(|&k| off_boxes[k].at[0] * off_boxes[k].frames as f32)
                    .sum::<f32>()
                    / frames as f32,
                members
                    .iter()
                    .map(|&k| off_boxes[k].at[1] * off_boxes[k].frames as f32)
                    .sum::<f32>()
                    / frames as f32,
            ];
            let rect = [
                (c[0] - size_w / 2.0).max(0.0),
                (c[1] - size_h / 2.0).max(0.0),
                (c[0] + size_w / 2.0).min(w),
                (c[1] + size_h / 2.0).min(h),
            ];
            (rect[2] > rect[0] && rect[3] > rect[1]).then_some((rect, members.len(), frames))
        })
        .collect();
    rects.sort_by(|a, b| a.0[1].total_cmp(&b.0[1]).then(a.0[0].total_cmp(&b.0[0])));

    // Labels go to the nearest box among all of them, so a suggested control keeps its own.
    let all: Vec<Rect> = boxes
        .iter()
        .copied()
        .chain(rects.iter().map(|r| r.0))
        .collect();
    let candidates = label_candidates(texts, &all);
    let mut used: Vec<String> = taken.to_vec();
    rects
        .into_iter()
        .zip(candidates.into_iter().skip(boxes.len()))
        .map(|((rect, dwells, frames), candidates)| {
            let label = candidates
                .first()
                .map(|c| c.text.trim().to_string())
                .filter(|t| !t.is_empty());
            let named = label
                .as_deref()
                .map(grounding::controls::csv_safe)
                .filter(|n| !n.is_empty() && !used.contains(n));
            let name = named.unwrap_or_else(|| {
                (1..)
                    .map(|n| format!("button{n}"))
                    .find(|n| !used.contains(n))
                    .unwrap_or_default()
            });
            used.push(name.clone());
            HandControl {
                rect,
                name,
                label,
                dwells,
                frames,
            }
        })
        .collect()
}

fn mean(points: &[[f32; 2]]) -> [f32; 2] {
    let n = points.len().max(1) as f32;
    [
        points.iter().map(|p| p[0]).sum::<f32>() / n,
        points.iter().map(|p| p[1]).sum::<f32>() / n,
    ]
}

fn distance_between(a: [f32; 2], b: [f32; 2]) -> f32 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three keys of 40 x 40 in a row on a 600 x 400 photo; a fourth, at x 400-440, has no box.
    const KEYS: [Rect; 3] = [
        [100.0, 100.0, 140.0, 140.0],
        [200.0, 100.0, 240.0, 140.0],
        [300.0, 100.0, 340.0, 140.0],
    ];

    fn text(text: &str, r: Rect) -> TextBox {
        TextBox {
            quad: ocr::Quad([[r[0], r[1]], [r[2], r[1]], [r[2], r[3]], [r[0], r[3]]]),
            text: text.into(),
            confidence: 0.95,
        }
    }

    /// Labels under every key, the unboxed one's included.
    fn labels() -> Vec<TextBox> {
        ["Power", "Mode", "Timer", "Start"]
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let x = 100.0 + 100.0 * i as f32;
                text(t, [x, 145.0, x + 40.0, 160.0])
            })
            .collect()
    }

    /// The hand's tip at 4 per second: `stops` are (where, frames), with a frame of no hand
    /// between them (the hand travelling).
    fn track(stops: &[([f32; 2], usize)]) -> Vec<TimedTip> {
        let mut tips = Vec::new();
        for &(at, frames) in stops {
            for _ in 0..frames {
                let jitter = if tips.len() % 2 == 0 { 1.5 } else { -1.5 };
                tips.push(TimedTip {
                    time: tips.len() as f64 * 0.25,
                    at: Some([at[0] + jitter, at[1]]),
                });
            }
            tips.push(TimedTip {
                time: tips.len() as f64 * 0.25,
                at: None,
            });
        }
        tips
    }

    /// The finger's far end is 15 px above the point it presses.
    fn press(centre: [f32; 2]) -> [f32; 2] {
        [centre[0], centre[1] - 15.0]
    }

    #[test]
    fn dwells_are_runs_of_tips_that_stay_within_the_radius() {
        let mut tips = track(&[([100.0, 100.0], 3)]);
        // Moving on 30 px a frame is no dwell.
        for k in 0..4 {
            tips.push(TimedTip {
                time: tips.len() as f64 * 0.25,
                at: Some([200.0 + 30.0 * k as f32, 100.0]),
            });
        }
        let found = dwells(&tips, 10.0, 2);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].frames, 3);
        assert!((found[0].at[0] - 100.0).abs() < 1.0 && found[0].at[1] == 100.0);
        assert_eq!(dwells(&tips, 10.0, 4), Vec::new());
    }

    #[test]
    fn a_recurring_press_off_the_boxes_becomes_a_box_where_the_finger_presses() {
        let unboxed = [420.0, 120.0];
        let tips = track(&[
            (press([120.0, 120.0]), 3),
            (press(unboxed), 3),
            (press([220.0, 120.0]), 4),
            (press(unboxed), 2),
            (press([320.0, 120.0]), 3),
            // The hand resting on the counter, far below the panel, for 5 s.
            ([300.0, 380.0], 20),
            // One short stop between two keys: not a press that recurs or lasts.
            ([170.0, 60.0], 2),
        ]);
        let taken: Vec<String> = ["Power", "Mode", "Timer"].map(String::from).to_vec();
        let found = hand_controls(
            &tips,
            &KEYS,
            &labels(),
            (600, 400),
            &taken,
            &HandConfig::default(),
        );
        assert_eq!(found.len(), 1, "{found:?}");
        let c = &found[0];
        // Centred where the finger pressed (the tip's offset learnt from the boxed keys), the
        // median key's size, named by the label under it.
        let centre = [(c.rect[0] + c.rect[2]) / 2.0, (c.rect[1] + c.rect[3]) / 2.0];
        assert!(
            (centre[0] - unboxed[0]).abs() < 3.0 && (centre[1] - unboxed[1]).abs() < 3.0,
            "{c:?}"
        );
        assert!((c.rect[2] - c.rect[0] - 40.0).abs() < 0.5);
        assert_eq!(c.name, "Start");
        assert_eq!(c.label.as_deref(), Some("Start"));
        assert_eq!((c.dwells, c.frames), (2, 5));
    }

    #[test]
    fn presses_on_boxed_keys_add_nothing_and_an_unlabelled_control_gets_a_free_name() {
        let tips = track(&[
            (press([120.0, 120.0]), 3),
            (press([220.0, 120.0]), 3),
            (press([120.0, 120.0]), 3),
        ]);
        let none = hand_controls(
            &tips,
            &KEYS,
            &labels(),
            (600, 400),
            &[],
            &HandConfig::default(),
        );
        assert_eq!(none, Vec::new());
        // Held for 2 s on an unlabelled spot of the panel (a brand name far right marks its
        // extent): one long dwell is enough.
        let mut texts = labels();
        texts.pop();
        texts.push(text("ACME", [500.0, 60.0, 560.0, 75.0]));
        let tips = track(&[(press([120.0, 120.0]), 3), (press([420.0, 120.0]), 8)]);
        let taken: Vec<String> = ["button1", "Mode"].map(String::from).to_vec();
        let found = hand_controls(
            &tips,
            &KEYS,
            &texts,
            (600, 400),
            &taken,
            &HandConfig::default(),
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].name, "button2");
        assert_eq!(found[0].label, None);
    }
}
