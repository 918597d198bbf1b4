"""Everything a new pipeline can be refused for, checked before its first event is stored."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from writeit.application.budget import Budget, check_budget, estimate_round
from writeit.application.cache import CacheMode, ResponseRecorder
from writeit.application.errors import ApplicationError, ModelError, ModelNotFoundError
from writeit.application.planning import ChainChoice, plan_chains, preference_of
from writeit.application.ports import ModelInfo, ModelRequest, RenderedPrompt, StepContext, TemplateCatalog
from writeit.application.usage import PriceTable
from writeit.domain.template import PipelineTemplate

Chain = tuple[str, ...]


class UnusableModelsError(ModelError):
    """Some step has no model that can answer here (unknown, or its key is not set); one line per problem."""

    def __init__(self, problems: Sequence[str], model_id: str) -> None:
        ApplicationError.__init__(self, "\n".join(problems))
        self.model_id = model_id
        self.transient = False
        self.retry_after = None
        self.problems = tuple(problems)


class Preflight:
    """Renders every step with the start's inputs and checks its models, keys, recordings and budget.

    Only the first step's prompt is exact before anything runs (later ones see earlier selections), so replay
    and budget are checked on it; every step's models are checked, since they depend on the inputs only.
    """

    def __init__(
        self,
        catalog: TemplateCatalog,
        resolve: Callable[[str], str],
        default_model: Callable[[], str],
        *,
        infos: Callable[[], list[ModelInfo]] | None = None,
        prices: PriceTable | None = None,
        budget: Budget | None = None,
        recorder: ResponseRecorder | None = None,
    ) -> None:
        self._catalog = catalog
        self._resolve = resolve
        self._default_model = default_model
        self._infos = infos
        self._prices = prices
        self._budget = budget
        self._recorder = recorder

    async def check(
        self,
        template: PipelineTemplate,
        inputs: Mapping[str, Any],
        models: Sequence[str],
        fragments: Sequence[Mapping[str, str]] = (),
    ) -> list[str]:
        """The canonical ids of `models`; raises the first refusal (every problem of its kind, one per line)."""
        chosen = [self._resolve(m) for m in models]  # ModelNotFoundError names the first unknown one
        choice = ChainChoice(override=chosen or None, default_model=self._default_model())
        first: tuple[str, RenderedPrompt, list[Chain]] | None = None
        chains: dict[str, list[Chain]] = {}
        for key in template.step_keys:
            rendered, chains[key] = self._plan(template, key, inputs, choice, fragments)
            first = first or (key, rendered, chains[key])
        self._check_usable(chains, bool(chosen))
        if first is not None:
            key, rendered, step_chains = first
            resolved = [tuple(self._resolved(m) for m in chain) for chain in step_chains]
            self._check_budget(key, rendered, resolved)
            await self._check_replay(key, rendered, resolved)
        return chosen

    def _plan(
        self,
        template: PipelineTemplate,
        key: str,
        inputs: Mapping[str, Any],
        choice: ChainChoice,
        fragments: Sequence[Mapping[str, str]],
    ) -> tuple[RenderedPrompt, list[Chain]]:
        """The step rendered now (so a value that breaks a prompt, a zero divisor say, is refused before anything
        is stored rather than mid-pipeline), with earlier steps as placeholders, and its model chains."""
        placeholder = StepContext(selected_response="…", feedback="", candidates=("…",))
        context = {k: placeholder for k in template.step_keys[: template.step_keys.index(key)]}
        context[key] = StepContext()
        rendered = self._catalog.render(template, key, inputs, context, fragments)
        preference = preference_of(self._catalog, template, key, inputs, context)
        return rendered, plan_chains(template.step(key), rendered, preference, choice)

    def _check_usable(self, chains: Mapping[str, list[Chain]], override: bool) -> None:
        """Each chain needs one model that can answer here; the others fall through when their turn comes."""
        infos = {i.model_id: i for i in self._infos()} if self._infos is not None else {}
        problems: list[str] = []
        first_model = ""
        for key, step_chains in chains.items():
            for chain in dict.fromkeys(step_chains):
                reasons = [self._why_unusable(m, infos) for m in chain]
                if all(reasons):
                    where = "" if override else f"step '{key}': "
                    line = where + "; ".join(r for r in reasons if r)
                    if line not in problems:
                        problems.append(line)
                        first_model = first_model or chain[0]
        if problems:
            raise UnusableModelsError(problems, first_model)

    def _why_unusable(self, model: str, infos: Mapping[str, ModelInfo]) -> str:
        try:
            canonical = self._resolve(model)
        except ModelNotFoundError as exc:
            return str(exc)
        info = infos.get(canonical)
        if info is not None and not info.has_key:
            return f"model '{canonical}': needs an API key: set one with `llm keys set {info.needs_key}`"
        return ""

    def _check_budget(self, key: str, rendered: RenderedPrompt, chains: list[Chain]) -> None:
        if self._prices is None or self._budget is None:
            return
        guess = self._budget.output_guess
        estimate = estimate_round(self._prices, chains, rendered.prompt, rendered.system, guess)
        check_budget(self._budget, key, estimate, 0.0)

    async def _check_replay(self, key: str, rendered: RenderedPrompt, chains: list[Chain]) -> None:
        """In replay mode the first step's answers must all be recorded (later prompts are not known yet)."""
        if self._recorder is None or self._recorder.mode is not CacheMode.REPLAY:
            return
        seen: Counter[str] = Counter()
        for chain in chains:
            sample = seen[chain[0]]
            seen[chain[0]] += 1
            if not await self._recorded(chain, rendered, sample):
                raise UnusableModelsError(
                    [f"step '{key}': model '{chain[0]}': no recorded answer to this prompt (--replay answers only "
                     "from recorded runs; run once without it to record)"],
                    chain[0],
                )  # fmt: skip

    async def _recorded(self, chain: Chain, rendered: RenderedPrompt, sample: int) -> bool:
        assert self._recorder is not None
        for model in chain:
            request = ModelRequest(model_id=model, prompt=rendered.prompt, system=rendered.system)
            try:
                if await self._recorder.lookup(request, sample) is not None:
                    return True
            except ModelError:
                continue
        return False

    def _resolved(self, model: str) -> str:
        try:
            return self._resolve(model)
        except ModelNotFoundError:
            return model
