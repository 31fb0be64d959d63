"""A dependency-free progress line: step/total, a few figures, rate and ETA (stderr)."""

from __future__ import annotations

import sys
import time


class Progress:
    """Redraws one line at most every ``every`` seconds; prints a newline when closed."""

    def __init__(
        self,
        total: int,
        desc: str = "",
        every: float = 0.5,
        stream=None,
        start: int = 0,
        unit: str = "it",
        forced: bool | None = None,
    ):
        """``forced``: None logs a line every 30 s off a terminal (training logs); False stays silent there."""
        self.total, self.desc, self.every, self.unit = total, desc, every, unit
        self.stream = stream if stream is not None else sys.stderr
        self.start, self.done, self.t0, self.last = start, start, time.monotonic(), 0.0
        self.enabled = self.stream.isatty() if hasattr(self.stream, "isatty") else False
        self.logs = forced is not False

    def update(self, n: int = 1, **figures: float | str) -> None:
        self.done += n
        now = time.monotonic()
        if now - self.last < self.every and self.done < self.total:
            return
        self.last = now
        elapsed = now - self.t0
        rate = (self.done - self.start) / max(elapsed, 1e-9)
        eta = (self.total - self.done) / rate if rate > 0 else float("inf")
        figs = " ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in figures.items())
        speed = f"{rate:.2f} {self.unit}/s ETA {_fmt(eta)}" if elapsed >= 1.0 else ""  # no rate off one early tick
        line = f"{self.desc} {self.done}/{self.total} {figs} {speed}"
        if self.enabled:
            self.stream.write("\r" + line[:200] + "\033[K")
        elif not self.logs:
            return
        elif self.done == self.total or now - getattr(self, "_logged", 0.0) > 30:
            self._logged = now  # non-interactive (logs, CI): a line every 30 s
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


def _fmt(seconds: float) -> str:
    if seconds == float("inf"):
        return "?"
    m, s = divmod(int(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
