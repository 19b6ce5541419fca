"""CPU time of processes, from Linux's /proc (psutil is not a dependency; the stat file
read as tests/support/server.py reads it)."""

from __future__ import annotations

import os
from pathlib import Path

from tests.support.server import stat_fields

_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far; 0 once it has gone."""
    try:
        fields = stat_fields(Path(f"/proc/{pid}/stat"))
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime + stime


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and its descendants."""
    total = cpu_seconds(pid)
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                total += tree_cpu(int(child))
    except OSError:  # the process (or one of its threads) ended while we looked
        pass
    return total
