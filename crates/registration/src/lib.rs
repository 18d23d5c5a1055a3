//! Registration of a live camera frame to a tutorial's reference photo: where
//! is the appliance in this frame, so that the box of the button to press can
//! be drawn on the real button?
//!
//! Pipeline (see docs/registration.md for the measurements behind each
//! choice):
//!
//! 1. **Features** ([`features`]): ORB-style FAST-9 keypoints on a 6-level
//!    pyramid, steered 256-bit BRIEF descriptors, Hamming matching with the
//!    ratio test. The reference is described once, in [`Registrar::new`].
//! 2. **Homography** ([`homography`]): RANSAC with the 4-point solver, then a
//!    normalised least-squares DLT and Gauss-Newton on the inliers' pixel
//!    error.
//! 3. **Decision** ([`Registrar::assess`]): conservative. A frame is "in
//!    view" only with enough inliers, a high enough inlier ratio, a small
//!    reprojection error, inliers spread over the reference, a sane
//!    (convex, not mirrored, not extremely oblique, not tiny) projected
//!    outline, and a frame that is not too blurred. Anything else is "not in
//!    view" with a [`NotInViewReason`]: a wrong box is worse than no box.
//! 4. **Tracking** ([`tracker::Tracker`]): the previous homography predicts
//!    where the appliance is; only that region is searched and matches are
//!    only accepted near their predicted position. Full re-detection when
//!    tracking loses quality.
//!
//! ```
//! use registration::{project_box, IDENTITY};
//! let quad = project_box(&IDENTITY, 10.0, 20.0, 30.0, 40.0);
//! assert_eq!(quad, [[10.0, 20.0], [40.0, 20.0], [40.0, 60.0], [10.0, 60.0]]);
//! ```

pub mod error;
pub mod features;
pub mod gray;
pub mod homography;
pub mod json;
pub mod refine;
pub mod tracker;

use std::fmt;
use std::path::Path;

use image::{GrayImage, RgbImage};

pub use features::{DetectorParams, MatchParams};
pub use gray::Plane;
pub use homography::{apply, project_box, Mat3, IDENTITY};
pub use json::{add_details, registration_json, ButtonBox};
pub use tracker::Tracker;

pub use error::Error;
use features::{Features, Rect};
use homography::{Correspondence, RansacParams};

/// Everything that decides how registration runs and when a frame counts as
/// "in view". The defaults are the values measured in docs/registration.md.
#[derive(Debug, Clone)]
pub struct RegisterConfig {
    /// Keypoints of live frames.
    pub detector: DetectorParams,
    /// Keypoints of the reference photo (described once, so it can afford more).
    pub reference_detector: DetectorParams,
    pub matching: MatchParams,
    /// The reference is shrunk to at most this many pixels on its long side
    /// before description (the homography is still reported in the
    /// original reference's pixels).
    pub reference_max_side: u32,
    /// RANSAC inlier threshold, frame pixels.
    pub ransac_threshold: f64,
    pub ransac_iterations: usize,
    /// RANSAC iterations when tracking (the prior makes the inlier ratio high).
    pub track_ransac_iterations: usize,
    /// Fewest inliers for "in view".
    pub min_inliers: usize,
    /// Smallest inliers / putative matches for "in view".
    pub min_inlier_ratio: f64,
    /// Largest root-mean-square reprojection error of the inliers, frame pixels.
    pub max_rms_error: f64,
    /// Smallest area of the inliers' bounding box on the reference, as a
    /// fraction of the reference area: a homography supported by one corner
    /// of the panel extrapolates badly to the others.
    pub min_inlier_spread: f64,
    /// The same when tracking, for a fit that places the panel within `track_hold_shift` of
    /// the last frame's pose: a band of keypoints (a row of keys, the rest under a hand) is
    /// then enough.
    pub track_min_inlier_spread: f64,
    /// See `track_min_inlier_spread`, frame pixels.
    pub track_hold_shift: f64,
    /// Smallest area of the projected reference outline, as a fraction of
    /// the frame area.
    pub min_area_fraction: f64,
    /// Largest area of the projected outline as a multiple of the frame area.
    pub max_area_multiple: f64,
    /// Largest ratio between the local scales at the outline's corners
    /// (perspective strength).
    pub max_scale_ratio: f64,
    /// Largest ratio of the local stretch along two directions at any corner
    /// (foreshortening; 4 is about 75 degrees off-axis).
    pub max_anisotropy: f64,
    /// Smallest variance of the Laplacian of the frame (grey levels²); below
    /// it the frame is too blurred to register.
    pub min_sharpness: f64,
    /// Tracking: search radius around each predicted keypoint, frame pixels.
    pub track_radius: f32,
    /// Tracking: margin added around the predicted outline, as a fraction
    /// of its size (plus 32 pixels).
    pub track_margin: f64,
    /// Full detection: the frame's keypoints are matched again within this many frame pixels
    /// of where the first fit puts the reference's ([`Registrar`]'s guided rematch); 0 turns
    /// it off.
    pub rematch_radius: f32,
    /// Tracking gives way to full detection when its inliers drop below this
    /// fraction of the last detection's.
    pub track_min_inlier_fraction: f64,
    /// Smallest share of the reference's textured cells whose look the frame reproduces through
    /// the homography (the appearance check, [`Registrar`]'s `appearance`); 0 turns it off.
    pub min_appearance: f64,
    /// Largest correction, frame pixels at the corners of the reference's textured region, that
    /// the dense refinement ([`refine`]) may make to the keypoints' homography of a frame in view; 0 turns it off.
    pub refine_max_shift: f64,
    pub seed: u64,
}

impl Default for RegisterConfig {
    fn default() -> Self {
        Self {
            detector: DetectorParams::default(),
            reference_detector: DetectorParams {
                max_features: 2000,
                ..DetectorParams::default()
            },
            matching: MatchParams::default(),
            reference_max_side: 800,
            ransac_threshold: 3.0,
            ransac_iterations: 2000,
            track_ransac_iterations: 300,
            min_inliers: 20,
            min_inlier_ratio: 0.2,
            max_rms_error: 2.0,
            min_inlier_spread: 0.1,
            track_min_inlier_spread: 0.03,
            track_hold_shift: 12.0,
            min_area_fraction: 0.01,
            max_area_multiple: 16.0,
            max_scale_ratio: 3.0,
            max_anisotropy: 4.0,
            min_sharpness: 1.0,
            track_radius: 40.0,
            track_margin: 0.15,
            rematch_radius: 20.0,
            track_min_inlier_fraction: 0.4,
            min_appearance: APPEARANCE_DEFAULT,
            refine_max_shift: 12.0,
            seed: 0x5EED,
        }
    }
}

/// Why a frame is "not in view".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotInViewReason {
    /// The frame is too blurred (motion, focus) to find the appliance.
    TooBlurred,
    /// Too few consistent matches: the appliance is absent, mostly hidden,
    /// or a different one.
    NotFound,
    /// A model was found but it fits its matches too loosely.
    HighError,
    /// The matches that agree cover too little of the reference.
    PoorCoverage,
    /// The projected outline is not a plausible view of a flat panel
    /// (mirrored, self-intersecting, through infinity).
    Degenerate,
    /// Seen at too steep an angle to place boxes reliably.
    TooOblique,
    /// Too small (too far away) in the frame.
    TooSmall,
    /// Implausibly large (far closer than the frame).
    TooLarge,
}

impl NotInViewReason {
    /// A stable snake_case code (JSON, logs, UI strings).
    pub fn code(self) -> &'static str {
        match self {
            Self::TooBlurred => "too_blurred",
            Self::NotFound => "not_found",
            Self::HighError => "high_error",
            Self::PoorCoverage => "poor_coverage",
            Self::Degenerate => "degenerate",
            Self::TooOblique => "too_oblique",
            Self::TooSmall => "too_small",
            Self::TooLarge => "too_large",
        }
    }
}

impl fmt::Display for NotInViewReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::TooBlurred => "the picture is too blurred",
            Self::NotFound => "the appliance is not in view",
            Self::HighError => "the match is too imprecise",
            Self::PoorCoverage => "too little of the appliance is visible",
            Self::Degenerate => "the view is not a plausible view of the panel",
            Self::TooOblique => "the panel is seen at too steep an angle",
            Self::TooSmall => "the appliance is too far away",
            Self::TooLarge => "the camera is too close",
        })
    }
}

/// Whether the result came from full detection or from tracking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Detected,
    Tracked,
}

/// The answer for one frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Registration {
    pub in_view: bool,
    /// Reference pixels -> frame pixels; `Some` exactly when `in_view`.
    pub homography: Option<Mat3>,
    /// RANSAC inliers of the best model (also reported when not in view).
    pub inliers: usize,
    /// Putative descriptor matches RANSAC ran on.
    pub matches: usize,
    /// RMS reprojection error of the inliers, frame pixels.
    pub reprojection_error: Option<f64>,
    /// Variance of the Laplacian of the frame.
    pub sharpness: f64,
    /// `Some` exactly when not in view.
    pub reason: Option<NotInViewReason>,
    pub mode: Mode,
}

impl Registration {
    fn not_in_view(reason: NotInViewReason, sharpness: f64, mode: Mode) -> Self {
        Self {
            in_view: false,
            homography: None,
            inliers: 0,
            matches: 0,
            reprojection_error: None,
            sharpness,
            reason: Some(reason),
            mode,
        }
    }
}

/// One fit of a frame: the verdict, and the fitted homography (described reference pixels ->
/// frame pixels), for the guided rematch.
struct Estimate {
    registration: Registration,
    candidate: Option<Mat3>,
}

/// A reference photo, described once, against which frames are registered.
#[derive(Debug, Clone)]
pub struct Registrar {
    cfg: RegisterConfig,
    features: Features,
    /// Keypoints of the described reference after a blur, for frames too blurred to match
    /// the sharp reference's (`None` when the blur leaves too few).
    blurred_features: Option<Features>,
    /// The described reference shrunk to [`TEMPLATE_SIDE`] on its long side, for the appearance
    /// check, and its pixel size in described pixels.
    template: Plane,
    template_step: f64,
    /// The reference's textured pixels for the dense refinement.
    dense: refine::Template,
    dense_blurred: refine::Template,
    /// Size of the reference as given (original pixels).
    width: u32,
    height: u32,
    /// Original reference pixels -> described (possibly shrunk) pixels.
    to_work: f64,
}

impl Registrar {
    /// Describes the reference photo. Fails when it is too small or too
    /// plain (too few keypoints) to ever be registered.
    ///
    /// ```
    /// use image::{GrayImage, Luma};
    /// use registration::{Registrar, RegisterConfig};
    /// // A textured 320x240 reference: blocks of pseudo-random grey.
    /// let texture = |x: u32, y: u32| {
    ///     let h = (x / 10).wrapping_mul(2654435761) ^ (y / 8).wrapping_mul(40503);
    ///     Luma([(h.wrapping_mul(2246822519) >> 24) as u8])
    /// };
    /// let reference = GrayImage::from_fn(320, 240, texture);
    /// // The frame shows it 100 px right and 50 px down on a flat wall.
    /// let frame = GrayImage::from_fn(640, 480, |x, y| {
    ///     if (100..420).contains(&x) && (50..290).contains(&y) { texture(x - 100, y - 50) } else { Luma([90]) }
    /// });
    /// let reg = Registrar::new(&reference, RegisterConfig::default()).unwrap();
    /// let r = reg.register(&frame);
    /// assert!(r.in_view, "{:?}", r.reason);
    /// let h = r.homography.unwrap();
    /// assert!((h[0][2] - 100.0).abs() < 0.5 && (h[1][2] - 50.0).abs() < 0.5, "{h:?}");
    /// // A blank frame is not in view.
    /// assert!(!reg.register(&GrayImage::from_pixel(640, 480, Luma([90]))).in_view);
    /// ```
    pub fn new(reference: &GrayImage, cfg: RegisterConfig) -> Result<Self, Error> {
        Self::from_plane(Plane::from_gray(reference), cfg)
    }

    /// [`Registrar::new`] from a colour photo.
    pub fn from_rgb(reference: &RgbImage, cfg: RegisterConfig) -> Result<Self, Error> {
        Self::from_plane(Plane::from_rgb(reference), cfg)
    }

    pub fn from_plane(reference: Plane, cfg: RegisterConfig) -> Result<Self, Error> {
        let (width, height) = (reference.width as u32, reference.height as u32);
        if width < 64 || height < 64 {
            return Err(Error::ReferenceTooSmall { width, height });
        }
        let long = width.max(height);
        let (work, to_work) = if long > cfg.reference_max_side {
            let s = f64::from(cfg.reference_max_side) / f64::from(long);
            let w = (f64::from(width) * s).round() as usize;
            let h = (f64::from(height) * s).round() as usize;
            // A strip so elongated that its short side vanishes at the working size cannot be
            // registered (and would leave nothing to resize to).
            if w < 64 || h < 64 {
                return Err(Error::ReferenceTooElongated {
                    width,
                    height,
                    max_side: cfg.reference_max_side,
                });
            }
            (reference.shrunk(w, h), w as f64 / f64::from(width))
        } else {
            (reference, 1.0)
        };
        let features = features::detect(&work, &cfg.reference_detector, None);
        if features.keypoints.len() < cfg.min_inliers * 2 {
            return Err(Error::ReferenceTooPlain {
                found: features.keypoints.len(),
                needed: cfg.min_inliers * 2,
            });
        }
        let blurred = work.blur5().blur5().blur5();
        let blurred_features = Some(features::detect(&blurred, &cfg.reference_detector, None))
            .filter(|f| f.keypoints.len() >= cfg.min_inliers * 2);
        let (template, template_step) = template_of(&work);
        let dense = refine::Template::new(&work);
        let dense_blurred = refine::Template::new(&blurred);
        Ok(Self {
            cfg,
            features,
            blurred_features,
            template,
            template_step,
            dense,
            dense_blurred,
            width,
            height,
            to_work,
        })
    }

    pub fn config(&self) -> &RegisterConfig {
        &self.cfg
    }

    /// Size of the reference photo in its original pixels.
    pub fn reference_size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// Number of reference keypoints.
    pub fn reference_keypoints(&self) -> usize {
        self.features.keypoints.len()
    }

    /// Full detection: registers `frame` with no prior.
    pub fn register(&self, frame: &GrayImage) -> Registration {
        self.register_plane(&Plane::from_gray(frame))
    }

    pub fn register_plane(&self, frame: &Plane) -> Registration {
        let sharpness = frame.laplacian_variance(0, 0, frame.width, frame.height);
        if sharpness < self.cfg.min_sharpness {
            return Registration::not_in_view(
                NotInViewReason::TooBlurred,
                sharpness,
                Mode::Detected,
            );
        }
        let f = features::detect(frame, &self.cfg.detector, None);
        let m = features::match_all(&f, &self.features, &self.cfg.matching);
        let first = self.estimate(
            frame,
            &f,
            &self.features,
            &m,
            self.cfg.ransac_iterations,
            sharpness,
            None,
        );
        let found = self.rematch(frame, &f, &self.features, first, sharpness);
        // A blurred frame's corners look like the blurred reference's: a second chance against
        // those, when the sharp reference's matches were too few.
        match (&self.blurred_features, found.reason) {
            (Some(blurred), Some(NotInViewReason::NotFound | NotInViewReason::TooBlurred)) => {
                let m = features::match_all(&f, blurred, &self.cfg.matching);
                let second = self.estimate(
                    frame,
                    &f,
                    blurred,
                    &m,
                    self.cfg.ransac_iterations,
                    sharpness,
                    None,
                );
                let second = self.rematch(frame, &f, blurred, second, sharpness);
                if second.in_view {
                    second
                } else {
                    found
                }
            }
            _ => found,
        }
    }

    /// Guided matching (Hartley and Zisserman, "Multiple View Geometry", 2nd ed., 4.8): the
    /// frame's keypoints matched again, each only against the reference keypoints that the
    /// first fit puts within `RegisterConfig::rematch_radius` of it. Over the whole reference,
    /// the ratio test drops most keypoints of rows of identical keys (each has lookalikes
    /// elsewhere on the panel), so on a blurred, occluded frame the first fit can rest on a few
    /// inliers on part of the panel; near the predicted place the lookalikes are out of reach.
    /// Only a fit judged in view is matched again (from one that was not, three false views of
    /// 27 on the hard panels' negatives), and the refit, judged by the same checks, is kept
    /// when it is in view with more inliers.
    fn rematch(
        &self,
        frame: &Plane,
        f: &Features,
        reference: &Features,
        first: Estimate,
        sharpness: f64,
    ) -> Registration {
        let radius = self.cfg.rematch_radius;
        let (Some(h), true) = (first.candidate, first.registration.in_view && radius > 0.0) else {
            return first.registration;
        };
        // `h` is the first fit after its dense refinement: the closer prior is worth the second
        // refinement (refining only the fit that stays lost 2 of 84 frames of the held-out set).
        let m = features::match_guided(f, reference, &h, radius, &self.cfg.matching);
        let again = self
            .estimate(
                frame,
                f,
                reference,
                &m,
                self.cfg.track_ransac_iterations,
                sharpness,
                None,
            )
            .registration;
        if again.in_view && again.inliers > first.registration.inliers {
            again
        } else {
            first.registration
        }
    }

    /// Tracking: registers `frame` near the homography `prior` (original
    /// reference pixels -> frame pixels), e.g. the previous frame's.
    pub fn track(&self, frame: &GrayImage, prior: &Mat3) -> Registration {
        self.track_plane(&Plane::from_gray(frame), prior)
    }

    pub fn track_plane(&self, frame: &Plane, prior: &Mat3) -> Registration {
        let work_prior = homography::mul(prior, &self.work_to_original());
        let corners = self.work_outline();
        let proj: Option<Vec<[f64; 2]>> = corners.iter().map(|&c| apply(&work_prior, c)).collect();
        let Some(proj) = proj else {
            return Registration::not_in_view(NotInViewReason::Degenerate, 0.0, Mode::Tracked);
        };
        let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for p in &proj {
            x0 = x0.min(p[0]);
            y0 = y0.min(p[1]);
            x1 = x1.max(p[0]);
            y1 = y1.max(p[1]);
        }
        let mx = (x1 - x0) * self.cfg.track_margin + 32.0;
        let my = (y1 - y0) * self.cfg.track_margin + 32.0;
        let clip = |v: f64, hi: usize| v.clamp(0.0, hi as f64) as usize;
        let roi = Rect {
            x0: clip(x0 - mx, frame.width),
            y0: clip(y0 - my, frame.height),
            x1: clip(x1 + mx, frame.width),
            y1: clip(y1 + my, frame.height),
        };
        let sharpness = frame.laplacian_variance(roi.x0, roi.y0, roi.x1, roi.y1);
        if sharpness < self.cfg.min_sharpness {
            return Registration::not_in_view(
                NotInViewReason::TooBlurred,
                sharpness,
                Mode::Tracked,
            );
        }
        let f = features::detect(frame, &self.cfg.detector, Some(roi));
        let m = features::match_guided(
            &f,
            &self.features,
            &work_prior,
            self.cfg.track_radius,
            &self.cfg.matching,
        );
        self.estimate(
            frame,
            &f,
            &self.features,
            &m,
            self.cfg.track_ransac_iterations,
            sharpness,
            Some(&work_prior),
        )
        .registration
    }

    /// Described pixels -> original reference pixels.
    fn work_to_original(&self) -> Mat3 {
        let s = 1.0 / self.to_work;
        [[s, 0.0, 0.0], [0.0, s, 0.0], [0.0, 0.0, 1.0]]
    }

    fn work_outline(&self) -> [[f64; 2]; 4] {
        let w = f64::from(self.width) * self.to_work;
        let h = f64::from(self.height) * self.to_work;
        [[0.0, 0.0], [w, 0.0], [w, h], [0.0, h]]
    }

    /// A fit of the frame from the matches `m`: RANSAC, the "in view" checks, the dense
    /// refinement. `prior` (described reference pixels -> frame pixels) is the last frame's pose
    /// when tracking (the result's mode is then `Tracked`), `None` for a full detection.
    #[allow(clippy::too_many_arguments)]
    fn estimate(
        &self,
        frame: &Plane,
        f: &Features,
        reference: &Features,
        m: &[features::Match],
        iterations: usize,
        sharpness: f64,
        prior: Option<&Mat3>,
    ) -> Estimate {
        let mode = if prior.is_some() {
            Mode::Tracked
        } else {
            Mode::Detected
        };
        let corrs: Vec<Correspondence> = m
            .iter()
            .map(|m| {
                let r = reference.keypoints[m.reference];
                let q = f.keypoints[m.frame];
                // Position noise grows with the pyramid level's scale.
                let sr =
                    f64::from(self.cfg.reference_detector.scale_factor).powi(i32::from(r.level));
                let sf = f64::from(self.cfg.detector.scale_factor).powi(i32::from(q.level));
                Correspondence {
                    src: [f64::from(r.x), f64::from(r.y)],
                    dst: [f64::from(q.x), f64::from(q.y)],
                    weight: 1.0 / (sr * sr + sf * sf),
                }
            })
            .collect();
        let params = RansacParams {
            threshold: self.cfg.ransac_threshold,
            max_iterations: iterations,
            confidence: 0.9999,
            seed: self.cfg.seed,
        };
        let blurred_or = |r: NotInViewReason| {
            // With little detail left, "not found" is most likely the blur.
            if sharpness < 2.0 * self.cfg.min_sharpness {
                NotInViewReason::TooBlurred
            } else {
                r
            }
        };
        let Some(res) = homography::ransac(&corrs, &params) else {
            let mut r =
                Registration::not_in_view(blurred_or(NotInViewReason::NotFound), sharpness, mode);
            r.matches = corrs.len();
            return Estimate {
                registration: r,
                candidate: None,
            };
        };
        let inlier_src: Vec<[f64; 2]> = res.inliers.iter().map(|&i| corrs[i].src).collect();
        let verdict = self.assess(
            &res.h,
            &inlier_src,
            corrs.len(),
            res.rms_error,
            frame,
            prior,
        );
        // In view, the keypoints' homography is refined on every textured pixel (keypoints on
        // a blurred frame are where the blur smears them); a refinement that does not lower the
        // photometric cost, or moves a corner too far, is not taken.
        let h = match verdict {
            Ok(()) => self.refined(frame, &res.h),
            _ => res.h,
        };
        let h_full = homography::normalized(homography::mul(&h, &self.original_to_work()));
        let (in_view, reason) = match (verdict, h_full) {
            (Ok(()), Some(_)) => (true, None),
            (Ok(()), None) => (false, Some(NotInViewReason::Degenerate)),
            (Err(r), _) => (
                false,
                Some(if r == NotInViewReason::NotFound {
                    blurred_or(r)
                } else {
                    r
                }),
            ),
        };
        Estimate {
            registration: Registration {
                in_view,
                homography: if in_view { h_full } else { None },
                inliers: res.inliers.len(),
                matches: corrs.len(),
                reprojection_error: Some(res.rms_error),
                sharpness,
                reason,
                mode,
            },
            candidate: Some(h),
        }
    }

    /// `h` (described reference pixels -> frame pixels) refined on the reference's textured
    /// pixels ([`refine`]), against the sharp template and then the blurred one; `h` itself
    /// when neither refinement is taken or refinement is off.
    fn refined(&self, frame: &Plane, h: &Mat3) -> Mat3 {
        if self.cfg.refine_max_shift <= 0.0 {
            return *h;
        }
        self.dense
            .refine(frame, h, self.cfg.refine_max_shift)
            .or_else(|| {
                self.dense_blurred
                    .refine(frame, h, self.cfg.refine_max_shift)
            })
            .unwrap_or(*h)
    }

    /// Original reference pixels -> described pixels.
    fn original_to_work(&self) -> Mat3 {
        let s = self.to_work;
        [[s, 0.0, 0.0], [0.0, s, 0.0], [0.0, 0.0, 1.0]]
    }

    // `!(x > y)` is deliberate: NaN must fail the checks.
    #[allow(clippy::neg_cmp_op_on_partial_ord)]
    /// The conservative "in view" decision for a candidate homography `h`
    /// (described reference pixels -> frame pixels); `prior`, the last frame's pose when
    /// tracking.
    fn assess(
        &self,
        h: &Mat3,
        inlier_src: &[[f64; 2]],
        matches: usize,
        rms: f64,
        frame: &Plane,
        prior: Option<&Mat3>,
    ) -> Result<(), NotInViewReason> {
        let c = &self.cfg;
        let n = inlier_src.len();
        if n < c.min_inliers || (n as f64) < c.min_inlier_ratio * matches as f64 {
            return Err(NotInViewReason::NotFound);
        }
        if !(rms <= c.max_rms_error) {
            return Err(NotInViewReason::HighError);
        }
        let outline = self.work_outline();
        let ref_area = outline[2][0] * outline[2][1];
        let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for p in inlier_src {
            x0 = x0.min(p[0]);
            y0 = y0.min(p[1]);
            x1 = x1.max(p[0]);
            y1 = y1.max(p[1]);
        }
        let spread = (x1 - x0) * (y1 - y0) / ref_area;
        // While tracking, a band of inliers will do if the fit agrees with the last frame's
        // pose: a fit on a band is well placed along it and free across it, so it is judged at
        // the corners of the inliers' box made square about its centre.
        let held = |prior: &Mat3| {
            let (cx, cy, r) = (
                (x0 + x1) / 2.0,
                (y0 + y1) / 2.0,
                (x1 - x0).max(y1 - y0) / 2.0,
            );
            let square = [
                [cx - r, cy - r],
                [cx + r, cy - r],
                [cx + r, cy + r],
                [cx - r, cy + r],
            ];
            homography::max_shift(h, prior, &square).is_some_and(|d| d <= c.track_hold_shift)
        };
        if spread < c.min_inlier_spread
            && !(spread >= c.track_min_inlier_spread && prior.is_some_and(held))
        {
            return Err(NotInViewReason::PoorCoverage);
        }
        // The projected outline must be a convex quadrilateral with the
        // reference's orientation and every corner in front of the camera.
        let q: Option<Vec<[f64; 2]>> = outline.iter().map(|&p| apply(h, p)).collect();
        let Some(q) = q else {
            return Err(NotInViewReason::Degenerate);
        };
        for i in 0..4 {
            let (a, b, d) = (q[i], q[(i + 1) % 4], q[(i + 2) % 4]);
            let cross = (b[0] - a[0]) * (d[1] - b[1]) - (b[1] - a[1]) * (d[0] - b[0]);
            // Reference corners TL, TR, BR, BL turn clockwise on screen
            // (y down), which is a positive cross product.
            if !(cross > 0.0) {
                return Err(NotInViewReason::Degenerate);
            }
        }
        // Local scale and anisotropy from the Jacobian at each corner of the part of the
        // reference the inliers cover: that is what the frame shows and where boxes are placed.
        // The photo's own outline (walls around the appliance, shot at its own angle) can be far
        // more foreshortened through the same homography without the panel being so.
        let support = [[x0, y0], [x1, y0], [x1, y1], [x0, y1]];
        if support.iter().any(|&p| apply(h, p).is_none()) {
            return Err(NotInViewReason::Degenerate);
        }
        let mut scales = [0.0f64; 4];
        for (i, &p) in support.iter().enumerate() {
            let Some((det, s1)) = homography::local_stretch(h, p) else {
                return Err(NotInViewReason::Degenerate);
            };
            let s2 = det / s1;
            if s1 / s2 > c.max_anisotropy {
                return Err(NotInViewReason::TooOblique);
            }
            scales[i] = det.sqrt();
        }
        let smax = scales.iter().cloned().fold(f64::MIN, f64::max);
        let smin = scales.iter().cloned().fold(f64::MAX, f64::min);
        if smax / smin > c.max_scale_ratio {
            return Err(NotInViewReason::TooOblique);
        }
        let area = 0.5
            * (0..4)
                .map(|i| q[i][0] * q[(i + 1) % 4][1] - q[(i + 1) % 4][0] * q[i][1])
                .sum::<f64>()
                .abs();
        let frame_area = (frame.width * frame.height) as f64;
        if area < c.min_area_fraction * frame_area {
            return Err(NotInViewReason::TooSmall);
        }
        if area > c.max_area_multiple * frame_area {
            return Err(NotInViewReason::TooLarge);
        }
        if c.min_appearance > 0.0 {
            if !(self.appearance(h, frame) >= c.min_appearance) {
                return Err(NotInViewReason::NotFound);
            }
        }
        Ok(())
    }

    /// The appearance check: the share of the reference's textured cells (8 x 8 pixels of the
    /// [`TEMPLATE_SIDE`] template) that the frame, sampled through `h` (described reference
    /// pixels -> frame pixels), reproduces: zero-mean normalised correlation at least 0.5, so
    /// gain, offset and the panel's colour do not matter. Keypoints can agree on a few repeated
    /// parts (a dial's ticks, a display) of another panel of the same kind; the whole panel's look
    /// cannot. Cells the frame does not show, and plain ones (nothing to compare), do not count;
    /// an occluder or a glare over some cells lowers the share only by theirs.
    fn appearance(&self, h: &Mat3, frame: &Plane) -> f64 {
        let t = &self.template;
        let step = self.template_step;
        // Each template pixel is the mean of 3 x 3 frame samples across its footprint.
        let sample = |x: usize, y: usize| -> Option<f32> {
            let mut sum = 0.0f32;
            for j in 0..3 {
                for i in 0..3 {
                    let u = (x as f64 + (i as f64 + 0.5) / 3.0) * step;
                    let v = (y as f64 + (j as f64 + 0.5) / 3.0) * step;
                    let q = apply(h, [u, v])?;
                    sum += frame.bilinear(q[0], q[1])?;
                }
            }
            Some(sum / 9.0)
        };
        let (cells_x, cells_y) = (t.width.div_ceil(CELL), t.height.div_ceil(CELL));
        let (mut textured, mut agree) = (0usize, 0usize);
        for cy in 0..cells_y {
            for cx in 0..cells_x {
                let mut pairs = Vec::with_capacity(CELL * CELL);
                let mut total = 0usize;
                for y in cy * CELL..((cy + 1) * CELL).min(t.height) {
                    for x in cx * CELL..((cx + 1) * CELL).min(t.width) {
                        total += 1;
                        if let Some(f) = sample(x, y) {
                            pairs.push((f32::from(t.at(x, y)), f));
                        }
                    }
                }
                let n = pairs.len() as f32;
                if pairs.len() * 4 < total * 3 {
                    continue;
                }
                let (mt, mf) = pairs
                    .iter()
                    .fold((0.0, 0.0), |(a, b), (p, q)| (a + p / n, b + q / n));
                let (mut vt, mut vf, mut cov) = (0.0f32, 0.0f32, 0.0f32);
                for (p, q) in &pairs {
                    vt += (p - mt) * (p - mt);
                    vf += (q - mf) * (q - mf);
                    cov += (p - mt) * (q - mf);
                }
                if (vt / n).sqrt() < PLAIN_STD {
                    continue;
                }
                textured += 1;
                if vf > 0.0 && cov / (vt.sqrt() * vf.sqrt()) >= 0.5 {
                    agree += 1;
                }
            }
        }
        if textured == 0 {
            // Nothing to compare: the keypoints' decision stands.
            return 1.0;
        }
        agree as f64 / textured as f64
    }
}

/// Long side of the appearance template, pixels.
pub const TEMPLATE_SIDE: usize = 64;
/// Side of a cell of the appearance check, template pixels.
const CELL: usize = 8;
/// A cell whose grey levels vary less than this (standard deviation) is plain.
const PLAIN_STD: f32 = 6.0;
/// [`RegisterConfig::min_appearance`]'s default. Measured on the hard-panel set
/// (tests/hard_panels.rs): the false view of another printer panel scored 0.29, the in-view
/// positives 0.42-1.0 (one at 0.36, 5.9 px off, is now refused); the accuracy set keeps recall
/// 100 % with no false view.
pub const APPEARANCE_DEFAULT: f64 = 0.4;

/// `work` shrunk to [`TEMPLATE_SIDE`] on its long side ([`Plane::shrunk`]), and the size of one
/// of its pixels in `work`'s pixels.
fn template_of(work: &Plane) -> (Plane, f64) {
    let long = work.width.max(work.height);
    if long <= TEMPLATE_SIDE {
        return (work.clone(), 1.0);
    }
    let s = TEMPLATE_SIDE as f64 / long as f64;
    let (w, h) = (
        ((work.width as f64 * s).round() as usize).max(1),
        ((work.height as f64 * s).round() as usize).max(1),
    );
    (work.clone().shrunk(w, h), work.width as f64 / w as f64)
}

/// Reads an image file for registration, with an error that names the file.
pub fn load_image(path: &Path) -> Result<RgbImage, Error> {
    // A regular file only: a named pipe would block the read for ever, `/dev/zero` never end.
    let bytes = assistq::fsutil::read_regular(path)
        .map_err(|source| Error::Io(assistq::FileError::new(path.to_path_buf(), source)))?;
    image::load_from_memory(&bytes)
        .map(|i| i.to_rgb8())
        .map_err(|e| Error::Image {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
}
