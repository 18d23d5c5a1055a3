//! H.264 mp4 writing through ffmpeg-next's libx264 encoder, byte-for-byte reproducible:
//! one encoder thread, no B-frames and x264's C code only ([`X264_PARAMS`] says why), the
//! `bitexact` flags on the codec and the muxer, no creation time and no encoder-version
//! metadata, and our own RGB to YUV 4:2:0 conversion (BT.601, limited
//! range) so that no SIMD path of swscale can change a pixel.

use std::path::{Path, PathBuf};

use ffmpeg::{codec, encoder, format, frame, Dictionary, Packet, Rational};
use ffmpeg_next as ffmpeg;

use crate::Error;

/// Frames per second of every video the generator writes.
pub const FPS: u32 = 30;

/// x264's own settings, chosen so that the bytes depend on the frames alone:
/// - one thread everywhere, no trellis;
/// - `bframes=0`: with B-frames, libx264 (0.164, Debian 12) branches on bytes of its own
///   frame buffers that it never wrote (valgrind: "conditional jump depends on uninitialised
///   value", allocated in `x264_encoder_encode`), so the first GOP of a video changed with
///   whatever the allocator handed back: another appliance rendered before it on the same
///   thread, another process, `MALLOC_PERTURB_`;
/// - `asm=0`: x264's SIMD kernels are not all bit-exact with its C code (the same frames gave
///   other bytes with the SSE2 subset than with AVX2 or C), so the CPU would pick the bytes;
///   the C code is the same on every x86-64 machine (the generator takes about 1.45x as long;
///   docs/synth.md gives the figures).
pub const X264_PARAMS: &str =
    "threads=1:lookahead-threads=1:sliced-threads=0:trellis=0:bframes=0:asm=0";

/// Writes RGB frames to an mp4 file; the file appears under its final name only once
/// [`VideoWriter::finish`] succeeds.
pub struct VideoWriter {
    path: PathBuf,
    temp: PathBuf,
    octx: format::context::Output,
    encoder: encoder::Video,
    frame: frame::Video,
    stream_time_base: Rational,
    width: usize,
    height: usize,
    pts: i64,
}

impl VideoWriter {
    /// `crf` is x264's constant rate factor (lower is better quality and bigger).
    pub fn create(path: &Path, width: usize, height: usize, crf: u32) -> Result<Self, Error> {
        ffmpeg::init().map_err(|e| Error::video(path, e))?;
        ffmpeg::log::set_level(ffmpeg::log::Level::Error);
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let temp = path.with_file_name(format!(".{file_name}.partial"));
        let mut octx = format::output_as(&temp, "mp4").map_err(|e| Error::video(&temp, e))?;
        let global_header = octx.format().flags().contains(format::Flags::GLOBAL_HEADER);
        let codec = encoder::find_by_name("libx264")
            .ok_or_else(|| Error::video(path, "FFmpeg has no libx264 encoder"))?;
        let mut ost = octx.add_stream(codec).map_err(|e| Error::video(path, e))?;
        let mut enc = codec::context::Context::new_with_codec(codec)
            .encoder()
            .video()
            .map_err(|e| Error::video(path, e))?;
        enc.set_width(width as u32);
        enc.set_height(height as u32);
        enc.set_format(format::Pixel::YUV420P);
        enc.set_time_base(Rational(1, FPS as i32));
        enc.set_frame_rate(Some(Rational(FPS as i32, 1)));
        enc.set_gop(FPS * 2);
        let mut flags = codec::Flags::empty();
        if global_header {
            flags |= codec::Flags::GLOBAL_HEADER;
        }
        enc.set_flags(flags);
        let mut opts = Dictionary::new();
        opts.set("preset", "veryfast");
        opts.set("tune", "animation");
        opts.set("crf", &crf.to_string());
        opts.set("threads", "1");
        opts.set("flags", "+bitexact");
        opts.set("x264-params", X264_PARAMS);
        let encoder = enc.open_with(opts).map_err(|e| Error::video(path, e))?;
        ost.set_parameters(&encoder);
        ost.set_time_base(Rational(1, FPS as i32));
        octx.set_metadata(Dictionary::new());
        let mut header_opts = Dictionary::new();
        header_opts.set("fflags", "+bitexact");
        octx.write_header_with(header_opts)
            .map_err(|e| Error::video(path, e))?;
        let stream_time_base = octx.stream(0).expect("the stream just added").time_base();
        let frame = frame::Video::new(format::Pixel::YUV420P, width as u32, height as u32);
        Ok(VideoWriter {
            path: path.to_path_buf(),
            temp,
            octx,
            encoder,
            frame,
            stream_time_base,
            width,
            height,
            pts: 0,
        })
    }

    /// Number of frames written so far.
    pub fn frames(&self) -> i64 {
        self.pts
    }

    /// Appends one frame of `width * height * 3` RGB bytes.
    pub fn push_rgb(&mut self, rgb: &[u8]) -> Result<(), Error> {
        assert_eq!(rgb.len(), self.width * self.height * 3, "frame size");
        assert!((self.width | self.height) & 1 == 0, "even frame size");
        rgb_to_yuv420(rgb, self.width, self.height, &mut self.frame);
        self.frame.set_pts(Some(self.pts));
        self.pts += 1;
        self.encoder
            .send_frame(&self.frame)
            .map_err(|e| Error::video(&self.path, e))?;
        self.drain()
    }

    fn drain(&mut self) -> Result<(), Error> {
        let mut packet = Packet::empty();
        while self.encoder.receive_packet(&mut packet).is_ok() {
            packet.set_stream(0);
            // libx264 leaves durations unset; without them the mp4's last sample gets none
            // and the stream reads as slightly shorter than its frames.
            packet.set_duration(1);
            packet.rescale_ts(Rational(1, FPS as i32), self.stream_time_base);
            packet
                .write_interleaved(&mut self.octx)
                .map_err(|e| Error::video(&self.path, e))?;
        }
        Ok(())
    }

    /// Flushes the encoder, writes the trailer and moves the file to its final name.
    pub fn finish(mut self) -> Result<(), Error> {
        self.encoder
            .send_eof()
            .map_err(|e| Error::video(&self.path, e))?;
        self.drain()?;
        self.octx
            .write_trailer()
            .map_err(|e| Error::video(&self.path, e))?;
        std::fs::rename(&self.temp, &self.path).map_err(|e| Error::io(&self.path, e))
    }
}

impl Drop for VideoWriter {
    fn drop(&mut self) {
        // After a successful finish the temp file is gone; otherwise remove the partial file.
        let _ = std::fs::remove_file(&self.temp);
    }
}

/// BT.601 limited-range conversion with 2x2 chroma averaging, integer arithmetic.
fn rgb_to_yuv420(rgb: &[u8], w: usize, h: usize, frame: &mut frame::Video) {
    let y_stride = frame.stride(0);
    {
        let y_plane = frame.data_mut(0);
        for y in 0..h {
            let row = &rgb[y * w * 3..(y + 1) * w * 3];
            let out = &mut y_plane[y * y_stride..y * y_stride + w];
            for (o, p) in out.iter_mut().zip(row.chunks_exact(3)) {
                let (r, g, b) = (p[0] as i32, p[1] as i32, p[2] as i32);
                *o = (((66 * r + 129 * g + 25 * b + 128) >> 8) + 16) as u8;
            }
        }
    }
    // Frame sizes are even (checked by the options), so every chroma sample has 4 pixels.
    let (cw, ch) = (w / 2, h / 2);
    let mut u = vec![0u8; cw * ch];
    let mut v = vec![0u8; cw * ch];
    for cy in 0..ch {
        let top = &rgb[(2 * cy) * w * 3..(2 * cy + 1) * w * 3];
        let bottom = &rgb[(2 * cy + 1) * w * 3..(2 * cy + 2) * w * 3];
        for cx in 0..cw {
            let i = cx * 6;
            let r =
                (top[i] as i32 + top[i + 3] as i32 + bottom[i] as i32 + bottom[i + 3] as i32) / 4;
            let g = (top[i + 1] as i32
                + top[i + 4] as i32
                + bottom[i + 1] as i32
                + bottom[i + 4] as i32)
                / 4;
            let b = (top[i + 2] as i32
                + top[i + 5] as i32
                + bottom[i + 2] as i32
                + bottom[i + 5] as i32)
                / 4;
            u[cy * cw + cx] = (((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128) as u8;
            v[cy * cw + cx] = (((112 * r - 94 * g - 18 * b + 128) >> 8) + 128) as u8;
        }
    }
    for (plane, src) in [(1, &u), (2, &v)] {
        let stride = frame.stride(plane);
        let data = frame.data_mut(plane);
        for row in 0..ch {
            data[row * stride..row * stride + cw].copy_from_slice(&src[row * cw..row * cw + cw]);
        }
    }
}
