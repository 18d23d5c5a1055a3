#!/usr/bin/env python3
"""Reference Whisper (tiny.en) transcription fixtures for the speech crate (development machine only).

Runs a 16 kHz mono 16-bit PCM WAV through the same pipeline the Rust transcriber implements and
writes what CTranslate2 produces, so the Rust side can be checked against it:

- log-mel spectrogram of the first 30-second window, computed in numpy exactly as openai-whisper's
  `log_mel_spectrogram` does: samples / 32768, zero-padded (or cut) to 480000 samples, STFT with
  n_fft 400, hop 160, periodic Hann window (torch.hann_window), center=True with reflect padding,
  last frame dropped, |X|^2, mel_80 filters (80x201), log10(max(x, 1e-10)),
  max(x, x.max() - 8), (x + 4) / 4 -> [80, 3000] float32;
- ctranslate2.models.Whisper(model, device="cpu", compute_type="float32").generate(...) with
  greedy decoding (beam_size 1), suppress_blank, suppress_tokens [-1] (the model config's
  suppress_ids), max_initial_timestamp_index 50, max_length 448 and the prompt
  [<|startoftranscript|>] (English-only model: no language or task token). CTranslate2 4.x has no
  without_timestamps argument: timestamps are on unless the prompt holds <|notimestamps|>.

The output JSON holds: wav (basename), sample_rate, num_samples, prompt, tokens (the generated
ids, timestamp tokens included, without the prompt and without <|endoftext|>), text (the text
tokens decoded with the byte-level BPE of vocabulary.txt, timestamps left out), segments
(start/end seconds and the text between timestamp tokens; timestamp id t >= <|0.00|> = 50363
means (t - 50363) * 0.02 s), score (CTranslate2's length-normalised log-probability),
no_speech_prob, mel_first_frames (mel[:, :20] rounded to 5 decimals), mel_stats (mean/max/min
over the full [80, 3000]) and ctranslate2_version.

CTranslate2's sequences_ids leaves out the start-of-transcript part of the prompt (here the
whole prompt; tokens placed after it as a forced prefix would be echoed) and <|endoftext|>;
this script stops if that ever changes. With timestamps on, the first generated token is a
timestamp (<= <|1.00|>, max_initial_timestamp_index 50).

Runs only in a local virtual environment, never in setup or CI:
    python3 -m venv ENV && ENV/bin/pip install numpy ctranslate2
    ENV/bin/python scripts/whisper_reference.py --model CT2_DIR --mel-filters mel_filters.npz \
        --wav crates/speech/tests/fixtures/press_and_turn.wav \
        --out crates/speech/tests/fixtures/press_and_turn.reference.json
CT2_DIR is a CTranslate2 conversion of openai/whisper-tiny.en (model.bin, config.json,
tokenizer.json, vocabulary.txt); mel_filters.npz is openai-whisper's whisper/assets/mel_filters.npz.
"""

import argparse
import json
import os
import wave

import ctranslate2
import numpy as np

SAMPLE_RATE = 16000
N_FFT = 400
HOP_LENGTH = 160
N_SAMPLES = 30 * SAMPLE_RATE  # 480000
N_FRAMES = N_SAMPLES // HOP_LENGTH  # 3000
TIME_PRECISION = 0.02


def read_wav(path):
    with wave.open(path, "rb") as w:
        if w.getnchannels() != 1 or w.getsampwidth() != 2 or w.getframerate() != SAMPLE_RATE:
            raise SystemExit(f"{path}: need 16 kHz mono 16-bit PCM, got {w.getparams()}")
        raw = w.readframes(w.getnframes())
    return np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0


def log_mel_spectrogram(audio, filters):
    """openai-whisper's log_mel_spectrogram on pad_or_trim(audio); [80, 3000] float32."""
    audio = audio[:N_SAMPLES]
    audio = np.pad(audio, (0, N_SAMPLES - audio.shape[0])).astype(np.float64)
    # torch.hann_window(400) is periodic: 0.5 - 0.5 cos(2 pi n / N), n = 0..N-1
    window = 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(N_FFT) / N_FFT)
    # torch.stft(center=True, pad_mode="reflect"): n_fft // 2 reflected samples on each side
    padded = np.pad(audio, (N_FFT // 2, N_FFT // 2), mode="reflect")
    n_frames = 1 + (padded.shape[0] - N_FFT) // HOP_LENGTH  # 3001
    idx = np.arange(N_FFT)[None, :] + HOP_LENGTH * np.arange(n_frames)[:, None]
    spec = np.fft.rfft(padded[idx] * window[None, :], n=N_FFT, axis=1)  # [3001, 201]
    magnitudes = (np.abs(spec[:-1]) ** 2).T  # drop the last frame -> [201, 3000]
    mel = filters.astype(np.float64) @ magnitudes  # [80, 3000]
    log_spec = np.log10(np.maximum(mel, 1e-10))
    log_spec = np.maximum(log_spec, log_spec.max() - 8.0)
    log_spec = (log_spec + 4.0) / 4.0
    return log_spec.astype(np.float32)


def load_vocabulary(model_dir):
    with open(os.path.join(model_dir, "vocabulary.txt"), encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f]


def byte_decoder():
    """Inverse of GPT-2's bytes_to_unicode (byte-level BPE)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
    bs += list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {chr(c): b for b, c in zip(bs, cs)}


def decode_text(ids, vocab, decoder):
    data = bytearray()
    for i in ids:
        data.extend(decoder[ch] for ch in vocab[i])
    return data.decode("utf-8", errors="replace")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True, help="CTranslate2 Whisper tiny.en folder")
    ap.add_argument("--mel-filters", required=True, help="openai-whisper mel_filters.npz")
    ap.add_argument("--wav", required=True, help="16 kHz mono 16-bit PCM WAV")
    ap.add_argument("--out", required=True, help="output JSON")
    args = ap.parse_args()

    vocab = load_vocabulary(args.model)
    token_id = {tok: i for i, tok in enumerate(vocab)}
    sot = token_id["<|startoftranscript|>"]
    eot = token_id["<|endoftext|>"]
    ts_begin = token_id["<|0.00|>"]
    with open(os.path.join(args.model, "tokenizer.json"), encoding="utf-8") as f:
        added = {t["content"]: t["id"] for t in json.load(f)["added_tokens"]}
    assert added["<|startoftranscript|>"] == sot == 50257, sot
    assert added["<|endoftext|>"] == eot == 50256, eot
    assert ts_begin == 50363 and vocab[ts_begin + 1500] == "<|30.00|>", ts_begin

    filters = np.load(args.mel_filters)["mel_80"]
    assert filters.shape == (80, N_FFT // 2 + 1), filters.shape
    audio = read_wav(args.wav)
    mel = log_mel_spectrogram(audio, filters)
    assert mel.shape == (80, N_FRAMES), mel.shape

    model = ctranslate2.models.Whisper(args.model, device="cpu", compute_type="float32")
    features = ctranslate2.StorageView.from_array(np.ascontiguousarray(mel[None]))
    prompt = [sot]
    result = model.generate(
        features,
        prompts=[prompt],
        beam_size=1,
        suppress_blank=True,
        suppress_tokens=[-1],
        max_initial_timestamp_index=50,
        return_scores=True,
        return_no_speech_prob=True,
        max_length=448,
    )[0]
    ids = list(result.sequences_ids[0])
    if ids[: len(prompt)] == prompt:
        raise SystemExit(f"sequences_ids starts with the prompt: {ids}")
    if not ids or ids[0] < ts_begin:
        raise SystemExit(f"the first generated token is not a timestamp: {ids}")
    if eot in ids:
        raise SystemExit(f"sequences_ids contains <|endoftext|>: {ids}")
    if any(i >= eot and i < ts_begin for i in ids):
        raise SystemExit(f"unexpected special token in sequences_ids: {ids}")

    decoder = byte_decoder()
    text = decode_text([i for i in ids if i < eot], vocab, decoder)

    # Segments: text between a timestamp token and the next one; a pair <|a|><|b|> closes one
    # segment at a and opens the next at b (a lone timestamp both closes and opens).
    segments = []
    start = None
    pending = []
    for i in ids:
        if i >= ts_begin:
            t = round((i - ts_begin) * TIME_PRECISION, 2)
            if pending:
                segment_text = decode_text(pending, vocab, decoder)
                segments.append({"start": start, "end": t, "text": segment_text})
                pending = []
            start = t
        else:
            pending.append(i)
    if pending:  # text after the last timestamp (no closing timestamp)
        segments.append({"start": start, "end": None, "text": decode_text(pending, vocab, decoder)})

    out = {
        "wav": os.path.basename(args.wav),
        "sample_rate": SAMPLE_RATE,
        "num_samples": int(audio.shape[0]),
        "prompt": prompt,
        "tokens": ids,
        "text": text,
        "segments": segments,
        "score": float(result.scores[0]),
        "no_speech_prob": float(result.no_speech_prob),
        "mel_first_frames": [[round(float(v), 5) for v in row] for row in mel[:, :20]],
        "mel_stats": {
            "mean": float(mel.astype(np.float64).mean()),
            "max": float(mel.max()),
            "min": float(mel.min()),
        },
        "ctranslate2_version": ctranslate2.__version__,
    }
    # One mel row per line, the rest indented.
    rows = out["mel_first_frames"]
    out["mel_first_frames"] = "@MEL@"
    text_out = json.dumps(out, indent=1).replace(
        '"@MEL@"', "[\n" + ",\n".join("  " + json.dumps(r) for r in rows) + "\n ]"
    )
    out["mel_first_frames"] = rows
    assert json.loads(text_out) == out
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(text_out + "\n")
    summary = ("tokens", "text", "segments", "no_speech_prob")
    print(json.dumps({k: out[k] for k in summary}, indent=1))


if __name__ == "__main__":
    main()
