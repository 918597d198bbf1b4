"""Reading `@...` input values: which inputs read files, the escape, standard input, and path completion."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from tests.unit.builders import template
from writeit.domain.errors import InputInvalidError
from writeit.domain.template import InputSpec, InputType, PipelineTemplate
from writeit.entrypoints.input_files import complete_path, read_value, resolve_inputs

NOTES = InputSpec(key="notes", type=InputType.TEXTAREA, max_length=20)


def template_with_inputs(*specs: InputSpec) -> PipelineTemplate:
    return replace(template(), inputs=specs)


def test_only_text_inputs_read_files_and_other_values_pass_through(tmp_path: Path) -> None:
    (tmp_path / "n.md").write_text("from a file")
    template = template_with_inputs(
        InputSpec(key="notes", type=InputType.TEXTAREA), InputSpec(key="style", type=InputType.CHOICE, options=("@a",))
    )
    values = {"notes": f"@{tmp_path}/n.md", "style": "@a", "other": "@x"}
    assert resolve_inputs(template, values) == {"notes": "from a file", "style": "@a", "other": "@x"}


def test_every_unreadable_reference_is_reported_under_its_field(tmp_path: Path) -> None:
    template = template_with_inputs(InputSpec(key="a"), InputSpec(key="b"))
    with pytest.raises(InputInvalidError) as caught:
        resolve_inputs(template, {"a": "@", "b": f"@{tmp_path}/gone.md"})
    assert [(p.field, p.message) for p in caught.value.problems] == [
        ("a", "'@' names no file (write @path, @- for standard input, or @@ for a literal @)"),
        ("b", f"{tmp_path}/gone.md: no such file"),
    ]


def test_standard_input_is_read_and_held_to_the_limit() -> None:
    assert read_value("@-", NOTES, stdin=lambda: b"piped") == "piped"
    with pytest.raises(ValueError, match="standard input: is over 20 characters"):
        read_value("@-", NOTES, stdin=lambda: b"p" * 21)


def test_a_multibyte_file_at_the_limit_fits_and_one_character_more_does_not(tmp_path: Path) -> None:
    (tmp_path / "fits.md").write_text("é" * 20)
    (tmp_path / "over.md").write_text("é" * 21)
    assert read_value(f"@{tmp_path}/fits.md", NOTES) == "é" * 20
    with pytest.raises(ValueError, match=r"over\.md: is over 20 characters"):
        read_value(f"@{tmp_path}/over.md", NOTES)


def test_a_doubled_at_sign_is_the_text_with_one_at_sign() -> None:
    assert read_value("@@@handle", NOTES) == "@@handle"


def test_a_folder_without_files_is_refused(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / ".hidden").write_text("skipped")
    with pytest.raises(ValueError, match="empty/: has no files to read"):
        read_value(f"@{tmp_path}/empty/", NOTES)


def test_paths_complete_to_the_first_visible_match(tmp_path: Path) -> None:
    (tmp_path / "notes").mkdir()
    (tmp_path / "notebook.md").write_text("")
    (tmp_path / ".notes-hidden").write_text("")
    assert complete_path(f"{tmp_path}/note") == f"{tmp_path}/notebook.md"
    assert complete_path(f"{tmp_path}/notes") == f"{tmp_path}/notes/"
    assert complete_path(f"{tmp_path}/.no") == f"{tmp_path}/.notes-hidden"
    assert complete_path(f"{tmp_path}/zzz") is None
    assert complete_path("") is None


def test_a_pipe_is_refused_rather_than_waited_on(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(ValueError, match="pipe: is not a regular file"):
        read_value(f"@{tmp_path}/pipe", NOTES)


def test_a_path_the_system_refuses_is_an_error_naming_it_not_a_crash() -> None:
    with pytest.raises(ValueError, match="cannot be read"):  # ENAMETOOLONG from the first stat
        read_value("@" + "n" * 5000 + "/", NOTES)


def test_a_folder_is_read_only_until_it_is_over_the_limit(tmp_path: Path) -> None:
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "a.md").write_text("twelve chars")  # with its heading, over the limit already
    (tmp_path / "notes" / "b.md").write_bytes(b"\xff\xfe")  # never read (read, it would be refused as not UTF-8)
    with pytest.raises(ValueError, match=r"notes/ \(all its files\): is over 20 characters"):
        read_value(f"@{tmp_path}/notes/", NOTES)
