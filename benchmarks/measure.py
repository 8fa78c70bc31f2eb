"""What every benchmark measures a process with: its wall time and its own peak memory."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time


def child(args: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Run ``args``: (wall seconds, peak RSS MB of that child alone via ``wait4``, its stdout). A child that
    fails stops the benchmark with its output."""
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
