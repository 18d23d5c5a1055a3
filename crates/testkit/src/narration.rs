//! A narrated tutorial video for the pack-making tests (feature `narration`): a generated
//! appliance folder's script said line by line by espeak-ng and muxed into its video by FFmpeg,
//! as an appliance owner's tutorial with spoken narration would be.

use std::path::Path;
use std::process::Command;

/// espeak-ng saying each script line, muxed into the tutorial video as AAC. A line starts at its
/// time in the script, or just after the previous one ends: the generator's lines are shorter
/// than speech takes, and a narrator does not talk over themselves.
pub fn narrated_video(folder: &Path, out: &Path) -> Option<()> {
    let espeak = crate::repo::required_program("espeak-ng")?;
    let ffmpeg = crate::repo::required_program("ffmpeg")?;
    let script = assistq::script::Script::read(&folder.join("script.txt")).unwrap();
    let work = out.parent().unwrap().join("narration");
    std::fs::create_dir_all(&work).unwrap();
    let mut args: Vec<String> = vec!["-v".into(), "error".into(), "-y".into(), "-i".into()];
    args.push(folder.join("video.mp4").to_string_lossy().into_owned());
    let mut filters = Vec::new();
    let mut free_at = 0.0f64;
    for (i, line) in script.lines.iter().enumerate() {
        let wav = work.join(format!("{i}.wav"));
        crate::speak::espeak_to_wav(&espeak, &line.text, &wav);
        args.push("-i".into());
        args.push(wav.to_string_lossy().into_owned());
        let start = line.start.max(free_at);
        free_at = start + media::audio::decode_audio(&wav, 16_000).unwrap().duration() + 0.4;
        let ms = (start * 1000.0) as u64;
        filters.push(format!("[{}:a]adelay={ms}|{ms}[a{i}]", i + 1));
    }
    let inputs: String = (0..script.lines.len()).map(|i| format!("[a{i}]")).collect();
    filters.push(format!(
        "{inputs}amix=inputs={}:normalize=0:duration=longest[narration]",
        script.lines.len()
    ));
    args.extend(
        [
            "-filter_complex",
            &filters.join(";"),
            "-map",
            "0:v",
            "-map",
            "[narration]",
            "-c:v",
            "copy",
            "-c:a",
            "aac",
        ]
        .map(String::from),
    );
    args.push(out.to_string_lossy().into_owned());
    let result = Command::new(&ffmpeg).args(&args).output().unwrap();
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    Some(())
}
