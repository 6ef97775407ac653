"""File plumbing: nothing half-written on disk.

Every file etfsim writes goes to a temporary file in the target folder and is
renamed into place only once complete, so a crash leaves either the old file or
the new one, never a torn one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from etfsim.exceptions import DataError

__all__ = ["atomic_path", "check_writable", "read_toml"]


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` on success.

    Raises
    ------
    DataError
        If the folder cannot be created or written.
    """
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise DataError(f"cannot write {target}: {exc.strerror or exc}; choose a writable output folder") from exc
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        # mkstemp makes the file private (0600); give it the usual permissions of a new file
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        try:
            os.replace(tmp, target)
        except OSError as exc:  # e.g. the target is an existing folder
            raise DataError(
                f"cannot write {target}: {exc.strerror or exc}; give a file path in a writable folder"
            ) from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def check_writable(folder: str | os.PathLike[str]) -> Path:
    """Check that files can be written in ``folder`` (or created with it) without creating anything.

    Raises
    ------
    DataError
        If the folder, or the nearest folder above it that exists, is not a
        writable folder (named, with the fix).
    """
    path = Path(folder)
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        raise DataError(f"cannot write to {path}: {probe} is not a folder; choose a writable output folder")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise DataError(f"cannot write to {path}: {probe} is not writable; choose a writable output folder")
    return path


def read_toml(path: str | os.PathLike[str], what: str, missing_hint: str) -> dict[str, object]:
    """Parse a TOML file; every way it can fail is one ScenarioError naming the file.

    ``what`` names the kind of file ("scenario", "strategy", "fund") and
    ``missing_hint`` says what to do when it does not exist.
    """
    import tomllib

    from etfsim.exceptions import ScenarioError

    p = Path(path)
    try:
        return tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ScenarioError(f"{what} file {p} does not exist; {missing_hint}") from exc
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{p.name} is not a TOML text file (not UTF-8): {exc.reason}") from exc
    except OSError as exc:  # a folder, no permission: one clear line, not a traceback
        raise ScenarioError(f"cannot read {what} file {p}: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{p.name} is not valid TOML: {exc}") from exc
