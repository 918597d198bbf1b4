"""TUI: frame time while 8 candidates stream side by side, and RSS idle / during a 4-step run.

`python -m benchmarks.tui_frames [tiny|full]`. The App runs headless at 200×50; a frame is one screen update
(layout, compositor, and the terminal bytes it would write), timed around Textual's update callback. The
reference for the frame time is the same run with one candidate; for RSS, a bare Textual app in its own process.
Candidates come from an in-process `llm` model that streams words at a fixed pace (so runs compare).
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from benchmarks.common import Row, at_most, isolated_home, main, percentile, scaled

SIZE = (200, 50)
_BARE_APP = "from textual.app import App\nclass A(App):\n    def on_mount(self): self.set_timer(0.5, self.exit)\n"
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the (large) parent through fork and exec.
_BARE_RSS = (
    _BARE_APP + "A().run(headless=True)\nprint(next(l for l in open('/proc/self/status') if 'VmHWM' in l).split()[1])"
)


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def register_model(chunks: int, delay: float) -> None:
    """`bench-stream`: an llm model (async, as API models are) yielding `chunks` words `delay` s apart."""
    import llm

    def word(i: int) -> str:
        return f"word{i % 97} " + ("\n\n" if i % 60 == 59 else "")

    class BenchStream(llm.Model):
        model_id = "bench-stream"
        can_stream = True

        def execute(self, prompt: Any, stream: bool, response: Any, conversation: Any) -> Any:
            for i in range(chunks):
                yield word(i)
                time.sleep(delay)

    class AsyncBenchStream(llm.AsyncModel):
        model_id = "bench-stream"
        can_stream = True

        async def execute(self, prompt: Any, stream: bool, response: Any, conversation: Any) -> Any:
            for i in range(chunks):
                yield word(i)
                await asyncio.sleep(delay)

    class Plugin:
        @llm.hookimpl
        def register_models(self, register: Callable[..., None]) -> None:
            register(BenchStream(), AsyncBenchStream())

    llm.plugins.pm.register(Plugin(), name="writeit-bench-stream")


class FrameClock:
    """Times every screen update; in headless mode also renders the update to terminal bytes (as a terminal would)."""

    def __init__(self) -> None:
        self.frames: list[float] = []
        self.recording = False

    def install(self) -> None:
        from textual.app import App
        from textual.screen import Screen

        original_update, original_display = Screen._on_timer_update, App._display
        clock = self

        def timed_update(screen: Screen[Any]) -> None:
            start = time.perf_counter()
            original_update(screen)
            if clock.recording:
                clock.frames.append((time.perf_counter() - start) * 1000)

        def display(app: App[Any], screen: Screen[Any], renderable: Any) -> None:
            if app.is_headless and hasattr(renderable, "render_segments"):
                renderable.render_segments(app.console)
            original_display(app, screen, renderable)

        # textual's private methods are generic over the app's and the screen's result types; these take Any
        Screen._on_timer_update = timed_update  # type: ignore[method-assign,assignment]
        App._display = display  # type: ignore[method-assign,assignment]


async def stream_round(container: Any, clock: FrameClock, models: list[str]) -> tuple[list[float], list[float]]:
    """Frame times and event-loop lags (ms) while `models` stream one step in the step view."""
    from writeit.entrypoints.tui.app import WriteItApp
    from writeit.entrypoints.tui.screens.step import StepScreen

    service = container.pipelines()
    app = WriteItApp(service, container.templates(), None)
    lags: list[float] = []
    async with app.run_test(size=SIZE) as pilot:
        view = await service.start("quick-article", {"topic": "Frames"})
        clock.frames, clock.recording = [], True
        ticker = asyncio.create_task(_tick(lags))
        await app.push_screen(StepScreen(service, view.id, models=models, generate=True))
        await service.wait_idle()
        await pilot.pause(0.2)
        clock.recording = False
        ticker.cancel()
    return clock.frames, lags


async def _tick(lags: list[float], period: float = 0.01) -> None:
    """How late a 10 ms timer fires: what a key press would wait before the app sees it."""
    loop = asyncio.get_running_loop()
    while True:
        start = loop.time()
        await asyncio.sleep(period)
        lags.append((loop.time() - start - period) * 1000)


async def four_steps(container: Any, models: list[str], register: Callable[[], None]) -> tuple[float, float]:
    """RSS idle (picker shown, API server on) and the peak while a 4-step article is written by keys.

    `register` makes the models known; it runs after the idle figure, since it imports `llm`, which an idle
    TUI has not loaded yet.
    """
    from writeit.entrypoints.launch import api_server
    from writeit.entrypoints.tui.app import WriteItApp

    service = container.pipelines()
    app = WriteItApp(service, container.templates(), api_server(container))
    peak = 0.0
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.5)
        idle = rss_mb()
        register()
        from writeit.entrypoints.tui.screens.step import StepScreen  # after: the idle TUI has not loaded it

        view = await service.start("tech-article", {"topic": "Memory"})
        await app.push_screen(StepScreen(service, view.id, models=models, generate=True))
        for _ in range(4):
            await service.wait_idle()
            await pilot.pause(0.1)
            peak = max(peak, rss_mb())
            await pilot.press("1", "n")
        await service.wait_idle()
        peak = max(peak, rss_mb())
        done = await service.get(view.id)
        if not (all(s.selected for s in done.steps[:3]) and done.steps[3].candidates):
            raise RuntimeError("the 4-step run did not reach step 4")
    return idle, peak


def bare_textual_rss() -> float:
    done = subprocess.run([sys.executable, "-c", _BARE_RSS], capture_output=True, text=True, check=True, timeout=60)
    return int(done.stdout.strip().splitlines()[-1]) / 1024


def run(size: str) -> list[Row]:
    import os

    chunks = scaled(size, 30, 600)
    rounds = scaled(size, 1, 3)
    delay = 0.002 if size == "tiny" else 0.005
    with isolated_home():
        os.environ["WRITEIT_DEFAULT_MODEL"] = "echo"
        from writeit.entrypoints.cli.common import open_container

        clock = FrameClock()
        clock.install()

        async def measure() -> tuple[Any, ...]:
            from writeit.entrypoints.launch import freeze_new_imports, tune_gc

            async with open_container() as container:
                tune_gc()  # as `writeit` does
                freezer = asyncio.create_task(freeze_new_imports())
                models = ["bench-stream", "bench-stream"]
                idle, peak = await four_steps(container, models, lambda: register_model(chunks, delay))
                one, _ = await stream_round(container, clock, ["bench-stream"])
                eight: list[float] = []
                lags: list[float] = []
                for _ in range(rounds):  # several: a pause that comes every few rounds (a collection) shows
                    frames, lagged = await stream_round(container, clock, ["bench-stream"] * 8)
                    eight, lags = eight + frames, lags + lagged
                freezer.cancel()
            return idle, peak, one, eight, lags

        idle, peak, one, eight, lags = asyncio.run(measure())
    bare = bare_textual_rss()
    pace = f"{chunks} chunks each, {delay * 1000:g} ms apart, {SIZE[0]}×{SIZE[1]}"
    return [
        Row(f"TUI frame p50, 8 candidates streaming ({pace})", percentile(eight, 50), "ms",
            "1 candidate", percentile(one, 50), "≤ 16 ms (60 fps)", at_most(percentile(eight, 50), 16)),
        Row("TUI frame p99, 8 candidates streaming", percentile(eight, 99), "ms",
            "1 candidate", percentile(one, 99), "≤ 50 ms", at_most(percentile(eight, 99), 50)),
        Row(f"TUI frames drawn per round while 8 stream ({rounds} rounds)", len(eight) / rounds, "frames",
            "1 candidate", float(len(one))),
        Row("TUI event-loop lag p99 while 8 stream (10 ms timer)", percentile(lags, 99), "ms", target="≤ 50 ms",
            met=at_most(percentile(lags, 99), 50)),
        Row(f"TUI longest stall while 8 stream ({rounds} rounds: frame or loop lag)", max(max(eight), max(lags)),
            "ms"),
        Row("TUI RSS idle under Pilot, headless (the real process: see the startup rows)", idle, "MB",
            "bare Textual app", bare),
        Row("TUI RSS peak during a 4-step run (2 candidates/step)", peak, "MB", "bare Textual app", bare),
    ]  # fmt: skip


if __name__ == "__main__":
    main(run)
