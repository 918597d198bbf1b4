"""The aggregate holds data, not display strings: attempts, fallbacks, feedback as records; completion one rule."""

from __future__ import annotations

import dataclasses

import pytest

from tests.unit.builders import Clock, generate, new_id, started, through
from tests.unit.service_fixtures import Ids
from writeit.adapters.memory.event_store import InMemoryEventStore
from writeit.adapters.memory.language_model import ScriptedLanguageModel
from writeit.adapters.memory.templates import InMemoryTemplateCatalog
from writeit.application.errors import ImportRefusedError, ModelKeyMissingError
from writeit.application.export import HISTORY_FORMAT, read_history
from writeit.application.generation import StepGenerator
from writeit.application.hub import StreamHub
from writeit.application.repository import PipelineRepository
from writeit.application.runner import ModelRunner, RetryPolicy
from writeit.application.service import PipelineService
from writeit.application.usage import PriceTable
from writeit.application.views import candidate_view
from writeit.domain import events as ev
from writeit.domain.apply import RULES
from writeit.domain.codec import to_record
from writeit.domain.errors import DomainError, EventRefusedError
from writeit.domain.pipeline import CandidateOutput, Pipeline
from writeit.domain.state import Attempt, Fallback, Feedback
from writeit.domain.template import PipelineTemplate, StepSpec, TemplateMetadata


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_retries_and_fallbacks_are_records_and_the_candidate_keeps_the_model_it_was_asked_of(clock: Clock) -> None:
    p = started(clock)
    cid = new_id()
    p.start_step("angles", [(cid, "nokey")], clock())
    p.record_retry(cid, "nokey", 1, "429", clock())
    p.record_fallback(cid, "nokey", "backup", "needs a key", clock())
    assert p.candidates[cid].model == "backup", "the model asked now"
    p.complete_candidate(cid, CandidateOutput(model="backup", text="spare"), clock())
    c = p.candidates[cid]
    assert c.attempts == [Attempt(model="nokey", attempt=1, reason="429")]
    assert c.fallbacks == [Fallback(from_model="nokey", to_model="backup", reason="needs a key")]
    assert (c.asked_model, c.answered_model, c.model) == ("nokey", "backup", "backup")
    shown = candidate_view(c)
    assert (shown.attempts, shown.fallbacks) == (("nokey attempt 1: 429",), ("nokey -> backup: needs a key",))


def test_every_event_type_has_exactly_one_rule_to_apply_it() -> None:
    assert set(RULES) == set(ev.EVENT_TYPES.values())


def test_an_event_of_another_pipeline_is_refused_and_changes_nothing(clock: Clock) -> None:
    p = started(clock)
    through(p, "angles", clock)
    p.collect()
    before = (p.version, p.step_state("outline").feedback, p.updated_at)
    foreign = ev.FeedbackGiven(pipeline_id="p2", seq=p.version + 1, at="later", branch="main", step="outline", text="x")
    with pytest.raises(EventRefusedError, match="belongs to pipeline p2, not p1") as refused:
        p.apply(foreign)
    assert isinstance(refused.value, DomainError)
    assert (p.version, p.step_state("outline").feedback, p.updated_at) == before


def test_an_event_out_of_sequence_is_refused_as_a_domain_error(clock: Clock) -> None:
    p = started(clock)
    late = ev.FeedbackGiven(pipeline_id="p1", seq=5, at="later", branch="main", step="angles", text="x")
    with pytest.raises(EventRefusedError, match="event 5 out of order after 1"):
        p.apply(late)


def test_completion_is_read_from_the_steps_whether_or_not_its_notice_was_stored(clock: Clock) -> None:
    p = started(clock)
    through(p, "draft", clock)
    events = p.collect()
    assert any(isinstance(e, ev.PipelineCompleted) for e in events), "a command that completes announces it"
    kept = [e for e in events if not isinstance(e, ev.PipelineCompleted)]
    renumbered = [dataclasses.replace(e, seq=i) for i, e in enumerate(kept, start=1)]
    again = Pipeline.replay(renumbered)
    assert again.branches["main"].completed
    assert again.is_complete()


def test_a_branch_is_incomplete_while_any_step_is_stale_or_unselected(clock: Clock) -> None:
    p = started(clock)
    made = through(p, "draft", clock)
    assert _completed(p)
    p.select("angles", made["angles"][1], clock())
    assert not _completed(p)
    assert not p.is_complete()
    p.keep_stale("outline", clock())
    p.keep_stale("draft", clock())
    assert _completed(p)
    assert [type(e) for e in p.collect()].count(ev.PipelineCompleted) == 2, "completed, then completed again"


def test_feedback_is_one_record_per_feedback_with_the_rounds_that_carried_it(clock: Clock) -> None:
    p = started(clock)
    p.give_feedback("angles", "shorter", clock())
    failing = new_id()
    p.start_step("angles", [(failing, "echo")], clock())
    p.fail_candidate(failing, "echo", "boom", clock())
    p.give_feedback("angles", "plainer", clock())
    answering = new_id()
    p.start_step("angles", [(answering, "echo")], clock())
    state = p.step_state("angles")
    assert state.given == [Feedback("shorter", [1, 2]), Feedback("plainer", [2])]
    assert (state.carried_by(1), state.carried_by(2)) == (("shorter",), ("shorter", "plainer"))
    p.complete_candidate(answering, CandidateOutput(model="echo", text="t"), clock())
    assert [f.settled for f in state.given] == [True, True]
    assert state.feedback == ["shorter", "plainer"]
    assert state.pending_feedback == []


def test_a_fork_copies_the_feedback_records_it_shares_without_sharing_them(clock: Clock) -> None:
    p = started(clock)
    made = through(p, "angles", clock)
    generate(p, "outline", clock)
    p.give_feedback("angles", "one more", clock())
    p.fork("outline", "alt", clock())
    p.switch("main", clock())
    p.select("angles", made["angles"][1], clock())  # settles main's feedback on angles
    assert p.branches["main"].steps["angles"].pending_feedback == []
    assert [f.text for f in p.branches["alt"].steps["angles"].pending_feedback] == ["one more"]


async def test_a_fall_through_in_a_running_pipeline_is_stored_as_a_record_and_shown_as_text() -> None:
    template = PipelineTemplate(
        metadata=TemplateMetadata(name="chained"),
        steps=(StepSpec(key="only", name="Only", prompt_template="Write it.", model_preference=("nokey", "good")),),
        text="chained",
    )
    store, hub = InMemoryEventStore(), StreamHub()
    catalog = InMemoryTemplateCatalog([("workspace", [template])])
    models = ScriptedLanguageModel({"nokey": ModelKeyMissingError("nokey"), "good": ["fine"]})
    runner = ModelRunner(models, RetryPolicy(attempts=1))
    ids = Ids("fx")
    generator = StepGenerator(runner, models, catalog, hub, PriceTable(), new_id=ids, default_model="good")
    service = PipelineService(PipelineRepository(store, hub), catalog, generator, hub, clock=Clock(), new_id=ids)
    view = await service.start("chained", {})
    generation = await service.generate(view.id)
    await generation.wait()
    candidate = Pipeline.replay(await store.read(view.id)).candidates[generation.candidate_ids[0]]
    why = "model 'nokey': needs an API key: set one with `llm keys set <provider>`"
    assert candidate.fallbacks == [Fallback("nokey", "good", why)]
    assert (candidate.asked_model, candidate.model, candidate.text) == ("nokey", "good", "fine")
    [shown] = (await service.get(view.id)).step("only").candidates
    assert shown.fallbacks == (f"nokey -> good: {why}",)


def test_a_history_that_slips_in_another_pipelines_event_is_refused_naming_it(clock: Clock) -> None:
    p = started(clock)
    through(p, "angles", clock)
    records = [to_record(e) for e in p.collect()]
    records[2] = {**records[2], "pipeline_id": "intruder"}
    with pytest.raises(ImportRefusedError, match=r"event 3 \(\w+\) belongs to pipeline intruder, not p1"):
        read_history({"format": HISTORY_FORMAT, "events": records})


def _completed(p: Pipeline) -> bool:
    """Read afresh: mypy would keep `p.branch.completed` narrowed across the commands that change it."""
    return p.branch.completed
