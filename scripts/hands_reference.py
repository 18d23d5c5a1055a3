#!/usr/bin/env python3
"""Reference MediaPipe Hands fixtures for the hands crate (development machine only).

Needs a local venv with ai-edge-litert (the TensorFlow Lite interpreter), mediapipe==0.10.21
(whose wheel holds the two pinned models), numpy, opencv and safetensors; none of these is a
dependency of the project. Writes into crates/hands/tests/fixtures/:

- palm.safetensors: `input` [1,192,192,3], press.png letterboxed into 192 x 192 (long side fits,
  black bars, bilinear, values / 255), and the interpreter's outputs `boxes` [1,2016,18] and
  `scores` [1,2016,1] of palm_detection_lite.tflite on it;
- landmark.safetensors: `input` [1,224,224,3], the 224 x 224 square of press.png centred on
  (320, 300) with side 220 px (bilinear, / 255), and the four outputs of hand_landmark_lite.tflite
  on it as `out0` [1,63] (landmarks in crop pixels), `out1` [1,1] (presence), `out2` [1,1]
  (handedness), `out3` [1,63] (world landmarks);
- expected.json: per image (press.png, reach.png, no_hand.png: frames of a synthetic tutorial
  video, 640 x 360), what MediaPipe's own pipeline finds (mp.solutions.hands, static images,
  model_complexity 0 = the lite models, max 2 hands, min_detection_confidence 0.5): per hand the
  21 landmarks in image pixels (x, y) and MediaPipe's z, and the handedness score of "Right".

Run: /path/to/venv/bin/python scripts/hands_reference.py [MEDIAPIPE_WHEEL]
"""
import json
import os
import sys
import zipfile

import cv2
import numpy as np
from ai_edge_litert.interpreter import Interpreter
from safetensors.numpy import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(ROOT, "crates", "hands", "tests", "fixtures")


def model_bytes(name):
    import mediapipe
    base = os.path.dirname(mediapipe.__file__)
    sub = "palm_detection" if name.startswith("palm") else "hand_landmark"
    with open(os.path.join(base, "modules", sub, name), "rb") as f:
        return f.read()


def run(name, x):
    it = Interpreter(model_content=model_bytes(name))
    it.allocate_tensors()
    it.set_tensor(it.get_input_details()[0]["index"], x)
    it.invoke()
    return [it.get_tensor(d["index"]).copy() for d in it.get_output_details()]


def rgb(path):
    return cv2.cvtColor(cv2.imread(path), cv2.COLOR_BGR2RGB)


def square_crop(img, cx, cy, side, out):
    # Corners of the square go to the corners of the output (as the hands crate crops).
    s = out / side
    m = np.array([[s, 0, out / 2 - cx * s], [0, s, out / 2 - cy * s]], dtype=np.float64)
    c = cv2.warpAffine(img, m, (out, out), flags=cv2.INTER_LINEAR,
                       borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return (c.astype(np.float32) / 255.0)[None]


def main():
    press = rgb(os.path.join(FIX, "press.png"))
    h, w = press.shape[:2]
    x = square_crop(press, w / 2, h / 2, max(w, h), 192)
    boxes, scores = run("palm_detection_lite.tflite", x)
    save_file({"input": x, "boxes": boxes, "scores": scores}, os.path.join(FIX, "palm.safetensors"))
    print("palm: best raw score", float(scores.max()))

    x = square_crop(press, 320, 300, 220, 224)
    outs = run("hand_landmark_lite.tflite", x)
    save_file({"input": x, **{f"out{i}": o for i, o in enumerate(outs)}},
              os.path.join(FIX, "landmark.safetensors"))
    print("landmark: presence", float(outs[1].ravel()[0]))

    import mediapipe as mp
    expected = {}
    with mp.solutions.hands.Hands(static_image_mode=True, max_num_hands=2, model_complexity=0,
                                  min_detection_confidence=0.5) as hands:
        for name in ["press.png", "reach.png", "no_hand.png"]:
            img = rgb(os.path.join(FIX, name))
            ih, iw = img.shape[:2]
            r = hands.process(img)
            found = []
            for lm, hd in zip(r.multi_hand_landmarks or [], r.multi_handedness or []):
                c = hd.classification[0]
                right = c.score if c.label == "Right" else 1.0 - c.score
                found.append({
                    "landmarks": [[p.x * iw, p.y * ih, p.z] for p in lm.landmark],
                    "right": right,
                })
            expected[name] = found
            print(name, len(found), "hands",
                  [f"tip {f['landmarks'][8][0]:.1f},{f['landmarks'][8][1]:.1f}" for f in found])
    with open(os.path.join(FIX, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)


if __name__ == "__main__":
    main()
