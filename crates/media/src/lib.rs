//! Media decoding for PressNext: reading local video files (MP4/MOV, Matroska/WebM, AVI;
//! [`video::ALLOWED_DEMUXERS`]) into upright RGB frames. FFmpeg opens them through its `file`
//! protocol only; URLs, playlists and scripts are refused.
//!
//! The main entry points are [`probe`] (stream facts only), [`sample_frames`]
//! (the frames the AssistQ/Q2A encoder would use) and [`for_each_frame`]
//! (every frame, for camera-like playback of a recorded file), [`camera`]:
//! live frame sources (a camera or a looped video file), [`audio`]: a file's sound track as
//! mono samples for speech recognition, [`microphone`]: live sound sources (a microphone or a
//! recording played in real time), and [`scale`]: fast downscaling of
//! live frames. Finding the appliance in a frame is the FFmpeg-free `registration` crate.

pub mod audio;
pub mod camera;
pub mod error;
pub mod microphone;
pub mod scale;
pub mod video;

pub use error::Error;
pub use video::*;

/// `check` of a dataset (`assistq::check`) that also opens every appliance folder's video with
/// FFmpeg: a text file or a damaged clip named `video.mp4` is an error there, not at encoding.
/// `pressnext check` and the app's pack opening both call this.
pub fn check_dataset(root: &std::path::Path) -> assistq::check::Report {
    let probe = |video: &std::path::Path| -> Result<(), String> {
        match probe(video) {
            Ok(_) => Ok(()),
            // The problem already names the file: only the reason.
            Err(
                Error::NotAVideo { message, .. }
                | Error::Open { message, .. }
                | Error::Decode { message, .. },
            ) => Err(message),
            Err(e) => Err(e.to_string()),
        }
    };
    assistq::check::check_dataset_with(root, Some(&probe))
}
