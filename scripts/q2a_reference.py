"""PyTorch reference implementation of the Q2A model (AssistQ, LOVEU@CVPR'22 track 3).

This is an independent implementation written from the Q2A description in docs/q2a.md (sections 3.2-3.4), NOT the
original showlab/Q2A code. It follows the spec's per-sample Python loop literally and serves two
purposes for the Rust port (crates/q2a):

1. `fixtures`: writes small deterministic numeric fixtures as <variant>.safetensors (metadata
   `config` = JSON): `param.<key>` initial weights, `state`, inputs `s{b}.*`, eval scores
   `s{b}.k{k}.scores` (initial weights, eval + no_grad), training `loss1`/`loss2` and
   `step1.param.*`/`step2.param.*` after one and two SGD steps on the 3-sample batch; plus, for
   gru_relu_h1, reference checkpoints (`.pth` state_dict, Lightning-style `.ckpt`, init state).
       python scripts/q2a_reference.py fixtures --out crates/q2a/tests/fixtures
   Initial weights are default torch init with every weight matrix scaled by WEIGHT_GAIN and PReLU
   slopes 0.1, 0.2, ...; the seed is the first one whose argmax history decisions all have a
   top-1/top-2 logit gap >= MIN_MARGIN, so a float32 port makes the same choices.
2. `bench`: CPU training throughput and inference latency on an encoded-features dataset
   (<root>/<folder>/{video,script,qa}.safetensors + qa.json) for comparison with the Rust port.
       python scripts/q2a_reference.py bench --data ENCODED_ROOT --dim 384 [--num-masks 1]
           [--batch 16] [--heads 1] [--train-batches 10] [--infer-batches 10] --json

Definitions fixed by this project (beyond the original code): the history state is an explicit
tensor `state` [DS]; VAL history 'gt' means teacher forcing h = x[label]; Vs stays 2-D [S, D] when
S == 1. Needs only torch, numpy, safetensors and the standard library.
"""
import argparse
import json
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import load_file, save_file


class MLP(nn.Module):
    """fc1..fc{L-1}: Linear(in, in), fcL: Linear(in, out); activation between layers."""

    def __init__(self, din, dout, layers=2, act="relu"):
        super().__init__()
        self.layers, self.act_name = layers, act
        for i in range(1, layers):
            setattr(self, f"fc{i}", nn.Linear(din, din))
            if act == "prelu":
                setattr(self, f"act{i}", nn.PReLU())  # one learned slope per activation
        setattr(self, f"fc{layers}", nn.Linear(din, dout))
        if act == "relu":
            self.act = nn.ReLU()
        elif act == "gelu":
            self.act = nn.GELU()  # exact (erf) form
        elif act != "prelu":
            raise ValueError(f"unknown activation {act}")

    def forward(self, x):
        for i in range(1, self.layers):
            x = getattr(self, f"fc{i}")(x)
            x = getattr(self, f"act{i}")(x) if self.act_name == "prelu" else self.act(x)
        return getattr(self, f"fc{self.layers}")(x)


class Q2A(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        D, NM, DS, L, act = cfg["dim"], cfg["num_masks"], cfg["dim_state"], cfg["mlp_layers"], cfg["mlp_act"]
        self.d, self.nm = D, NM
        self.arch, self.hist_train, self.hist_val = cfg["history_arch"], cfg["history_train"], cfg["history_val"]
        self.mlp_v = MLP(D, D, L, act)
        self.mlp_t = MLP(D, D, L, act)
        self.mlp_pre = MLP(D * (3 + NM), DS, L, act)
        self.s2v = nn.MultiheadAttention(D, cfg["num_heads"])
        self.qa2s = nn.MultiheadAttention(D, cfg["num_heads"])
        if self.arch == "gru":
            self.gru = nn.GRUCell(DS, DS)
            self.proj = MLP(DS, 1, L, act)
        elif self.arch == "mlp":
            self.proj = MLP(2 * DS, 1, L, act)
        elif self.arch == "none":
            self.proj = MLP(DS, 1, L, act)
        else:
            raise ValueError(f"unknown history arch {self.arch}")
        self.state = torch.randn(DS)  # plain tensor: not a parameter, not in state_dict
        self.margins = []  # top-1 minus top-2 logit at every argmax history decision (diagnostic)

    def forward_sample(self, s):
        """One QA sample. Returns (list of step CE losses, list of step logits)."""
        V = self.mlp_v(s["video"])                       # [T, D]
        Sx = self.mlp_t(s["script"])                     # [S, D]
        Vs = self.s2v(Sx, V, V)[0]                       # [S, D] (unbatched 2-D, also for S == 1)
        q = self.mlp_t(s["question"].view(1, -1))        # [1, D]
        h = self.state
        mode = self.hist_train if self.training else self.hist_val
        losses, logits = [], []
        for k, (text, button) in enumerate(s["steps"]):
            A = text.shape[0]
            Tt = self.mlp_t(text)                                          # [A, D]
            Bt = self.mlp_v(button.view(A, self.nm, self.d)).view(A, -1)   # [A, NM*D]
            qa = q + Tt
            qs, W = self.qa2s(qa, Sx, Sx)                                  # [A, D], [A, S] (head mean)
            qv = W @ Vs                                                    # [A, D]
            x = self.mlp_pre(torch.cat([qv, qs, qa, Bt], dim=1))           # [A, DS]
            if self.arch == "gru":
                logit = self.proj(self.gru(x, h.expand_as(x))).view(-1)
            elif self.arch == "mlp":
                logit = self.proj(torch.cat([x, h.expand_as(x)], dim=1)).view(-1)
            else:
                logit = self.proj(x).view(-1)
            logits.append(logit)
            label = s["labels"][k] if s["labels"] is not None else None
            if self.training:
                losses.append(F.cross_entropy(logit[None], label.view(1)))
            if mode == "gt":
                h = x[label]
            else:
                idx = int(logit.argmax())
                if A > 1:
                    self.margins.append(float(logit.detach().topk(2).values.diff().abs()))
                h = x[idx]
        return losses, logits

    def loss(self, batch):
        """Training loss: sum of all step losses in the batch / number of steps in the batch."""
        losses = [l for s in batch for l in self.forward_sample(s)[0]]
        return torch.stack(losses).sum() / len(losses)

    @torch.no_grad()
    def scores(self, batch):
        return [self.forward_sample(s)[1] for s in batch]


def make_optimizer(model, lr):
    return torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=5e-4)


# ----------------------------------------------------------------------------------------- fixtures

BASE = dict(momentum=0.9, weight_decay=0.0005, num_samples=3)
VARIANTS = {
    "gru_relu_h1": dict(dim=24, num_masks=1, dim_state=24, num_heads=1, mlp_layers=2, mlp_act="relu",
                        history_arch="gru", history_train="gt", history_val="max", lr=0.05),
    "gru_prelu3_h3_nm2": dict(dim=24, num_masks=2, dim_state=24, num_heads=3, mlp_layers=3, mlp_act="prelu",
                              history_arch="gru", history_train="max", history_val="max", lr=0.05),
    "mlphist_gelu_h2": dict(dim=16, num_masks=1, dim_state=16, num_heads=2, mlp_layers=2, mlp_act="gelu",
                            history_arch="mlp", history_train="gt", history_val="gt", lr=0.05),
    "nohist_relu_h4": dict(dim=16, num_masks=1, dim_state=16, num_heads=4, mlp_layers=2, mlp_act="relu",
                           history_arch="none", history_train="gt", history_val="max", lr=0.05),
}
# (T, S, [A per step]) for samples b = 0, 1, 2
SAMPLE_SHAPES = [(7, 5, [4, 6, 3]), (4, 1, [5]), (9, 3, [1, 7])]
WEIGHT_GAIN = 2.0  # on every weight matrix: within-step score spread ~0.1-0.6 instead of ~0.003
MIN_MARGIN = 1e-2  # smallest top-1 minus top-2 logit gap allowed at an argmax history decision


def make_samples(cfg):
    D, NM = cfg["dim"], cfg["num_masks"]
    out = []
    for T, S, As in SAMPLE_SHAPES:
        out.append(dict(video=torch.randn(T, D), script=torch.randn(S, D), question=torch.randn(D),
                        steps=[(torch.randn(A, D), torch.randn(A, D * NM)) for A in As],
                        labels=torch.tensor([int(torch.randint(A, ())) for A in As], dtype=torch.int64)))
    return out


def params_of(model, prefix):
    return {f"{prefix}{k}": v.detach().clone().contiguous() for k, v in model.state_dict().items()}


def write_fixtures(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    for vi, (name, settings) in enumerate(VARIANTS.items()):
        cfg = dict(settings, **BASE)
        for seed in range(1000 * (vi + 1), 1000 * (vi + 1) + 100):
            t, losses, margin = run_variant(name, cfg, seed, out_dir)
            if margin >= MIN_MARGIN:  # argmax decisions must be robust to float reordering in the port
                break
        else:
            raise SystemExit(f"{name}: no seed with argmax margin >= {MIN_MARGIN}")
        path = os.path.join(out_dir, f"{name}.safetensors")
        save_file({k: v.contiguous() for k, v in t.items()}, path, metadata={"config": json.dumps(cfg)})
        os.chmod(path, 0o644)
        max_score = max(float(t[k].abs().max()) for k in t if k.endswith(".scores"))
        print(f"{name}: seed={seed} max|score|={max_score:.6f} loss1={losses[0]:.7f} loss2={losses[1]:.7f} "
              f"min argmax margin={margin:.4g} ({os.path.getsize(path)} bytes)")


def run_variant(name, cfg, seed, out_dir):
    torch.manual_seed(seed)
    model = Q2A(cfg)
    with torch.no_grad():
        for i, p in enumerate(p for n, p in model.named_parameters() if ".act" in n):
            p.fill_(0.1 * (i + 1))  # distinct PReLU slopes 0.1, 0.2, ...
        for n, p in model.named_parameters():
            if p.dim() == 2:  # default init shrinks activations layer by layer: candidates would tie
                p.mul_(WEIGHT_GAIN)
    samples = make_samples(cfg)
    t = dict(params_of(model, "param."))
    t["state"] = model.state.clone()
    for b, s in enumerate(samples):
        t[f"s{b}.video"], t[f"s{b}.script"] = s["video"], s["script"]
        t[f"s{b}.question"], t[f"s{b}.labels"] = s["question"], s["labels"]
        for k, (text, button) in enumerate(s["steps"]):
            t[f"s{b}.k{k}.text"], t[f"s{b}.k{k}.button"] = text, button
    if name == "gru_relu_h1":
        write_checkpoints(model, out_dir, name)

    model.margins = []
    model.eval()
    for b, logits in enumerate(model.scores(samples)):
        for k, lg in enumerate(logits):
            t[f"s{b}.k{k}.scores"] = lg.clone()

    model.train()
    opt = make_optimizer(model, cfg["lr"])
    losses = []
    for step in (1, 2):
        opt.zero_grad()
        loss = model.loss(samples)
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
        t[f"loss{step}"] = loss.detach().reshape(1).clone()
        t.update(params_of(model, f"step{step}.param."))

    return t, losses, min(model.margins, default=float("inf"))


def write_checkpoints(model, out_dir, name):
    """Reference checkpoints with the initial weights, for the Rust checkpoint importer."""
    torch.save(model.state_dict(), os.path.join(out_dir, f"{name}.pth"))

    class LightningLike(nn.Module):  # gives "model."-prefixed keys exactly like a LightningModule
        def __init__(self, m):
            super().__init__()
            self.model = m

    ckpt = {"epoch": 5, "global_step": 155, "pytorch-lightning_version": "1.6.0",
            "state_dict": LightningLike(model).state_dict(), "optimizer_states": [], "lr_schedulers": []}
    torch.save(ckpt, os.path.join(out_dir, f"{name}.ckpt"))
    save_file({"state": model.state.clone()}, os.path.join(out_dir, f"{name}.init_state.safetensors"))
    os.chmod(os.path.join(out_dir, f"{name}.init_state.safetensors"), 0o644)


# -------------------------------------------------------------------------------------------- bench

def load_encoded(root):
    samples = []
    for folder in sorted(os.listdir(root)):
        path = os.path.join(root, folder)
        if not os.path.isdir(path):
            continue
        video = load_file(os.path.join(path, "video.safetensors"))["features"].float()
        script = load_file(os.path.join(path, "script.safetensors"))["features"].float()
        qa_t = load_file(os.path.join(path, "qa.safetensors"))
        with open(os.path.join(path, "qa.json")) as f:
            qas = json.load(f)
        for i, qa in enumerate(qas):
            steps = [(qa_t[f"q{i}.s{j}.text"].float(), qa_t[f"q{i}.s{j}.button"].float())
                     for j in range(len(qa["answers"]))]
            correct = qa.get("correct") or [1] * len(steps)  # labels only matter for training
            samples.append(dict(video=video, script=script, question=qa_t[f"q{i}.question"].float().view(-1),
                                steps=steps, labels=torch.tensor([c - 1 for c in correct], dtype=torch.int64)))
    return samples


def bench(args):
    samples = load_encoded(args.data)
    if not samples:
        raise SystemExit(f"no QA samples found under {args.data}")
    cfg = dict(dim=args.dim, num_masks=args.num_masks, dim_state=args.dim, num_heads=args.heads,
               mlp_layers=2, mlp_act="relu", history_arch="gru", history_train="gt", history_val="max")
    torch.manual_seed(0)
    model = Q2A(cfg)
    opt = make_optimizer(model, 0.002)
    cursor = [0]

    def next_batch():
        b = [samples[(cursor[0] + i) % len(samples)] for i in range(args.batch)]
        cursor[0] += args.batch
        return b

    def train_step(batch):
        opt.zero_grad()
        model.loss(batch).backward()
        opt.step()

    model.train()
    train_step(next_batch())  # warm-up
    t0 = time.perf_counter()
    for _ in range(args.train_batches):
        train_step(next_batch())
    train_time = time.perf_counter() - t0

    model.eval()
    model.scores(next_batch())  # warm-up
    t0 = time.perf_counter()
    for _ in range(args.infer_batches):
        model.scores(next_batch())
    infer_time = time.perf_counter() - t0

    result = {"impl": "pytorch", "torch": torch.__version__, "threads": torch.get_num_threads(),
              "dim": args.dim, "batch": args.batch,
              "train_samples_per_sec": args.train_batches * args.batch / train_time,
              "infer_ms_per_qa": 1000.0 * infer_time / (args.infer_batches * args.batch)}
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{len(samples)} QA samples; " + ", ".join(f"{k}={v}" for k, v in result.items()))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    fx = sub.add_parser("fixtures", help="write numeric test fixtures")
    fx.add_argument("--out", default="crates/q2a/tests/fixtures")
    bn = sub.add_parser("bench", help="CPU training/inference benchmark on encoded features")
    bn.add_argument("--data", required=True)
    bn.add_argument("--dim", type=int, required=True)
    bn.add_argument("--num-masks", type=int, default=1)
    bn.add_argument("--batch", type=int, default=16)
    bn.add_argument("--heads", type=int, default=1)
    bn.add_argument("--train-batches", type=int, default=10)
    bn.add_argument("--infer-batches", type=int, default=10)
    bn.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if args.cmd == "fixtures":
        write_fixtures(args.out)
    else:
        bench(args)


if __name__ == "__main__":
    main()
