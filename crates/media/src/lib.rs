//! Media decoding for PressNext: reading video files (mp4, mov, anything the
//! system FFmpeg can demux) into upright RGB frames.
//!
//! The main entry points are [`probe`] (stream facts only), [`sample_frames`]
//! (the frames the AssistQ/Q2A encoder would use) and [`for_each_frame`]
//! (every frame, for camera-like playback of a recorded file), [`camera`]:
//! live frame sources (a camera or a looped video file), and [`scale`]: fast downscaling of
//! live frames. Finding the appliance in a frame is the FFmpeg-free `registration` crate.

pub mod camera;
pub mod error;
pub mod scale;
pub mod video;

pub use error::Error;
pub use video::*;
