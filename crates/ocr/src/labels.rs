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

/// For each button rectangle `[x0, y0, x1, y1]` (photo pixels), its label candidates among
/// `texts`, best first (on the key, then nearest).
pub fn label_candidates(texts: &[TextBox], buttons: &[[f32; 4]]) -> Vec<Vec<LabelCandidate>> {
    let mut out = vec![Vec::new(); buttons.len()];
    for text in texts {
        let best = buttons
            .iter()
            .enumerate()
            .filter_map(|(i, b)| relation(text, b).map(|(p, gap)| (i, p, gap)))
            .min_by(|a, b| a.2.total_cmp(&b.2).then(a.1.cmp(&b.1)));
        if let Some((i, placement, gap)) = best {
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

/// Placement and gap of `text` relative to button `b`, or `None` when it is too far or beside
/// the button along no axis.
fn relation(text: &TextBox, b: &[f32; 4]) -> Option<(Placement, f32)> {
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
        .filter(|(ok, _, gap)| *ok && *gap <= MAX_GAP)
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
}
