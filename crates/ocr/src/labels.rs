//! Which text on a reference photo names which button: the label printed on a key, or next to it
//! (below, above, left or right). Each text goes to the button it is nearest to, measured in
//! that button's own size, so a label between two keys is not given to both, and a text farther
//! than [`MAX_GAP`] button sizes from every button belongs to none (a brand name, a warning).

use serde::{Deserialize, Serialize};

use crate::TextBox;

/// Farthest a label may sit from its button, in units of the button's size along the gap.
pub const MAX_GAP: f32 = 1.0;

/// Where a label sits relative to its button.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Placement {
    On,
    Below,
    Above,
    Left,
    Right,
}

/// A text that may be a button's label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelCandidate {
    pub text: String,
    pub confidence: f32,
    pub placement: Placement,
    /// Gap between text and button, in button sizes (0 for text on the key).
    pub gap: f32,
}

/// Farthest a label may sit from its button on the panel's usual side ([`usual_side`]): labels
/// printed well away from their keys, in a row of their own.
pub const MAX_GAP_USUAL_SIDE: f32 = 1.8;

/// For each button rectangle `[x0, y0, x1, y1]` (photo pixels), its label candidates among
/// `texts`, best first (on the key, then nearest).
///
/// A panel prints its labels on one side of its keys (all below, or all above; knobs may differ
/// from keys): when the texts that can belong to one key of a size only agree on a side, a text
/// between two keys (or beside none within [`MAX_GAP`]) goes to the nearest key it is on that
/// key's usual side of, even if it is nearer another, up to [`MAX_GAP_USUAL_SIDE`] away.
pub fn label_candidates(texts: &[TextBox], buttons: &[[f32; 4]]) -> Vec<Vec<LabelCandidate>> {
    candidates_of(texts, &assign(texts, buttons), buttons.len())
}

/// Where a text sits against the button it is given to: the button's index, the placement and
/// the gap in button sizes.
pub type Assignment = Option<(usize, Placement, f32)>;

/// Per button, the texts `assignment` gives it ([`assign`]), as label candidates, best first
/// (on the key, then nearest).
pub fn candidates_of(
    texts: &[TextBox],
    assignment: &[Assignment],
    buttons: usize,
) -> Vec<Vec<LabelCandidate>> {
    let mut out = vec![Vec::new(); buttons];
    for (text, a) in texts.iter().zip(assignment) {
        if let Some((i, placement, gap)) = *a {
            out[i].push(LabelCandidate {
                text: text.text.clone(),
                confidence: text.confidence,
                placement,
                gap,
            });
        }
    }
    for list in &mut out {
        list.sort_by(|a, b| {
            a.placement
                .cmp(&b.placement)
                .then(a.gap.total_cmp(&b.gap))
                .then(b.confidence.total_cmp(&a.confidence))
        });
    }
    out
}

/// The buttons `text` could be the label of: every one it is on or beside (any side) within
/// [`MAX_GAP_USUAL_SIDE`] of the button's size, with the placement and the gap.
pub fn reach(text: &TextBox, buttons: &[[f32; 4]]) -> Vec<(usize, Placement, f32)> {
    buttons
        .iter()
        .enumerate()
        .filter_map(|(i, b)| relation(text, b, MAX_GAP_USUAL_SIDE).map(|(p, gap)| (i, p, gap)))
        .collect()
}

/// Which button each text is the label of ([`label_candidates`] for the rules), if any.
pub fn assign(texts: &[TextBox], buttons: &[[f32; 4]]) -> Vec<Assignment> {
    let relations = |max_gap: f32| -> Vec<Vec<(usize, Placement, f32)>> {
        texts
            .iter()
            .map(|text| {
                buttons
                    .iter()
                    .enumerate()
                    .filter_map(|(i, b)| relation(text, b, max_gap).map(|(p, gap)| (i, p, gap)))
                    .collect()
            })
            .collect()
    };
    let near = relations(MAX_GAP);
    let sides = usual_sides(&near, buttons);
    let wide = if sides.iter().any(Option::is_some) {
        relations(MAX_GAP_USUAL_SIDE)
    } else {
        Vec::new()
    };
    let nearest: Vec<Option<(usize, Placement, f32)>> = near
        .iter()
        .map(|rel| {
            rel.iter()
                .copied()
                .min_by(|a, b| a.2.total_cmp(&b.2).then(a.1.cmp(&b.1)))
        })
        .collect();
    // How many texts are nearest each key: a key that already has one needs no other.
    let mut labelled = vec![0usize; buttons.len()];
    for (i, _, _) in nearest.iter().flatten() {
        labelled[*i] += 1;
    }
    let mut out = Vec::with_capacity(texts.len());
    for k in 0..texts.len() {
        // A text beside no key within MAX_GAP, or beside two of which the nearest has it on
        // the wrong side for its kind of key, goes to the nearest key it is on the usual side
        // of that has no text of its own: a label printed far from its key. (Without "no text
        // of its own", a knob's label below it went to the labelled key under it, on a panel
        // whose keys are labelled above: R@1 0.970 -> 0.951 on a held-out set.)
        let contradicted = match nearest[k] {
            Some((i, placement, _)) => {
                near[k].len() > 1
                    && placement != Placement::On
                    && sides[i].is_some_and(|side| side != placement)
            }
            None => true,
        };
        let moved = if contradicted && !wide.is_empty() {
            wide[k]
                .iter()
                .copied()
                .filter(|r| sides[r.0] == Some(r.1) && labelled[r.0] == 0)
                .min_by(|a, b| a.2.total_cmp(&b.2))
        } else {
            None
        };
        out.push(moved.or(nearest[k]));
    }
    split_two_sided(texts, &near, buttons.len(), &mut out);
    out
}

/// Whether a text read on the photo is text, with a letter or a digit: an icon read as a
/// character ("+", "*", "米" for a snowflake) is not.
pub fn is_text(s: &str) -> bool {
    s.chars().any(|c| c.is_ascii_alphanumeric())
}

/// A key given texts on two opposite sides ("Time" above it, "OK" below) has one label: of those
/// that are also near a key with no text at all, the one farther from the key goes to the
/// nearest such key, and the key keeps the other. Two lines of one label sit on the same side
/// and stay together.
fn split_two_sided(
    texts: &[TextBox],
    near: &[Vec<(usize, Placement, f32)>],
    buttons: usize,
    out: &mut [Assignment],
) {
    let opposite = |a: Placement, b: Placement| {
        matches!(
            (a, b),
            (Placement::Above, Placement::Below)
                | (Placement::Below, Placement::Above)
                | (Placement::Left, Placement::Right)
                | (Placement::Right, Placement::Left)
        )
    };
    let texts_of = |out: &[Assignment], i: usize| {
        (0..texts.len())
            .filter(|&k| is_text(&texts[k].text) && out[k].is_some_and(|(j, _, _)| j == i))
            .collect::<Vec<usize>>()
    };
    let free_key = |out: &[Assignment], k: usize, i: usize| {
        near[k]
            .iter()
            .copied()
            .filter(|r| r.0 != i && texts_of(out, r.0).is_empty())
            .min_by(|a, b| a.2.total_cmp(&b.2))
    };
    for i in 0..buttons {
        let mine = texts_of(out, i);
        let side = |k: usize| out[k].map(|a| a.1);
        let two_sided = mine.iter().any(|&a| {
            mine.iter()
                .any(|&b| matches!((side(a), side(b)), (Some(x), Some(y)) if opposite(x, y)))
        });
        if !two_sided {
            continue;
        }
        // The one farther from the key goes (a tie: the one nearer its free key).
        let gap = |k: usize| out[k].map_or(0.0, |a| a.2);
        let moving = mine
            .iter()
            .filter_map(|&k| free_key(out, k, i).map(|f| (k, f)))
            .max_by(|a, b| {
                gap(a.0)
                    .total_cmp(&gap(b.0))
                    .then(b.1 .2.total_cmp(&a.1 .2))
            });
        if let Some((k, free)) = moving {
            out[k] = Some(free);
        }
    }
}

/// Per button, the side of their keys the panel prints labels on, for keys of its size (area
/// within a factor 2: knobs and keys are often labelled differently): the placement of at least
/// two thirds (and two or more) of the texts beside exactly one such key, if they agree so.
fn usual_sides(
    relations: &[Vec<(usize, Placement, f32)>],
    buttons: &[[f32; 4]],
) -> Vec<Option<Placement>> {
    const SIDES: [Placement; 4] = [
        Placement::Below,
        Placement::Above,
        Placement::Left,
        Placement::Right,
    ];
    let area = |b: &[f32; 4]| ((b[2] - b[0]) * (b[3] - b[1])).max(1.0);
    buttons
        .iter()
        .map(|me| {
            let mut counts = [0usize; 4];
            for rel in relations {
                if let [(j, placement, _)] = rel.as_slice() {
                    let ratio = area(&buttons[*j]) / area(me);
                    if !(0.5..=2.0).contains(&ratio) {
                        continue;
                    }
                    if let Some(k) = SIDES.iter().position(|s| s == placement) {
                        counts[k] += 1;
                    }
                }
            }
            let total: usize = counts.iter().sum();
            let (k, &n) = counts.iter().enumerate().max_by_key(|(_, &c)| c)?;
            (n >= 2 && 3 * n >= 2 * total).then_some(SIDES[k])
        })
        .collect()
}

/// Placement and gap of `text` relative to button `b`, or `None` when it is farther than
/// `max_gap` or beside
/// the button along no axis.
fn relation(text: &TextBox, b: &[f32; 4], max_gap: f32) -> Option<(Placement, f32)> {
    let [cx, cy] = text.quad.center();
    let [tx0, ty0, tx1, ty1] = text.quad.bounds();
    let [bx0, by0, bx1, by1] = *b;
    let (bw, bh) = ((bx1 - bx0).max(1.0), (by1 - by0).max(1.0));
    if cx >= bx0 && cx <= bx1 && cy >= by0 && cy <= by1 {
        return Some((Placement::On, 0.0));
    }
    // Overlap along the other axis, as a share of the shorter of the two extents.
    let overlap = |a0: f32, a1: f32, b0: f32, b1: f32| {
        (a1.min(b1) - a0.max(b0)).max(0.0) / (a1 - a0).min(b1 - b0).max(1.0)
    };
    let horizontal = overlap(tx0, tx1, bx0, bx1) >= 0.5 || (cx >= bx0 && cx <= bx1);
    let vertical = overlap(ty0, ty1, by0, by1) >= 0.5 || (cy >= by0 && cy <= by1);
    let candidates = [
        (
            horizontal && cy > by1,
            Placement::Below,
            (ty0 - by1).max(0.0) / bh,
        ),
        (
            horizontal && cy < by0,
            Placement::Above,
            (by0 - ty1).max(0.0) / bh,
        ),
        (
            vertical && cx < bx0,
            Placement::Left,
            (bx0 - tx1).max(0.0) / bw,
        ),
        (
            vertical && cx > bx1,
            Placement::Right,
            (tx0 - bx1).max(0.0) / bw,
        ),
    ];
    candidates
        .into_iter()
        .filter(|(ok, _, gap)| *ok && *gap <= max_gap)
        .map(|(_, p, gap)| (p, gap))
        .min_by(|a, b| a.1.total_cmp(&b.1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Quad;

    fn text(s: &str, x0: f32, y0: f32, x1: f32, y1: f32) -> TextBox {
        TextBox {
            quad: Quad([[x0, y0], [x1, y0], [x1, y1], [x0, y1]]),
            text: s.to_string(),
            confidence: 0.9,
        }
    }

    #[test]
    fn a_key_with_texts_on_two_sides_gives_one_to_a_free_key_near_it() {
        // A knob (0) with no text of its own above a key (1) with "Time" right above the key
        // (0.37 knob heights below the knob) and "OK" right below it.
        let buttons = [[685.0, 150.0, 799.0, 252.0], [738.0, 313.0, 872.0, 379.0]];
        let texts = [
            text("Time", 733.0, 289.0, 781.0, 313.0),
            text("OK", 793.0, 380.0, 826.0, 395.0),
        ];
        let c = label_candidates(&texts, &buttons);
        assert_eq!(c[0].len(), 1, "{c:?}");
        assert_eq!(
            (c[0][0].text.as_str(), c[0][0].placement),
            ("Time", Placement::Below)
        );
        assert_eq!(c[1].len(), 1, "{c:?}");
        assert_eq!(c[1][0].text, "OK");
        // Both could go: the farther one does ("Volume" 0.18 key heights above, "Descale" on
        // the key's lower edge), though "Descale" has a free key nearer.
        let column = [
            [633.0, 204.0, 690.0, 272.0],
            [668.0, 334.0, 702.0, 374.0],
            [673.0, 413.0, 706.0, 451.0],
        ];
        let texts = [
            text("Volume", 646.0, 307.0, 687.0, 327.0),
            text("Descale", 666.0, 372.0, 706.0, 394.0),
        ];
        let c = label_candidates(&texts, &column);
        let names: Vec<Vec<&str>> = c
            .iter()
            .map(|l| l.iter().map(|t| t.text.as_str()).collect())
            .collect();
        assert_eq!(names, [vec!["Volume"], vec!["Descale"], vec![]]);
        // Two lines of one label on the same side stay together.
        let texts = [
            text("Time", 750.0, 382.0, 800.0, 395.0),
            text("Cook", 750.0, 397.0, 800.0, 410.0),
        ];
        let c = label_candidates(&texts, &buttons);
        assert_eq!(c[1].len(), 2, "{c:?}");
        assert!(c[0].is_empty());
    }

    #[test]
    fn labels_on_below_and_far_away() {
        let buttons = [[10.0, 10.0, 60.0, 40.0], [100.0, 10.0, 150.0, 40.0]];
        let texts = [
            text("START", 15.0, 18.0, 55.0, 32.0),    // on button 0
            text("TIMER", 105.0, 44.0, 145.0, 56.0),  // below button 1
            text("ACME", 300.0, 200.0, 360.0, 220.0), // far from both
        ];
        let c = label_candidates(&texts, &buttons);
        assert_eq!(c[0].len(), 1);
        assert_eq!(
            (c[0][0].text.as_str(), c[0][0].placement),
            ("START", Placement::On)
        );
        assert_eq!(
            (c[1][0].text.as_str(), c[1][0].placement),
            ("TIMER", Placement::Below)
        );
        assert!(c.iter().flatten().all(|l| l.text != "ACME"));
    }

    #[test]
    fn a_label_between_two_keys_goes_to_the_nearer_one() {
        let buttons = [[0.0, 0.0, 40.0, 40.0], [0.0, 70.0, 40.0, 110.0]];
        // 4 px under button 0, 16 px above button 1.
        let c = label_candidates(&[text("+", 10.0, 44.0, 30.0, 54.0)], &buttons);
        assert_eq!(c[0].len(), 1);
        assert!(c[1].is_empty());
    }

    #[test]
    fn a_label_between_two_keys_goes_to_the_panel_s_usual_side() {
        // Two rows of keys whose labels are printed far above them: the top row's labels have
        // no key above them, so the panel's side is "above", and the bottom row's labels, which
        // sit nearer the top row's keys, still go to the key below them.
        let buttons = [
            [0.0, 60.0, 40.0, 100.0],
            [100.0, 60.0, 140.0, 100.0],
            [0.0, 170.0, 40.0, 210.0],
            [100.0, 170.0, 140.0, 210.0],
        ];
        let texts = [
            text("A", 5.0, 20.0, 35.0, 32.0),
            text("B", 105.0, 20.0, 135.0, 32.0),
            // 24 px below key 0, 34 px above key 2: nearer key 0.
            text("C", 5.0, 124.0, 35.0, 136.0),
            text("D", 105.0, 124.0, 135.0, 136.0),
        ];
        let c = label_candidates(&texts, &buttons);
        let first = |i: usize| c[i].first().map(|l| l.text.as_str());
        assert_eq!(
            (first(0), first(1), first(2), first(3)),
            (Some("A"), Some("B"), Some("C"), Some("D"))
        );
        assert_eq!(c[2][0].placement, Placement::Above);
        // Without the agreeing labels, the nearer key wins.
        let c = label_candidates(&texts[2..], &buttons);
        assert_eq!(c[0].first().map(|l| l.text.as_str()), Some("C"));
        assert!(c[2].is_empty());
    }

    #[test]
    fn knobs_and_keys_keep_their_own_usual_sides() {
        // Two knobs labelled below them, then two rows of smaller keys labelled above them.
        let buttons = [
            [0.0, 0.0, 100.0, 100.0],
            [200.0, 0.0, 300.0, 100.0],
            [0.0, 250.0, 100.0, 290.0],
            [200.0, 250.0, 300.0, 290.0],
            [0.0, 340.0, 100.0, 380.0],
            [200.0, 340.0, 300.0, 380.0],
        ];
        let texts = [
            text("Temp", 20.0, 110.0, 80.0, 124.0),
            text("Time", 220.0, 110.0, 280.0, 124.0),
            text("Start", 20.0, 226.0, 80.0, 240.0),
            text("Stop", 220.0, 226.0, 280.0, 240.0),
            // 16 px below key 2, 20 px above key 4: the keys' labels are above them.
            text("Light", 20.0, 306.0, 80.0, 320.0),
            text("Fan", 220.0, 306.0, 280.0, 320.0),
        ];
        let c = label_candidates(&texts, &buttons);
        let first: Vec<Option<&str>> = c
            .iter()
            .map(|l| l.first().map(|l| l.text.as_str()))
            .collect();
        assert_eq!(
            first,
            [
                Some("Temp"),
                Some("Time"),
                Some("Start"),
                Some("Stop"),
                Some("Light"),
                Some("Fan")
            ]
        );
        // Counted with the knobs' labels (two below, two above), the keys would have no usual
        // side and "Light" would stay with the nearer key 2.
    }
}
