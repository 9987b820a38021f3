"""``hotspots`` commands run for the tests in processes forked from one that has loaded the service already.

A command run as a person runs it (``python -m service …``) spends two to five seconds loading pandas, SciPy,
scikit-learn and the service before its first line, several hundred times over in the suite. This module, run as
``python -m tests.cli_fork`` once per test process, loads them once, then forks a child per command: the child
takes the command's environment, folder, standard input and output files, builds the consoles again (they read
the environment and the terminal when made) and runs the installed entry point, :func:`service.cli.main.run`,
which ends the process with the command's exit code. The command is thus a process of its own, as for a person;
only the loading is shared. What loading itself does (the help without importing the commands, the commands that
load no analysis) is tested by the tests that start a fresh interpreter.

The protocol, one JSON line each way on the pipe: a request (``id``, ``argv``, ``env``, ``cwd``, ``stdin``,
``stdout``, ``stderr``: paths of files) → ``{"id": …, "pid": …}`` once forked, then ``{"id": …, "code": …}`` (a
signal's negative number, as ``subprocess`` gives it) once the child has ended. The id lets a test that was
stopped while its command ran leave its answers behind without the next command taking them.
"""

from __future__ import annotations

import json
import os
import sys
import time

#: Loaded before any fork, besides every command's module (:data:`service.cli.main._LAZY`): what the commands load
#: when they run.
PRELOAD = (
    "service.analyse.store",
    "service.export.pdf_sheet",
    "service.export.xlsx_file",
    "sklearn.cluster",
    "scipy.stats",
)


def _child(request: dict) -> None:
    """In the forked child: become the command's process, run it, never return."""
    try:
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        time.tzset()
        for fd, name, mode in ((0, "stdin", os.O_RDONLY), (1, "stdout", os.O_WRONLY), (2, "stderr", os.O_WRONLY)):
            os.dup2(os.open(request[name], mode), fd)
        from service.cli import common

        for console, stderr in ((common.console, False), (common.err_console, True)):
            vars(console).clear()
            vars(console).update(vars(common._console(stderr)))
        sys.argv = ["hotspots", *request["argv"]]
        from service.cli.main import run

        run()
    except BaseException as exc:
        os.write(2, f"cli_fork : {exc!r}\n".encode())
    os._exit(70)


def serve() -> None:
    """Load, then answer each request line on standard input until it closes."""
    from importlib import import_module

    from service.cli.main import _LAZY

    for name in (*{entry.module for entry in _LAZY.values()}, *PRELOAD):
        import_module(name)
    out = sys.stdout
    out.write(json.dumps({"pret": True}) + "\n")
    out.flush()
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _child(request)
        out.write(json.dumps({"id": request["id"], "pid": pid}) + "\n")
        out.flush()
        _, status = os.waitpid(pid, 0)
        out.write(json.dumps({"id": request["id"], "code": os.waitstatus_to_exitcode(status)}) + "\n")
        out.flush()


if __name__ == "__main__":
    serve()
