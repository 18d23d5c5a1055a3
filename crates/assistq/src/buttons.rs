//! `buttons.csv`: the annotated button boxes of a folder's user-view images (docs/q2a.md §1.3).
//! No header; each line is `name,x,y,w,h,image,image_width,image_height` with integer
//! coordinates (top-left corner, width, height, in pixels).

use std::collections::HashMap;
use std::path::Path;

use crate::diagnostic::{quote, Problem, Severity};
use crate::{fsutil, Error};

/// One annotated button box.
#[derive(Debug, Clone, PartialEq)]
pub struct Button {
    pub name: String,
    pub x: i64,
    pub y: i64,
    pub w: i64,
    pub h: i64,
    pub image: String,
    pub image_width: i64,
    pub image_height: i64,
    /// 1-based line number in the CSV file.
    pub line: usize,
}

/// All buttons of a folder, in CSV order (the order the reference links answers in).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Buttons {
    pub buttons: Vec<Button>,
}

struct LineFinding {
    severity: Severity,
    line: usize,
    message: String,
}

const FIELD_NAMES: [&str; 8] = [
    "name",
    "x",
    "y",
    "w",
    "h",
    "image",
    "image_width",
    "image_height",
];

impl Button {
    /// The box `(x, y, w, h)` in the pixels of a photo of `width` x `height`: the file's
    /// coordinates scaled by the photo's size over the annotated `image_width` x
    /// `image_height` (boxes drawn on a copy of another size), unscaled where the file gives
    /// no positive annotated size.
    pub fn rect_on_photo(&self, width: u32, height: u32) -> (f64, f64, f64, f64) {
        let scale = |photo: u32, annotated: i64| {
            if annotated > 0 {
                f64::from(photo) / annotated as f64
            } else {
                1.0
            }
        };
        let (sx, sy) = (
            scale(width, self.image_width),
            scale(height, self.image_height),
        );
        (
            self.x as f64 * sx,
            self.y as f64 * sy,
            self.w as f64 * sx,
            self.h as f64 * sy,
        )
    }
}

impl Buttons {
    /// Reads and parses `buttons.csv`.
    pub fn read(path: &Path) -> Result<Self, Error> {
        let text = fsutil::read_utf8(path)?;
        Self::parse(&text, path)
    }

    /// Parses CSV text; the first error is returned (warnings such as boxes outside the image
    /// or blank lines are accepted).
    pub fn parse(text: &str, path: &Path) -> Result<Self, Error> {
        let (buttons, findings) = parse_lines(text);
        match findings.into_iter().find(|f| f.severity == Severity::Error) {
            Some(f) => Err(Error::Line {
                path: path.to_path_buf(),
                line: f.line,
                message: f.message,
            }),
            None => Ok(buttons),
        }
    }

    /// Parses what it can and returns every problem; bad lines and duplicates are left out.
    pub fn parse_lenient(text: &str, path: &Path) -> (Self, Vec<Problem>) {
        let (buttons, findings) = parse_lines(text);
        let problems = findings
            .into_iter()
            .map(|f| Problem {
                severity: f.severity,
                file: path.to_path_buf(),
                location: format!("line {}", f.line),
                message: f.message,
            })
            .collect();
        (buttons, problems)
    }

    /// The CSV text, one line per button, no header.
    pub fn to_csv(&self) -> String {
        let mut out = String::new();
        for b in &self.buttons {
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{}\n",
                b.name, b.x, b.y, b.w, b.h, b.image, b.image_width, b.image_height
            ));
        }
        out
    }

    /// Writes the CSV atomically.
    pub fn write(&self, path: &Path) -> Result<(), Error> {
        fsutil::write_atomic(path, self.to_csv().as_bytes()).map_err(|e| Error::io(path, e))
    }

    /// The buttons annotated on `image`, in CSV order.
    pub fn for_image(&self, image: &str) -> Vec<&Button> {
        self.buttons.iter().filter(|b| b.image == image).collect()
    }

    /// The distinct annotated image names, in order of first appearance.
    pub fn images(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for b in &self.buttons {
            if !out.contains(&b.image.as_str()) {
                out.push(&b.image);
            }
        }
        out
    }
}

/// The button an answer refers to: the first button, in CSV order, whose WHOLE token
/// `<name>` occurs in the answer. The reference uses a plain substring test on the bare name,
/// so `button1` would also match `<button10>`; requiring the angle brackets fixes that.
pub fn linked_button<'a>(answer: &str, buttons: &[&'a Button]) -> Option<&'a Button> {
    buttons
        .iter()
        .copied()
        .find(|b| answer.contains(&format!("<{}>", b.name)))
}

/// The largest coordinate or size a box or image may have: far beyond any photo, small enough
/// that no sum of them overflows.
pub const MAX_PIXELS: i64 = 1_000_000;

fn parse_lines(text: &str) -> (Buttons, Vec<LineFinding>) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut buttons = Buttons::default();
    let mut findings = Vec::new();
    // (image, name) -> line of first definition, to report duplicates.
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    // image -> (width, height, line) of the first row, to report inconsistent sizes.
    let mut sizes: HashMap<String, (i64, i64, usize)> = HashMap::new();

    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let mut report = |severity: Severity, message: String| {
            findings.push(LineFinding {
                severity,
                line,
                message,
            })
        };
        if raw.trim().is_empty() {
            report(Severity::Warning, "blank line (skipped)".into());
            continue;
        }
        let fields: Vec<&str> = raw.split(',').map(str::trim).collect();
        if fields.len() != FIELD_NAMES.len() {
            report(Severity::Error, format!(
                "expected 8 comma-separated fields `name,x,y,w,h,image,image_width,image_height`, found {} in `{}`",
                fields.len(),
                quote(raw)
            ));
            continue;
        }
        let mut numbers = [0i64; 8];
        let mut ok = true;
        for (i, field) in fields.iter().enumerate() {
            if i == 0 || i == 5 {
                if field.is_empty() {
                    report(
                        Severity::Error,
                        format!(
                            "field {} ({}) is empty: expected a non-empty {}",
                            i + 1,
                            FIELD_NAMES[i],
                            if i == 0 {
                                "button name"
                            } else {
                                "image file name"
                            }
                        ),
                    );
                    ok = false;
                }
                continue;
            }
            match field.parse::<i64>() {
                Ok(n) if (-MAX_PIXELS..=MAX_PIXELS).contains(&n) => numbers[i] = n,
                Ok(_) => {
                    report(
                        Severity::Error,
                        format!(
                            "field {} ({}) is `{}`: expected at most {MAX_PIXELS} pixels either way",
                            i + 1,
                            FIELD_NAMES[i],
                            quote(field)
                        ),
                    );
                    ok = false;
                }
                Err(_) => {
                    report(
                        Severity::Error,
                        format!(
                            "field {} ({}) is `{}`: expected an integer",
                            i + 1,
                            FIELD_NAMES[i],
                            quote(field)
                        ),
                    );
                    ok = false;
                }
            }
        }
        if !ok {
            continue;
        }
        if !crate::layout::is_plain_name(fields[5]) {
            report(
                Severity::Error,
                crate::layout::plain_name_problem("field 6 (image)", fields[5]),
            );
            continue;
        }
        let button = Button {
            name: fields[0].to_string(),
            x: numbers[1],
            y: numbers[2],
            w: numbers[3],
            h: numbers[4],
            image: fields[5].to_string(),
            image_width: numbers[6],
            image_height: numbers[7],
            line,
        };
        if button.w <= 0 || button.h <= 0 {
            report(
                Severity::Error,
                format!(
                    "box of `{}` is {}x{}: expected width and height > 0",
                    button.name, button.w, button.h
                ),
            );
            continue;
        }
        if button.image_width <= 0 || button.image_height <= 0 {
            report(
                Severity::Error,
                format!(
                    "image size of `{}` is {}x{}: expected image width and height > 0",
                    button.image, button.image_width, button.image_height
                ),
            );
            continue;
        }
        let key = (button.image.clone(), button.name.clone());
        if let Some(&first) = seen.get(&key) {
            report(Severity::Error, format!(
                "duplicate button `{}` for image `{}` (first defined on line {first}): expected each name once per image",
                button.name, button.image
            ));
            continue;
        }
        seen.insert(key, line);

        if button.x < 0
            || button.y < 0
            || button.x + button.w > button.image_width
            || button.y + button.h > button.image_height
        {
            report(
                Severity::Warning,
                format!(
                    "box of `{}` (x {}, y {}, w {}, h {}) extends outside the {}x{} image `{}`",
                    button.name,
                    button.x,
                    button.y,
                    button.w,
                    button.h,
                    button.image_width,
                    button.image_height,
                    button.image
                ),
            );
        }
        match sizes.get(&button.image) {
            Some(&(w, h, first)) if (w, h) != (button.image_width, button.image_height) => {
                report(Severity::Warning, format!(
                    "image `{}` is {}x{} here but {}x{} on line {first}: expected one size per image",
                    button.image, button.image_width, button.image_height, w, h
                ));
            }
            Some(_) => {}
            None => {
                sizes.insert(
                    button.image.clone(),
                    (button.image_width, button.image_height, line),
                );
            }
        }
        buttons.buttons.push(button);
    }
    (buttons, findings)
}
