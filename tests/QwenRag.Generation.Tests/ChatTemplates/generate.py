"""Writes expected-<family>.jsonl: what transformers' apply_chat_template(tokenize=False) renders for each case of
cases.jsonl with the official chat templates beside this script. Run once (python3 with jinja2 >= 3.1); the outputs
are committed, the tests do not need Python.

The environment is transformers' (src/transformers/utils/chat_template_utils.py, _compile_jinja_template):
ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols]), its tojson filter
(json.dumps with ensure_ascii=False, default separators, keys unsorted: no HTML escaping of < > & '), raise_exception
and strftime_now. Like transformers, enable_thinking is passed only when the case gives it. One deviation, which the
C# renderer shares: a missing or null "content" is rendered as "" (the templates would fail or print "None").
Qwen2's template has no tool calling: cases with tools, tool calls or tool messages expect a refusal ("text": null).
"""
import json
from datetime import datetime
from pathlib import Path

import jinja2
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

here = Path(__file__).parent


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
env.filters["tojson"] = tojson
env.globals["raise_exception"] = raise_exception
env.globals["strftime_now"] = lambda fmt: datetime.now().strftime(fmt)

cases = [json.loads(line) for line in (here / "cases.jsonl").read_text(encoding="utf-8").split("\n") if line.strip()]
for family, uses_tools in (("qwen3", True), ("qwen2_5", True), ("qwen2", False)):
    template = env.from_string((here / f"{family}.jinja").read_text(encoding="utf-8"))
    with open(here / f"expected-{family}.jsonl", "w", encoding="utf-8") as out:
        for case in cases:
            messages = [dict(m, content=m.get("content") or "") for m in case["messages"]]
            has_tools = bool(case.get("tools")) or any(m.get("tool_calls") or m["role"] == "tool" for m in messages)
            if has_tools and not uses_tools:
                text = None
            else:
                variables = {"messages": messages, "tools": case.get("tools"),
                             "add_generation_prompt": case.get("add_generation_prompt", False),
                             "bos_token": None, "eos_token": "<|im_end|>"}
                if "enable_thinking" in case:
                    variables["enable_thinking"] = case["enable_thinking"]
                text = template.render(**variables)
            out.write(json.dumps({"name": case["name"], "text": text}, ensure_ascii=False) + "\n")
