"""Template texts that tests of several folders write: one source, so the unit and end-to-end checks agree."""

from __future__ import annotations

# A second step whose models come from `{field}` (and may name `defaults.writer`, set to `{writer}`), for the
# checks a start makes on every step before it stores anything. Formatted with str.format: braces are doubled.
LATER_STEP = """\
metadata: {{name: {name}}}
defaults: {{writer: {writer}}}
inputs:
  topic: {{type: text, required: true}}
steps:
  one:
    name: One
    prompt_template: "About {{{{ inputs.topic }}}}"
    model_preference: echo
  two:
    name: Two
    prompt_template: "More on {{{{ steps.one }}}}"
    {field}
"""

DRAFT_STEP = """\
metadata: {name: %s}
inputs:
  topic: {type: text, required: true}
steps:
  draft:
    name: Draft
    prompt_template: "Write about {{ inputs.topic }}"
"""


def draft_template(name: str, more: str = "") -> str:
    """A template `name` whose step `draft` writes about the input `topic`; `more` follows it as written."""
    return DRAFT_STEP % name + more
