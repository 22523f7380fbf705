"""PyTorch reference for the seed-notebook preset (writes test/fixtures/torch-notebook.json).

The notebook's model, written as in ../shared/seed, with its parameters set from a formula instead
of a random init and its noise given explicitly, so the TypeScript test can build the identical
model in TensorFlow.js and compare loss parts, per-parameter gradient norms, and the loss after
one Adam step (lr 0.1, PyTorch's defaults).

Run: /usr/bin/python3 scripts/torch_reference.py   (Debian: apt-get install python3-torch)
"""
import json
import math
import os

import torch
from torch import nn

LATENT, K = 5, 3


class H1(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, 32, 5), nn.ReLU(), nn.MaxPool2d(2, 2),
            nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2, 2),
            nn.Flatten(),
            nn.Linear(5 * 5 * 64, 512), nn.ReLU(),
            nn.Linear(512, 256), nn.ReLU(),
        )

    def forward(self, x):
        return self.net(x)


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.h1 = H1()
        self.h2 = nn.Linear(256, LATENT)  # sigma head: sqrt(linear(h1)**2)
        self.g2 = nn.Linear(256, LATENT)  # mean head

    def forward(self, x):
        h = self.h1(x)
        return self.g2(h), torch.sqrt(self.h2(h) ** 2)


class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(LATENT, 784), nn.LayerNorm(784), nn.Sigmoid())

    def forward(self, z):
        return self.net(z).reshape(1, 1, 28, 28)


def loss_parts(enc, dec, x, eps):
    mu, sigma = enc(x)
    mu, sigma = mu[0], sigma[0]
    l1 = 0
    for k in range(K):
        x_hat = dec(mu + sigma * eps[k])
        l1 += -0.5 * torch.nn.functional.mse_loss(x[0], x_hat, reduction='sum')
    l1 /= K
    l2 = 0.5 * (-torch.sum(torch.log(sigma ** 2) + 1) + torch.sum(sigma ** 2) + torch.sum(mu ** 2))
    return -l1, l2, -(l1 - l2)


def formula(n, phase, scale, offset):
    return [offset + scale * math.sin(0.7 * i + 1.3 * phase + 0.1) for i in range(n)]


def main():
    torch.set_default_dtype(torch.float64)  # the reference itself should carry no float32 noise
    enc, dec = Encoder(), Decoder()
    recipe = []
    for phase, (name, p) in enumerate(list(enc.named_parameters(prefix='encoder')) + list(dec.named_parameters(prefix='decoder'))):
        is_norm = name.startswith('decoder.net.1.')
        fan_in = 1 if p.dim() == 1 else p[0].numel()
        if is_norm:
            scale, offset = 0.2, (1.0 if name.endswith('weight') else 0.0)
        else:
            scale, offset = 1 / math.sqrt(fan_in if p.dim() > 1 else 64), 0.0
        with torch.no_grad():
            p.copy_(torch.tensor(formula(p.numel(), phase, scale, offset)).reshape(p.shape))
        recipe.append({'name': name, 'shape': list(p.shape), 'phase': phase, 'scale': scale, 'offset': offset})

    x = torch.tensor([0.5 + 0.5 * math.sin(0.05 * i) * math.cos(0.011 * i) for i in range(784)]).reshape(1, 1, 28, 28)
    eps = torch.tensor([0.8 * math.sin(1.7 * i + 0.3) for i in range(K * LATENT)]).reshape(K, LATENT)

    recon, kl, total = loss_parts(enc, dec, x, eps)
    total.backward()
    params = list(enc.parameters()) + list(dec.parameters())
    grad_norms = [p.grad.norm().item() for p in params]
    adam = torch.optim.Adam(params, lr=0.1)
    adam.step()
    with torch.no_grad():
        recon2, kl2, total2 = loss_parts(enc, dec, x, eps)

    out = {
        'about': 'PyTorch reference of the seed notebook; see scripts/torch_reference.py',
        'torch': torch.__version__,
        'recipe': recipe,
        'x': x.flatten().tolist(),
        'eps': eps.flatten().tolist(),
        'before': {'recon': recon.item(), 'kl': kl.item(), 'total': total.item()},
        'gradNorms': grad_norms,
        'afterAdamStep': {'recon': recon2.item(), 'kl': kl2.item(), 'total': total2.item()},
    }
    path = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'torch-notebook.json')
    with open(path, 'w') as f:
        json.dump(out, f, indent=1)
    print(f"wrote {path}: loss {total.item():.6f} -> {total2.item():.6f} after one Adam step")


if __name__ == '__main__':
    main()
