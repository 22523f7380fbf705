#!/usr/bin/python3
"""PyTorch side of `npm run bench` (bench/throughput.ts): the same VAE models as
src/main/engine/model.ts, built from the config the TypeScript side sends, trained with the
same loss and Adam, timed step by step.

A line protocol on stdin/stdout, one JSON object per line each way, so the bench can alternate
measurements between this process and ours without paying torch's start-up each time:
  {"op": "hello"}                                   -> torch version, BLAS, cores
  {"op": "build", "name": N, "spec": {...}}         -> parameter count of model N
  {"op": "measure", "name": N, "threads": T, "seconds": S, "minSteps": M}
                                                    -> steps, seconds, imagesPerSec, coresBusy
  {"op": "matmul", "threads": T, "size": 1024, "seconds": S}  -> gflops, coresBusy
Every reply has "ok"; a failed command answers {"ok": false, "error": "..."} and the process
carries on. Run it with OPENBLAS_NUM_THREADS=1: torch parallelises around the BLAS itself.
"""

import json
import os
import sys
import time

try:
    import torch
    import torch.nn.functional as F
    from torch import nn
except Exception as e:  # the bench reports this line and skips the comparison
    print(json.dumps({"ok": False, "error": f"cannot import torch: {e}"}), flush=True)
    sys.exit(0)


def blas_in_use():
    """What BLAS the process really loaded (Debian picks libblas.so.3 through alternatives, so
    the build config alone does not say) and what torch was built against."""
    torch.mm(torch.ones(4, 4), torch.ones(4, 4))  # make sure the BLAS is loaded
    loaded = set()
    with open("/proc/self/maps") as maps:
        for line in maps:
            path = line.split()[-1]
            name = os.path.basename(path)
            if "blas" in name or "mkl" in name:
                loaded.add(os.path.realpath(path))
    built = ""
    for part in torch.__config__.show().replace("\n", ",").split(","):
        if "BLAS_INFO" in part:
            built = part.strip()
    return {"loaded": sorted(loaded), "built": built}


class Encoder(nn.Module):
    def __init__(self, s):
        super().__init__()
        c, h, w, lat = s["channels"], s["height"], s["width"], s["latentDim"]
        if s["encoder"] == "seed-conv":
            # The notebook's h1: Conv(C->32, 5) ReLU MaxPool2, Conv(32->64, 3) ReLU MaxPool2, 512, 256.
            h2, w2 = ((h - 4) // 2 - 2) // 2, ((w - 4) // 2 - 2) // 2
            self.trunk = nn.Sequential(
                nn.Conv2d(c, 32, 5), nn.ReLU(), nn.MaxPool2d(2, 2),
                nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2, 2),
                nn.Flatten(),
                nn.Linear(h2 * w2 * 64, 512), nn.ReLU(),
                nn.Linear(512, 256), nn.ReLU(),
            )
            width = 256
        elif s["encoder"] == "conv":
            # Stride-2 4x4 'same' convolutions: for even sizes tfjs pads 1 on each side, as padding=1.
            layers, in_c = [], c
            for out_c in s["convChannels"]:
                layers += [nn.Conv2d(in_c, out_c, 4, stride=2, padding=1), nn.ReLU()]
                in_c, h, w = out_c, (h + 1) // 2, (w + 1) // 2
            self.trunk = nn.Sequential(*layers, nn.Flatten())
            width = in_c * h * w
        else:
            layers, width = [nn.Flatten()], c * h * w
            for units in s["encoderHidden"]:
                layers += [nn.Linear(width, units), nn.ReLU()]
                width = units
            self.trunk = nn.Sequential(*layers)
        self.mean = nn.Linear(width, lat)
        self.sigma_head = nn.Linear(width, lat)

    def forward(self, x):
        h = self.trunk(x)
        return self.mean(h), self.sigma_head(h)


def decoder(s):
    c, h, w, lat = s["channels"], s["height"], s["width"], s["latentDim"]
    pixels = c * h * w
    if s["decoder"] == "seed":
        return nn.Sequential(nn.Linear(lat, pixels), nn.LayerNorm(pixels, eps=1e-5))
    if s["decoder"] == "mlp":
        layers, width = [], lat
        for units in s["decoderHidden"]:
            layers += [nn.Linear(width, units), nn.ReLU()]
            width = units
        return nn.Sequential(*layers, nn.Linear(width, pixels))
    chans = s["deconvChannels"]
    n = len(chans)
    fh, fw = h // 2**n, w // 2**n
    layers = [nn.Linear(lat, fh * fw * chans[0]), nn.ReLU(), nn.Unflatten(1, (chans[0], fh, fw))]
    outs = chans[1:] + [c]
    for i, in_c in enumerate(chans):
        layers.append(nn.ConvTranspose2d(in_c, outs[i], 4, stride=2, padding=1))
        if i < n - 1:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def log_variance(head, kind):
    if kind == "abs":
        return torch.log(head * head)
    if kind == "softplus":
        return 2 * torch.log(F.softplus(head))
    return head


def sigma_of(head, kind):
    if kind == "abs":
        return head.abs()
    if kind == "softplus":
        return F.softplus(head)
    return torch.exp(0.5 * head)


class Case:
    """One model at one batch size, with its optimizer and a pool of batches."""

    def __init__(self, s):
        self.s = s
        self.encoder = Encoder(s)
        self.decoder = decoder(s)
        params = list(self.encoder.parameters()) + list(self.decoder.parameters())
        self.params = sum(p.numel() for p in params)
        self.opt = torch.optim.Adam(params, lr=s["learningRate"])
        b = s["batchSize"]
        # Values in 0..1 like pixels; speed does not depend on them. Four batches to cycle through.
        self.data = torch.rand(4 * b, s["channels"], s["height"], s["width"])
        self.next = 0

    def step(self):
        s = self.s
        b, k = s["batchSize"], s["samples"]
        x = self.data[self.next * b : (self.next + 1) * b]
        self.next = (self.next + 1) % 4
        mean, head = self.encoder(x)
        sigma = sigma_of(head, s["sigma"])
        eps = torch.randn(k, b, s["latentDim"])
        z = eps * sigma + mean  # one decoder call on all K*B latent points, as ours
        logits = self.decoder(z.reshape(k * b, -1)).reshape(k, b, -1)
        flat = x.reshape(1, b, -1).expand(k, b, -1)
        if s["likelihood"] == "gaussian":
            per_pixel = 0.5 * (torch.sigmoid(logits) - flat) ** 2
        else:
            per_pixel = F.binary_cross_entropy_with_logits(logits, flat, reduction="none")
        recon = per_pixel.sum(2).sum(0).div(k).mean()
        variance = torch.exp(head) if s["sigma"] == "logvar" else sigma * sigma
        kl = (0.5 * (variance + mean * mean - (1 + log_variance(head, s["sigma"]))).sum(1)).mean()
        loss = recon + kl
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        return loss.item()  # ours reads its loss every step too


def timed(fn, seconds, min_steps):
    """Steps, wall seconds, and CPU seconds of the whole process (all its threads)."""
    steps, t0, c0 = 0, time.perf_counter(), time.process_time()
    while steps < min_steps or time.perf_counter() - t0 < seconds:
        fn()
        steps += 1
    return steps, time.perf_counter() - t0, time.process_time() - c0


def main():
    cases = {}
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            cmd = json.loads(line)
            op = cmd["op"]
            if op == "hello":
                reply = {"torch": torch.__version__, "blas": blas_in_use(), "cores": os.cpu_count(),
                         "interopThreads": torch.get_num_interop_threads(),
                         "openblasThreads": os.environ.get("OPENBLAS_NUM_THREADS", "")}
            elif op == "build":
                case = Case(cmd["spec"])
                for _ in range(3):  # warm-up: allocator, oneDNN/NNPACK choices
                    case.step()
                cases[cmd["name"]] = case
                reply = {"name": cmd["name"], "params": case.params}
            elif op == "measure":
                case = cases[cmd["name"]]
                torch.set_num_threads(int(cmd["threads"]))
                case.step()  # a thread-count change re-sizes the pool: keep it out of the timing
                steps, secs, cpu = timed(case.step, float(cmd["seconds"]), int(cmd.get("minSteps", 2)))
                reply = {"name": cmd["name"], "threads": torch.get_num_threads(), "steps": steps, "seconds": secs,
                         "imagesPerSec": steps * case.s["batchSize"] / secs, "coresBusy": cpu / secs}
            elif op == "matmul":
                torch.set_num_threads(int(cmd["threads"]))
                n = int(cmd["size"])
                a, b = torch.rand(n, n), torch.rand(n, n)
                torch.mm(a, b)
                steps, secs, cpu = timed(lambda: torch.mm(a, b), float(cmd["seconds"]), 3)
                reply = {"threads": torch.get_num_threads(), "size": n, "gflops": 2 * n**3 * steps / secs / 1e9,
                         "coresBusy": cpu / secs}
            else:
                raise ValueError(f"unknown op {op!r}")
            reply["ok"] = True
        except Exception as e:  # one bad command answers an error; the bench decides what to do
            reply = {"ok": False, "error": f"{type(e).__name__}: {e}"}
        print(json.dumps(reply), flush=True)


if __name__ == "__main__":
    main()
