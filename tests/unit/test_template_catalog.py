"""Finding templates and styles: search order, shadowing, paths, and never reading outside what was asked."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from writeit.adapters.templates.catalog import FileTemplateCatalog
from writeit.adapters.templates.styles import StyleNotFoundError
from writeit.application.errors import TemplateNotFoundError
from writeit.domain.errors import TemplateInvalidError


def template_text(description: str, step: str = "write") -> str:
    return f"metadata:\n  description: {description}\nsteps:\n  {step}:\n    prompt_template: hi\n"


@pytest.fixture
def dirs(tmp_path: Path) -> tuple[Path, Path]:
    workspace, global_ = tmp_path / "workspace", tmp_path / "global"
    workspace.mkdir()
    global_.mkdir()
    return workspace, global_


@pytest.fixture
def catalog(dirs: tuple[Path, Path]) -> FileTemplateCatalog:
    return FileTemplateCatalog([("workspace", dirs[0]), ("global", dirs[1])])


def test_list_gives_workspace_then_global_then_built_in_templates(
    catalog: FileTemplateCatalog, dirs: tuple[Path, Path]
) -> None:
    (dirs[0] / "zeta.yaml").write_text(template_text("mine"))
    (dirs[1] / "alpha.yml").write_text(template_text("shared", step="plan"))
    summaries = catalog.list()
    assert [(s.name, s.origin) for s in summaries] == [
        ("zeta", "workspace"),
        ("alpha", "global"),
        ("quick-article", "builtin"),
        ("tech-article", "builtin"),
    ]
    assert (summaries[1].description, summaries[1].steps) == ("shared", ("plan",))
    assert summaries[1].path == str(dirs[1] / "alpha.yml")


def test_an_earlier_directory_shadows_a_later_one(catalog: FileTemplateCatalog, dirs: tuple[Path, Path]) -> None:
    (dirs[0] / "tech-article.yaml").write_text(template_text("my own tech article"))
    (dirs[1] / "tech-article.yaml").write_text(template_text("global tech article"))
    listed = [s for s in catalog.list() if s.name == "tech-article"]
    assert [(s.origin, s.description) for s in listed] == [("workspace", "my own tech article")]
    template = catalog.get("tech-article")
    assert template.metadata.description == "my own tech article"
    assert template.source == str(dirs[0] / "tech-article.yaml")


def test_an_invalid_template_is_listed_with_its_problem(catalog: FileTemplateCatalog, dirs: tuple[Path, Path]) -> None:
    (dirs[0] / "broken.yaml").write_text("steps: [\n")
    broken = next(s for s in catalog.list() if s.name == "broken")
    assert broken.description.startswith("invalid:")
    assert "YAML syntax error" in broken.description
    assert broken.steps == ()


def test_get_by_path_loads_that_file(catalog: FileTemplateCatalog, tmp_path: Path) -> None:
    path = tmp_path / "elsewhere.yml"
    path.write_text(template_text("by path"))
    assert catalog.get(str(path)).metadata.description == "by path"


def test_a_missing_template_names_the_directories_searched(
    catalog: FileTemplateCatalog, dirs: tuple[Path, Path]
) -> None:
    with pytest.raises(TemplateNotFoundError) as caught:
        catalog.get("nope")
    message = str(caught.value)
    assert "'nope'" in message
    assert str(dirs[0]) in message
    assert "builtin" in message


def test_an_invalid_file_reports_its_path_and_line(catalog: FileTemplateCatalog, dirs: tuple[Path, Path]) -> None:
    (dirs[0] / "bad.yaml").write_text("steps:\n  a:\n    prompt_template: '{{ steps.zz }}'\n")
    with pytest.raises(TemplateInvalidError) as caught:
        catalog.get("bad")
    problem = caught.value.problems[0]
    assert (problem.file, problem.line) == (str(dirs[0] / "bad.yaml"), 3)


@pytest.mark.parametrize("name", ["..", "../global/x", "..\\x", "./../x.yaml", "a/../../b.yaml"])
def test_path_traversal_is_refused(catalog: FileTemplateCatalog, dirs: tuple[Path, Path], name: str) -> None:
    (dirs[1] / "x.yaml").write_text(template_text("outside the workspace"))
    with pytest.raises((TemplateNotFoundError, TemplateInvalidError)):
        catalog.get(name)


def test_files_that_are_not_templates_are_never_read(catalog: FileTemplateCatalog) -> None:
    for reference in ("/etc/passwd", "/etc/hostname", ".env"):
        with pytest.raises(TemplateNotFoundError):
            catalog.get(reference)


def test_without_allow_paths_only_names_are_accepted(dirs: tuple[Path, Path]) -> None:
    (dirs[1] / "x.yaml").write_text(template_text("global"))
    catalog = FileTemplateCatalog([("global", dirs[1])], allow_paths=False)
    assert catalog.get("x").metadata.description == "global"
    with pytest.raises(TemplateNotFoundError):
        catalog.get(str(dirs[1] / "x.yaml"))


def test_a_changed_file_is_parsed_again(catalog: FileTemplateCatalog, dirs: tuple[Path, Path]) -> None:
    path = dirs[0] / "t.yaml"
    path.write_text(template_text("first"))
    assert catalog.get("t").metadata.description == "first"
    path.write_text(template_text("second, longer"))
    os.utime(path, ns=(path.stat().st_mtime_ns + 10**9, path.stat().st_mtime_ns + 10**9))
    assert catalog.get("t").metadata.description == "second, longer"


def test_oversized_binary_and_non_utf8_files_are_refused(catalog: FileTemplateCatalog, dirs: tuple[Path, Path]) -> None:
    (dirs[0] / "big.yaml").write_bytes(b"# " + b"x" * 1_000_001)
    (dirs[0] / "latin.yaml").write_bytes("description: café\n".encode("latin-1"))
    for name, expected in (("big", "larger than 1 MB"), ("latin", "not UTF-8")):
        with pytest.raises(TemplateInvalidError) as caught:
            catalog.get(name)
        assert expected in str(caught.value)


def test_styles_are_listed_and_read(catalog: FileTemplateCatalog) -> None:
    assert {"technical", "conversational", "formal"} <= set(catalog.list_styles())
    for name in ("technical", "conversational", "formal"):
        primer = catalog.get_style(name)
        fields = ("voice", "tone", "structure", "vocabulary", "examples", "anti_patterns")
        assert all(primer[field] for field in fields), name


def test_an_unknown_or_unsafe_style_name_is_not_found(catalog: FileTemplateCatalog) -> None:
    for name in ("nope", "../styles/formal", "/etc/passwd"):
        with pytest.raises(StyleNotFoundError, match="no style"):
            catalog.get_style(name)


def test_an_invalid_style_file_is_refused_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "odd.yaml").write_text("voice: plain\nmood: [sunny\n")
    catalog = FileTemplateCatalog([], styles_dirs=[tmp_path])
    assert "odd" in catalog.list_styles()
    with pytest.raises(TemplateInvalidError) as caught:
        catalog.get_style("odd")
    assert caught.value.problems[0].line == 3
    assert "odd.yaml" in caught.value.problems[0].file
