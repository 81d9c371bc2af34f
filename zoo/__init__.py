"""Model zoo: a registry of scikit-learn classifiers (deep CNN/ResNet with optional CBAM, and baselines)."""

import os

# OpenMP threads that spin while they wait starve everything else on shared cores (folds run in parallel,
# other jobs): a cbam-resnet fit measured 180 s instead of 25 s on 2 busy cores. A default only, and it
# matters only when set before torch is first imported.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from zoo.registry import create_model, list_models, model_info, register_model  # noqa: E402

__all__ = ["create_model", "list_models", "model_info", "register_model"]
