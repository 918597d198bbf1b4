"""A generated corpus of malformed templates and inputs, each with what its error must mention."""

from __future__ import annotations

from dataclasses import dataclass

HEAD = "metadata:\n  name: t\ninputs:\n  topic: {type: text, required: true}\n"


@dataclass(frozen=True)
class Case:
    id: str
    content: bytes
    expect: str  # a fragment the error must contain (besides file:line)
    located: bool = True  # whether the error can carry a line number


def _step(prompt: str, extra: str = "") -> bytes:
    return (HEAD + f"steps:\n  one:\n    name: One\n    prompt_template: {prompt!r}\n{extra}").encode()


def _two(first: str, second: str) -> bytes:
    return (
        HEAD + f"steps:\n  one:\n    name: One\n    prompt_template: {first!r}\n"
        f"  two:\n    name: Two\n    prompt_template: {second!r}\n"
    ).encode()


def yaml_syntax() -> list[Case]:
    bodies = [
        "steps: [unclosed", "steps:\n  one: {name: x", "metadata:\n\tname: tab", "a: b: c", "- x\n y: z",
        "steps:\n  one:\n    name: x\n   bad: indent", "key: 'unterminated", 'key: "unterminated', "? : :",
        "steps: {one: {prompt_template: }}}", "[1, 2", "{a: 1, a b}", "steps:\n  - one\n  two: x",
        "metadata: @bad", "x: `backtick`", "steps: !!binary QUJD\n  x: y", "%YAML 9.9\n---\nx: 1",
        "a: &anchor [1\n", "steps:\n  one:\n    prompt_template: |\n  dedent error\n    x: y", "'",
    ]  # fmt: skip
    return [Case(f"yaml-{i}", b.encode(), "") for i, b in enumerate(bodies)]


def wrong_shapes() -> list[Case]:
    bodies = {
        "list-top": "- a\n- b", "scalar-top": "just text", "number-top": "42", "null-top": "~",
        "steps-list": HEAD + "steps:\n  - one\n  - two", "steps-scalar": HEAD + "steps: many",
        "steps-empty": HEAD + "steps: {}", "no-steps": HEAD, "inputs-list": "inputs: [a]\nsteps: {}",
        "metadata-list": "metadata: [1]\nsteps:\n  a: {name: A, prompt_template: x}",
        "step-scalar": HEAD + "steps:\n  one: text", "step-list": HEAD + "steps:\n  one: [a, b]",
        "defaults-list": "defaults: [1]\n" + HEAD[len("metadata:\n  name: t\n") :] + "steps:\n  a: {prompt_template: x}",
        "tags-mapping": "metadata:\n  name: t\n  tags: {a: 1}\nsteps:\n  a: {prompt_template: x}",
    }  # fmt: skip
    return [Case(f"shape-{k}", v.encode(), "") for k, v in bodies.items()]


def missing_fields() -> list[Case]:
    cases = [
        Case("no-prompt", (HEAD + "steps:\n  one:\n    name: One\n").encode(), "prompt_template"),
        Case("empty-prompt", _step(""), "prompt_template"),
        Case("null-prompt", (HEAD + "steps:\n  one:\n    name: One\n    prompt_template: ~\n").encode(), "prompt_template"),
    ]  # fmt: skip
    for i in range(12):
        cases.append(
            Case(
                f"no-prompt-step{i}",
                _two("ok {{ inputs.topic }}", "x").replace(b"    prompt_template: 'x'\n", b"    description: d\n"),
                "prompt_template",
            )
        )
    return cases


def bad_values() -> list[Case]:
    cases: list[Case] = []
    for i, value in enumerate(["0", "-1", "11", "1000", "'two'", "1.5", "[1]", "{a: 1}", "true", "''"]):
        cases.append(
            Case(f"count-{i}", _step("x {{ inputs.topic }}", f"    response_count: {value}\n"), "response_count")
        )
    for i, kind in enumerate(["string", "int", "select", "file", "date", "list", "", "TEXT!", "json", "email"]):
        body = f"metadata: {{name: t}}\ninputs:\n  a: {{type: '{kind}'}}\nsteps:\n  one: {{prompt_template: x}}\n"
        cases.append(Case(f"input-type-{i}", body.encode(), "type"))
    for i, extra in enumerate(["options: x", "options: 5", "options: {a: b}", "max_length: -3", "max_length: many",
                               "required: maybe", "options: []", "label: [1]", "default: [1, 2]", "max_length: 1.5"]):  # fmt: skip
        body = f"metadata: {{name: t}}\ninputs:\n  a:\n    type: choice\n    {extra}\nsteps:\n  one: {{prompt_template: x}}\n"
        cases.append(Case(f"input-field-{i}", body.encode(), "inputs.a"))
    for i, key in enumerate(["respons_count", "promt_template", "modle", "stepz", "nme", "sytem", "model-pref"]):
        cases.append(Case(f"typo-{i}", _step("x", f"    {key}: 1\n"), key))
    for i, key in enumerate(["1bad", "with space", "items", "keys", "get", "a-b", "étape"]):
        body = HEAD + f"steps:\n  '{key}':\n    name: x\n    prompt_template: y\n"
        cases.append(Case(f"step-key-{i}", body.encode(), ""))
    return cases


def references() -> list[Case]:
    cases: list[Case] = []
    names = ["nope", "outline", "Draft", "two", "x_y", "one_", "ONE", "steps", "inputs", "zzz"]
    for i, name in enumerate(names):
        cases.append(Case(f"unknown-step-{i}", _two("{{ inputs.topic }}", "{{ steps." + name + " }}"), name))
    for i, name in enumerate(names):
        cases.append(Case(f"unknown-input-{i}", _step("{{ inputs." + name + " }}"), name))
    for i, name in enumerate(["model", "style", "x", "models", "tone"]):
        cases.append(Case(f"unknown-default-{i}", _step("{{ defaults." + name + " }}"), name))
    for i, name in enumerate(["colour", "voicee", "x", "rules", "length"]):
        cases.append(Case(f"unknown-style-{i}", _step("{{ style." + name + " }}"), name))
    # A bare input name (`{{ topic }}`) renders that input, as the original WriteIt did: not malformed.
    for i, name in enumerate(["subject", "user", "os", "range_", "self", "loop", "x", "config", "request", "lipsum"]):
        cases.append(Case(f"bare-name-{i}", _step("{{ " + name + " }}"), name))
    cases.append(Case("forward-ref", _two("{{ steps.two }}", "{{ inputs.topic }}"), "two"))
    cases.append(Case("self-ref", _step("{{ steps.one }}"), "one"))
    for i, attr in enumerate(["selected", "text", "feedbacks", "candidate", "response"]):
        cases.append(Case(f"step-attr-{i}", _two("x", "{{ steps.one." + attr + " }}"), attr))
    for i in range(5):
        cases.append(Case(f"cycle-{i}", _two("{{ steps.two }}" * (i + 1), "{{ steps.one }}"), "two"))
    return cases


def jinja() -> list[Case]:
    bodies = ["{{ inputs.topic", "{% if inputs.topic %}x", "{% for x in %}{% endfor %}", "{{ inputs.topic | nofilter }}",
              "{% endif %}", "{{ }}", "{{ inputs.topic ) }}", "{% block a %}", "{% include 'x' %}", "{% import 'x' as y %}",
              "{% extends 'base' %}", "{{ inputs.topic | attr('x') | bogus }}", "{% macro %}", "{{ 1 +* 2 }}",
              "{% set %}", "{% raw %}", "{{ inputs['topic' }}", "{% for %}", "{{ inputs.topic|upper( }}", "{#"]  # fmt: skip
    return [Case(f"jinja-{i}", _step(b), "") for i, b in enumerate(bodies)]


def sandbox() -> list[Case]:
    bodies = ["{{ ''.__class__ }}", "{{ ''.__class__.__mro__ }}", "{{ ''.__class__.__mro__[1].__subclasses__() }}",
              "{{ inputs.__class__ }}", "{{ inputs.topic.__globals__ }}", "{{ cycler.__init__.__globals__ }}",
              "{{ joiner.__init__ }}", "{{ namespace.__init__.__globals__.os }}", "{{ range.__class__ }}",
              "{{ ().__class__.__base__.__subclasses__() }}", "{{ ''.format.__globals__ }}", "{{ self }}",
              "{{ lipsum.__globals__ }}", "{{ dict.__mro__ }}", "{{ [].__class__ }}", "{{ inputs|attr('__class__') }}",
              "{{ steps.__dict__ }}", "{{ defaults.__class__.__init__ }}", "{{ config.items() }}",
              "{{ request.application }}"]  # fmt: skip
    return [Case(f"sandbox-{i}", _step(b), "") for i, b in enumerate(bodies)]


def hostile_files() -> list[Case]:
    bomb = "a: &a ['x','x','x','x','x','x','x','x','x']\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: [*b,*b,*b,*b,*b]\n"
    deep = "a: " + "[" * 200 + "]" * 200
    return [
        Case("yaml-bomb", bomb.encode(), ""),
        Case("deep-nesting", deep.encode(), ""),
        Case("huge-file", _step("x" * (2 * 1024 * 1024)), "", located=False),
        Case("binary", bytes(range(256)) * 4, "", located=False),
        Case("nul-bytes", _step("ab").replace(b"ab", b"a\x00b"), "", located=False),
        Case("latin1", "metadata: {name: café}\n".encode("latin-1"), "", located=False),
        Case("utf16", HEAD.encode("utf-16"), "", located=False),
        Case("python-tag", b"x: !!python/object/apply:os.system ['true']\n", ""),
        Case("empty-file", b"", "", located=False),
        Case("only-comments", b"# nothing here\n", "", located=False),
    ]


def step_fields() -> list[Case]:
    extras = {
        "pref-number": ("    model_preference: 5\n", "model_preference"),
        "pref-list-numbers": ("    model_preference: [1, 2]\n", "model_preference"),
        "pref-undefined": ("    model_preference: '{{ defaults.nope }}'\n", "nope"),
        "models-string-map": ("    models: {a: b}\n", "models"),
        "models-nested": ("    models: [[a]]\n", "models"),
        "system-undefined": ("    system: '{{ inputs.nope }}'\n", "nope"),
        "system-step-ref": ("    system: '{{ steps.zz }}'\n", "zz"),
        "name-list": ("    name: [1]\n", "name"),
        "description-map": ("    description: {a: 1}\n", "description"),
        "type-number": ("    type: 5\n", "type"),
        "system-jinja": ("    system: '{{ oops'\n", "system"),
    }
    return [Case(f"field-{k}", _step("x", extra), expect) for k, (extra, expect) in extras.items()]


def corpus() -> list[Case]:
    return [*yaml_syntax(), *wrong_shapes(), *missing_fields(), *bad_values(), *references(), *jinja(), *sandbox(),
            *hostile_files(), *step_fields()]  # fmt: skip


BAD_INPUTS = [
    (["topic="], "topic"),
    ([], "topic"),
    (["topic=" + "x" * 201], "topic"),
    (["topic=ok", "style=gothic"], "style"),
    (["topic=ok", "unknown=1"], "unknown"),
    (["topic=ok", "audience=" + "y" * 300], "audience"),
    (["=value"], "key=value"),
    (["noequals"], "key=value"),
    (["topic=ok", "style="], ""),
]
