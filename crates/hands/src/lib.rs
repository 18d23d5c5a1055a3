//! Finding hands and their fingertips: MediaPipe Hands (Zhang et al., "MediaPipe Hands: On-device
//! Real-time Hand Tracking", CVPR Workshops 2020; Bazarevsky et al., "BlazePalm", in the same
//! paper) on candle. A palm detector ([`palm`], an SSD over 2,016 anchors with 7 palm keypoints)
//! finds each hand; the hand's rotated square crop goes to the landmark model ([`landmarks`]),
//! which gives its 21 keypoints (landmark 8 is the index fingertip, 4 the thumb tip). Both
//! networks are the pinned TensorFlow Lite files of `mediapipe==0.10.21` (docs/weights.md), read by
//! [`tflite`] and run by the executor of [`graph`]; the steps between them follow MediaPipe's CPU
//! graphs with their constants (docs/hands.md).

pub mod crop;
pub mod error;
pub mod graph;
pub mod landmarks;
pub mod palm;
pub mod tflite;

use std::path::Path;

use image::RgbImage;
use serde::{Deserialize, Serialize};

pub use crop::RotatedRect;
pub use error::{Error, Result, FIX_MODELS};
pub use graph::Network;

/// Where the hand models live under the models root.
pub const HANDS_DIR: &str = "hands";
/// The palm detector's file inside [`HANDS_DIR`].
pub const PALM_FILE: &str = "palm_detection_lite.tflite";
/// The landmark model's file inside [`HANDS_DIR`].
pub const LANDMARK_FILE: &str = "hand_landmark_lite.tflite";
/// Index of the index fingertip among the 21 landmarks.
pub const INDEX_TIP: usize = 8;
/// Index of the thumb tip.
pub const THUMB_TIP: usize = 4;

/// One hand found in an image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hand {
    /// The 21 landmarks in the image's pixels (x, y) and MediaPipe's relative depth (z, in
    /// units of the crop's width; smaller is nearer the camera).
    pub landmarks: Vec<[f32; 3]>,
    /// The landmark model's "a hand is in the crop" probability.
    pub presence: f32,
    /// The palm detector's score.
    pub palm_score: f32,
    /// Probability that it is a right hand (MediaPipe's handedness output, for a mirrored
    /// selfie image; unflipped for a camera looking at a panel).
    pub right: f32,
    /// The crop the landmarks were read from.
    pub roi: RotatedRect,
}

impl Hand {
    /// The index fingertip, in pixels.
    pub fn index_tip(&self) -> (f32, f32) {
        let p = self.landmarks[INDEX_TIP];
        (p[0], p[1])
    }
}

/// Tunables of the pipeline (MediaPipe's defaults unless said).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    /// Palm detections below this score are dropped (MediaPipe: 0.5).
    pub min_palm_score: f32,
    /// Hands whose presence is below this are dropped (MediaPipe: 0.5).
    pub min_presence: f32,
    /// At most this many hands, the best palms first.
    pub max_hands: usize,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            min_palm_score: 0.5,
            min_presence: 0.5,
            max_hands: 2,
        }
    }
}

/// The two networks, loaded once.
#[derive(Debug, Clone)]
pub struct HandFinder {
    pub palm: Network,
    pub landmark: Network,
    pub params: Params,
}

impl HandFinder {
    /// Loads both models from `models_root/hands/`.
    pub fn load(models_root: &Path) -> Result<Self> {
        let dir = models_root.join(HANDS_DIR);
        let palm = dir.join(PALM_FILE);
        let landmark = dir.join(LANDMARK_FILE);
        for p in [&palm, &landmark] {
            if !p.is_file() {
                return Err(Error::Model {
                    path: p.clone(),
                    message: "the hand model is not installed".into(),
                });
            }
        }
        Ok(HandFinder {
            palm: Network::load(&palm)?,
            landmark: Network::load(&landmark)?,
            params: Params::default(),
        })
    }

    /// Every hand in `image` (at most `params.max_hands`), best palm first.
    pub fn find(&self, image: &RgbImage) -> Result<Vec<Hand>> {
        let palms = palm::detect(&self.palm, image, self.params.min_palm_score)?;
        let mut hands = Vec::new();
        for p in palms.into_iter().take(self.params.max_hands) {
            let roi = landmarks::roi_from_palm(&p, image.width(), image.height());
            let hand = landmarks::landmarks(&self.landmark, image, &roi, p.score)?;
            if hand.presence >= self.params.min_presence {
                hands.push(hand);
            }
        }
        Ok(hands)
    }
}
