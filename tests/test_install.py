"""The bot as README's "Running on a server" and the Dockerfile install it: a wheel built by
``pip install .`` from exactly the files the Dockerfile copies, not the editable checkout the
other tests run from. It must carry everything the bot reads at run time, the translations
above all (without them every text comes out in English)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.auxil.harness import ROOT


def _dockerfile_sources() -> list[str]:
    sources = []
    for line in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if parts and parts[0] == "COPY" and not any(p.startswith("--") for p in parts):
            sources += parts[1:-1]
    return sources


def test_the_installed_package_speaks_dutch_and_has_its_migrations(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    for name in _dockerfile_sources():
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy(path, source / name)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
         "-w", str(tmp_path / "dist"), str(source)],
        capture_output=True, text=True, timeout=300, check=False)
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("buurtbot-*.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        archive.extractall(site)
    assert "bot/store/migrations/001_core.sql" in names
    for language in ("nl", "ar", "tr"):
        assert f"bot/locales/{language}/LC_MESSAGES/core.po" in names
    probe = ("import bot, bot.i18n as i; "
             "print(bot.__file__); print(i.translator('nl').gettext('Choose your language.'))")
    ran = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         timeout=60, check=True, cwd=tmp_path,
                         env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"})
    where, text = ran.stdout.splitlines()
    assert where.startswith(str(site))
    assert text == "Kies uw taal."
