//! Errors of registration: a reference that cannot be registered against, or an image file that
//! cannot be read. File errors name the file.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or folder that cannot be read or written (the message names it).
    #[error(transparent)]
    Io(#[from] assistq::FileError),

    /// An image file could not be decoded.
    #[error("{}: cannot read image: {message}", path.display())]
    Image { path: PathBuf, message: String },

    /// A registration reference smaller than the detector can use.
    #[error("reference image is {width}x{height} pixels; registration needs at least 64x64")]
    ReferenceTooSmall { width: u32, height: u32 },

    /// A reference whose short side falls under 64 px once its long side is scaled to the
    /// working size.
    #[error("reference image is {width}x{height} pixels: too elongated to register (its short side must stay at least 64 px when the long side is scaled to {max_side})")]
    ReferenceTooElongated {
        width: u32,
        height: u32,
        max_side: u32,
    },

    /// A registration reference with too little texture to ever be found.
    #[error("reference image has only {found} usable keypoints (at least {needed} needed): it is too plain to register against")]
    ReferenceTooPlain { found: usize, needed: usize },
}
