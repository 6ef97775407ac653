"""The package installs whole: a wheel in a fresh virtual environment, outside the checkout, runs the main job.

The built-in strategies, the scenario and the sheet templates ship as package
data; a name means the same strategy whatever folder etfsim runs from.  The
fresh environment gets only the wheel; the libraries it depends on are read
from the test environment's site-packages (a path entry, so the checkout's
editable install is not seen), which keeps the test to a minute.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=900, check=False)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    proc = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(REPO)], REPO)
    assert proc.returncode == 0, proc.stderr
    (found,) = out.glob("etfsim-*.whl")
    return found


def test_the_wheel_carries_the_strategies_scenario_and_templates(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = sorted(p.name for p in (REPO / "etfsim" / "strategies").glob("*.toml"))
    assert len(shipped) >= 8
    assert {f"etfsim/strategies/{n}" for n in shipped} <= names
    assert "etfsim/scenarios/compute_default.toml" in names
    assert any(n.startswith("etfsim/report/templates/") and n.endswith(".j2") for n in names)
    assert not any(n.startswith("tests/") for n in names)


def test_the_installed_wheel_runs_the_main_job_outside_the_checkout(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    proc = _run([str(py), "-m", "pip", "install", "--no-deps", "--quiet", str(wheel)], tmp_path)
    assert proc.returncode == 0, proc.stderr
    # the dependencies: this environment's site-packages as a plain path entry (its .pth files, the
    # checkout's editable install among them, are not processed)
    site = Path(proc_site(py))
    (site / "etfsim_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "ETFSIM_STRATEGIES")}
    env["COLUMNS"] = "200"
    where = _run([str(py), "-c", "import etfsim, sys; print(etfsim.__file__)"], work, env)
    assert where.returncode == 0 and where.stdout.startswith(str(env_dir)), (where.stdout, where.stderr)
    etfsim = str(env_dir / "bin" / "etfsim")
    version = _run([etfsim, "--version"], work, env)
    assert version.returncode == 0 and "0.1.0" in version.stdout, version.stderr
    run = _run([etfsim, "run", "--paths", "50", "--compare-paths", "10"], work, env)
    assert run.returncode == 0, run.stderr[-3000:]
    folder = work / "reports" / "compute_default"
    assert (folder / "factsheet.pdf").stat().st_size > 10_000 and (folder / "rules.html").is_file()
    # every built-in strategy ran (but uso_2020, a replay tied to its dates), from a folder with no strategies/
    import pandas as pd

    names = set(pd.read_parquet(folder / "strategy_stats.parquet")["strategy"])
    assert names == {p.stem for p in (REPO / "etfsim" / "strategies").glob("*.toml")} - {"uso_2020"}
    lib = _run([str(py), "-c", "import etfsim; print(etfsim.load_strategy('uso').rule)"], work, env)
    assert lib.returncode == 0 and "FrontMonth" in lib.stdout, lib.stderr


def proc_site(py: Path) -> str:
    out = _run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], py.parent)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()
