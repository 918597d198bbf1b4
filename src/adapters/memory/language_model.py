"""ScriptedLanguageModel: a LanguageModel fake that plays scripted replies, for unit tests."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from writeit.application.errors import ModelError, ModelNotFoundError
from writeit.application.ports import ChunkCallback, Completion, ModelInfo, ModelRequest


@dataclass(frozen=True, slots=True, kw_only=True)
class Script:
    """One scripted answer: stream `chunks`, each after `delay` seconds, then raise `error` if set.

    `error` should be a port error (ModelError and its kinds), as the real adapter raises only those.
    `accepts` names the options the model takes (None: any); others are refused, as llm's validation does.
    """

    chunks: tuple[str, ...] = ()
    error: Exception | None = None
    delay: float = 0.0
    usage: tuple[int, int] | None = None
    aliases: tuple[str, ...] = ()
    accepts: tuple[str, ...] | None = None


# A Script; a list of chunks; an exception to raise; or a list of Scripts played one per call, the last repeating.
ScriptLike = Script | Exception | Sequence[str] | Sequence[Script]


class ScriptedLanguageModel:
    """Plays a script per model id; `echo` ids (or any unscripted id, with `echo_unknown`) answer like llm-echo.

    An echo answer is the prompt itself, or the `raw` text of a prompt that is JSON `{"raw": "..."}` (as
    llm-echo does), in one chunk, with word counts as usage. Every request is kept in `requests`.
    """

    def __init__(
        self,
        scripts: Mapping[str, ScriptLike] | None = None,
        *,
        echo: Collection[str] = (),
        echo_unknown: bool = False,
    ) -> None:
        self._scripts = {model_id: _as_scripts(script) for model_id, script in (scripts or {}).items()}
        self._echo = set(echo)
        self._echo_unknown = echo_unknown
        self._calls: dict[str, int] = {}
        self.requests: list[ModelRequest] = []

    async def complete(self, request: ModelRequest, on_chunk: ChunkCallback) -> Completion:
        self.requests.append(request)
        script = self._next_script(request)
        _check_options(request, script)
        for chunk in script.chunks:
            await asyncio.sleep(script.delay)  # even a zero delay yields, so a scripted stream can be cancelled
            on_chunk(chunk)
        if script.error is not None:
            raise script.error
        tokens_in, tokens_out = script.usage if script.usage is not None else (None, None)
        return Completion(
            model_id=request.model_id, text="".join(script.chunks), input_tokens=tokens_in, output_tokens=tokens_out
        )

    def resolve(self, model_id: str) -> str:
        if model_id in self._scripts or model_id in self._echo:
            return model_id
        for canonical, scripts in self._scripts.items():
            if any(model_id in script.aliases for script in scripts):
                return canonical
        if self._echo_unknown:
            return model_id
        raise ModelNotFoundError(model_id)

    def models(self) -> list[ModelInfo]:
        scripted = [ModelInfo(model_id=mid, aliases=scripts[0].aliases) for mid, scripts in self._scripts.items()]
        return scripted + [ModelInfo(model_id=mid) for mid in sorted(self._echo - self._scripts.keys())]

    def _next_script(self, request: ModelRequest) -> Script:
        model_id = self.resolve(request.model_id)
        scripts = self._scripts.get(model_id)
        if scripts is None:
            return _echo(request)
        call = self._calls.get(model_id, 0)
        self._calls[model_id] = call + 1
        return scripts[min(call, len(scripts) - 1)]


def _check_options(request: ModelRequest, script: Script) -> None:
    allowed = request.options if script.accepts is None else script.accepts
    unknown = sorted(set(request.options) - set(allowed))
    if unknown:
        problems = "; ".join(f"{name}: Extra inputs are not permitted" for name in unknown)
        raise ModelError(request.model_id, f"invalid options ({problems})")


def _as_scripts(script: ScriptLike) -> list[Script]:
    if isinstance(script, Script):
        return [script]
    if isinstance(script, Exception):
        return [Script(error=script)]
    if isinstance(script, str):
        return [Script(chunks=(script,))]
    if all(isinstance(item, Script) for item in script) and script:
        return [item for item in script if isinstance(item, Script)]
    return [Script(chunks=tuple(str(chunk) for chunk in script))]


def _echo(request: ModelRequest) -> Script:
    reply = request.prompt
    try:
        parsed = json.loads(request.prompt)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict) and isinstance(parsed.get("raw"), str):
        reply = parsed["raw"]
    words_in = len(request.prompt.split()) + len(request.system.split())
    return Script(chunks=(reply,), usage=(words_in, len(reply.split())))
