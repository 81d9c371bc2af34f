"""Focal loss (Lin et al. 2017) on logits, elementwise so one criterion serves binary and multi-label heads.

loss = -[alpha * y * (1 - p)^gamma * log p + (1 - alpha) * (1 - y) * p^gamma * log(1 - p)], optionally with
`pos_weight` multiplying the positive term (class balance decided in `fit`). With gamma = 0 this is exactly
alpha-weighted binary cross-entropy; alpha=None weighs both classes 1.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class FocalLoss(nn.Module):
    """Mean focal loss over every (patient, label) cell."""

    def __init__(self, alpha: float | None = None, gamma: float = 2.0, pos_weight=None):
        super().__init__()
        self.alpha = alpha
        self.gamma = float(gamma)
        pw = None if pos_weight is None else torch.as_tensor(pos_weight, dtype=torch.float32)
        self.register_buffer("pos_weight", pw, persistent=False)

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        target = target.to(logits.dtype).reshape(logits.shape)
        # log p and log(1 - p) from logits, numerically stable
        log_p = F.logsigmoid(logits)
        log_q = F.logsigmoid(-logits)
        pos = -target * log_p
        neg = -(1.0 - target) * log_q
        if self.gamma != 0.0:
            p = torch.sigmoid(logits)
            pos = pos * (1.0 - p).pow(self.gamma)
            neg = neg * p.pow(self.gamma)
        if self.alpha is not None:
            pos = pos * self.alpha
            neg = neg * (1.0 - self.alpha)
        if self.pos_weight is not None:
            pos = pos * self.pos_weight.to(logits.device)
        return (pos + neg).mean()
