"""Output files that appear whole or not at all, and never replace an existing file unasked."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from .errors import InrzipError


def check_writable(path: Path, force: bool) -> None:
    """Fail early (before minutes of encoding) if ``path`` exists and ``force`` is off."""
    if path.exists() and not force:
        raise InrzipError(f"{path} exists (use --force to overwrite, or -o to choose another name)")
    if path.exists() and path.is_dir():
        raise InrzipError(f"{path} is a directory")
    if not path.parent.exists():
        raise InrzipError(f"directory {path.parent} does not exist")


def write_atomic(path: Path | str, data: bytes, force: bool = False) -> None:
    """Write to a temporary file beside ``path`` then rename: a crash or Ctrl-C leaves no partial file.

    ``-`` writes to stdout. Without ``force`` the final step is a hard link, which fails rather
    than replace a file that appeared meanwhile.
    """
    if str(path) == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    path = Path(path)
    check_writable(path, force)
    _commit(path, lambda f: f.write(data), force)


def save_atomic(path: Path | str, write: Callable[[BinaryIO], object]) -> None:
    """Replace ``path`` with what ``write(file)`` writes, whole or not at all (inits, checkpoints, results)."""
    _commit(Path(path), write, force=True)


def _commit(path: Path, write: Callable[[BinaryIO], object], force: bool) -> None:
    """``write`` into a temporary file beside ``path``, fsync, then rename (``force``) or hard-link it into place."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, _mode_for(path))  # mkstemp makes 0600: give the file the mode any new file would get
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        if force:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)
            except FileExistsError:
                raise InrzipError(f"{path} exists (use --force to overwrite)") from None
            except OSError:  # filesystems without hard links
                if path.exists():
                    raise InrzipError(f"{path} exists (use --force to overwrite)") from None
                os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _mode_for(path: Path) -> int:
    """The mode a replaced file had, or what the umask gives a new file."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def read_input(path: str) -> bytes:
    """Bytes of a file, or of stdin for ``-``."""
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except IsADirectoryError:
        raise InrzipError(f"{path} is a directory") from None
    except OSError as e:
        raise InrzipError(f"cannot read {path}: {e.strerror or e}") from None
