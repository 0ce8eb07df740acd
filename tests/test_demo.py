"""`buurtbot demo --once`: the real bot on the sandbox, a newcomer's first minute."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main


def test_demo_walkthrough(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "demo-data").mkdir()
    (tmp_path / "demo-data" / "demo.db").write_text("old demo data")
    assert main(["demo", "--once"]) == 0
    out = capsys.readouterr().out
    assert "Kies uw taal." in out
    assert "Welkom! Uw BuurtWerkKamer is TOP." in out
    assert "[🍲 Eettafel]" in out
    assert (tmp_path / "demo-data" / "demo.db").read_bytes()[:15] == b"SQLite format 3", (
        "the demo starts from a fresh database every time")
