"""`make bench` runs every bench, also after one that misses its target, and fails at the end."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_bench_runs_every_bench_and_fails_at_the_end(tmp_path):
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    (tmp_path / "pyproject.toml").write_text("")
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "python").symlink_to(sys.executable)
    stamp = tmp_path / ".venv" / ".installed"
    stamp.touch()
    os.utime(tmp_path / "pyproject.toml", (1, 1))  # older than the stamp: no install
    bench = tmp_path / "bench"
    bench.mkdir()
    (bench / "bench_a.py").write_text("print('a ran')\n")
    (bench / "bench_b.py").write_text("import sys\nprint('b missed')\nsys.exit(1)\n")
    (bench / "bench_c.py").write_text("print('c ran')\n")

    done = subprocess.run(["make", "-s", "bench"], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode != 0
    assert "a ran" in done.stdout and "b missed" in done.stdout and "c ran" in done.stdout
    assert "missed a target: bench/bench_b.py" in done.stdout

    (bench / "bench_b.py").write_text("print('b ran')\n")
    done = subprocess.run(["make", "-s", "bench"], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "every bench met its targets" in done.stdout
