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
/// A panel prints its labels on one side of the keys (all below, or all above): when the texts
/// that can belong to one key only agree on a side, a text between two keys (or beside none
/// within [`MAX_GAP`]) goes to the key it is on that side of, even if it is nearer the other
/// one, up to [`MAX_GAP_USUAL_SIDE`] away.
pub fn label_candidates(texts: &[TextBox], buttons: &[[f32; 4]]) -> Vec<Vec<LabelCandidate>> {
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
    let side = usual_side(&near);
    let wide = match side {
        Some(_) => relations(MAX_GAP_USUAL_SIDE),
        None => Vec::new(),
    };
    let mut out = vec![Vec::new(); buttons.len()];
    for (k, text) in texts.iter().enumerate() {
        let nearest = near[k]
            .iter()
            .copied()
            .min_by(|a, b| a.2.total_cmp(&b.2).then(a.1.cmp(&b.1)));
        // Only a text that could belong to another key too (or to none nearby) is moved: a
        // knob's label below it stays the knob's on a panel whose keys have theirs above.
        let ambiguous = near[k].len() != 1;
        let chosen = match side {
            Some(side)
                if ambiguous && nearest.is_none_or(|n| n.1 != Placement::On && n.1 != side) =>
            {
                wide[k]
                    .iter()
                    .copied()
                    .filter(|r| r.1 == side)
                    .min_by(|a, b| a.2.total_cmp(&b.2))
                    .or(nearest)
            }
            _ => nearest,
        };
        if let Some((i, placement, gap)) = chosen {
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

/// The side of their keys the panel's labels are printed on: the placement of at least two
/// thirds (and two or more) of the texts beside exactly one key, if they agree so.
fn usual_side(relations: &[Vec<(usize, Placement, f32)>]) -> Option<Placement> {
    const SIDES: [Placement; 4] = [
        Placement::Below,
        Placement::Above,
        Placement::Left,
        Placement::Right,
    ];
    let mut counts = [0usize; 4];
    for rel in relations {
        if let [(_, placement, _)] = rel.as_slice() {
            if let Some(k) = SIDES.iter().position(|s| s == placement) {
                counts[k] += 1;
            }
        }
    }
    let total: usize = counts.iter().sum();
    let (k, &n) = counts.iter().enumerate().max_by_key(|(_, &c)| c)?;
    (n >= 2 && 3 * n >= 2 * total).then_some(SIDES[k])
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
}
