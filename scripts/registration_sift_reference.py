#!/usr/bin/env python3
"""OpenCV SIFT + RANSAC on the hard-panel registration frames (development machine only).

The frames come from the registration crate's hard-panel test, dumped with
    REGISTRATION_HARD_DUMP=DIR cargo test -p registration --test hard_panels -- --nocapture
which writes DIR/ref*.png (front views of generator panels), DIR/frame*.png (1280 x 720 views at
45 degrees with blur, occlusion and glare) and DIR/cases.json (per frame: its reference, the true
homography reference -> frame, the button boxes, and our registration's max corner error or null
when it said "not in view").

For each frame: SIFT keypoints of the reference and the frame (grey), Lowe's ratio test (0.75),
cv2.findHomography with RANSAC (reprojection threshold 3 px), accepted as "in view" with at least
20 inliers (the same as RegisterConfig::default().min_inliers); its error is the largest corner
error over the button boxes, in frame pixels, as in the Rust test. Prints both methods' share of
frames under 3 px, per kind of degradation.

Needs a venv with opencv-python (SIFT is in OpenCV's main module since 4.4) and numpy; never part
of setup or CI.

Run: /path/to/venv/bin/python scripts/registration_sift_reference.py DIR
"""
import collections
import json
import os
import sys

import cv2
import numpy as np

MIN_INLIERS = 20


def corners(boxes):
    pts = []
    for x, y, w, h in boxes:
        pts += [[x, y], [x + w, y], [x + w, y + h], [x, y + h]]
    return np.array(pts, dtype=np.float64)


def project(h, pts):
    p = np.hstack([pts, np.ones((len(pts), 1))]) @ np.asarray(h, dtype=np.float64).T
    return p[:, :2] / p[:, 2:3]


def main():
    root = sys.argv[1]
    cases = json.load(open(os.path.join(root, "cases.json")))
    sift = cv2.SIFT_create()
    matcher = cv2.BFMatcher(cv2.NORM_L2)
    refs = {}
    tally = collections.defaultdict(lambda: [0, 0, 0])  # ours ok, sift ok, frames
    false_views = [0, 0, 0]  # ours, sift, negative frames
    for c in cases:
        if c["reference"] not in refs:
            img = cv2.imread(os.path.join(root, c["reference"]), cv2.IMREAD_GRAYSCALE)
            refs[c["reference"]] = sift.detectAndCompute(img, None)
        kr, dr = refs[c["reference"]]
        frame = cv2.imread(os.path.join(root, c["frame"]), cv2.IMREAD_GRAYSCALE)
        kf, df = sift.detectAndCompute(frame, None)
        err = None
        in_view = False
        if df is not None and len(kf) >= 4:
            pairs = matcher.knnMatch(dr, df, k=2)
            good = [m for m, n in (p for p in pairs if len(p) == 2) if m.distance < 0.75 * n.distance]
            if len(good) >= 4:
                src = np.float32([kr[m.queryIdx].pt for m in good])
                dst = np.float32([kf[m.trainIdx].pt for m in good])
                h, mask = cv2.findHomography(src, dst, cv2.RANSAC, 3.0)
                if h is not None and int(mask.sum()) >= MIN_INLIERS:
                    in_view = True
                if in_view and not c.get("negative"):
                    pts = corners(c["boxes"])
                    err = float(np.max(np.linalg.norm(project(h, pts) - project(c["truth"], pts), axis=1)))
        if c.get("negative"):
            false_views[0] += bool(c["ours_in_view"])
            false_views[1] += err is not None or in_view
            false_views[2] += 1
            continue
        kind = c["what"].split(":")[0].rstrip("0123456789 px")
        for k in (kind, "every frame"):
            t = tally[k]
            t[0] += c["ours"] is not None and c["ours"] < 3.0
            t[1] += err is not None and err < 3.0
            t[2] += 1
    print(f"{'false in view (other panels)':<32} ours {false_views[0]}/{false_views[2]}   "
          f"OpenCV SIFT {false_views[1]}/{false_views[2]}")
    for k, (ours, theirs, n) in sorted(tally.items()):
        print(f"{k:<32} ours {ours}/{n} = {ours / n:.3f}   OpenCV SIFT {theirs}/{n} = {theirs / n:.3f}")


if __name__ == "__main__":
    main()
