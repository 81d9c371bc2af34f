"""A timm-like model registry: names map to small functions that return a configured estimator.

The registered function only holds a configuration (which class, which settings); everything it returns is a
scikit-learn classifier, so `clone`, `Pipeline` and `cross_validate` work on every name.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from features.errors import ModelError

_REGISTRY: dict[str, Callable[..., Any]] = {}
DEFAULT_POSITIONS = 419  # 99 PR + 320 RT codons: the default featurizer window


def register_model(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator: register `fn(**kwargs) -> estimator` as `name`; its docstring's first line describes it."""

    def decorator(fn: Callable[..., Any]) -> Callable[..., Any]:
        if name in _REGISTRY and _REGISTRY[name] is not fn:
            raise ModelError(f"model '{name}' is already registered")
        _REGISTRY[name] = fn
        return fn

    return decorator


def _ensure_loaded() -> None:
    # the config functions live in zoo.models; importing it fills the registry (cheap: no torch/sklearn)
    import zoo.models  # noqa: F401


def list_models() -> list[str]:
    """Registered model names, sorted."""
    _ensure_loaded()
    return sorted(_REGISTRY)


def _lookup(name: str) -> Callable[..., Any]:
    _ensure_loaded()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ModelError(f"unknown model '{name}'; choose from: {', '.join(sorted(_REGISTRY))}") from None


def create_model(name: str, **kwargs: Any) -> Any:
    """A fresh estimator for `name`; `None` values mean "use the model's default" and are dropped."""
    fn = _lookup(name)
    given = {k: v for k, v in kwargs.items() if v is not None}
    estimator = fn()
    valid = estimator.get_params(deep=False)
    unknown = sorted(set(given) - set(valid))
    if unknown:
        raise ModelError(f"model '{name}' has no parameter {', '.join(repr(u) for u in unknown)}; "
                         f"valid: {', '.join(sorted(valid))}")
    return fn(**given) if given else estimator


def model_info(name: str) -> dict[str, Any]:
    """name, family ("deep" | "classical"), one-line description, and parameter count (deep models only)."""
    fn = _lookup(name)
    estimator = fn()
    doc = inspect.getdoc(fn) or ""
    description = doc.strip().splitlines()[0] if doc.strip() else ""
    family = getattr(estimator, "family", "classical")
    n_params = estimator.count_parameters(DEFAULT_POSITIONS) if family == "deep" else None
    return {"name": name, "family": family, "description": description, "n_params": n_params}
