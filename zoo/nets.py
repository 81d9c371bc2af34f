"""1-D CNN and ResNet modules over the codon tensor, with attention and input view as settings.

Input is the flat contract matrix row (67*L codon channels, channels-first, then 2 standardized clinical
values). Codon/del/ins channels are centred on the training cohort's mean profile (a buffer `fit` fills from
X alone), then zeroed where coverage is 0; the coverage channel stays an input and the per-gene covered
fraction joins the clinical values, so an uncovered position never looks like wild type. `view="aa"`
multiplies the 64 codon channels by the fixed genetic-code matrix (64 -> 21) inside the module and keeps
the del/ins/coverage channels. A kernel-1 stem, a learned per-position offset (global pooling would forget
where a mutation sits), strided blocks, global avg+max pooling, then a small head.
"""

from __future__ import annotations

import torch
from torch import nn

from features.codons import COV_CHANNEL, N_CHANNELS, genetic_code_matrix
from features.errors import ModelError
from features.reference import PR_LENGTH
from zoo.cbam import CBAM1d
from zoo.fitting import N_CLINICAL

N_GENES = 2
ARCHS = ("cnn", "resnet")
VIEWS = ("codon", "aa")
ATTNS = ("none", "cbam")


def _attention(attn: str, channels: int, reduction: int) -> nn.Module:
    return CBAM1d(channels, reduction) if attn == "cbam" else nn.Identity()


class ConvBlock(nn.Module):
    """conv -> BN -> ReLU -> attention -> max-pool by 2."""

    def __init__(self, c_in: int, c_out: int, kernel_size: int, attn: str, reduction: int):
        super().__init__()
        self.conv = nn.Conv1d(c_in, c_out, kernel_size, padding=kernel_size // 2, bias=False)
        self.bn = nn.BatchNorm1d(c_out)
        self.act = nn.ReLU(inplace=True)
        self.attn = _attention(attn, c_out, reduction)
        self.pool = nn.MaxPool1d(2, ceil_mode=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pool(self.attn(self.act(self.bn(self.conv(x)))))


class BasicBlock(nn.Module):
    """ResNet basic block; attention acts on the residual branch before the addition."""

    def __init__(self, c_in: int, c_out: int, kernel_size: int, stride: int, attn: str, reduction: int):
        super().__init__()
        pad = kernel_size // 2
        self.conv1 = nn.Conv1d(c_in, c_out, kernel_size, stride=stride, padding=pad, bias=False)
        self.bn1 = nn.BatchNorm1d(c_out)
        self.conv2 = nn.Conv1d(c_out, c_out, kernel_size, padding=pad, bias=False)
        self.bn2 = nn.BatchNorm1d(c_out)
        self.act = nn.ReLU(inplace=True)
        self.attn = _attention(attn, c_out, reduction)
        self.shortcut: nn.Module = nn.Identity()
        if stride != 1 or c_in != c_out:
            self.shortcut = nn.Sequential(nn.Conv1d(c_in, c_out, 1, stride=stride, bias=False),
                                          nn.BatchNorm1d(c_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.act(self.bn1(self.conv1(x)))
        out = self.attn(self.bn2(self.conv2(out)))
        return self.act(out + self.shortcut(x))


class HivNet(nn.Module):
    """Sequence trunk -> global avg+max pooling -> fused with clinical values and gene coverage -> logits."""

    def __init__(self, n_positions: int, n_labels: int = 1, arch: str = "resnet", view: str = "codon",
                 attn: str = "cbam", width: int = 16, blocks: int = 3, kernel_size: int = 5,
                 dropout: float = 0.5, reduction: int = 8, hidden: int = 32, stem_kernel: int = 1):
        super().__init__()
        if arch not in ARCHS or view not in VIEWS or attn not in ATTNS:
            raise ModelError(f"arch/view/attn must be one of {ARCHS}/{VIEWS}/{ATTNS}")
        self.n_positions, self.view = n_positions, view
        self.register_buffer("code", torch.from_numpy(genetic_code_matrix()), persistent=False)
        # the training cohort's mean profile per (channel, position), set by `fit` from X alone and saved with
        # the weights: centred inputs make wild type ~0 and leave mutations as the signal
        self.register_buffer("center", torch.zeros(1, N_CHANNELS - 1, n_positions))
        c_in = 21 + 3 if view == "aa" else N_CHANNELS
        # the stem embeds each codon position on its own (kernel 1): cheap at full resolution
        self.stem = nn.Sequential(nn.Conv1d(c_in, width, stem_kernel, padding=stem_kernel // 2, bias=False),
                                  nn.BatchNorm1d(width), nn.ReLU(inplace=True))
        self.position = nn.Parameter(torch.zeros(1, width, n_positions))
        layers: list[nn.Module] = []
        c = width
        for _ in range(blocks):
            c_out = width  # constant width: the cohort is small and CPU time is the budget
            if arch == "cnn":
                layers.append(ConvBlock(c, c_out, kernel_size, attn, reduction))
            else:
                layers.append(BasicBlock(c, c_out, kernel_size, 2, attn, reduction))
            c = c_out
        self.trunk = nn.Sequential(*layers)
        n_side = N_CLINICAL + N_GENES  # clinical values and per-gene coverage, fused before the head
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(2 * c + n_side, hidden),
                                  nn.ReLU(inplace=True), nn.Dropout(dropout), nn.Linear(hidden, n_labels))
        self.side = nn.Linear(n_side, n_labels)  # direct path: clinical values alone are informative

    def encode(self, codons: torch.Tensor) -> torch.Tensor:
        """(B, 67, L) codon tensor -> masked input view."""
        cov = codons[:, COV_CHANNEL:COV_CHANNEL + 1]
        codons = torch.cat([(codons[:, :COV_CHANNEL] - self.center) * cov, cov], dim=1)
        if self.view == "aa":
            aa = torch.einsum("bcl,ca->bal", codons[:, :64], self.code)
            return torch.cat([aa, codons[:, 64:]], dim=1)
        return codons

    def forward_parts(self, codons: torch.Tensor, clinical: torch.Tensor) -> torch.Tensor:
        h = self.stem(self.encode(codons)) + self.position
        h = self.trunk(h)
        side = torch.cat([clinical, self.gene_coverage(codons)], dim=1)
        pooled = torch.cat([h.mean(dim=-1), h.amax(dim=-1), side], dim=1)
        return self.head(pooled) + self.side(side)

    def gene_coverage(self, codons: torch.Tensor) -> torch.Tensor:
        """Fraction of PR and of RT positions covered: how much sequence there is (B, 2)."""
        cov = codons[:, COV_CHANNEL]
        pr = cov[:, :PR_LENGTH].mean(dim=1)
        rt = cov[:, PR_LENGTH:].mean(dim=1) if cov.shape[1] > PR_LENGTH else torch.zeros_like(pr)
        return torch.stack([pr, rt], dim=1)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        codons = X[:, :-N_CLINICAL].reshape(X.shape[0], N_CHANNELS, self.n_positions)
        return self.forward_parts(codons, X[:, -N_CLINICAL:])
