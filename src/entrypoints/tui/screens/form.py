"""The input form, built from the template's inputs; problems are shown under the field they concern."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.suggester import Suggester
from textual.widget import Widget
from textual.widgets import Button, Footer, Header, Input, Label, Select, Static, Switch, TextArea

from writeit.application import commands as cmd
from writeit.application.errors import ApplicationError
from writeit.application.service import PipelineService
from writeit.domain.errors import DomainError, InputInvalidError
from writeit.domain.template import InputSpec, InputType, PipelineTemplate
from writeit.entrypoints.input_files import InputFileError, complete_path, read_value, resolve_inputs
from writeit.entrypoints.tui.guard import describe, report
from writeit.entrypoints.tui.screens.editor import HelpScreen

MODELS_FIELD = "models"
FRAGMENTS_FIELD = "fragments"
FILE_PREFIX = "file-"  # the path field under a textarea input: enter loads the file (or folder/) into it


class PathSuggester(Suggester):
    """Completes the path typed so far, or its last word in a list of words (accept with the right arrow)."""

    def __init__(self, words: bool = False) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.words = words

    async def get_suggestion(self, value: str) -> str | None:
        head, space, last = value.rpartition(" ") if self.words else ("", "", value)
        completed = complete_path(last)
        return None if completed is None else head + space + completed


def file_field(spec: InputSpec) -> Input:
    hint = "load a file or folder/ into this field: type a path, enter loads it"
    return Input(placeholder=hint, suggester=PathSuggester(), id=f"{FILE_PREFIX}{spec.key}", compact=True)


def field_widget(spec: InputSpec) -> Widget:
    wid = f"input-{spec.key}"
    default = "" if spec.default is None else spec.default
    if spec.type is InputType.TEXTAREA:
        return TextArea(str(default), id=wid, classes="field-area", compact=True)
    if spec.type is InputType.CHOICE:
        value = str(default) if str(default) in spec.options else Select.NULL
        return Select([(o, o) for o in spec.options], value=value, allow_blank=not spec.required, id=wid, compact=True)
    if spec.type is InputType.BOOLEAN:
        return Switch(str(default).lower() in ("true", "yes", "1", "on"), id=wid)
    kind: Literal["number", "text"] = "number" if spec.type is InputType.NUMBER else "text"
    return Input(
        str(default), placeholder=spec.placeholder, max_length=spec.max_length or 0, type=kind, id=wid, compact=True
    )


def field_value(widget: Widget) -> Any:
    if isinstance(widget, TextArea):
        return widget.text
    if isinstance(widget, Select):
        return None if widget.value == Select.NULL else widget.value
    if isinstance(widget, Switch | Input):
        return widget.value
    return None


class InputFormScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "submit", "Start", priority=True),
        Binding("escape", "app.pop_screen", "Back"),
        Binding("f1", "help", "Help"),
    ]

    def __init__(self, pipelines: PipelineService, template: PipelineTemplate, name: str) -> None:
        super().__init__()
        self.pipelines = pipelines
        self.template = template
        self.name_in_catalog = name  # what the catalog finds it by (the file's name; metadata.name is a title)

    def compose(self) -> ComposeResult:
        t = self.template
        yield Header()
        with VerticalScroll(id="form"):
            yield Static(Text.assemble((t.metadata.name or t.name, "bold"), "  ", (t.metadata.description, "dim")))
            for spec in t.inputs:
                with Vertical(classes="field"):
                    yield Label(Text.assemble(spec.label or spec.key, ("  *" if spec.required else "", "bold red")))
                    yield field_widget(spec)
                    if spec.type is InputType.TEXTAREA:
                        yield file_field(spec)
                    if spec.help:
                        yield Static(Text(spec.help, "dim"), classes="field-help")
                    yield Static("", id=f"error-{spec.key}", classes="field-error")
            with Vertical(classes="field"):
                yield Label("Models (optional, comma-separated llm ids; empty: the template's)")
                yield Input(placeholder="e.g. gpt-4o-mini, claude-3.5-haiku", id=f"input-{MODELS_FIELD}", compact=True)
                yield Static("", id=f"error-{MODELS_FIELD}", classes="field-error")
            with Vertical(classes="field"):
                yield Label("Fragments (optional, space-separated, as `llm -f` takes them: paths, URLs, prefix:ref)")
                hint = "e.g. notes.md https://example.com/page.html github:owner/repo"
                yield Input(
                    placeholder=hint, suggester=PathSuggester(True), id=f"input-{FRAGMENTS_FIELD}", compact=True
                )
                yield Static("", id=f"error-{FRAGMENTS_FIELD}", classes="field-error")
            yield Button("Start (ctrl+s)", id="start", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        fields = self.query(".field > Input, .field > TextArea, .field > Select, .field > Switch")
        if fields:
            fields.first().focus()
        self.run_worker(self.show_best_models())

    async def show_best_models(self) -> None:
        """Under the models field, the model the writer's selections rank best at each step (no line if none)."""
        preferences = getattr(self.app, "preferences", None)
        if preferences is None:
            return
        try:
            best = [(s.key, await preferences.best(self.name_in_catalog, s.key)) for s in self.template.steps]
        except (ApplicationError, DomainError):
            return  # only a hint: the store's trouble shows where it matters
        shown = [f"{key}: {b.model} (win {b.win_rate:.0%}, n={b.games})" for key, b in best if b is not None]
        field = self.query_one(f"#input-{MODELS_FIELD}", Input)
        if shown and isinstance(field.parent, Widget):
            hint = Static(Text("best here: " + " · ".join(shown), "dim"), id="best-models", classes="field-help")
            await field.parent.mount(hint, after=field)

    def values(self) -> dict[str, Any]:
        found = {spec.key: field_value(self.query_one(f"#input-{spec.key}", Widget)) for spec in self.template.inputs}
        return {key: value for key, value in found.items() if value not in (None, "")}

    def models(self) -> list[str]:
        raw = self.query_one(f"#input-{MODELS_FIELD}", Input).value
        return [m.strip() for m in raw.replace(" ", ",").split(",") if m.strip()]

    async def on_input_submitted(self, event: Input.Submitted) -> None:
        if (event.input.id or "").startswith(FILE_PREFIX):
            self.load_file(event.input)
            return
        await self.action_submit()

    def load_file(self, field: Input) -> None:
        """Read the path typed in `field` into its textarea, shown and editable before the pipeline starts."""
        key = (field.id or "").removeprefix(FILE_PREFIX)
        spec = next(s for s in self.template.inputs if s.key == key)
        path = field.value.strip()
        self.show_problems({})
        try:
            if path in ("", "-", "@-"):  # standard input is the terminal here
                raise InputFileError("type the path of a file, or of a folder/ to read every file in it")
            text = read_value("@" + path.removeprefix("@"), spec)
        except InputFileError as exc:
            self.show_problems({key: str(exc)})
            return
        area = self.query_one(f"#input-{key}", TextArea)
        area.load_text(text)
        area.move_cursor(area.document.end)  # ready to add to the notes
        area.focus()
        self.notify(f"loaded {path} into {spec.label or key} ({len(text)} characters)")

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        await self.action_submit()

    async def action_submit(self) -> None:
        self.show_problems({})
        try:
            models = self.pipelines.check_models(self.models())
        except Exception as exc:
            self.show_problems({MODELS_FIELD: describe(exc)})
            return
        try:
            # `@path` typed in a field, as on the command line; standard input is the terminal here, so not `@-`
            values = resolve_inputs(self.template, self.values(), stdin=_no_stdin)
            fragments = self.query_one(f"#input-{FRAGMENTS_FIELD}", Input).value.split()
            start = cmd.StartPipeline(
                template=self.name_in_catalog, inputs=values, models=tuple(models), fragments=tuple(fragments)
            )
            view = await self.pipelines.handle(start)
        except InputInvalidError as exc:
            self.show_problems({p.field: p.message for p in exc.problems})
            return
        except Exception as exc:
            report(self, exc, "start")
            return
        # Imported here: the step view (Markdown, tabs, panels) is not needed until a pipeline runs.
        from writeit.entrypoints.tui.screens.step import StepScreen

        # Not awaited: switching removes this screen, which must not be waiting on it.
        self.app.switch_screen(StepScreen(self.pipelines, view.id, generate=True))  # the models are recorded

    def show_problems(self, problems: dict[str, str]) -> None:
        """Each message under its field; one about no field (or an unknown one) as a notification."""
        for error in self.query(".field-error").results(Static):
            key = (error.id or "").removeprefix("error-")
            error.update(Text(problems.get(key, ""), "bold red"))
            error.set_class(key in problems, "-shown")
        shown = {(e.id or "").removeprefix("error-") for e in self.query(".field-error")}
        for key, message in problems.items():
            if key not in shown:
                self.notify(f"{key}: {message}" if key else message, severity="error", markup=False)
        first = next((k for k in problems if k in shown), None)
        if first is not None:
            self.query_one(f"#input-{first}", Widget).focus()

    def action_help(self) -> None:
        notes = "Enter in a one-line field starts; fields marked * are required; esc goes back to the templates."
        self.app.push_screen(HelpScreen("input form", self.BINDINGS, notes))


def _no_stdin() -> bytes:
    raise InputFileError("standard input is the terminal here: type the path of a file, or load one above")
