//! Small numeric foundations that several crates share, kept in one place so that each rule has
//! one implementation:
//!
//! - [`homography`]: row-major 3x3 projective transforms (apply, compose, invert, normalise,
//!   project a box). Registration estimates them, the generator renders through them, the tests
//!   build known views with them.
//! - [`rng`]: SplitMix64, the seeded generator behind RANSAC's sampling and the seeded test
//!   scenes: the same seed gives the same numbers on every machine.
//!
//! ```
//! use geometry::{project_box, IDENTITY};
//! let quad = project_box(&IDENTITY, 10.0, 20.0, 30.0, 40.0);
//! assert_eq!(quad, [[10.0, 20.0], [40.0, 20.0], [40.0, 60.0], [10.0, 60.0]]);
//! ```

pub mod homography;
pub mod rng;

pub use homography::{
    apply, apply_unchecked, det, inverse, mul, normalized, project_box, Mat3, IDENTITY,
};
pub use rng::SplitMix64;
