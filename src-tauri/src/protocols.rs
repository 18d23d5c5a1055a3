//! The binary paths of the app: live frames (`frame://localhost/latest?after=SEQ`) and a pack's
//! files (`pack://localhost/ID/video.mp4`, `.../reference.jpg`). Frames travel as JPEG bodies with
//! their registration in a header, never as JSON events.

use std::time::Duration;

use tauri::http::{header, Request, Response, StatusCode};

use crate::commands::Shared;

/// How long a frame request waits for a frame newer than the one the UI has.
const FRAME_WAIT: Duration = Duration::from_millis(250);
const EXPOSED: &str = "x-frame-seq, x-frame-width, x-frame-height, x-frame-captured-ms, x-registration, content-range, accept-ranges";

/// The origins of the app's own pages (Linux and macOS; Windows and Android): the only ones a
/// response may be read by. Another page (an iframe of a remote site, were one ever loaded) gets
/// no `Access-Control-Allow-Origin` that matches it.
const APP_ORIGINS: [&str; 3] = [
    "tauri://localhost",
    "http://tauri.localhost",
    "https://tauri.localhost",
];

/// `response` with `Access-Control-Allow-Origin` set to the request's origin when it is one of
/// the app's, else to the app's own (WebKitGTK may send no `Origin` for custom schemes).
fn for_app(request: &Request<Vec<u8>>, mut response: Response<Vec<u8>>) -> Response<Vec<u8>> {
    let origin = request
        .headers()
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .and_then(|o| APP_ORIGINS.iter().find(|a| **a == o))
        .unwrap_or(&APP_ORIGINS[0]);
    response.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        header::HeaderValue::from_static(origin),
    );
    response
        .headers_mut()
        .insert(header::VARY, header::HeaderValue::from_static("Origin"));
    response
}

fn base(status: StatusCode) -> tauri::http::response::Builder {
    Response::builder()
        .status(status)
        .header(header::ACCESS_CONTROL_EXPOSE_HEADERS, EXPOSED)
        .header(header::CACHE_CONTROL, "no-store")
}

fn text(status: StatusCode, message: &str) -> Response<Vec<u8>> {
    base(status)
        .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .body(message.as_bytes().to_vec())
        .expect("valid response")
}

fn query_u64(request: &Request<Vec<u8>>, key: &str) -> Option<u64> {
    request.uri().query()?.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == key).then(|| v.parse().ok()).flatten()
    })
}

/// `frame://localhost/latest?after=SEQ&width=PX`: `width`, the live view's width in device pixels,
/// caps the width of the frames sent from now on.
pub async fn frame(assistant: &Shared, request: &Request<Vec<u8>>) -> Response<Vec<u8>> {
    for_app(request, frame_response(assistant, request).await)
}

async fn frame_response(assistant: &Shared, request: &Request<Vec<u8>>) -> Response<Vec<u8>> {
    if request.uri().path() != "/latest" {
        return text(
            StatusCode::NOT_FOUND,
            "frame://localhost/latest is the only frame path",
        );
    }
    let after = query_u64(request, "after").unwrap_or(0);
    if let Some(width) = query_u64(request, "width") {
        // A width no screen has is a client bug, not a reason to send huge frames.
        assistant.set_display_width(width.clamp(160, 7680) as u32);
    }
    match assistant.next_frame(after, FRAME_WAIT).await {
        Some(f) => base(StatusCode::OK)
            .header(header::CONTENT_TYPE, "image/jpeg")
            .header("x-frame-seq", f.seq.to_string())
            .header("x-frame-width", f.width.to_string())
            .header("x-frame-height", f.height.to_string())
            .header("x-frame-captured-ms", f.captured_ms.to_string())
            .header("x-registration", f.registration.to_string())
            .body(f.jpeg.clone())
            .expect("valid response"),
        None => base(StatusCode::NO_CONTENT)
            .body(Vec::new())
            .expect("valid response"),
    }
}

/// `bytes=START-END` (END optional) of a body of `len` bytes.
fn parse_range(value: &str, len: u64) -> Option<(u64, u64)> {
    let spec = value.trim().strip_prefix("bytes=")?;
    let (start, end) = spec.split_once('-')?;
    let (start, end) = match (start.trim(), end.trim()) {
        ("", suffix) => {
            let n: u64 = suffix.parse().ok()?;
            (len.saturating_sub(n), len.checked_sub(1)?)
        }
        (s, "") => (s.parse().ok()?, len.checked_sub(1)?),
        (s, e) => (
            s.parse().ok()?,
            e.parse::<u64>().ok()?.min(len.checked_sub(1)?),
        ),
    };
    (start <= end && end < len).then_some((start, end))
}

/// `pack://localhost/ID/FILE`, with range requests (the video element seeks with them).
pub fn pack(assistant: &Shared, request: &Request<Vec<u8>>) -> Response<Vec<u8>> {
    for_app(request, pack_response(assistant, request))
}

fn pack_response(assistant: &Shared, request: &Request<Vec<u8>>) -> Response<Vec<u8>> {
    let path = request.uri().path().trim_start_matches('/');
    let Some((id, name)) = path.split_once('/') else {
        return text(StatusCode::NOT_FOUND, "expected pack://localhost/ID/FILE");
    };
    let file = match assistant.pack_file(id, name) {
        Ok(f) => f,
        Err(e) => return text(StatusCode::NOT_FOUND, &e.to_string()),
    };
    let mime = if name.ends_with(".mp4") {
        "video/mp4"
    } else {
        "image/jpeg"
    };
    let not_found =
        |e: std::io::Error| text(StatusCode::NOT_FOUND, &format!("{}: {e}", file.display()));
    let len = match std::fs::metadata(&file) {
        Ok(m) => m.len(),
        Err(e) => return not_found(e),
    };
    let range = request
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok());
    match range {
        Some(r) => match parse_range(r, len) {
            Some((start, end)) => {
                // At most RANGE_CHUNK bytes per answer, read from disk: a seek never loads the
                // whole video, and the player asks for the rest.
                let end = end.min(start + RANGE_CHUNK - 1);
                match read_range(&file, start, end) {
                    Ok(bytes) => base(StatusCode::PARTIAL_CONTENT)
                        .header(header::CONTENT_TYPE, mime)
                        .header(header::ACCEPT_RANGES, "bytes")
                        .header(header::CONTENT_RANGE, format!("bytes {start}-{end}/{len}"))
                        .body(bytes)
                        .expect("valid response"),
                    Err(e) => not_found(e),
                }
            }
            None => base(StatusCode::RANGE_NOT_SATISFIABLE)
                .header(header::CONTENT_RANGE, format!("bytes */{len}"))
                .body(Vec::new())
                .expect("valid response"),
        },
        None => match std::fs::read(&file) {
            Ok(bytes) => base(StatusCode::OK)
                .header(header::CONTENT_TYPE, mime)
                .header(header::ACCEPT_RANGES, "bytes")
                .body(bytes)
                .expect("valid response"),
            Err(e) => not_found(e),
        },
    }
}

/// The most bytes one ranged `pack://` answer carries.
const RANGE_CHUNK: u64 = 4 << 20;

/// Bytes `start..=end` of `path`, read from disk.
fn read_range(path: &std::path::Path, start: u64, end: u64) -> std::io::Result<Vec<u8>> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = std::fs::File::open(path)?;
    file.seek(SeekFrom::Start(start))?;
    let mut bytes = vec![0; (end - start + 1) as usize];
    file.read_exact(&mut bytes)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::{for_app, parse_range, read_range, text};
    use tauri::http::{header, Request, StatusCode};

    #[test]
    fn only_the_apps_own_origin_may_read_a_response() {
        let allowed = |origin: Option<&str>| {
            let mut request = Request::builder().uri("frame://localhost/latest");
            if let Some(o) = origin {
                request = request.header(header::ORIGIN, o);
            }
            let response = for_app(
                &request.body(Vec::new()).unwrap(),
                text(StatusCode::OK, "x"),
            );
            response.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN]
                .to_str()
                .unwrap()
                .to_string()
        };
        assert_eq!(
            allowed(Some("http://tauri.localhost")),
            "http://tauri.localhost"
        );
        assert_eq!(allowed(Some("https://evil.example")), "tauri://localhost");
        assert_eq!(allowed(None), "tauri://localhost");
    }

    #[test]
    fn ranges_are_read_from_disk_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("video.mp4");
        let data: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
        std::fs::write(&path, &data).unwrap();
        assert_eq!(read_range(&path, 0, 9).unwrap(), data[..10]);
        assert_eq!(read_range(&path, 9_990, 9_999).unwrap(), data[9_990..]);
        assert!(read_range(&path, 9_990, 10_000).is_err());
    }

    #[test]
    fn ranges_parse_like_browsers_send_them() {
        assert_eq!(parse_range("bytes=0-", 100), Some((0, 99)));
        assert_eq!(parse_range("bytes=10-19", 100), Some((10, 19)));
        assert_eq!(parse_range("bytes=90-200", 100), Some((90, 99)));
        assert_eq!(parse_range("bytes=-10", 100), Some((90, 99)));
        assert_eq!(parse_range("bytes=100-", 100), None);
        assert_eq!(parse_range("items=0-1", 100), None);
        assert_eq!(parse_range("bytes=5-2", 100), None);
    }
}
