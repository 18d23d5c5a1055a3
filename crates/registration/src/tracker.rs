//! Frame-to-frame tracking: the last good homography predicts where the
//! appliance is now, so the next frame is searched only there and matched
//! under a spatial prior (cheaper and more robust than matching everything).
//! Full re-detection takes over whenever tracking fails or loses too many
//! inliers relative to the last full detection, so a drifting or wrong track
//! can never outlive one frame; a track with few inliers that passes every
//! check of "in view" stands only when the re-detection finds nothing.

use image::GrayImage;

use super::{Mat3, Mode, Plane, Registrar, Registration};

/// Keeps the registration state of one live stream.
#[derive(Debug, Clone)]
pub struct Tracker {
    registrar: Registrar,
    previous: Option<Mat3>,
    /// Inliers of the last full detection that was in view.
    detected_inliers: usize,
    /// Frames answered by tracking and by full detection, for diagnostics.
    pub tracked_frames: u64,
    pub detected_frames: u64,
}

impl Tracker {
    pub fn new(registrar: Registrar) -> Self {
        Self {
            registrar,
            previous: None,
            detected_inliers: 0,
            tracked_frames: 0,
            detected_frames: 0,
        }
    }

    pub fn registrar(&self) -> &Registrar {
        &self.registrar
    }

    /// Forgets the previous frame (after a cut, a seek, a camera switch).
    pub fn reset(&mut self) {
        self.previous = None;
    }

    /// Registers the next frame of the stream.
    pub fn process(&mut self, frame: &GrayImage) -> Registration {
        self.process_plane(&Plane::from_gray(frame))
    }

    pub fn process_plane(&mut self, frame: &Plane) -> Registration {
        let mut weak_track = None;
        if let Some(prior) = self.previous {
            let r = self.registrar.track_plane(frame, &prior);
            let floor = (self.detected_inliers as f64
                * self.registrar.config().track_min_inlier_fraction)
                as usize;
            if r.in_view && r.inliers >= floor {
                self.previous = r.homography;
                self.tracked_frames += 1;
                return r;
            }
            weak_track = Some(r).filter(|r| r.in_view);
        }
        let r = self.registrar.register_plane(frame);
        debug_assert_eq!(r.mode, Mode::Detected);
        if let (false, Some(track)) = (r.in_view, weak_track) {
            // Few inliers left (a hand over much of the panel) call for a full detection; when
            // that finds nothing, the track, which passed every check of "in view", stands.
            self.previous = track.homography;
            self.tracked_frames += 1;
            return track;
        }
        self.detected_frames += 1;
        self.previous = r.homography;
        if r.in_view {
            self.detected_inliers = r.inliers;
        }
        r
    }
}
