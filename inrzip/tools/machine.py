"""Where figures came from: one line naming the machine, and the process's peak memory."""

from __future__ import annotations

import os
import platform
import resource
import sys

import torch


def machine() -> str:
    """One line saying where figures came from."""
    gpu = f", GPU {torch.cuda.get_device_name()}" if torch.cuda.is_available() else ""
    return (
        f"{platform.machine()} {os.cpu_count()} cpus, torch {torch.__version__} "
        f"({torch.get_num_threads()} threads){gpu}"
    )


def peak_rss_gb() -> float:
    """Peak resident memory of this process so far, in GB (ru_maxrss is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1e9 if sys.platform == "darwin" else 1e6 / 1.024)
