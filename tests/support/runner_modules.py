"""Target modules for the runner tests, written into a temporary directory under a unique name."""

from __future__ import annotations

import itertools
import textwrap
from pathlib import Path

AGENT_SOURCE = """
import asyncio
import threading
import time

import fluxloop_otel as fl

CONFIG = {"a": 1}
STARTED = threading.Event()


def plain(input):
    return f"plain:{input}"


async def coro(message):
    await asyncio.sleep(0)
    return f"async:{message}"


def gen(query):
    yield "a"
    yield "b"
    yield query


async def agen(text):
    for part in ("x", {"delta": "y"}, text):
        yield part


def with_context(input, context, iteration=None, persona=None):
    return f"{input}|{context.iteration}|{context.run_index}|{context.persona}|{context['persona_description']}|{iteration}|{persona}|{context.metadata.get('strategy')}|{context.trace_id}"


def positional(value, /):
    return f"positional:{value}"


def returns_dict(input):
    return {"answer": input, "n": 1}


def returns_coroutine(input):
    return coro(input)


class Bot:
    def __init__(self):
        self.prefix = "bot"

    def answer(self, input):
        return f"{self.prefix}:{input}"

    @staticmethod
    def static(input):
        return f"static:{input}"

    @classmethod
    def klass(cls, input):
        return f"{cls.__name__}:{input}"


class CallableBot:
    def __call__(self, input):
        return f"callable:{input}"


class NotCallable:
    def answer(self, input):
        return input


class NeedsArgs:
    def __init__(self, key, region="eu"):
        self.key = key

    def answer(self, input):
        return input


class BrokenInit:
    def __init__(self):
        raise RuntimeError("no database")

    def answer(self, input):
        return input


def make_bot(prefix):
    bot = Bot()
    bot.prefix = prefix
    return bot


bot = Bot()


def needs_more(input, api_key):
    return input


def no_params():
    return "nothing"


def slow(input):
    STARTED.set()
    time.sleep(3)
    return "too late"


async def slow_async(input):
    await slow_tool(input)
    return "too late"


@fl.tool()
async def slow_tool(input):
    await asyncio.sleep(3)


def long_output(input):
    return "x" * 100


@fl.tool(description="echo tool")
def echo(text):
    return {"echo": text}


@fl.prompt(model="unit-model")
def complete(text):
    return {"text": text.upper(), "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}}


@fl.agent(name="traced_agent")
def traced(input):
    if "boom" in input:
        raise KeyError("boom requested")
    echo(input)
    return complete(input)["text"]


@fl.agent(name="overridden")
def with_final_response(input):
    fl.event("agent_final_response", output="from the event")
    return "from the return value"
"""

_counter = itertools.count()


def write_agent_module(directory: Path, source: str = AGENT_SOURCE) -> str:
    """Write ``source`` as a new module in ``directory``; returns its (unique) name."""
    name = f"runner_agent_{next(_counter)}_{abs(hash(str(directory))) % 10**8}"
    (directory / f"{name}.py").write_text(textwrap.dedent(source))
    return name
