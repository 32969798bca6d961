"""The one way tests run the command line.

In-process (``Cli``, the ``cli`` fixture): ``main`` with the test's clock, output read with
``capsys``. As a real process (``run_desk``, ``start_desk``): ``python -m desk``, for what only
a process shows (a closed pipe, SIGKILL mid-send, two desks racing); those run on the real
clock, so they assert nothing about dates.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from desk.cli import main
from desk.clock import Clock
from desk.config import Settings
from tests.helpers.paths import REPO


def desk_argv(
    settings: Settings,
    *args: str,
    as_name: str | None = "amelie",
    lang: str | None = None,
    config: Path | None = None,
) -> list[str]:
    """The arguments of ``desk [--lang L] --db DB --config TOML [--as NAME] ARGS...``."""
    argv = ["--lang", lang] if lang else []
    argv += ["--db", str(settings.db), "--config", str(config or settings.config)]
    if as_name:
        argv += ["--as", as_name]
    return [*argv, *args]


class Cli:
    """``desk`` run in this process on one test database and clock; returns the exit status."""

    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock

    def __call__(
        self,
        *args: str,
        as_name: str | None = "amelie",
        lang: str | None = None,
        config: Path | None = None,
    ) -> int:
        argv = desk_argv(self.settings, *args, as_name=as_name, lang=lang, config=config)
        return main(argv, clock=self.clock)

    def raw(self, argv: Sequence[str]) -> int:
        """``desk ARGV`` exactly as given (no --db, --config or --as added)."""
        return main(list(argv), clock=self.clock)


def _command(args: Sequence[str]) -> list[str]:
    return [sys.executable, "-m", "desk", *args]


def run_desk(
    *args: str,
    env: Mapping[str, str] | None = None,
    cwd: Path = REPO,
    timeout: float = 120,
    stdin: str | None = None,
    memory_cap: int | None = None,
) -> subprocess.CompletedProcess[str]:
    """``python -m desk ARGS`` to completion, its output captured as text; ``memory_cap``:
    bytes of address space the child may take (a runaway read fails instead of swapping)."""

    def capped() -> None:
        if memory_cap is not None:
            resource.setrlimit(resource.RLIMIT_AS, (memory_cap, memory_cap))

    return subprocess.run(
        _command(args),
        env=None if env is None else dict(env),
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=capped if memory_cap is not None else None,  # noqa: PLW1509 - a limit only
        check=False,
    )


def start_desk(
    *args: str, env: Mapping[str, str] | None = None, cwd: Path = REPO
) -> subprocess.Popen[str]:
    """``python -m desk ARGS`` started, its stdout and stderr piped (the caller waits)."""
    return subprocess.Popen(
        _command(args),
        env=None if env is None else dict(env),
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def loaded_by(*args: str) -> tuple[str, list[str]]:
    """What ``desk ARGS`` prints, and the modules it has imported when it ends, run by ``main``
    in a fresh interpreter (what a command loads is a property of a whole process)."""
    code = (
        "import json, sys\n"
        "from desk.cli import main\n"
        "try:\n"
        f"    main({list(args)!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(json.dumps(sorted(sys.modules)), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return done.stdout, json.loads(done.stderr.splitlines()[-1])
