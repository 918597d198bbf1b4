"""The Pipeline's events: small immutable facts, past tense, plain data, versioned for upcasting.

They are declared in event_base, round_events and choice_events; every name stays importable here.
"""

from __future__ import annotations

from writeit.domain.choice_events import (
    BranchForked,
    BranchSwitched,
    CandidateEdited,
    CandidateSelected,
    CandidatesJudged,
    CandidatesMerged,
    FeedbackGiven,
    PipelineCompleted,
    PointsChosen,
    PointsExtracted,
    StaleStepKept,
    StepMarkedStale,
)
from writeit.domain.event_base import Event
from writeit.domain.round_events import (
    CandidateCancelled,
    CandidateCompleted,
    CandidateFailed,
    CandidateInterrupted,
    CandidateRetried,
    ModelFellBack,
    PipelineStarted,
    StepStarted,
)

__all__ = [
    "EVENT_TYPES",
    "BranchForked",
    "BranchSwitched",
    "CandidateCancelled",
    "CandidateCompleted",
    "CandidateEdited",
    "CandidateFailed",
    "CandidateInterrupted",
    "CandidateRetried",
    "CandidateSelected",
    "CandidatesJudged",
    "CandidatesMerged",
    "Event",
    "FeedbackGiven",
    "ModelFellBack",
    "PipelineCompleted",
    "PipelineStarted",
    "PointsChosen",
    "PointsExtracted",
    "StaleStepKept",
    "StepMarkedStale",
    "StepStarted",
]

EVENT_TYPES: dict[str, type[Event]] = {
    cls.__name__: cls
    for cls in (
        PipelineStarted,
        StepStarted,
        CandidateCompleted,
        CandidateFailed,
        CandidateCancelled,
        CandidateInterrupted,
        CandidateRetried,
        ModelFellBack,
        CandidateSelected,
        CandidateEdited,
        CandidatesMerged,
        FeedbackGiven,
        StepMarkedStale,
        StaleStepKept,
        BranchForked,
        BranchSwitched,
        PipelineCompleted,
        PointsExtracted,
        PointsChosen,
        CandidatesJudged,
    )
}
