"""`writeit pipelines list` reads the summaries projection and nothing else: it prints what the summaries say,
and it never loads the use cases, the model layer or the templates to do it (a cold listing of a big store
stays close to `writeit --help`)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.e2e.conftest import Runner

# What listing must not load: the use cases (and their model runner), llm, the template engine, the API, httpx,
# structlog (a listing writes no log record), dependency-injector's wiring (which imports fastapi), and PyYAML and
# pydantic (which dependency-injector would import for configuration loaders WriteIt does not use).
_PROBE = """
import sys
import writeit.entrypoints.main as main
sys.argv = ["writeit", "pipelines", "list", "--json"]
try:
    main.run()
except SystemExit as exc:
    code = exc.code
heavy = ["writeit.application.service", "writeit.application.generation", "llm", "jinja2", "fastapi", "textual",
         "httpx", "structlog", "dependency_injector.wiring", "yaml", "pydantic"]
print("LOADED", [name for name in heavy if name in sys.modules], code, file=sys.stderr)
"""


def test_the_listing_prints_every_pipelines_summary_as_json(writeit: Runner) -> None:
    ids = []
    for topic in ("caf\u00e9 culture", "LMDB"):
        started = writeit("pipelines", "start", "quick-article", "-i", f"topic={topic}", "-m", "echo", "--json")
        assert started.returncode == 0, started.stderr
        ids.append(json.loads(started.stdout)["id"])
    listed = writeit("pipelines", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    summaries = json.loads(listed.stdout)
    assert [s["id"] for s in summaries] == ids  # oldest first
    assert summaries[0]["template"] == "Quick Article"
    assert summaries[0]["version"] >= 1
    assert "café" in listed.stdout  # UTF-8 as written, not \\u escapes, as the other JSON commands print
    assert listed.stdout == json.dumps(summaries, ensure_ascii=False, indent=2) + "\n"


def test_listing_loads_neither_the_use_cases_nor_the_model_layer(writeit: Runner) -> None:
    assert writeit("pipelines", "start", "quick-article", "-i", "topic=x", "-m", "echo").returncode == 0
    done = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, check=False, timeout=120)
    assert '"template": "Quick Article"' in done.stdout, done.stderr
    assert "LOADED [] 0" in done.stderr, done.stderr
