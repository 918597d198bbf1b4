"""`writeit pipelines judge` on LMDB with the offline models: the call is made, costed and recorded, never selecting."""

from __future__ import annotations

import json

from tests.e2e.conftest import Runner


def _events(writeit: Runner, pid: str) -> list[dict[str, object]]:
    done = writeit("pipelines", "export", pid, "--format", "jsonl")
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_a_judge_whose_answer_holds_no_scores_is_recorded_with_why_and_exits_1(writeit: Runner) -> None:
    start = ("pipelines", "start", "quick-article", "-i", "topic=Judges", "-m", "echo", "-m", "markov", "--json")
    pid = json.loads(writeit(*start).stdout)["id"]
    assert writeit("pipelines", "generate", pid).returncode == 0
    judged = writeit("pipelines", "judge", pid, "--step", "plan", "--model", "echo", "-c", "clarity", "--json")
    assert judged.returncode == 1  # echo answers with its prompt: no scores in it
    found = json.loads(judged.stdout)
    assert (found["model"], found["criteria"], found["scores"]) == ("echo", ["clarity"], [])
    assert found["error"].startswith("the judge's answer holds no scores as asked")
    assert found["usage"]["input_tokens"] > 0
    (event,) = [e for e in _events(writeit, pid) if e["type"] == "CandidatesJudged"]
    assert (event["model"], event["step"], event["error"]) == ("echo", "plan", found["error"])
    shown = json.loads(writeit("pipelines", "show", pid, "--json").stdout)  # the stored event reads back
    assert next(s for s in shown["steps"] if s["key"] == "plan")["selected"] is None


def test_an_unknown_judge_or_a_step_without_text_is_refused_and_records_nothing(writeit: Runner) -> None:
    pid = json.loads(writeit("pipelines", "start", "quick-article", "-i", "topic=x", "-m", "echo", "--json").stdout)[
        "id"
    ]
    empty = writeit("pipelines", "judge", pid, "--step", "plan", "--model", "markov")
    assert empty.returncode == 1
    assert "step 'plan' has no candidate with text to judge yet" in empty.stderr
    assert writeit("pipelines", "generate", pid).returncode == 0
    count = len(_events(writeit, pid))
    unknown = writeit("pipelines", "judge", pid, "--step", "plan", "--model", "no-such-model")
    assert unknown.returncode == 1
    assert "model 'no-such-model': unknown model" in unknown.stderr
    assert "Traceback" not in empty.stderr + unknown.stderr
    assert len(_events(writeit, pid)) == count
