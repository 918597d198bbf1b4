"""WriteItApp: the Textual application. It receives its services (and the embedded API server) ready-made."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import partial
from typing import ClassVar, Protocol

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from writeit.application.leaderboard import PreferenceService
from writeit.application.service import PipelineService
from writeit.application.templates import TemplateService
from writeit.entrypoints.tui.guard import report
from writeit.entrypoints.tui.screens.picker import TemplatePickerScreen

log = logging.getLogger("writeit.tui")


class ApiServer(Protocol):
    """The API served from the TUI's own process and event loop."""

    async def start(self) -> int:
        """Start serving; return the bound port. Raises when it cannot."""
        ...

    async def stop(self) -> None:
        """Stop serving (idempotent)."""
        ...


class WriteItApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "WriteIt"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+q", "quit", "Quit", show=False, priority=True)]

    def __init__(
        self,
        pipelines: PipelineService,
        templates: TemplateService,
        server: ApiServer | None = None,
        *,
        host: str = "127.0.0.1",
        preferences: PreferenceService | None = None,
    ) -> None:
        super().__init__()
        self.pipelines = pipelines
        self.preferences = preferences  # the leaderboard the input form's models hint reads
        self.templates = templates
        self.server = server
        self.port: int | None = None
        self._host = host
        self.sub_title = "API starting…" if server is not None else "API off"

    async def on_mount(self) -> None:
        await self.push_screen(TemplatePickerScreen(self.pipelines, self.templates))
        if self.server is not None:
            self._start_server()

    @work(group="server", exclusive=True, exit_on_error=False)
    async def _start_server(self) -> None:
        assert self.server is not None
        try:
            self.port = await self.server.start()
        except Exception as exc:
            self.sub_title = "API off (could not start)"
            report(self, exc, "start the API server")
            return
        self.sub_title = f"API http://{self._host}:{self.port}"

    async def action_quit(self) -> None:
        """Running candidates are cancelled (each kept with its partial text), then the API server stops."""
        try:
            await self.pipelines.cancel_all()
        except Exception as exc:  # quitting must work even when recording a cancellation does not
            log.warning("could not cancel the running candidates: %s", exc)
        await self._stop_server()
        self.exit()

    async def on_unmount(self) -> None:
        await self._stop_server()

    async def _stop_server(self) -> None:
        if self.server is not None:
            try:
                await self.server.stop()
            except Exception as exc:
                log.warning("the API server did not stop cleanly: %s", exc)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        # Imported here: the step view (Markdown, tabs, panels) loads when first used, not with the picker.
        from writeit.entrypoints.tui.screens.step import COMMANDS, StepScreen

        if isinstance(screen, StepScreen):
            for action, title, help_text in COMMANDS:
                yield SystemCommand(title, help_text, partial(screen.run_action, action))

    def _fatal_error(self) -> None:
        # A bug must not print a traceback (with locals) over the writer's terminal: log it, say where it is.
        log.exception("the TUI stopped on an unexpected error")
        self._exit_renderables.append("writeit: the TUI stopped on an unexpected error; details are in the log.")
        self._close_messages_no_wait()
