//! Synthetic appliance tutorials in the exact AssistQ format (`docs/q2a.md` §1), so that
//! PressNext can be trained, tested, benchmarked and demonstrated without the real data.
//!
//! [`generate`] writes a dataset root: `train/` and `test/` appliance folders (split by
//! appliance instance), `train.json`, `test_without_gt.json` and `test_with_gt.json`. Each
//! folder holds the user's photo of the panel (`images/<kind>-user.jpg`), its `buttons.csv`,
//! an H.264 `video.mp4` of a hand operating the panel, and the timestamped `script.txt`.
//! [`demo_pack`] writes one appliance plus `camera.mp4`, a handheld view of the same panel.
//!
//! Everything is drawn from ChaCha RNGs seeded by the seed: the same seed gives byte-identical
//! files, whatever the number of threads.
//!
//! ```no_run
//! let opts = synth::SynthOptions::new("/tmp/synthetic", 10, 7);
//! let summary = synth::generate(&opts, &synth::NoProgress).unwrap();
//! assert_eq!(summary.appliances.len(), 10);
//! ```

pub mod camera;
mod dataset;
pub use dataset::{read_truth, truth_label, CAMERA_TRUTH_FILE, TRUTH_FILE};
pub mod draw;
pub mod error;
pub mod free;
pub mod hand;
pub mod harder;
pub mod kinds;
pub mod panel;
pub mod qa;
pub mod scene;
pub mod script;
pub mod timeline;
pub mod video;

use std::path::{Path, PathBuf};

pub use error::Error;

/// What [`generate`] makes.
#[derive(Debug, Clone)]
pub struct SynthOptions {
    /// Output folder; must be new or empty.
    pub out: PathBuf,
    /// Number of appliance instances.
    pub appliances: usize,
    pub seed: u64,
    /// Share of instances in `test/` (at least one each way when there are two or more and it is
    /// strictly between 0 and 1).
    pub test_fraction: f64,
    /// Range of video durations in whole seconds, within 20..=120.
    pub video_seconds: (u32, u32),
    /// Video frame size.
    pub video_size: (usize, usize),
    /// Worker threads for rendering (output does not depend on it).
    pub threads: usize,
    /// Only these appliance kinds ([`kinds::KINDS`] names); empty: every kind. Lets a benchmark
    /// test a model on kinds it was never trained on.
    pub kinds: Vec<String>,
    /// The harder generator ([`harder`]): icon-only keys, one label on two keys, far labels,
    /// controls named by function or symbol, two controls in a sentence, the hand from above, a
    /// pen, camera shake. Off: every file is what it was without it.
    pub harder: bool,
}

impl SynthOptions {
    pub fn new(out: impl AsRef<Path>, appliances: usize, seed: u64) -> Self {
        SynthOptions {
            out: out.as_ref().to_path_buf(),
            appliances,
            seed,
            test_fraction: 0.3,
            video_seconds: (20, 60),
            video_size: (640, 360),
            threads: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
                .min(4),
            kinds: Vec::new(),
            harder: false,
        }
    }

    /// The kinds to generate, in [`kinds::KINDS`]' order: those named in `kinds`, or all.
    pub(crate) fn kind_specs(&self) -> Result<Vec<&'static kinds::KindSpec>, Error> {
        if self.kinds.is_empty() {
            return Ok(kinds::KINDS.iter().collect());
        }
        for name in &self.kinds {
            if !kinds::KINDS.iter().any(|k| k.name == name) {
                let known: Vec<&str> = kinds::KINDS.iter().map(|k| k.name).collect();
                return Err(Error::Option(format!(
                    "kind {name:?}: expected one of {}",
                    known.join(", ")
                )));
            }
        }
        Ok(kinds::KINDS
            .iter()
            .filter(|k| self.kinds.iter().any(|n| n == k.name))
            .collect())
    }

    fn validate(&self) -> Result<(), Error> {
        if !(1..=MAX_APPLIANCES).contains(&self.appliances) {
            return Err(Error::Option(format!(
                "appliances {}: expected 1 to {MAX_APPLIANCES}",
                self.appliances
            )));
        }
        let (lo, hi) = self.video_seconds;
        if !(20..=120).contains(&lo) || !(lo..=120).contains(&hi) {
            return Err(Error::Option(format!(
                "video seconds {lo}..{hi}: expected 20 <= min <= max <= 120"
            )));
        }
        let (w, h) = self.video_size;
        // The upper bound keeps a typo (`--size 64000x36000`) from allocating tens of GB.
        if !(160..=MAX_VIDEO_SIZE.0).contains(&w)
            || !(90..=MAX_VIDEO_SIZE.1).contains(&h)
            || w % 2 != 0
            || h % 2 != 0
        {
            return Err(Error::Option(format!(
                "video size {w}x{h}: expected even sizes from 160x90 to {}x{}",
                MAX_VIDEO_SIZE.0, MAX_VIDEO_SIZE.1
            )));
        }
        self.kind_specs()?;
        if !(0.0..=1.0).contains(&self.test_fraction) {
            return Err(Error::Option(format!(
                "test fraction {}: expected 0..=1",
                self.test_fraction
            )));
        }
        Ok(())
    }
}

/// The most appliances one run generates (about 5 GB of video at the default size): a typo such as
/// `--appliances 18446744073709551615` is refused instead of overflowing the plan's allocation.
pub const MAX_APPLIANCES: usize = 10_000;

/// The largest video frame the generator writes (4K UHD).
pub const MAX_VIDEO_SIZE: (usize, usize) = (3840, 2160);

#[cfg(test)]
mod option_tests {
    use super::*;

    #[test]
    fn video_sizes_outside_160x90_to_3840x2160_are_refused() {
        let dir = std::path::Path::new("unused");
        for size in [
            (158, 90),
            (160, 88),
            (161, 90),
            (3842, 2160),
            (3840, 2162),
            (64000, 36000),
        ] {
            let opts = SynthOptions {
                video_size: size,
                ..SynthOptions::new(dir, 1, 0)
            };
            let err = opts.validate().unwrap_err().to_string();
            assert!(err.contains("3840x2160"), "{size:?}: {err}");
        }
        for appliances in [0, MAX_APPLIANCES + 1, usize::MAX] {
            let err = SynthOptions::new(dir, appliances, 0)
                .validate()
                .unwrap_err()
                .to_string();
            assert!(err.contains("appliances") && err.contains("10000"), "{err}");
        }
        for size in [(160, 90), (3840, 2160)] {
            let opts = SynthOptions {
                video_size: size,
                ..SynthOptions::new(dir, 1, 0)
            };
            assert!(opts.validate().is_ok(), "{size:?}");
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    Train,
    Test,
}

impl Split {
    pub fn dir_name(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Test => "test",
        }
    }
}

/// One step of the instructional video.
#[derive(Debug, Clone)]
pub struct StepInfo {
    /// Index of the function in the video, and of the step in the function.
    pub function: usize,
    pub step: usize,
    /// Whole seconds, as in the script line of this step.
    pub start: u32,
    pub end: u32,
    /// When the finger presses / the knob turns, in seconds.
    pub act_start: f64,
    pub act_end: f64,
    /// The control acted on (`buttonN` of buttons.csv) and its printed label.
    pub button: String,
    pub label: String,
    /// The right candidate answer for this step.
    pub answer: String,
    /// What the display shows once the step is done.
    pub display_after: String,
}

#[derive(Debug, Clone)]
pub struct QuestionInfo {
    pub question: String,
    /// The video function the question asks for with the same values, if any (others ask
    /// for a function of the video with other values).
    pub video_function: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct ApplianceInfo {
    pub folder: String,
    pub split: Split,
    pub kind: &'static str,
    pub video_seconds: u32,
    pub steps: Vec<StepInfo>,
    pub questions: Vec<QuestionInfo>,
}

/// What [`generate`] wrote.
#[derive(Debug, Clone)]
pub struct Summary {
    pub appliances: Vec<ApplianceInfo>,
}

impl Summary {
    pub fn questions(&self, split: Split) -> usize {
        self.appliances
            .iter()
            .filter(|a| a.split == split)
            .map(|a| a.questions.len())
            .sum()
    }
}

/// Progress reports (from worker threads).
#[derive(Debug, Clone)]
pub enum Event {
    Started {
        appliances: usize,
    },
    Appliance {
        done: usize,
        total: usize,
        folder: String,
        split: Split,
    },
}

pub trait Progress: Sync {
    fn event(&self, event: &Event);
}

/// Ignores progress.
pub struct NoProgress;

impl Progress for NoProgress {
    fn event(&self, _: &Event) {}
}

impl<F: Fn(&Event) + Sync> Progress for F {
    fn event(&self, event: &Event) {
        self(event)
    }
}

/// Writes a complete synthetic dataset into `opts.out` (a new or empty folder).
pub fn generate(opts: &SynthOptions, progress: &dyn Progress) -> Result<Summary, Error> {
    Ok(Summary {
        appliances: dataset::generate(opts, progress)?,
    })
}

/// What [`demo_pack`] wrote.
#[derive(Debug, Clone)]
pub struct DemoPack {
    /// The pack root: `test/<folder>/`, `test_with_gt.json`, `test_without_gt.json`,
    /// `camera.mp4`.
    pub root: PathBuf,
    /// The appliance folder.
    pub folder: PathBuf,
    pub camera: PathBuf,
    /// The question whose steps the hand in `camera.mp4` carries out.
    pub question: String,
    pub camera_seconds: u32,
    pub info: ApplianceInfo,
}

/// Writes the demo pack into `out` (a new or empty folder): one appliance folder with its
/// QAs, as a dataset root with a `test` split, plus `camera.mp4`, 20-40 s of the same panel
/// seen from a moving, tilting handheld camera while a hand follows one question's steps (with
/// one wrong press, one hand passing over, one long pause), and its truth `camera_truth.json`.
pub fn demo_pack(out: impl AsRef<Path>, seed: u64) -> Result<DemoPack, Error> {
    dataset::demo_pack(out.as_ref(), seed)
}
