"""The registered zoo: each function only holds a configuration (imports stay lazy, so listing is cheap).

Deep models share `zoo.neural.NeuralClassifier`; `arch`, `attn` and `view` are settings, not classes.
"""

from __future__ import annotations

from typing import Any

from zoo.registry import register_model


def _deep(defaults: dict[str, Any], kwargs: dict[str, Any]):
    from zoo.neural import NeuralClassifier

    return NeuralClassifier(**{**defaults, **kwargs})


@register_model("cnn")
def cnn(**kwargs):
    """Plain 1-D CNN, codon view (the no-attention ablation)."""
    return _deep({"arch": "cnn", "attn": "none", "view": "codon"}, kwargs)


@register_model("cbam-cnn")
def cbam_cnn(**kwargs):
    """1-D CNN, CBAM after each block, codon view."""
    return _deep({"arch": "cnn", "attn": "cbam", "view": "codon"}, kwargs)


@register_model("cbam-resnet")
def cbam_resnet(**kwargs):
    """1-D ResNet, CBAM on residual branches, codon view."""
    return _deep({"arch": "resnet", "attn": "cbam", "view": "codon"}, kwargs)


@register_model("cnn-aa")
def cnn_aa(**kwargs):
    """Plain 1-D CNN, amino-acid view."""
    return _deep({"arch": "cnn", "attn": "none", "view": "aa"}, kwargs)


@register_model("cbam-cnn-aa")
def cbam_cnn_aa(**kwargs):
    """1-D CNN, CBAM after each block, amino-acid view."""
    return _deep({"arch": "cnn", "attn": "cbam", "view": "aa"}, kwargs)


@register_model("cbam-resnet-aa")
def cbam_resnet_aa(**kwargs):
    """1-D ResNet, CBAM on residual branches, amino-acid view."""
    return _deep({"arch": "resnet", "attn": "cbam", "view": "aa"}, kwargs)


@register_model("logreg-clinical")
def logreg_clinical(**kwargs):
    """Logistic regression on VL-t0 and CD4-t0 only."""
    from zoo.baselines import ClinicalLogReg

    return ClinicalLogReg(**kwargs)


@register_model("logreg")
def logreg(**kwargs):
    """L2 logistic regression, mutations + clinical."""
    from zoo.baselines import MutationLogReg

    return MutationLogReg(**kwargs)


@register_model("random-forest")
def random_forest(**kwargs):
    """Random forest, mutations + clinical."""
    from zoo.baselines import MutationForest

    return MutationForest(**kwargs)


@register_model("gbm")
def gbm(**kwargs):
    """Gradient boosting (HistGB), mutations + clinical."""
    from zoo.baselines import MutationGBM

    return MutationGBM(**kwargs)
