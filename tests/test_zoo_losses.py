"""Focal loss: gamma=0 is alpha-weighted BCE; gamma>0 down-weights easy cells; pos_weight on positives."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from zoo.losses import FocalLoss

LOGITS = torch.tensor([[2.0, -1.0], [-0.5, 0.3], [4.0, -3.0], [0.0, 1.5]])
TARGET = torch.tensor([[1.0, 0.0], [1.0, 1.0], [0.0, 0.0], [1.0, 0.0]])


def test_gamma_zero_equals_alpha_weighted_bce():
    for alpha in (0.25, 0.5, 0.8):
        weight = alpha * TARGET + (1 - alpha) * (1 - TARGET)
        expected = F.binary_cross_entropy_with_logits(LOGITS, TARGET, weight=weight)
        assert torch.allclose(FocalLoss(alpha=alpha, gamma=0.0)(LOGITS, TARGET), expected, atol=1e-7)


def test_no_alpha_gamma_zero_equals_plain_bce():
    expected = F.binary_cross_entropy_with_logits(LOGITS, TARGET)
    assert torch.allclose(FocalLoss(alpha=None, gamma=0.0)(LOGITS, TARGET), expected, atol=1e-7)


def test_pos_weight_matches_bce_pos_weight():
    pw = torch.tensor([3.0, 0.5])
    expected = F.binary_cross_entropy_with_logits(LOGITS, TARGET, pos_weight=pw)
    assert torch.allclose(FocalLoss(gamma=0.0, pos_weight=pw)(LOGITS, TARGET), expected, atol=1e-7)


def test_focusing_term_matches_definition_elementwise():
    gamma = 2.0
    p = torch.sigmoid(LOGITS)
    cells = -(TARGET * (1 - p) ** gamma * torch.log(p) + (1 - TARGET) * p ** gamma * torch.log(1 - p))
    assert torch.allclose(FocalLoss(gamma=gamma)(LOGITS, TARGET), cells.mean(), atol=1e-6)
    # an easy, confidently right cell loses far more weight than a hard one
    easy = FocalLoss(gamma=gamma)(torch.tensor([[4.0]]), torch.tensor([[1.0]]))
    hard = FocalLoss(gamma=gamma)(torch.tensor([[-1.0]]), torch.tensor([[1.0]]))
    bce_easy = F.binary_cross_entropy_with_logits(torch.tensor([[4.0]]), torch.tensor([[1.0]]))
    bce_hard = F.binary_cross_entropy_with_logits(torch.tensor([[-1.0]]), torch.tensor([[1.0]]))
    assert easy / bce_easy < 0.001 and hard / bce_hard > 0.5


def test_binary_target_of_shape_n_is_accepted():
    logits = LOGITS[:, :1]
    assert torch.allclose(FocalLoss(gamma=0)(logits, TARGET[:, 0]),
                          F.binary_cross_entropy_with_logits(logits, TARGET[:, :1]))
