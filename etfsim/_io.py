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

__all__ = [
    "atomic_path",
    "available_memory",
    "check_free_disk",
    "check_writable",
    "clean_stale",
    "human_bytes",
    "read_toml",
    "stale_owner",
    "temp_tag",
]


def human_bytes(n: float) -> str:
    """``3.6 TiB``: a size in binary units, for messages."""
    size = float(n)
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if size < 1024.0 or unit == "PiB":
            return f"{size:,.0f} {unit}" if unit == "bytes" else f"{size:,.1f} {unit}"
        size /= 1024.0
    return f"{size:,.1f} EiB"  # not reached


def available_memory() -> int:
    """Bytes of memory available to a new allocation (MemAvailable on Linux, else physical memory)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return 2**62  # unknown: do not refuse on a guess


def _existing_folder(path: Path) -> Path:
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return probe if probe.is_dir() else probe.parent


def check_free_disk(folder: str | os.PathLike[str], need: float, what: str, fix: str) -> None:
    """Refuse (DataError) when ``folder``'s file system has less than ``need`` bytes free.

    ``what`` says what would be written ("a curve file of 10,000 paths") and
    ``fix`` what to do instead; both go into the one-line message with the sizes.
    """
    import shutil

    where = _existing_folder(Path(folder))
    try:
        free = shutil.disk_usage(where).free
    except OSError:
        return  # a file system that does not say: the write itself will tell
    if need > free:
        raise DataError(
            f"{what} needs about {human_bytes(need)} of disk, but {where} has {human_bytes(free)} free; {fix}"
        )


def temp_tag() -> str:
    """``host-pid``: names a temporary file or staging folder after the process writing it.

    A later run into the same place removes the ones whose process is gone
    (:func:`clean_stale`); one from another machine sharing the folder is left alone.
    """
    import re
    import socket

    host = re.sub(r"[^A-Za-z0-9]", "_", socket.gethostname())[:40] or "host"
    return f"{host}-{os.getpid()}"


def stale_owner(tag: str) -> bool:
    """True when ``tag`` (from :func:`temp_tag`) names a process on this machine that has ended."""
    host, _sep, pid_text = tag.rpartition("-")
    if host != temp_tag().rpartition("-")[0] or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # it exists, under another user
        return False
    return False


def clean_stale(folder: Path, prefix: str, suffix: str = "") -> None:
    """Remove ``prefix<tag>.*<suffix>`` files and folders in ``folder`` whose writing process has ended.

    They are left behind by a run killed before it could rename or remove
    them.  A name without a tag (from a version of etfsim before tags) has no
    owner to ask and counts as stale.
    """
    import shutil

    try:
        items = [p for p in folder.iterdir() if p.name.startswith(prefix) and p.name.endswith(suffix)]
    except OSError:
        return
    for item in items:
        tag = item.name[len(prefix) : len(item.name) - len(suffix)].split(".", 1)[0]
        if "-" in tag and not stale_owner(tag):
            continue
        if item.is_dir() and not item.is_symlink():
            shutil.rmtree(item, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                item.unlink()


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` on success.

    Raises
    ------
    DataError
        If the folder cannot be created or written.
    """
    target = Path(target)
    if target.is_dir():
        raise DataError(f"cannot write {target}: it is a folder; give a file path")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        # a temporary file a killed run left beside this target is removed by this one
        clean_stale(target.parent, f".{target.name}.", ".tmp")
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.{temp_tag()}.", suffix=".tmp", dir=target.parent)
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
    if p.is_dir():
        raise ScenarioError(f"{p} is a folder, not a {what} file; give the path of a .toml file")
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
