"""1-D CBAM (Woo et al. 2018): a channel gate, then a spatial gate, each a sigmoid mask on the input.

Channel gate: average- and max-pool over positions, one shared two-layer MLP on both, sum, sigmoid.
Spatial gate: [max, mean] over channels -> one conv of width 7 -> sigmoid. Shapes are preserved.
"""

from __future__ import annotations

import torch
from torch import nn


class ChannelGate(nn.Module):
    def __init__(self, channels: int, reduction: int = 8):
        super().__init__()
        hidden = max(1, channels // reduction)  # floored, never zero
        self.mlp = nn.Sequential(nn.Linear(channels, hidden), nn.ReLU(inplace=True),
                                 nn.Linear(hidden, channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        gate = self.mlp(x.mean(dim=-1)) + self.mlp(x.amax(dim=-1))
        return x * torch.sigmoid(gate).unsqueeze(-1)


class SpatialGate(nn.Module):
    def __init__(self, kernel_size: int = 7):
        super().__init__()
        self.conv = nn.Conv1d(2, 1, kernel_size, padding=kernel_size // 2, bias=False)
        self.last_map: torch.Tensor | None = None  # (B, L') of the latest forward, for attention maps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pooled = torch.cat([x.amax(dim=1, keepdim=True), x.mean(dim=1, keepdim=True)], dim=1)
        gate = torch.sigmoid(self.conv(pooled))
        self.last_map = gate.detach().squeeze(1)
        return x * gate


class CBAM1d(nn.Module):
    """Channel then spatial attention on a (batch, channels, positions) tensor."""

    def __init__(self, channels: int, reduction: int = 8, kernel_size: int = 7):
        super().__init__()
        self.channel = ChannelGate(channels, reduction)
        self.spatial = SpatialGate(kernel_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.spatial(self.channel(x))
