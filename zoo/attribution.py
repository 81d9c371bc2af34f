"""Which positions a fitted deep model relies on: Integrated Gradients per position, and CBAM attention maps.

Integrated Gradients (captum) runs on the inner logit of one label, from an all-zero codon tensor (no
sequence at all: every position uncovered) to the patient's tensor, with the patient's standardized clinical
values held fixed. |attribution| is summed over the 67 channels and averaged over patients.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from features.codons import N_CHANNELS
from features.errors import ModelError
from zoo import fitting


def _deep_parts(model, X):
    import torch

    if getattr(model, "family", None) != "deep" or not hasattr(model, "net_"):
        raise ModelError(f"position importance needs a fitted deep model, got {type(model).__name__}")
    X = fitting.check_X(X, model.n_positions_)
    Xs = fitting.standardized(X, model.scaler_mean_, model.scaler_scale_)
    module = model.module_
    device = next(module.parameters()).device
    codons = torch.from_numpy(Xs[:, :-fitting.N_CLINICAL].reshape(len(Xs), N_CHANNELS, model.n_positions_))
    clinical = torch.from_numpy(Xs[:, -fitting.N_CLINICAL:])
    return module, codons, clinical, device


def position_importance(model, X, *, target: int = 0, n_steps: int = 16, batch_size: int = 32,
                        progress: Callable[[int, int], None] | None = None) -> np.ndarray:
    """(L,) mean over patients of sum over channels of |IG attribution| for label `target`."""
    import torch
    from captum.attr import IntegratedGradients

    module, codons, clinical, device = _deep_parts(model, X)
    if not 0 <= target < model.n_labels_:
        raise ModelError(f"target {target} is out of range for a model with {model.n_labels_} label(s)")
    was_training = module.training
    module.eval()
    ig = IntegratedGradients(lambda c, x: module.forward_parts(c, x)[:, target])
    total = np.zeros(model.n_positions_, dtype=np.float64)
    try:
        for start in range(0, len(codons), batch_size):
            c = codons[start:start + batch_size].to(device)
            x = clinical[start:start + batch_size].to(device)
            attr = ig.attribute(c, baselines=torch.zeros_like(c), additional_forward_args=(x,),
                                n_steps=n_steps, internal_batch_size=batch_size * 4)
            total += attr.abs().sum(dim=1).sum(dim=0).detach().cpu().double().numpy()
            if progress is not None:
                progress(min(start + batch_size, len(codons)), len(codons))
    finally:
        module.train(was_training)
    return total / max(len(codons), 1)


def attention_maps(model, X, *, batch_size: int = 256) -> np.ndarray:
    """(n_cbam_blocks, L) CBAM spatial-gate values, mean over patients, stretched back to the L positions."""
    import torch

    from zoo.cbam import SpatialGate

    module, codons, clinical, device = _deep_parts(model, X)
    gates = [m for m in module.modules() if isinstance(m, SpatialGate)]
    if not gates:
        raise ModelError("this model has no CBAM attention (attn='none')")
    sums: list[np.ndarray | None] = [None] * len(gates)
    was_training = module.training
    module.eval()
    try:
        with torch.no_grad():
            for start in range(0, len(codons), batch_size):
                module.forward_parts(codons[start:start + batch_size].to(device),
                                     clinical[start:start + batch_size].to(device))
                for i, g in enumerate(gates):
                    s = g.last_map.double().sum(dim=0).cpu().numpy()
                    sums[i] = s if sums[i] is None else sums[i] + s
    finally:
        module.train(was_training)
    L = model.n_positions_
    out = np.zeros((len(gates), L))
    for i, s in enumerate(sums):
        stride = int(np.ceil(L / len(s)))
        out[i] = np.repeat(s / len(codons), stride)[:L]
    return out
