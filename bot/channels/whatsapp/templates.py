"""WhatsApp message templates: what may start a conversation outside the 24-hour window.

Why: outside a person's window WhatsApp accepts only a template that Meta approved in advance,
in that language. The project ships its templates here (one per kind of message the bot
starts, plus the generic "you have a message" one), renders them in every shipped language
through gettext (domain ``whatsapp``), creates them in the Business Account
(``buurtbot whatsapp templates --create``) and keeps Meta's answer per (template, language)
in ``whatsapp_templates`` (a daily tick re-reads it). :mod:`bot.channels.whatsapp.window`
picks one for an outbox row; a template Meta paused or refused is not used again until it is
approved.

A body has at most two parameters: ``{room}`` ({{1}}, the BuurtWerkKamer's name) and
``{summary}`` ({{2}}, the free-form message as one line; the belronde and the teasers carry
none of it, so no name or personal detail goes into them). Meta refuses a parameter with a
newline, a tab or four spaces in a row, and a body that starts or ends with one, so every
body ends with a short fixed sentence and :func:`sanitise` flattens the parameters.

Languages: Meta has nl, en, ar, tr, uk and pl; it has no Tigrinya, so a Tigrinya reader
gets the English template (their free-form messages inside the window stay Tigrinya).
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import httpx

from bot.clock import TZ
from bot.i18n import N_, translator
from bot.store import job_runs
from bot.store import outbox as outbox_store
from bot.store import whatsapp_templates as store

log = logging.getLogger(__name__)

UTILITY, MARKETING = "UTILITY", "MARKETING"
#: Templates go out whole ("complete") or as a teaser whose quick reply "Show" brings the
#: held free-form message once the window is open ("teaser").
COMPLETE, TEASER = "complete", "teaser"

#: The shipped language -> Meta's language code (pywa's ``TemplateLanguage``). Tigrinya is
#: not offered by Meta: English stands in.
META_LANGUAGE = {"nl": "nl", "en": "en", "ar": "ar", "tr": "tr", "uk": "uk", "pl": "pl",
                 "ti": "en"}
#: Tried after the person's own language (only when approved).
FALLBACK = ("nl", "en")
#: The parameters every body has, in Meta's numbering ({{1}}, {{2}}).
PARAMS = ("room", "summary")
#: Meta's limits: body 1,024 characters, a quick-reply title 25.
MAX_BODY = 1024
MAX_BUTTON = 25
#: The summary parameter is cut to this (the rest of the body stays under MAX_BODY).
MAX_SUMMARY = 700
#: The generic teaser's name (used when a kind has no approved template of its own).
GENERIC = "buurtbot_new_message"


@dataclass(frozen=True)
class Definition:
    """One template: ``kinds`` are outbox kinds, or ``kind:variant`` for a meal notice."""

    name: str
    category: str
    body: str  # msgid with {room} and {summary}
    buttons: tuple[str, ...] = ()  # quick-reply titles (msgids); payloads given per send
    kinds: tuple[str, ...] = ()
    mode: str = COMPLETE

    @property
    def params(self) -> tuple[str, ...]:
        return tuple(p for p in PARAMS if "{" + p + "}" in self.body)


DEFINITIONS: tuple[Definition, ...] = (
    Definition(
        "buurtbot_belronde", UTILITY,
        N_("Hello from BuurtWerkKamer {room}. How are you this week? Tap one answer below."),
        (N_("Good 😊"), N_("So-so 😐"), N_("Not so good 😟"), N_("Please call me 📞"),
         N_("I'll drop by 🚶")),
        ("checkin.question",)),
    Definition(
        "buurtbot_meal_reminder", UTILITY,
        N_("Reminder from BuurtWerkKamer {room}: {summary} Type menu for more."),
        (), ("meal.reminder",)),
    Definition(
        "buurtbot_meal_confirmed", UTILITY,
        N_("Message from BuurtWerkKamer {room} about the shared dinner: {summary} Type menu "
           "for more."),
        (), ("meal.notice:confirmed",)),
    Definition(
        "buurtbot_meal_cancelled", UTILITY,
        N_("Change at BuurtWerkKamer {room}: {summary} Type menu for more."),
        (), ("meal.notice:cancelled",)),
    Definition(
        "buurtbot_meal_offer", UTILITY,
        N_("A seat is free at BuurtWerkKamer {room}: {summary} Please tap your answer below."),
        (N_("✅ Yes, I will come"), N_("No, give it on")),
        ("meal.notice:offer",)),
    Definition(
        "buurtbot_announcement", MARKETING,
        N_("News from BuurtWerkKamer {room}: {summary} Type menu for more."),
        (), ("announcement",)),
    Definition(
        "buurtbot_survey", MARKETING,
        N_("A short survey from BuurtWerkKamer {room}: we would like to know what you "
           "think. Tap Show to see the question."),
        (N_("Show"),), ("survey",), TEASER),
    Definition(
        GENERIC, UTILITY,
        N_("You have a new message from BuurtWerkKamer {room}. Tap Show to read it."),
        (N_("Show"),), (), TEASER),
)


def definitions() -> list[Definition]:
    """Every template the bot uses (what ``buurtbot whatsapp templates`` shows)."""
    return list(DEFINITIONS)


def by_name(name: str) -> Definition | None:
    return next((d for d in DEFINITIONS if d.name == name), None)


def for_kind(kind: str, variant: str | None = None) -> Definition | None:
    """The template of an outbox kind (a meal notice: of its variant), or None."""
    keys = {kind} if variant is None else {f"{kind}:{variant}", kind}
    return next((d for d in DEFINITIONS if keys & set(d.kinds)), None)


def meta_language(language: str | None) -> str:
    return META_LANGUAGE.get(language or "nl", "nl")


def languages() -> list[str]:
    """Meta's language codes the templates are created in (one per shipped language that
    Meta has)."""
    return sorted(set(META_LANGUAGE.values()))


def _shipped(meta_code: str) -> str:
    """The shipped language whose texts a Meta language code carries."""
    return meta_code  # nl, en, ar, tr, uk, pl: the same code


# --- rendering --------------------------------------------------------------------------

_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
#: Directional marks the adapter adds for right-to-left readers (kept out of parameters'
#: edges: Meta counts them as characters, WhatsApp shows them anyway).
_MARKS = "\u200e\u200f\u061c"


def sanitise(text: str, limit: int = MAX_SUMMARY) -> str:
    """A parameter as Meta takes it: our HTML subset removed, entities unescaped, every run
    of white space (newlines, tabs, four spaces) one space, cut at a word with "…"."""
    flat = html.unescape(_TAG.sub("", text))
    flat = "".join(ch for ch in flat if ch not in _MARKS)
    flat = _SPACE.sub(" ", flat).strip()
    if len(flat) > limit:
        cut = flat[: limit - 1]
        if " " in cut[limit // 2:]:
            cut = cut[: cut.rindex(" ")]
        flat = cut.rstrip(" ,.;:") + "…"
    return flat


def body(defn: Definition, language: str) -> str:
    """The body in Meta's form ({{1}}, {{2}}) in a shipped language."""
    t = translator(language)
    numbered = {p: "{{" + str(i + 1) + "}}" for i, p in enumerate(defn.params)}
    return str(t._(defn.body)).format(**numbered)


def buttons(defn: Definition, language: str) -> list[str]:
    t = translator(language)
    return [str(t._(label)) for label in defn.buttons]


def body_params(defn: Definition, room: str, summary: str) -> list[str]:
    values = {"room": sanitise(room, 60), "summary": sanitise(summary)}
    return [values[p] for p in defn.params]


def payload_for_create(defn: Definition, language: str) -> dict[str, Any]:
    """The JSON to POST to ``/{business_account_id}/message_templates`` for one language
    (``language``: Meta's code)."""
    shipped = _shipped(language)
    examples = {"room": "TOP",
                "summary": sanitise(str(translator(shipped)._(
                    "Your seat at the shared dinner is confirmed.")))}
    components: list[dict[str, Any]] = [{
        "type": "BODY", "text": body(defn, shipped),
        "example": {"body_text": [[examples[p] for p in defn.params]]}}]
    if defn.buttons:
        components.append({"type": "BUTTONS", "buttons": [
            {"type": "QUICK_REPLY", "text": label} for label in buttons(defn, shipped)]})
    return {"name": defn.name, "language": language, "category": defn.category,
            "components": components}


# --- status ------------------------------------------------------------------------------


async def usable(conn: Any, name: str, language: str) -> bool:
    found = await store.get(conn, name, language)
    return found is not None and found.usable


async def choose(conn: Any, defn: Definition, language: str | None) -> str | None:
    """The Meta language to send ``defn`` in: the person's own when approved, else Dutch or
    English when approved; None when none is."""
    own = meta_language(language)
    for code in (own, *(c for c in FALLBACK if c != own)):
        if await usable(conn, defn.name, code):
            return code
    return None


async def mark_refused(services: Any, name: str, language: str, code: int, reason: str
                       ) -> None:
    """A send came back 132001 (does not exist in this language), 132015 (paused) or 132000
    (parameters): not used again until a sync finds it approved."""
    status = {132001: "MISSING", 132015: "PAUSED", 132016: "DISABLED"}.get(code, "REFUSED")
    async with services.db.transaction() as conn:
        await store.mark(conn, name, language, status, f"{code}: {reason}",
                         services.clock.now())
    log.warning("WhatsApp template %s (%s) refused (%s); not used until approved", name,
                language, code)


# --- the Business Account ------------------------------------------------------------------


def _base(settings: Any) -> str:
    return f"{settings.api_url.rstrip('/')}/v{settings.api_version}"


def _settings_of(source: Any) -> Any:
    """The ``[whatsapp]`` settings of an application, a services container, a config or
    the settings themselves."""
    for path in (("services", "config", "whatsapp"), ("config", "whatsapp"), ("whatsapp",),
                 ("settings",)):
        found = source
        for attr in path:
            found = getattr(found, attr, None)
            if found is None:
                break
        if found is not None and hasattr(found, "business_account_id"):
            return found
    if hasattr(source, "business_account_id"):
        return source
    raise ValueError("WhatsApp is not set up ([whatsapp] in the settings)")


async def remote(settings: Any, client: httpx.AsyncClient | None = None
                 ) -> list[dict[str, Any]]:
    """Every template of the Business Account as Meta lists it (following its pages)."""
    url: str | None = f"{_base(settings)}/{settings.business_account_id}/message_templates"
    params: dict[str, Any] | None = {"limit": 100,
                                     "fields": "name,language,status,category,rejected_reason"}
    found: list[dict[str, Any]] = []
    async with _client(settings, client) as http:
        while url:
            answer = await http.get(url, params=params)
            answer.raise_for_status()
            data = answer.json()
            found.extend(data.get("data") or [])
            url, params = (data.get("paging") or {}).get("next"), None
    return found


class _client:
    """The caller's httpx client, or one of our own for the call (with the token)."""

    def __init__(self, settings: Any, given: httpx.AsyncClient | None) -> None:
        self.given = given
        self.headers = {"Authorization": f"Bearer {settings.access_token}"}
        self.own: httpx.AsyncClient | None = None

    async def __aenter__(self) -> Any:
        if self.given is not None:
            return _WithHeaders(self.given, self.headers)
        self.own = httpx.AsyncClient(headers=self.headers, timeout=20.0)
        return self.own

    async def __aexit__(self, *exc: object) -> None:
        if self.own is not None:
            await self.own.aclose()


class _WithHeaders:
    def __init__(self, http: httpx.AsyncClient, headers: dict[str, str]) -> None:
        self.http, self.headers = http, headers

    async def get(self, url: str, **kw: Any) -> httpx.Response:
        return await self.http.get(url, headers=self.headers, **kw)

    async def post(self, url: str, **kw: Any) -> httpx.Response:
        return await self.http.post(url, headers=self.headers, **kw)


@dataclass(frozen=True)
class Row:
    """One (template, language) for ``buurtbot whatsapp templates``."""

    name: str
    language: str
    category: str
    status: str  # Meta's status, or "MISSING" (not in the account)
    reason: str | None
    body: str
    buttons: tuple[str, ...]


async def sync(source: Any, client: httpx.AsyncClient | None = None) -> list[Row]:
    """Read every template's status from Meta, store it (ours only) and return the table.
    A template that is no longer in the account is stored as MISSING. Rows held because no
    template was approved are released when one is approved now."""
    app_services = getattr(source, "services", None) or (
        source if hasattr(source, "db") else None)
    settings = _settings_of(source)
    listed = {(t.get("name"), t.get("language")): t for t in await remote(settings, client)}
    rows = []
    for defn in DEFINITIONS:
        for code in languages():
            meta = listed.get((defn.name, code))
            status = str(meta.get("status", "PENDING")).upper() if meta else "MISSING"
            reason = (meta or {}).get("rejected_reason")
            if reason in ("NONE", ""):
                reason = None
            rows.append(Row(defn.name, code, defn.category, status, reason,
                            body(defn, _shipped(code)), tuple(buttons(defn, _shipped(code)))))
    if app_services is not None:
        await store_rows(app_services, rows)
    return rows


async def store_rows(services: Any, rows: Iterable[Row]) -> int:
    """Keep what Meta said; the number of templates that became approved just now."""
    now = services.clock.now()
    newly = 0
    async with services.db.transaction() as conn:
        for row in rows:
            changed = await store.put(conn, row.name, row.language, row.status, row.category,
                                      row.reason, now)
            newly += int(changed and row.status == store.APPROVED)
        if newly:
            await outbox_store.release_held(conn, "template", now)
    if newly:
        services.outbox.wake()
    return newly


async def status_update(services: Any, value: dict[str, Any]) -> bool:
    """A ``message_template_status_update`` webhook (Meta's review result, a pause): stored
    at once, so an approval is used without waiting for the daily sync. True when it named one
    of ours. For the inbound webhook (``field == "message_template_status_update"``)."""
    name = value.get("message_template_name")
    language = value.get("message_template_language")
    event = str(value.get("event") or "").upper()
    if by_name(str(name)) is None or not isinstance(language, str) or not event:
        return False
    reason = value.get("reason")
    row = Row(str(name), language, by_name(str(name)).category,  # type: ignore[union-attr]
              event, None if reason in (None, "", "NONE") else str(reason), "", ())
    await store_rows(services, [row])
    return True


def settled(statuses: Iterable[Any]) -> bool:
    """Every shipped (template, language) has a final answer from Meta (nothing pending or
    unknown): the daily sync is enough; otherwise the bot asks every hour."""
    known = {(s.name, s.language): s.status for s in statuses}
    return all(known.get((d.name, code)) not in (None, "PENDING", "IN_APPEAL")
               for d in DEFINITIONS for code in languages())


async def create_missing(source: Any, client: httpx.AsyncClient | None = None
                         ) -> list[tuple[str, str, str]]:
    """Create every (template, language) the account does not have yet; returns
    ``(name, language, result)`` per attempt ("PENDING", or Meta's error message). What
    is there already (approved, pending or rejected) is left alone: a rejected one is
    changed in Meta's manager, not created twice."""
    settings = _settings_of(source)
    listed = {(t.get("name"), t.get("language")) for t in await remote(settings, client)}
    url = f"{_base(settings)}/{settings.business_account_id}/message_templates"
    results = []
    async with _client(settings, client) as http:
        for defn in DEFINITIONS:
            for code in languages():
                if (defn.name, code) in listed:
                    continue
                answer = await http.post(url, json=payload_for_create(defn, code))
                data = answer.json() if answer.content else {}
                if answer.status_code >= 400:
                    error = (data.get("error") or {}).get("message") or str(answer.status_code)
                    results.append((defn.name, code, f"error: {error}"))
                else:
                    results.append((defn.name, code, str(data.get("status", "PENDING"))))
    services = getattr(source, "services", None) or (source if hasattr(source, "db") else None)
    if services is not None:
        await sync(source, client)
    return results


#: The daily sync's job name in ``job_runs`` (one template sync per local day).
SYNC_JOB = "whatsapp.templates"


async def sync_due(app: Any, now: Any) -> bool:
    """Meta's view of our templates (approved, paused, rejected) and a prune of old
    conversation counts, when due: once a local day once Meta has answered for every
    template, every hour while one is still in review (an approval is then used within the
    hour). The period is claimed in ``job_runs`` only after a sync that worked, so Meta being
    unreachable means another try at the next tick. Without ``[whatsapp]`` or a business
    account nothing happens. True when a sync ran."""
    from bot.channels.whatsapp import limits  # limits reads this module's store too

    settings = getattr(app.services.config, "whatsapp", None)
    if settings is None or not settings.business_account_id:
        return False
    async with app.services.db.reading() as conn:
        daily = settled(await store.all_statuses(conn))
        local = now.astimezone(TZ)
        period = local.date().isoformat() if daily else local.strftime("%Y-%m-%dT%H")
        if await job_runs.done(conn, SYNC_JOB, period):
            return False
    try:
        await sync(app)
    except Exception as exc:  # Meta unreachable: try again at the next tick
        log.warning("could not read the WhatsApp templates' status: %s", type(exc).__name__)
        return False
    await limits.prune(app.services)
    async with app.services.db.transaction() as conn:
        await job_runs.claim(conn, SYNC_JOB, period, now)
    return True
