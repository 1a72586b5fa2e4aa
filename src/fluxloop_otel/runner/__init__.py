"""``fluxloop-otel run``: FluxLoop experiment directories without the FluxLoop CLI runner.

Runs a target (``"pkg.module:function"``, ``"module:instance.method"``, ``"module:Class.method"``)
once per input and iteration, each run a fluxloop-otel trace, and writes ``exp_YYYYMMDD_HHMMSS/``
in the layout ``fluxloop parse experiment`` and ``fluxloop evaluate experiment`` read::

    from fluxloop_otel.runner import Options, Session, build_config

    session = Session(build_config(Options(target="my_agent:run", inputs=Path("inputs.yaml"))))
    session.prepare()          # every user error (RunnerError) surfaces here
    result = session.execute()
    print(result.directory, result.success_rate)
"""

from fluxloop_otel.runner.errors import ConfigError, InputsError, RunnerError, TargetError
from fluxloop_otel.runner.invoke import RunContext
from fluxloop_otel.runner.results import ExperimentResult, RunResult
from fluxloop_otel.runner.session import Options, Session, build_config

__all__ = [
    "ConfigError",
    "ExperimentResult",
    "InputsError",
    "Options",
    "RunContext",
    "RunResult",
    "RunnerError",
    "Session",
    "TargetError",
    "build_config",
]
