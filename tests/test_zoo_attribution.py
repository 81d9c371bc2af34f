"""Attribution API: shapes, refusals, and Integrated Gradients' completeness on the model's logit."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from zoo_cohort import cohort

from features.errors import ModelError
from zoo import create_model
from zoo.attribution import attention_maps, position_importance

FAST = {"epochs": 2, "width": 8, "blocks": 2, "device": "cpu"}


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def data():
    return cohort(n=60, n_positions=9, seed=21)


def test_importance_shape_and_refusals(data):
    X, y = data
    model = create_model("cbam-cnn", **FAST).fit(X, y)
    imp = position_importance(model, X[:7], n_steps=8, batch_size=3)
    assert imp.shape == (9,) and np.isfinite(imp).all() and (imp >= 0).all() and imp.sum() > 0
    with pytest.raises(ModelError, match="needs a fitted deep model, got MutationLogReg"):
        position_importance(create_model("logreg").fit(X, y), X)
    with pytest.raises(ModelError, match="target 1 is out of range for a model with 1 label"):
        position_importance(model, X, target=1)


def test_integrated_gradients_completeness(data):
    """Signed attributions sum to logit(x) - logit(baseline): IG really integrates along the path."""
    from captum.attr import IntegratedGradients

    X, y = data
    model = create_model("cbam-resnet-aa", **FAST).fit(X, y)
    module = model.module_.eval()
    from zoo.fitting import standardized

    Xs = torch.from_numpy(standardized(X[:4], model.scaler_mean_, model.scaler_scale_))
    codons, clinical = Xs[:, :-2].reshape(4, 67, 9), Xs[:, -2:]
    ig = IntegratedGradients(lambda c, x: module.forward_parts(c, x)[:, 0])
    attr, delta = ig.attribute(codons, baselines=torch.zeros_like(codons),
                               additional_forward_args=(clinical,), n_steps=64, return_convergence_delta=True)
    assert delta.abs().max() < 0.05 * (attr.sum(dim=(1, 2)).abs().max() + 1e-3)
    # position_importance is exactly the |attribution| summed over channels, averaged over patients
    ours = position_importance(model, X[:4], n_steps=64, batch_size=4)
    assert np.allclose(ours, attr.abs().sum(dim=1).mean(dim=0).double().numpy(), rtol=1e-4, atol=1e-8)


def test_attention_maps(data):
    X, y = data
    model = create_model("cbam-resnet", **FAST).fit(X, y)
    maps = attention_maps(model, X)
    assert maps.shape == (2, 9) and ((maps > 0) & (maps < 1)).all()
    with pytest.raises(ModelError, match="no CBAM attention"):
        attention_maps(create_model("cnn", **FAST).fit(X, y), X)
