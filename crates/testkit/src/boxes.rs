//! Boxes of a pack's `buttons.csv`, for tests that check where an answer's step lands.

use std::collections::HashMap;
use std::path::Path;

/// `folder/buttons.csv` as button name -> `[x0, y0, x1, y1]` (the file's own pixels).
pub fn csv_boxes(folder: &Path) -> HashMap<String, [f32; 4]> {
    std::fs::read_to_string(folder.join("buttons.csv"))
        .unwrap_or_else(|e| panic!("{}: {e}", folder.join("buttons.csv").display()))
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let n = |i: usize| f[i].parse::<f32>().unwrap();
            (f[0].to_string(), [n(1), n(2), n(1) + n(3), n(2) + n(4)])
        })
        .collect()
}
