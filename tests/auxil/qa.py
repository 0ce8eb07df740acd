"""QA crawler: send a command, press each button on the answer, collect what looks wrong."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.i18n import translator
from bot.sandbox import SandboxUser
from tests.auxil.harness import BotHarness

SKIP_DATA = ("acc:erase:", "acc:setlang:", "vol:rmok:", "acc:setroom:")
ENGLISH = re.compile(
    r"\b(the|your|you|please|tap|this|with|sign up|seats|request|volunteer|nobody|"
    r"week of|there|are|is not|no longer)\b", re.I)
PLACEHOLDER = re.compile(r"\{[a-z_0-9]*\}|%\(|%s|%d")


@dataclass
class Finding:
    where: str
    what: str
    text: str

    def __str__(self) -> str:
        return f"[{self.where}] {self.what}: {self.text[:300]!r}"


@dataclass
class Crawl:
    bot: BotHarness
    user: SandboxUser
    language: str
    others: list[SandboxUser] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    actions: int = 0
    seen: set[str] = field(default_factory=set)

    def check_text(self, where: str, text: str | None, html: str | None) -> None:
        if not text:
            return
        key = where.split(" >")[0] + text
        if key in self.seen:
            return
        self.seen.add(key)
        if "&lt;" in text or "&gt;" in text or "&amp;" in text or "&quot;" in text:
            self.findings.append(Finding(where, "escaped entity visible", text))
        if re.search(r"</?(b|i|u|a|code|pre|s)\b", text):
            self.findings.append(Finding(where, "raw html visible", text))
        if PLACEHOLDER.search(text):
            self.findings.append(Finding(where, "placeholder", text))
        if len(text) > 4096:
            self.findings.append(Finding(where, "too long", str(len(text))))
        if self.language != "en":
            hits = ENGLISH.findall(text)
            if hits:
                self.findings.append(Finding(where, f"english? {hits[:4]}", text))

    def check_message(self, where: str, msg) -> None:
        self.check_text(where, msg.text, msg.html)
        for row in msg.buttons:
            for label in row:
                if len(label) > 30:
                    self.findings.append(Finding(where, f"long button ({len(label)})", label))
                self.check_text(where + " button", label, None)

    def snapshot(self) -> dict[int, str]:
        return {m.message_id: (m.html or m.text or "") + repr(m.reply_markup)
                for m in self.user.messages if m.from_bot}

    def others_snapshot(self) -> dict[int, int]:
        return {o.id: len(o.messages) for o in self.others}

    async def act(self, where: str, action) -> list:
        before = self.snapshot()
        others = self.others_snapshot()
        answers = len(self.user.callback_answers)
        self.actions += 1
        await action()
        await self.bot.settle()
        changed = [m for m in self.user.messages if m.from_bot and (
            m.message_id not in before
            or before[m.message_id] != (m.html or m.text or "") + repr(m.reply_markup))]
        for m in changed:
            self.check_message(where, m)
        stale = translator(self.language)._(
            "This button no longer works. Tap /menu to start again.")
        for text, _alert in self.user.callback_answers[answers:]:
            if text == stale:
                self.findings.append(Finding(where, "dead button", text))
            elif text:
                self.check_text(where + " (alert)", text, None)
        for o in self.others:
            for m in o.messages[others[o.id]:]:
                if m.from_bot:
                    self.findings.append(Finding(where, f"message to other {o.first_name}",
                                                 m.text or ""))
        return changed

    async def command(self, command: str, depth: int = 1) -> None:
        await self.act(command, lambda: self.user.send(command))
        if depth <= 0:
            return
        await self._explore([command], depth)

    async def _replay(self, path: list) -> None:
        await self.user.send(path[0])
        await self.bot.settle()
        for data in path[1:]:
            msg = self._message_with(data)
            if msg is None:
                return
            await self.user.press_data(data, message=msg)
            await self.bot.settle()

    def _message_with(self, data: str):
        for m in reversed(self.user.bot_messages):
            if data in m.button_data.values():
                return m
        return None

    async def _explore(self, path: list, depth: int) -> None:
        last = next((m for m in reversed(self.user.bot_messages) if m.inline_keyboard), None)
        if last is None:
            return
        buttons = list(last.button_data.items())
        for label, data in buttons:
            if data.startswith(SKIP_DATA) or data == "menu:main":
                continue
            await self._replay(path)
            msg = self._message_with(data)
            if msg is None:
                self.findings.append(Finding(" > ".join(path), "button vanished on replay", label))
                continue
            where = " > ".join([*path[:1], *[p for p in path[1:]], label])
            await self.act(where, lambda m=msg, d=data: self.user.press_data(d, message=m))
            if depth > 1:
                await self._explore([*path, data], depth - 1)
