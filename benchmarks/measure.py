"""What every benchmark measures a process with: its wall time and its own peak memory.

The package's bytecode is compiled before the first measured process, as ``pip install`` compiles it: where
``PYTHONDONTWRITEBYTECODE`` is set (this project's machines set it) an editable install would otherwise
recompile all ~90 serialtrack modules in every measured process, about 0.2 s that no installed copy spends.
"""

from __future__ import annotations

import compileall
import functools
import os
import subprocess
import tempfile
import time
from pathlib import Path

import serialtrack


@functools.cache
def compiled_package() -> Path:
    """Write the serialtrack package's ``__pycache__`` (once per benchmark run) and return its folder."""
    package = Path(serialtrack.__file__).parent
    if not compileall.compile_dir(package, quiet=1):
        raise SystemExit(f"could not compile {package}")
    return package


def child(args: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Run ``args``: (wall seconds, peak RSS MB of that child alone via ``wait4``, its stdout). A child that
    fails stops the benchmark with its output."""
    compiled_package()
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(args, env=env, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"{args[1:6]} failed:\n{out.read()[:4000]}\n{err.read()[:4000]}")
        return seconds, usage.ru_maxrss / 1024, out.read()
