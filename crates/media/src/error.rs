//! Errors of the media crate. Every variant names the file it is about, so a
//! message shown to the user (or in a log) says which video was the problem.

use std::path::PathBuf;

/// Why a video could not be probed or decoded.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file exists but FFmpeg does not recognise it as media, its container is not one
    /// PressNext reads (a playlist or script, for example), or it has no video stream.
    #[error("{}: not a video file: {message}", path.display())]
    NotAVideo { path: PathBuf, message: String },

    /// The path is a URL (`scheme://...`): videos are read from local files only.
    #[error("{}: not a local file: PressNext reads videos from local files only, never URLs", path.display())]
    NotLocal { path: PathBuf },

    /// The file is media but has no sound track to transcribe.
    #[error("{}: it has no audio track: type or paste the narration instead", path.display())]
    NoAudio { path: PathBuf },

    /// The file could not be opened as media or its video decoder could not be
    /// set up (an unsupported codec, for example).
    #[error("{}: cannot open video: {message}", path.display())]
    Open { path: PathBuf, message: String },

    /// Decoding failed before a single frame came out.
    #[error("{}: cannot decode video: {message}", path.display())]
    Decode { path: PathBuf, message: String },

    /// swscale could not resize or convert a live frame (not about a file).
    #[error("cannot scale a frame: {0}")]
    Scale(String),

    /// The caller asked for something impossible (a sampling rate of 0 fps,
    /// for example).
    #[error("{}: {message}", path.display())]
    InvalidArgument { path: PathBuf, message: String },

    /// A microphone that is missing, cannot record or was lost (the message names it).
    #[error("{0}")]
    Microphone(String),

    /// A file or folder that cannot be read or written (the message names it).
    #[error(transparent)]
    Io(#[from] assistq::FileError),
}
