"""Run (or continue) a pipeline headless, printing each event's seq and type once it is acknowledged as stored.

Used by the crash tests, which kill this process with SIGKILL at random moments.
Usage: python -m tests.e2e.crash_child TEMPLATE MODEL [PIPELINE_ID]
"""

from __future__ import annotations

import asyncio
import sys

from writeit.application.autopilot import run_headless
from writeit.application.hub import EventMessage
from writeit.application.views import CandidateView, StepView
from writeit.entrypoints.cli.common import open_container


class Silent:
    def step_started(self, step: StepView, candidate_ids: object, estimate: object) -> None: ...

    def chunk(self, candidate_id: str, text: str) -> None: ...

    def restart(self, candidate_id: str) -> None: ...

    def step_finished(self, step: StepView, chosen: CandidateView) -> None: ...


async def main(template: str, model: str, pipeline_id: str | None) -> None:
    async with open_container() as container:
        service = container.pipelines()
        if pipeline_id is None:
            pipeline_id = (await service.start(template, {"topic": "crash safety"})).id
        print(f"pipeline {pipeline_id}", flush=True)
        await service.recover(pipeline_id)
        with service.subscribe(pipeline_id) as subscription:

            async def acknowledge() -> None:
                async for message in subscription:
                    if isinstance(message, EventMessage):
                        print(f"ack {message.event.seq} {type(message.event).__name__}", flush=True)

            printer = asyncio.create_task(acknowledge())
            await run_headless(service, template, {}, models=[model], observer=Silent(), pipeline_id=pipeline_id)
            await asyncio.sleep(0)
            printer.cancel()
        print("done", flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None))
