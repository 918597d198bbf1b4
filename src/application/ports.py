"""The ports: what the application needs from storage, models and templates, stated as Protocols.

Each group lives in its own module (store_, model_, template_, document_ and signal_ports); every name
stays importable here.
"""

from __future__ import annotations

from writeit.application.document_ports import DocumentWriter
from writeit.application.model_ports import (
    ChunkCallback,
    CompletedCandidate,
    Completion,
    CompletionLog,
    LanguageModel,
    ModelInfo,
    ModelRequest,
    RecordedResponse,
    ResponseCache,
)
from writeit.application.signal_ports import CancelRequests, Leases, Signals, Wakeup
from writeit.application.store_ports import (
    MAX_PIPELINE_ID_BYTES,
    EventStore,
    LoggedEvent,
    ProjectionState,
    ProjectionStore,
    Row,
    SnapshotStore,
    check_append,
)
from writeit.application.template_ports import (
    FragmentSource,
    RenderedPrompt,
    StepContext,
    TemplateCatalog,
    TemplateSummary,
)

__all__ = [
    "MAX_PIPELINE_ID_BYTES",
    "CancelRequests",
    "ChunkCallback",
    "CompletedCandidate",
    "Completion",
    "CompletionLog",
    "DocumentWriter",
    "EventStore",
    "FragmentSource",
    "LanguageModel",
    "Leases",
    "LoggedEvent",
    "ModelInfo",
    "ModelRequest",
    "ProjectionState",
    "ProjectionStore",
    "RecordedResponse",
    "RenderedPrompt",
    "ResponseCache",
    "Row",
    "Signals",
    "SnapshotStore",
    "StepContext",
    "TemplateCatalog",
    "TemplateSummary",
    "Wakeup",
    "check_append",
]
