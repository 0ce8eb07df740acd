"""Architecture ratchet (issue 13, stage 0): counts of what should leave the code, each with a
ceiling that may only go down.

Why a ratchet and not a rule: the messaging core is built in stages, by several people at once.
Every count below is what the branch holds today; a change that adds one more direct
``bot.send_message``, one more SQL statement in a service or one more hand-written callback
string fails here with the list of places, while the work that removes them lowers the ceiling
in :data:`CEILINGS` (the lead does that at each merge). A ceiling of 0 is a hard rule: nothing of
that kind may come back, anywhere outside the places named in :data:`ALLOWED`.

Counted over ``bot/**/*.py`` with :mod:`ast` (comments and docstrings never count), by the
method of ``docs/messaging-core-plan.md`` §5. ``python tests/test_architecture.py`` prints every
count next to its ceiling, so a lowered number is easy to write down.
"""

from __future__ import annotations

import ast
import inspect
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BOT = ROOT / "bot"

#: Today's counts; lower them as the work lands, never raise them. 0 = must stay 0.
CEILINGS: dict[str, int] = {
    # bot.send_* / bot.edit_message_* / .reply_text / .edit_text / query.answer outside the
    # adapter, and any Bot API method or PTB shortcut that speaks to a chat, on any receiver
    # (copy/forward/delete_message, answer_callback_query, set_my_commands, reply_photo …),
    # passed on uncalled or named in getattr
    "telegram_calls": 0,
    # "chat not found", "not modified", "deactivated", "kicked" outside the adapter
    "telegram_error_strings": 0,
    # SQL statements (string literals) outside bot/store/
    "sql_outside_store": 0,
    # INSERT OR IGNORE anywhere (ON CONFLICT (cols) DO NOTHING is the portable form)
    "or_ignore": 0,
    # cursor.lastrowid anywhere (INSERT ... RETURNING id is the portable form)
    "lastrowid": 0,
    # button data written as a string literal ("meal:su:…") outside bot/actions/
    "callback_literals": 0,
    # PTB's private attributes and modules outside bot/handlers/ptb_compat.py
    "ptb_private": 0,
    # a store module's private helper (store._row) used outside bot/store/
    "store_private": 0,
    # users.telegram_id outside bot/store/users.py and the adapter (people engineer, stage 1)
    "telegram_id": 29,
}

#: Where a kind is at home (path prefixes relative to the repository), with the reason.
ALLOWED: dict[str, dict[str, str]] = {
    "telegram_calls": {
        "bot/channels/telegram/": "the Telegram adapter is the one place that calls the Bot API",
        "bot/sandbox/": "the loopback Telegram itself",
    },
    "telegram_error_strings": {
        "bot/channels/telegram/": "the adapter maps Telegram's errors to delivery verdicts",
        "bot/sandbox/": "the loopback Telegram produces these errors",
        "bot/channels/whatsapp/bridge.py": "the WhatsApp bridge answers the Bot API as "
                                           "Telegram would, its errors too (issue 14)",
    },
    "sql_outside_store": {
        "bot/store/": "SQL lives in the store, one module per aggregate",
        "bot/sandbox/": "the loopback Telegram keeps no SQL, but is not the bot either",
    },
    "or_ignore": {},
    "lastrowid": {},
    "callback_literals": {
        "bot/actions/": "the typed actions declare the codes buttons carry",
        "bot/sandbox/": "the loopback Telegram does not build buttons",
        "bot/schedule.py": "meal_ref(): a calendar entry's id (\"meal:12\"), not button data",
    },
    "ptb_private": {
        "bot/handlers/ptb_compat.py": "the one module that may touch PTB internals "
                                      "(tests/test_ptb_compat.py guards them)",
        "bot/sandbox/": "the loopback Telegram is not PTB",
    },
    "store_private": {
        "bot/store/": "a store module's own helpers",
    },
    "telegram_id": {
        "bot/store/users.py": "the people store maps Telegram ids to people",
        "bot/store/ptb_state.py": "the chat framework's saved state is keyed by Telegram ids",
        "bot/channels/telegram/": "the adapter speaks in Telegram ids",
        "bot/sandbox/": "the loopback Telegram",
    },
}


@dataclass(frozen=True)
class Hit:
    path: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.text}"


# --- parsing ------------------------------------------------------------------------------


_SCOPES = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)


@dataclass
class Module:
    """One parsed file, its nodes sorted by kind in a single walk (the test must stay fast).

    The walk carries down what the checks would otherwise climb up for: the enclosing class,
    and whether a string there could be button data (the nearest call or keyword decides).
    """

    path: str  # relative to the repository, with forward slashes
    tree: ast.Module
    #: every string literal (an f-string as its literal head), docstrings left out, with
    #: "could be button data" as seen from the nearest call, keyword or statement
    strings: list[tuple[ast.AST, str, bool]] = field(default_factory=list)
    calls: list[ast.Call] = field(default_factory=list)
    #: every attribute with the class it is written in (None: outside a class)
    attributes: list[tuple[ast.Attribute, ast.ClassDef | None]] = field(default_factory=list)
    imports: list[ast.Import | ast.ImportFrom] = field(default_factory=list)
    classes: list[ast.ClassDef] = field(default_factory=list)
    names: list[ast.AST] = field(default_factory=list)  # Name, keyword and arg nodes

    def __post_init__(self) -> None:
        docstrings: set[int] = set()
        stack: list[tuple[ast.AST, bool, ast.ClassDef | None]] = [(self.tree, True, None)]
        while stack:
            node, data, klass = stack.pop()
            kind = type(node)
            if kind is ast.Constant:
                if isinstance(node.value, str) and id(node) not in docstrings:
                    self.strings.append((node, node.value, data))
                continue
            if kind is ast.JoinedStr:
                head = node.values[0] if node.values else None
                self.strings.append(
                    (node, head.value if isinstance(head, ast.Constant) else "", data))
                for value in node.values:  # literal parts and format specs are not strings
                    if isinstance(value, ast.FormattedValue):
                        stack.append((value.value, data, klass))
                continue
            if isinstance(node, _SCOPES) and node.body:
                first = node.body[0]
                if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                    docstrings.add(id(first.value))
            if kind is ast.Call:
                self.calls.append(node)
                name = _call_name(node)
                args_data = name not in _NOT_DATA_CALLS
                stack.append((node.func, True, klass))
                stack.extend((arg, args_data, klass) for arg in node.args)
                stack.extend((kw, args_data, klass) for kw in node.keywords)
                continue
            if kind is ast.keyword:
                self.names.append(node)
                if node.arg in _NOT_DATA_KEYWORDS:
                    data = False
            elif kind is ast.Attribute:
                self.attributes.append((node, klass))
            elif kind is ast.Name or kind is ast.arg:
                self.names.append(node)
            elif kind is ast.ClassDef:
                self.classes.append(node)
                klass = node
            elif kind is ast.Import or kind is ast.ImportFrom:
                self.imports.append(node)
            if isinstance(node, ast.stmt):
                data = True
            stack.extend((child, data, klass) for child in ast.iter_child_nodes(node))


@cache
def modules() -> tuple[Module, ...]:
    """Every module of the bot; the sandbox (a loopback Telegram, not the bot) is left out."""
    return tuple(
        Module(file.relative_to(ROOT).as_posix(),
               ast.parse(file.read_text(encoding="utf-8"), filename=str(file)))
        for file in sorted(BOT.rglob("*.py")) if "sandbox" not in file.relative_to(BOT).parts)


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 70 else text[:67] + "..."


def _tail(node: ast.AST) -> str | None:
    """The last name of an expression: ``context.bot`` → ``bot``, ``query`` → ``query``."""
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return None


def _call_name(call: ast.Call) -> str | None:
    return _tail(call.func)


# --- the counts ---------------------------------------------------------------------------

_SHORTCUTS = {"reply_text", "edit_text", "send_chat_action"}
_BOT_METHOD = re.compile(r"^(send_[a-z_]+|edit_message_[a-z_]+)$")
#: Bot API methods that speak to a chat (or change what it shows), and the shortcuts PTB's
#: Message / Chat / User / CallbackQuery objects have for them: on *any* receiver
#: (``query.edit_message_text``, ``chat.send_message``, ``self._bot.copy_message``), as an
#: attribute that is passed on uncalled, or named in ``getattr(bot, "send_message")``.
_SPEAKING = re.compile(r"^(send_[a-z_]+|edit_message_[a-z_]+|copy_messages?|forward_messages?"
                       r"|delete_messages?|answer_[a-z_]*query|set_my_[a-z_]+|delete_my_[a-z_]+"
                       r"|(reply|edit)_[a-z_]+|(pin|unpin)_[a-z_]*message|set_message_reaction"
                       r"|stop_(poll|message_live_location))$")


@cache
def _telegram_speaking_names() -> frozenset[str]:
    """The speaking names PTB itself defines (read from the installed PTB), so our own
    ``send_now`` or ``reply_message`` helpers do not count."""
    import telegram

    names: set[str] = set()
    for cls in (telegram.Bot, telegram.Message, telegram.Chat, telegram.User,
                telegram.CallbackQuery):
        names.update(name for name in dir(cls) if _SPEAKING.match(name))
    return frozenset(names)


def telegram_calls(module: Module) -> Iterator[Hit]:
    speaking = _telegram_speaking_names()
    called: set[int] = set()
    for node in module.calls:
        if _call_name(node) in ("getattr", "setattr", "hasattr") and len(node.args) >= 2 \
                and isinstance(node.args[1], ast.Constant) and node.args[1].value in speaking:
            yield Hit(module.path, node.lineno, f"getattr(…, {node.args[1].value!r})")
        if not isinstance(node.func, ast.Attribute):
            continue
        called.add(id(node.func))
        attr, receiver = node.func.attr, _tail(node.func.value)
        if (_BOT_METHOD.match(attr) and receiver == "bot") or attr in _SHORTCUTS or (
                attr == "answer" and receiver in ("query", "callback_query")) \
                or attr in speaking:
            yield Hit(module.path, node.lineno, f"{receiver}.{attr}(...)")
    for node, _klass in module.attributes:
        if id(node) not in called and node.attr in speaking and isinstance(node.ctx, ast.Load):
            yield Hit(module.path, node.lineno, f"{_tail(node.value)}.{node.attr} (passed on)")


_ERROR_STRINGS = ("chat not found", "not modified", "deactivated", "kicked")


def telegram_error_strings(module: Module) -> Iterator[Hit]:
    for node, text, _data in module.strings:
        lowered = text.lower()
        if any(needle in lowered for needle in _ERROR_STRINGS):
            yield Hit(module.path, node.lineno, repr(_short(text)))


_SQL = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|WITH|PRAGMA|REPLACE|CREATE|DROP|ALTER)\s+"
                  r"[\w(*]")


def sql_outside_store(module: Module) -> Iterator[Hit]:
    for node, text, _data in module.strings:
        if _SQL.match(text):
            yield Hit(module.path, node.lineno, repr(_short(text)))


def or_ignore(module: Module) -> Iterator[Hit]:
    for node, text, _data in module.strings:
        if re.search(r"\bOR\s+IGNORE\b", text, re.IGNORECASE):
            yield Hit(module.path, node.lineno, repr(_short(text)))


def lastrowid(module: Module) -> Iterator[Hit]:
    for node, _klass in module.attributes:
        if node.attr == "lastrowid":
            yield Hit(module.path, node.lineno, f"{_tail(node.value)}.lastrowid")


_PREFIXES = ("meal", "help", "cal", "tal", "menu", "srv", "chk", "vh", "ann", "acc", "ops",
             "vol", "rpt", "onb", "nwk")
_CALLBACK = re.compile(rf"^({'|'.join(_PREFIXES)}):\S*$")
#: Strings with a feature prefix that are not button data: claims, retry kinds, participation
#: sources, log lines, routing patterns.
_NOT_DATA_CALLS = {"claim", "Retry", "record", "add_tick", "startswith", "compile", "match",
                   "fullmatch", "search", "debug", "info", "warning", "error", "exception"}
_NOT_DATA_KEYWORDS = {"pattern", "source_id", "ref", "kind", "name", "period", "job", "key"}


def callback_literals(module: Module) -> Iterator[Hit]:
    for node, text, data in module.strings:
        if data and _CALLBACK.match(text):
            yield Hit(module.path, node.lineno, repr(text))


@cache
def _ptb_private_names() -> frozenset[str]:
    """Every single-underscore attribute PTB's public classes define (``_get_key``,
    ``_conversations``, ``_initialized`` …), read from the installed PTB itself."""
    import telegram
    import telegram.error
    import telegram.ext

    names: set[str] = set()
    for package in (telegram, telegram.ext, telegram.error):
        for _name, cls in inspect.getmembers(package, inspect.isclass):
            if not cls.__module__.startswith("telegram"):
                continue
            for klass in cls.__mro__:
                if not klass.__module__.startswith("telegram"):
                    continue
                slots = getattr(klass, "__slots__", ())
                for name in [*vars(klass), *([slots] if isinstance(slots, str) else slots)]:
                    if name.startswith("_") and not name.startswith("__"):
                        names.add(name)
    return frozenset(names)


def _telegram_names(module: Module) -> set[str]:
    """Names this module imported from ``telegram`` (to know which classes subclass PTB)."""
    names: set[str] = set()
    for node in module.imports:
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "telegram":
            names.update(alias.asname or alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names
                         if alias.name.split(".")[0] == "telegram")
    return names


def _ptb_classes(module: Module) -> set[ast.ClassDef]:
    imported = _telegram_names(module)
    return {node for node in module.classes
            if any(_root(base) in imported for base in node.bases)}


def _root(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def ptb_private(module: Module) -> Iterator[Hit]:
    private = _ptb_private_names()
    ptb_classes = _ptb_classes(module)
    for node in module.imports:
        names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [
            alias.name for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "telegram" and any(p.startswith("_") for p in parts):
                yield Hit(module.path, node.lineno, f"import {name}")
    for node, klass in module.attributes:
        if node.attr == "__class__" and isinstance(node.ctx, ast.Store):
            yield Hit(module.path, node.lineno, "<object>.__class__ = ... (class swap)")
        elif node.attr in private:
            receiver = _tail(node.value)
            if receiver in ("self", "cls") and klass not in ptb_classes:
                continue  # our own class's own attribute
            yield Hit(module.path, node.lineno, f"{receiver}.{node.attr}")
    for node in module.calls:
        if _call_name(node) in ("getattr", "setattr", "hasattr") and len(node.args) >= 2 \
                and isinstance(node.args[1], ast.Constant) and node.args[1].value in private:
            yield Hit(module.path, node.lineno,
                      f"{_call_name(node)}(…, {node.args[1].value!r})")


def _store_aliases(module: Module) -> set[str]:
    """Names bound to ``bot.store`` modules in this module (``store``, ``user_store`` …)."""
    names: set[str] = set()
    for node in module.imports:
        if isinstance(node, ast.ImportFrom) and node.module == "bot.store":
            names.update(alias.asname or alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.asname for alias in node.names
                         if alias.name.startswith("bot.store.") and alias.asname)
    return names


def store_private(module: Module) -> Iterator[Hit]:
    aliases = _store_aliases(module)
    for node, _klass in module.attributes:
        if isinstance(node.value, ast.Name) \
                and node.value.id in aliases and node.attr.startswith("_") \
                and not node.attr.startswith("__"):
            yield Hit(module.path, node.lineno, f"{node.value.id}.{node.attr}")


def telegram_id(module: Module) -> Iterator[Hit]:
    for node, _klass in module.attributes:
        if node.attr == "telegram_id":
            yield Hit(module.path, node.lineno, f"{_tail(node.value)}.telegram_id")
    for node in module.names:
        if isinstance(node, ast.Name) and node.id == "telegram_id":
            yield Hit(module.path, node.lineno, "telegram_id")
        elif isinstance(node, ast.keyword) and node.arg == "telegram_id":
            yield Hit(module.path, node.value.lineno, "telegram_id=")
        elif isinstance(node, ast.arg) and node.arg == "telegram_id":
            yield Hit(module.path, node.lineno, "telegram_id (parameter)")
    for node, text, _data in module.strings:
        if re.search(r"\btelegram_id\b", text):
            yield Hit(module.path, node.lineno, repr(_short(text)))


CHECKS: dict[str, Callable[[Module], Iterator[Hit]]] = {
    "telegram_calls": telegram_calls,
    "telegram_error_strings": telegram_error_strings,
    "sql_outside_store": sql_outside_store,
    "or_ignore": or_ignore,
    "lastrowid": lastrowid,
    "callback_literals": callback_literals,
    "ptb_private": ptb_private,
    "store_private": store_private,
    "telegram_id": telegram_id,
}


def hits(kind: str) -> list[Hit]:
    allowed = tuple(ALLOWED[kind])
    found = []
    for module in modules():
        if not module.path.startswith(allowed):
            found.extend(CHECKS[kind](module))
    return sorted(set(found), key=lambda h: (h.path, h.line, h.text))


# --- the tests ----------------------------------------------------------------------------


def test_every_check_has_a_ceiling_and_a_home() -> None:
    assert set(CEILINGS) == set(CHECKS) == set(ALLOWED)


@pytest.mark.parametrize("kind", list(CEILINGS))
def test_count_does_not_rise(kind: str) -> None:
    found = hits(kind)
    ceiling = CEILINGS[kind]
    if len(found) <= ceiling:
        return
    listing = "\n".join(f"  {hit}" for hit in found)
    homes = "; ".join(f"{path} ({why})" for path, why in ALLOWED[kind].items()) or "nowhere"
    rule = ("must be 0" if ceiling == 0
            else f"may not rise above {ceiling} (lower the ceiling as the work lands)")
    pytest.fail(f"{kind}: {len(found)} found, {rule}. Allowed only in: {homes}.\n{listing}")


def _module_from(source: str, path: str = "bot/handlers/example.py") -> Module:
    return Module(path, ast.parse(source))


def test_the_checks_see_what_they_count() -> None:
    """Each detector finds an added violation (so a ceiling can actually catch one)."""
    source = '''
"""A docstring that says chat not found and SELECT * FROM users is not counted."""
from telegram.ext._utils.types import ConversationDict
from bot.store import users as user_store

async def handler(update, context, query, handler, exc, cursor):
    await context.bot.send_message(1, "hi")
    await update.message.reply_text("hi")
    await query.answer()
    await update.callback_query.edit_message_text("hi")
    await update.effective_chat.send_message("hi")
    await self._bot.copy_message(1, 2, 3)
    await getattr(context.bot, "send_message")(1, "hi")
    later = functools.partial(context.bot.send_media_group, 1)
    await bot.answer_callback_query("1")
    await bot.delete_message(1, 2)
    await bot.forward_message(1, 2, 3)
    await bot.set_my_commands([])
    await update.message.reply_photo(b"")
    await services.outbox.send_now(1)
    if "chat not found" in exc.message:
        pass
    await conn.execute("SELECT id FROM users WHERE id = ?", (1,))
    await conn.execute("INSERT OR IGNORE INTO x (a) VALUES (1)")
    new = cursor.lastrowid
    kb([[("Ja", f"meal:su:{meal_id}")], [("Nee", "menu:home")]])
    await claim(conn, "meal:reminder", period)
    key = handler._get_key(update)
    row = user_store._row(found)
    handler.__class__ = object
    print(person.telegram_id)
'''
    module = _module_from(source)
    found = {kind: [hit.text for hit in sorted(check(module), key=lambda h: h.line)]
             for kind, check in CHECKS.items()}
    assert found["telegram_calls"] == [
        "bot.send_message(...)", "message.reply_text(...)", "query.answer(...)",
        "callback_query.edit_message_text(...)", "effective_chat.send_message(...)",
        "_bot.copy_message(...)", "getattr(…, 'send_message')",
        "bot.send_media_group (passed on)", "bot.answer_callback_query(...)",
        "bot.delete_message(...)", "bot.forward_message(...)", "bot.set_my_commands(...)",
        "message.reply_photo(...)"]
    assert found["telegram_error_strings"] == ["'chat not found'"]
    assert len(found["sql_outside_store"]) == 2
    assert len(found["or_ignore"]) == 1
    assert found["lastrowid"] == ["cursor.lastrowid"]
    assert sorted(found["callback_literals"]) == ["'meal:su:'", "'menu:home'"]
    assert sorted(found["ptb_private"]) == sorted([
        "import telegram.ext._utils.types", "handler._get_key",
        "<object>.__class__ = ... (class swap)"])
    assert found["store_private"] == ["user_store._row"]
    assert found["telegram_id"] == ["person.telegram_id"]


def test_a_ptb_subclass_using_a_private_attribute_counts() -> None:
    module = _module_from(
        "from telegram.ext import Application\n"
        "class App(Application):\n"
        "    async def initialize(self):\n"
        "        return self._initialized\n"
        "class Mine:\n"
        "    def go(self):\n"
        "        return self._initialized\n")
    assert [hit.text for hit in ptb_private(module)] == ["self._initialized"]


if __name__ == "__main__":  # python tests/test_architecture.py [--list KIND]
    wanted = sys.argv[2] if len(sys.argv) > 2 and sys.argv[1] == "--list" else None
    for kind, ceiling in CEILINGS.items():
        found = hits(kind)
        mark = "RISEN" if len(found) > ceiling else ("lower it" if len(found) < ceiling else "")
        print(f"{kind:24} {len(found):5}  (ceiling {ceiling}) {mark}")
        if kind == wanted:
            for hit in found:
                print(f"    {hit}")


def test_no_whatsapp_chat_id_lands_in_users_telegram_id() -> None:
    """Issue 14's id rule: a WhatsApp chat id (2**53 and up) is never a Telegram id. The one
    writer of ``users.telegram_id`` refuses it, and its threshold is the ids module's."""
    import asyncio

    import aiosqlite

    from bot.channels.whatsapp import ids
    from bot.clock import FrozenClock
    from bot.store import users as user_store
    from tests.auxil.harness import START

    assert user_store._WHATSAPP_BASE == ids.BASE

    async def attempt() -> None:
        async with aiosqlite.connect(":memory:") as conn:
            with pytest.raises(ValueError):
                await user_store.create(conn, telegram_id=ids.chat_id("31612345678"),
                                        language="nl", room="top", now=FrozenClock(START).now())

    asyncio.run(attempt())
