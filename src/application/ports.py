"""The ports: what the application needs from storage, models and templates, stated as Protocols."""

from __future__ import annotations

import builtins
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from writeit.domain.events import Event
from writeit.domain.pipeline import Pipeline
from writeit.domain.template import PipelineTemplate


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    """An event with its place in the store's global log."""

    position: int
    event: Event


class EventStore(Protocol):
    """An append-only log of events per pipeline, and one global log of them all.

    Sequence numbers start at 1 and increase by 1 within a pipeline. Appends are atomic: all of a call's
    events are stored, or none. Stored events are never changed. Every stored event also has a global
    position, given in the transaction that stores it: 1, 2, 3… in commit order with no gap, so a reader
    that has seen position N and reads after N misses nothing, whichever process appended.
    """

    async def append(self, pipeline_id: str, events: Sequence[Event], expected_version: int) -> int:
        """Append `events` (whose seq must continue from `expected_version`); return the new version.

        Raises VersionConflictError when the stream's version is not `expected_version` (nothing stored),
        StoreError when the storage fails (nothing stored).
        """
        ...

    async def read(self, pipeline_id: str, after: int = 0) -> list[Event]:
        """The pipeline's events with seq > `after`, in order; [] for an unknown pipeline."""
        ...

    async def version(self, pipeline_id: str) -> int:
        """The seq of the pipeline's last event; 0 for an unknown pipeline."""
        ...

    async def pipeline_ids(self) -> list[str]:
        """Every pipeline with at least one event, oldest first."""
        ...

    async def read_all(self, after: int = 0, limit: int = 1000) -> list[LoggedEvent]:
        """At most `limit` events of any pipeline with a global position > `after`, in position order."""
        ...

    async def last_position(self) -> int:
        """The global position of the last stored event; 0 for an empty store."""
        ...


@dataclass(frozen=True, slots=True)
class ProjectionState:
    """Which version of a projection's code made its rows, and the last global position they include."""

    version: int = 0
    position: int = 0


Row = Mapping[str, Any]


class ProjectionStore(Protocol):
    """Read models fed by the global log: per projection name, rows by key (JSON-able mappings) and the
    position applied, always changed together in one transaction, so rows are never behind or ahead of it."""

    async def state(self, name: str) -> ProjectionState:
        """The projection's version and position; ProjectionState() (0, 0) when it was never built."""
        ...

    async def reset(self, name: str, version: int) -> None:
        """Drop every row and start again at position 0 as `version`."""
        ...

    async def commit(self, name: str, expected: ProjectionState, position: int, rows: Mapping[str, Row]) -> bool:
        """Store `rows` (replacing those with the same keys) and move to `position`, if the projection is still
        at `expected`; False (nothing stored) when another writer moved it first."""
        ...

    async def rows(self, name: str) -> list[Row]:
        """Every row, in key order."""
        ...


class SnapshotStore(Protocol):
    """The latest saved state of each pipeline, so a long one loads from it plus the events after it.

    A snapshot is versioned by the domain code that made it: one made by other code is never returned.
    """

    async def load(self, pipeline_id: str) -> Pipeline | None:
        """A new aggregate as of the pipeline's latest usable snapshot (its `version`), or None."""
        ...

    async def save(self, pipeline: Pipeline) -> None:
        """Keep the aggregate's state (as of its `version`) as the pipeline's snapshot. It is encoded before
        the call first yields, so the caller may go on changing the aggregate. StoreError when it fails."""
        ...


# LMDB keys are at most 511 bytes: ids stay well below, with room for the sequence suffix.
MAX_PIPELINE_ID_BYTES = 256


def check_append(pipeline_id: str, events: Sequence[Event], expected_version: int) -> None:
    """The arguments every EventStore refuses with ValueError: a bad id or version, or events that do not
    belong to the pipeline or do not continue its sequence from `expected_version`."""
    if not pipeline_id or "\x00" in pipeline_id or len(pipeline_id.encode()) > MAX_PIPELINE_ID_BYTES:
        raise ValueError(f"invalid pipeline id {pipeline_id[:40]!r}")
    if expected_version < 0:
        raise ValueError(f"expected version must be >= 0, not {expected_version}")
    for offset, event in enumerate(events, start=1):
        if event.pipeline_id != pipeline_id:
            raise ValueError(f"event for pipeline '{event.pipeline_id}' appended to '{pipeline_id}'")
        if event.seq != expected_version + offset:
            raise ValueError(f"event seq {event.seq} does not continue version {expected_version + offset - 1}")


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelRequest:
    model_id: str
    prompt: str
    system: str = ""
    options: Mapping[str, Any] = field(default_factory=dict)
    seed: int | None = None  # for a model that takes one; never part of the recording's key (the sample is)


@dataclass(frozen=True, slots=True, kw_only=True)
class Completion:
    """A model's full answer. Token counts are None when the model reports no usage."""

    model_id: str
    text: str
    input_tokens: int | None = None
    output_tokens: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelInfo:
    model_id: str
    aliases: tuple[str, ...] = ()
    needs_key: str | None = None
    has_key: bool = True


ChunkCallback = Callable[[str], None]


class LanguageModel(Protocol):
    """Text generation by model id (an `llm` id or alias)."""

    async def complete(self, request: ModelRequest, on_chunk: ChunkCallback) -> Completion:
        """Stream the answer, calling `on_chunk` with each piece of text as it arrives, and return it whole.

        Cancelling the awaiting task stops the generation promptly. Raises ModelNotFoundError for an unknown
        id, ModelKeyMissingError when a key is needed, ModelError (with `transient`) for other failures;
        the message always names the model id.
        """
        ...

    def resolve(self, model_id: str) -> str:
        """The canonical id of `model_id` (an id or alias); raises ModelNotFoundError."""
        ...

    def models(self) -> list[ModelInfo]:
        """Every model available, with whether its key is set."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class TemplateSummary:
    name: str
    description: str
    origin: str
    path: str
    steps: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class StepContext:
    """What a prompt sees of an earlier (or the current) step."""

    selected_response: str = ""
    feedback: str = ""
    candidates: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class RenderedPrompt:
    prompt: str
    system: str
    models: tuple[str, ...]


class TemplateCatalog(Protocol):
    """Finds, parses and validates pipeline templates (YAML), and renders their prompts."""

    def list(self) -> list[TemplateSummary]:
        """Every template found: workspace first, then global, then built-in; a name shadows later ones."""
        ...

    def get(self, name_or_path: str) -> PipelineTemplate:
        """Load by name (searching in order) or by file path. Raises TemplateNotFoundError, TemplateInvalidError."""
        ...

    def parse(self, text: str, source: str) -> PipelineTemplate:
        """Parse and validate YAML text; raises TemplateInvalidError listing every problem with file:line."""
        ...

    def render(
        self,
        template: PipelineTemplate,
        step: str,
        inputs: Mapping[str, Any],
        steps: Mapping[str, StepContext],
        fragments: Sequence[Mapping[str, str]] = (),
    ) -> RenderedPrompt:
        """Render the step's prompt, system text and model list (sandboxed, strict about undefined names);
        `fragments` ({"source", "content"}) are the prompts' `fragments`."""
        ...

    def list_styles(self) -> builtins.list[str]:
        """Names of the style primers found (workspace, global, built-in)."""
        ...

    def get_style(self, name: str) -> dict[str, str]:
        """A style primer's fields as text; raises TemplateNotFoundError when there is none by that name."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class CompletedCandidate:
    """A candidate's answer as another log keeps it: which pipeline, step and candidate, and what was said."""

    pipeline_id: str
    step: str
    candidate_id: str
    model: str
    prompt: str
    system: str
    text: str
    input_tokens: int
    output_tokens: int
    duration_ms: int
    at: str


class CompletionLog(Protocol):
    """Somewhere else completed candidates are written (llm's logs database), besides our own events."""

    async def record(self, completed: CompletedCandidate) -> None:
        """Write one completed candidate; raises whatever the log's storage raised (the caller only logs it)."""
        ...


class FragmentSource(Protocol):
    """Reads fragments (`llm -f` references: paths, URLs, `prefix:` loaders) into their text."""

    def resolve(self, references: Sequence[str], *, local_paths: bool = True) -> builtins.list[dict[str, str]]:
        """`{"source", "content"}` for each fragment each reference yields, in order; raises InputInvalidError
        naming the reference that cannot be read (`local_paths=False` refuses paths on this machine)."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordedResponse:
    """A model's answer as recorded for reuse: its text and the usage it reported (None when it reported none)."""

    model_id: str
    text: str
    input_tokens: int | None = None
    output_tokens: int | None = None


class ResponseCache(Protocol):
    """Recorded model answers by key (a digest of model, prompt, system, options and sample: see cache.py)."""

    async def get(self, key: str) -> RecordedResponse | None:
        """The answer recorded under `key`, or None. Raises StoreError when the storage fails."""
        ...

    async def put(self, key: str, response: RecordedResponse) -> None:
        """Record `response` under `key`, replacing an earlier one. Raises StoreError when the storage fails."""
        ...


class CancelRequests(Protocol):
    """A way to ask the process of another session (another worker) to stop a candidate it runs."""

    async def request(self, session: str, pipeline_id: str, candidate_id: str) -> None:
        """Send the request; it does not wait for the candidate to stop. Raises StoreError when sending fails."""
        ...

    def bind(self, session: str, on_cancel: Callable[[str, str], Awaitable[object]]) -> None:
        """From now on, the requests for `session` run `on_cancel(pipeline id, candidate id)` on this loop."""
        ...

    def unbind(self) -> None: ...


class Leases(Protocol):
    """Each process's lease, renewed while it runs: a session whose lease lapsed has no process any more."""

    async def renew(self, session: str, seconds: float) -> None:
        """Hold `session`'s lease for `seconds` from now (the store's clock). Raises StoreError on failure."""
        ...

    async def lapsed(self) -> builtins.set[str]:
        """The sessions whose lease has run out."""
        ...

    async def release(self, session: str) -> None:
        """Give the lease up (a clean stop): the session is then neither alive nor lapsed."""
        ...


class Wakeup(Protocol):
    """Tells a follower of the log that something was appended, so it need not poll often."""

    async def wait(self, longest: float) -> None:
        """Return when an append was announced since the last call, or after `longest` seconds."""
        ...


@dataclass(frozen=True, slots=True)
class Signals:
    """What the processes sharing a store tell each other beyond its events (none of it on LMDB)."""

    cancels: CancelRequests | None = None
    wakeup: Wakeup | None = None
    leases: Leases | None = None
