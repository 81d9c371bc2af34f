"""Module-level behaviour: CBAM shape and gates, gradients everywhere, coverage mask, amino-acid view."""

from __future__ import annotations

import itertools

import pytest
import torch

from features.codons import CODON_INDEX, COV_CHANNEL, N_CHANNELS
from zoo.cbam import CBAM1d, ChannelGate
from zoo.nets import HivNet

L = 20


def _batch(n=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    codons = torch.zeros(n, N_CHANNELS, L)
    idx = torch.randint(0, 64, (n, L), generator=g)
    codons.scatter_(1, idx[:, None, :], 1.0)
    codons[:, COV_CHANNEL] = 1.0
    clinical = torch.randn(n, 2, generator=g)
    return codons, clinical


def _flat(codons, clinical):
    return torch.cat([codons.reshape(len(codons), -1), clinical], dim=1)


@pytest.mark.parametrize("channels, reduction, hidden", [(32, 8, 4), (3, 8, 1), (7, 2, 3)])
def test_cbam_keeps_shape_and_floors_reduced_width(channels, reduction, hidden):
    cbam = CBAM1d(channels, reduction)
    x = torch.randn(2, channels, 13)
    assert cbam(x).shape == x.shape
    assert cbam.channel.mlp[0].out_features == hidden


def test_channel_gate_is_shared_mlp_on_avg_and_max():
    gate = ChannelGate(6, 2)
    x = torch.randn(3, 6, 9)
    expected = x * torch.sigmoid(gate.mlp(x.mean(-1)) + gate.mlp(x.amax(-1)))[..., None]
    assert torch.allclose(gate(x), expected)


def test_spatial_gate_uses_max_and_mean_over_channels_with_width_7():
    cbam = CBAM1d(4)
    conv = cbam.spatial.conv
    assert (conv.in_channels, conv.out_channels, conv.kernel_size) == (2, 1, (7,))
    x = torch.randn(2, 4, 11)
    pooled = torch.cat([x.amax(1, keepdim=True), x.mean(1, keepdim=True)], 1)
    assert torch.allclose(cbam.spatial(x), x * torch.sigmoid(conv(pooled)))


@pytest.mark.parametrize("arch, view, attn", list(itertools.product(("cnn", "resnet"), ("codon", "aa"),
                                                                     ("none", "cbam"))))
def test_every_parameter_gets_a_gradient(arch, view, attn):
    torch.manual_seed(0)
    net = HivNet(L, n_labels=2, arch=arch, view=view, attn=attn, width=16, blocks=2)
    out = net(_flat(*_batch()))
    assert out.shape == (4, 2)
    out.pow(2).sum().backward()
    missing = [n for n, p in net.named_parameters() if p.grad is None or not torch.any(p.grad != 0)]
    assert missing == []


def test_uncovered_positions_ignore_their_codon_channels_but_not_coverage():
    torch.manual_seed(0)
    net = HivNet(L, width=8, blocks=2).eval()
    codons, clinical = _batch()
    codons[:, :, 3] = 0.0  # position 3 uncovered
    noisy = codons.clone()
    noisy[:, :COV_CHANNEL, 3] = torch.rand(4, COV_CHANNEL)  # garbage where there is no coverage
    base = net(_flat(codons, clinical))
    assert torch.equal(base, net(_flat(noisy, clinical)))
    wild = codons.clone()
    wild[:, CODON_INDEX["AAA"], 3] = 1.0
    wild[:, COV_CHANNEL, 3] = 1.0  # the same position, now covered
    assert not torch.allclose(base, net(_flat(wild, clinical)))


def test_aa_view_cannot_tell_synonymous_codons_apart():
    torch.manual_seed(0)
    codons, clinical = _batch()
    a, b = codons.clone(), codons.clone()
    for x, codon in ((a, "GCA"), (b, "GCC")):  # both alanine
        x[:, :64, 5] = 0.0
        x[:, CODON_INDEX[codon], 5] = 1.0
    aa = HivNet(L, view="aa", width=8, blocks=2).eval()
    aa.center.uniform_()  # a fitted centre profile keeps the invariance
    assert torch.allclose(aa(_flat(a, clinical)), aa(_flat(b, clinical)), atol=1e-6)
    codon = HivNet(L, view="codon", width=8, blocks=2).eval()
    assert not torch.allclose(codon(_flat(a, clinical)), codon(_flat(b, clinical)))
