"""The application services through the real container: LMDB on disk, llm's echo model."""

from __future__ import annotations

from writeit.entrypoints.cli.common import open_container


async def test_a_pipeline_survives_closing_and_reopening_the_store() -> None:
    async with open_container() as container:
        service = container.pipelines()
        view = await service.start("tech-article", {"topic": "Durability"})
        await (await service.generate(view.id, models=["echo"])).wait()
        angles = (await service.get(view.id)).step("angles")
        await service.select(view.id, "angles", angles.candidates[1].id)
        await service.fork(view.id, "angles", "alt")
        before = await service.get(view.id)

    async with open_container() as container:
        after = await container.pipelines().get(view.id)
    assert after == before
    assert after.branch == "alt"
    assert [b.name for b in after.branches] == ["main", "alt"]
    assert "Durability" in angles.candidates[0].prompt


async def test_concurrent_candidates_are_all_stored_in_order() -> None:
    async with open_container() as container:
        service = container.pipelines()
        view = await service.start("tech-article", {"topic": "Fan-out"})
        await (await service.generate(view.id, models=["echo", "echo", "echo", "echo"])).wait()
        events = await service.events(view.id)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert sum(type(e).__name__ == "CandidateCompleted" for e in events) == 8
