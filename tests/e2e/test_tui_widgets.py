"""The TUI's own widgets on their own: streaming text and the diff of two candidates."""

from __future__ import annotations

from textual.app import App, ComposeResult

from writeit.entrypoints.tui.screens.diff import diff_text
from writeit.entrypoints.tui.widgets.stream_text import StreamText


class OneStream(App[None]):
    CSS = "StreamText { width: 20; height: 3; }"

    def compose(self) -> ComposeResult:
        yield StreamText("Once")


def shown(app: OneStream) -> list[str]:
    return [strip.text.rstrip() for strip in app.screen._compositor.render_strips()][:3]


async def test_streamed_text_wraps_and_follows_its_end_until_the_reader_scrolls_back() -> None:
    app = OneStream()
    async with app.run_test(size=(20, 3)) as pilot:
        stream = app.query_one(StreamText)
        stream.append(" upon a time there was a model that\x1b[2J wrote")
        stream.append(" words\n\nThe end")
        await pilot.pause()
        assert shown(app) == ["that[2J wrote words", "", "The end"]  # the escape's ESC is gone
        stream.scroll(2)
        await pilot.pause()
        assert shown(app) == ["Once upon a time", "there was a model", "that[2J wrote words"]
        stream.append(" came, and then a new line\nappeared.")  # looking back: the lines in view stay put
        await pilot.pause()
        assert shown(app) == ["Once upon a time", "there was a model", "that[2J wrote words"]
        stream.scroll(-99)
        await pilot.pause()
        assert shown(app) == ["The end came, and", "then a new line", "appeared."]
        assert stream.text.endswith("wrote words\n\nThe end came, and then a new line\nappeared.")


def test_the_diff_of_two_drafts_names_the_one_sentence_that_changed() -> None:
    first = "The cache was cold. Every request went to disk, which took forty milliseconds. Nobody noticed for weeks."
    second = "The cache was cold. Every request went to disk, which took four seconds. Nobody noticed for weeks."
    lines = diff_text("a", first, "b", second).plain.splitlines()
    assert [line for line in lines if line.startswith(("-", "+")) and not line.startswith(("---", "+++"))] == [
        "-Every request went to disk, which took forty milliseconds.",
        "+Every request went to disk, which took four seconds.",
    ]
    assert diff_text("a", first, "b", first).plain == "The two texts are identical."
