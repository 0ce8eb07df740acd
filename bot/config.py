"""Settings: a TOML file plus environment overrides, validated into frozen dataclasses.

A coordinator who edits ``buurtbot.toml`` by hand must get one clear line naming the field and
the file when something is wrong, never a traceback: :class:`ConfigError` carries that line.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any

from bot.i18n import LANGUAGES as SHIPPED_LANGUAGES
from bot.indicators_catalog import BY_KEY as INDICATORS
from bot.indicators_catalog import KEYS as INDICATOR_KEYS
from bot.indicators_catalog import Target, default_targets

DEFAULT_API_URL = "https://api.telegram.org/bot"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAYPARTS = ("morning", "afternoon", "evening")
#: The shipped languages: one list, in ``bot/i18n.py`` (adding a language = adding it there).
LANGUAGES = tuple(SHIPPED_LANGUAGES)
_TOKEN = re.compile(r"^\d+:[A-Za-z0-9_-]{10,}$")
#: At most 12 characters: a room id travels in buttons (bot.actions.MAX_ROOM_ID).
_ROOM_ID = re.compile(r"^[a-z][a-z0-9_-]{0,11}$")
#: Telegram's rule for a bot's @username: 5-32 letters, digits and _, ending in "bot".
_BOT_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{1,28}bot$", re.IGNORECASE)
BOT_USERNAME_RULE = ("a bot's @username: 5 to 32 letters, digits or _, ending in 'bot' "
                     "(e.g. buurtbot_top_bot)")


def is_bot_username(name: str) -> bool:
    """True for a name Telegram could have given a bot (a typo would print a dead QR code)."""
    return bool(_BOT_USERNAME.match(name))

# The keys each table may hold. A key outside its set is refused (with a "did you mean"), so a
# typo such as ``meal_cpa = 10`` fails loudly instead of silently leaving the default in place.
# A branch adding a setting adds its key here, next to the code that reads it.
_TOP_KEYS = ("bot", "privacy", "demo", "partners", "rooms", "web", "backup", "whatsapp")
_BOT_KEYS = ("token", "api_url", "file_url", "database", "coordinators", "invite_valid_days",
             "programme_file", "webhook_url", "username")
_WEB_KEYS = ("host", "port", "public_url", "health_timeout")
_BACKUP_KEYS = ("dir", "daily", "weekly", "time", "encrypt", "warn_free_mb")
_WHATSAPP_KEYS = ("access_token", "phone_number_id", "app_secret", "verify_token",
                  "business_account_id", "api_url", "api_version", "webhook_host",
                  "webhook_port", "webhook_path", "messages_per_second", "daily_limit",
                  "template_price", "currency", "display_number")
_PRIVACY_KEYS = ("help_retention_days", "checkin_retention_weeks")
_DEMO_KEYS = ("port",)
_PARTNER_KEYS = ("id", "name", "description", "contact")
_ROOM_KEYS = ("name", "area", "address", "phone", "meal_cap", "meal_signup_deadline", "meals",
              "opening_hours", "chat_id", "weekly_post", "belronde", "belronde_calls_until",
              "partners", "targets", "volunteer_groups")
_MOMENT_KEYS = ("day", "time")
_DAY_KEYS = (*WEEKDAYS, "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
             "sunday")
_TARGET_KEYS = INDICATOR_KEYS
#: The volunteer groups of the offer ("o.a. klussendienst, tuingroep, formulierenbrigade,
#: kookgroep, taalteam, computerhulp"): a room without ``volunteer_groups`` has these.
DEFAULT_VOLUNTEER_GROUPS = ("kookgroep", "klussendienst", "tuingroep", "formulierenbrigade",
                            "taalteam", "computerhulp")
_GROUP_ID = re.compile(r"^[a-z][a-z0-9_-]{1,31}$")
MAX_VOLUNTEER_GROUPS = 40


class ConfigError(Exception):
    """A setting is missing or invalid; the message names the field and the file."""


@dataclass(frozen=True)
class Partner:
    id: str
    name: str
    description: str = ""
    contact: str = ""


@dataclass(frozen=True)
class WeeklyMoment:
    weekday: int  # 0 = Monday
    at: time


@dataclass(frozen=True)
class Room:
    id: str
    name: str
    area: str
    address: str
    meal_cap: int = 12
    meal_signup_deadline: time = time(12, 0)
    meals: tuple[WeeklyMoment, ...] = ()
    opening_hours: tuple[tuple[int, time, time], ...] = ()
    chat_id: int | None = None
    weekly_post: WeeklyMoment = WeeklyMoment(6, time(17, 0))
    belronde: WeeklyMoment = WeeklyMoment(0, time(10, 0))
    belronde_calls_until: time = time(20, 0)
    partners: tuple[str, ...] = ()
    #: Yearly target per indicator key (bot/indicators_catalog.py): a number, a percent, an
    #: (x, y) pair for "x of y", or True for "positive". Defaults are the offer's table.
    targets: dict[str, Target] = field(default_factory=dict)
    phone: str = ""
    volunteer_groups: tuple[str, ...] = DEFAULT_VOLUNTEER_GROUPS


@dataclass(frozen=True)
class WebSettings:
    """``[web]``: the bot's own HTTP server (health, calendar feed, Telegram webhook)."""

    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str = ""  # how the outside world reaches it (https://...), for links
    health_timeout: float = 3.0  # seconds /healthz waits for the database


@dataclass(frozen=True)
class BackupSettings:
    """``[backup]``: nightly verified copies of the database, rotated."""

    dir: str
    daily: int = 7
    weekly: int = 4
    at: time = time(3, 0)
    encrypt: bool = False  # with the passphrase in BUURTBOT_BACKUP_PASSPHRASE
    warn_free_mb: int = 500

    @property
    def window_days(self) -> int:
        """How long a backup (and what an erased person left in it) can be kept at most."""
        return max(self.daily, self.weekly * 7 + 6)


@dataclass(frozen=True)
class WhatsAppSettings:
    """``[whatsapp]``: the WhatsApp Cloud API (issue 14); off without this table.

    Every value can be overridden by ``BUURTBOT_WHATSAPP_<NAME>`` (upper case); the two
    secrets (``access_token``, ``app_secret``) and the verify token are best given only there,
    so the settings file holds nothing that lets someone send as the room."""

    access_token: str
    phone_number_id: str
    app_secret: str
    verify_token: str
    business_account_id: str = ""  # the WABA id: templates are created and listed there
    api_url: str = "https://graph.facebook.com"
    api_version: str = "21.0"
    webhook_host: str = "127.0.0.1"  # put the operator's https reverse proxy in front
    webhook_port: int = 8081
    webhook_path: str = "/whatsapp"
    messages_per_second: float = 80.0  # the number's throughput
    daily_limit: int = 250  # unique people per 24 h that a business-initiated message may reach
    template_price: float = 0.0  # per template message, for the announcement preview
    currency: str = "EUR"
    display_number: str = ""  # the room's WhatsApp number as people see it (+31 6 ...)


@dataclass(frozen=True)
class Config:
    token: str
    api_url: str
    file_url: str
    database: str
    #: Telegram user ids, and WhatsApp numbers as their chat ids (:func:`coordinator_id`)
    coordinators: frozenset[int]
    rooms: dict[str, Room]
    partners: dict[str, Partner]
    help_retention_days: int = 90
    checkin_retention_weeks: int = 26
    invite_valid_days: int = 7
    programme_file: str | None = None
    demo_port: int = 8765
    source: str = "buurtbot.toml"
    webhook_url: str = ""
    bot_username: str = ""
    web: WebSettings | None = None
    backup: BackupSettings | None = None
    backup_passphrase: str = ""
    whatsapp: WhatsAppSettings | None = None

    @property
    def telegram(self) -> bool:
        """Telegram is on (a token is set); the bot may run on WhatsApp alone."""
        return bool(self.token)

    def room(self, room_id: str | None) -> Room | None:
        return self.rooms.get(room_id or "")


COORDINATORS_RULE = ('expected Telegram user ids as numbers (123456789) and WhatsApp numbers '
                     'as text with + and the country code ("+31612345678")')
_WA_NUMBER = re.compile(r"^\+[1-9][0-9 ]{6,20}$")
#: The chat ids of WhatsApp people start here (bot.channels.whatsapp.ids.BASE, not imported:
#: the settings come before the channels); a Telegram id stays far below it.
_WA_BASE = 1 << 53


def coordinator_id(value: Any, where: str, from_env: bool = False) -> int:
    """A coordinator as the application's user id: a Telegram id as it is, a WhatsApp number
    ("+31 6 1234 5678") as its chat id (2**53 + the digits, as ``ids.chat_id``), so "is a
    coordinator" is one set for both channels.

    Refused, with one line: a number in quotes without "+" (a phone number or an id?), a
    number with a leading 0 ("0612345678": a Dutch phone number without the country code),
    anything else."""
    if isinstance(value, str) and value.startswith("+"):
        digits = value.replace(" ", "")[1:]
        if _WA_NUMBER.match(value) and 7 <= len(digits) <= 15:
            return _WA_BASE + int(digits)
        raise ConfigError(f"{where}: {value!r} is not a WhatsApp number (+ and the country "
                          "code, then 7 to 15 digits in all, such as \"+31612345678\")")
    if from_env and isinstance(value, str) and value.isascii() and value.isdigit():
        if value.startswith("0"):
            raise ConfigError(f"{where}: {value!r} is ambiguous: a Telegram user id does not "
                              "start with 0; write a WhatsApp number with + and the country "
                              "code (+31612345678)")
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 1 << 52:
        return value
    if isinstance(value, str):
        problem = (f"{value!r} is ambiguous: write a Telegram user id as a number without "
                   'quotes, a WhatsApp number with + and the country code ("+31612345678")'
                   if value.replace(" ", "").isdigit() else
                   f"{value!r} is neither a Telegram user id nor a WhatsApp number")
        raise ConfigError(f"{where}: {problem}")
    raise ConfigError(f"{where}: {COORDINATORS_RULE} (got {value!r})")


def _err(source: str, path: str, problem: str) -> ConfigError:
    return ConfigError(f"{source}: {path}: {problem}")


def _known(source: str, path: str, table: dict[str, Any], known: tuple[str, ...]) -> None:
    """Refuse the first key of ``table`` that is not in ``known``, suggesting the closest one."""
    for key in table:
        if key in known:
            continue
        full = f"{path}.{key}" if path else key
        match = difflib.get_close_matches(key.lower(), known, n=1, cutoff=0.6)
        hint = f"did you mean {match[0]!r}?" if match else f"known: {', '.join(known)}"
        raise _err(source, full, f"unknown setting; {hint}")


def _parse_time(source: str, path: str, value: Any) -> time:
    if not isinstance(value, str) or not re.fullmatch(r"\d{1,2}:\d{2}", value):
        raise _err(source, path, f"expected a time like \"17:30\", got {value!r}")
    hour, minute = (int(part) for part in value.split(":"))
    if hour > 23 or minute > 59:
        raise _err(source, path, f"{value!r} is not a time of day")
    return time(hour, minute)


def _parse_weekday(source: str, path: str, value: Any) -> int:
    if not isinstance(value, str) or value.lower()[:3] not in WEEKDAYS:
        raise _err(source, path, f"expected a weekday (mon..sun), got {value!r}")
    return WEEKDAYS.index(value.lower()[:3])


def _moment(source: str, path: str, value: Any, default: WeeklyMoment) -> WeeklyMoment:
    if value is None:
        return default
    if not isinstance(value, dict):
        raise _err(source, path, 'expected a table like { day = "sun", time = "17:00" }')
    _known(source, path, value, _MOMENT_KEYS)
    return WeeklyMoment(
        _parse_weekday(source, f"{path}.day", value.get("day")),
        _parse_time(source, f"{path}.time", value.get("time")),
    )


def _int(source: str, path: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _err(source, path, f"expected a whole number, got {value!r}")
    if not low <= value <= high:
        raise _err(source, path, f"must be between {low} and {high} (got {value})")
    return value


def _str(source: str, path: str, value: Any, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise _err(source, path, "is missing" if value is None else f"expected text, got {value!r}")
    return value.strip()


_PHONE = re.compile(r"^\+?[0-9][0-9 ()./-]*[0-9]$")


def _phone(source: str, path: str, value: Any) -> str:
    """The room's phone number, shown to residents as typed ("030 123 45 67", "+31 30 ...").

    Optional (empty: residents are told to call or visit). Anything that is not a phone
    number is refused, so a resident is never shown a wrong number to call.
    """
    text = _str(source, path, value, required=False)
    if not text:
        return ""
    digits = sum(ch.isdigit() for ch in text)
    if not _PHONE.match(text) or not 6 <= digits <= 15 or not text.isascii():
        raise _err(source, path, f"expected a phone number such as \"030 123 45 67\", "
                                 f"got {value!r}")
    return text


def _room(source: str, room_id: str, raw: Any, partners: dict[str, Partner]) -> Room:
    path = f"rooms.{room_id}"
    if not _ROOM_ID.match(room_id):
        raise _err(source, path, "a room id is 1 to 12 lowercase letters, digits, - or _, "
                                 "starting with a letter")
    if not isinstance(raw, dict):
        raise _err(source, path, "expected a table")
    _known(source, path, raw, _ROOM_KEYS)
    meals = []
    for i, slot in enumerate(_list(source, f"{path}.meals", raw.get("meals", []))):
        meals.append(_moment(source, f"{path}.meals[{i}]", slot, WeeklyMoment(0, time(0))))
    hours = []
    opening = _table(source, f"{path}.opening_hours", raw.get("opening_hours"))
    _known(source, f"{path}.opening_hours", opening, _DAY_KEYS)
    for day, span in opening.items():
        if not isinstance(span, str) or "-" not in span:
            raise _err(source, f"{path}.opening_hours.{day}", 'expected "10:00-16:00"')
        start, end = span.split("-", 1)
        weekday = _parse_weekday(source, f"{path}.opening_hours.{day}", day)
        if any(seen == weekday for seen, _start, _end in hours):
            raise _err(source, f"{path}.opening_hours.{day}", "this day is given twice")
        hours.append(
            (
                weekday,
                _parse_time(source, f"{path}.opening_hours.{day}", start.strip()),
                _parse_time(source, f"{path}.opening_hours.{day}", end.strip()),
            )
        )
    room_partners = tuple(_list(source, f"{path}.partners", raw.get("partners", list(partners))))
    for partner in room_partners:
        if partner not in partners:
            raise _err(source, f"{path}.partners", f"unknown partner {partner!r}")
    targets = default_targets(room_id)
    targets_raw = _table(source, f"{path}.targets", raw.get("targets"))
    _known(source, f"{path}.targets", targets_raw, _TARGET_KEYS)
    for key, value in targets_raw.items():
        targets[key] = _target(source, f"{path}.targets.{key}", INDICATORS[key].kind, value)
    chat_id = raw.get("chat_id")
    if chat_id is not None and (isinstance(chat_id, bool) or not isinstance(chat_id, int)):
        raise _err(source, f"{path}.chat_id", f"expected a Telegram chat id, got {chat_id!r}")
    groups = _volunteer_groups(source, f"{path}.volunteer_groups",
                               raw.get("volunteer_groups", list(DEFAULT_VOLUNTEER_GROUPS)))
    return Room(
        id=room_id,
        name=_str(source, f"{path}.name", raw.get("name")),
        area=_str(source, f"{path}.area", raw.get("area"), required=False),
        address=_str(source, f"{path}.address", raw.get("address")),
        meal_cap=_int(source, f"{path}.meal_cap", raw.get("meal_cap", 12), 1, 40),
        meal_signup_deadline=_parse_time(
            source, f"{path}.meal_signup_deadline", raw.get("meal_signup_deadline", "12:00")
        ),
        meals=tuple(meals),
        opening_hours=tuple(sorted(hours)),
        chat_id=chat_id,
        weekly_post=_moment(
            source, f"{path}.weekly_post", raw.get("weekly_post"), WeeklyMoment(6, time(17, 0))
        ),
        belronde=_moment(
            source, f"{path}.belronde", raw.get("belronde"), WeeklyMoment(0, time(10, 0))
        ),
        belronde_calls_until=_parse_time(
            source, f"{path}.belronde_calls_until", raw.get("belronde_calls_until", "20:00")
        ),
        partners=room_partners,
        targets=targets,
        phone=_phone(source, f"{path}.phone", raw.get("phone")),
        volunteer_groups=groups,
    )


def _volunteer_groups(source: str, path: str, value: Any) -> tuple[str, ...]:
    """Group ids such as "kookgroep": lowercase, unique, at most MAX_VOLUNTEER_GROUPS.

    Ids are stored with each membership, so a typo must fail here, not split a group in two.
    """
    groups = _list(source, path, value)
    if len(groups) > MAX_VOLUNTEER_GROUPS:
        raise _err(source, path, f"at most {MAX_VOLUNTEER_GROUPS} groups (got {len(groups)})")
    seen: list[str] = []
    for i, group in enumerate(groups):
        if not isinstance(group, str) or not _GROUP_ID.match(group):
            raise _err(source, f"{path}[{i}]",
                       f'expected a group id like "kookgroep" (lowercase letters, digits,'
                       f' - or _), got {group!r}')
        if group in seen:
            raise _err(source, f"{path}[{i}]", f"{group!r} is given twice")
        seen.append(group)
    return tuple(seen)


def _target(source: str, path: str, kind: str, value: Any) -> Target:
    """One yearly target in the form its indicator's kind needs (see indicators_catalog)."""
    if kind == "positive":
        if value is True or (isinstance(value, str) and value.strip().lower() in (
                "positive", "positief")):
            return True
        raise _err(source, path, f'expected "positive" (the offer\'s "Positief"), got {value!r}')
    if kind == "of":
        pair = value
        if isinstance(value, str):
            m = re.fullmatch(r"\s*(\d+)\s*(?:of|op|/)\s*(\d+)\s*", value)
            pair = [int(m[1]), int(m[2])] if m else None
        if (not isinstance(pair, list) or len(pair) != 2
                or any(isinstance(v, bool) or not isinstance(v, int) for v in pair)):
            raise _err(source, path,
                       f"expected \"x of y\" like [10, 20] or \"10 of 20\", got {value!r}")
        taking, registered = pair
        if not 0 <= taking <= registered <= 100_000:
            raise _err(source, path, f"expected x of y with 0 <= x <= y, got {value!r}")
        return (taking, registered)
    if kind == "percent":
        if isinstance(value, str) and re.fullmatch(r"\s*\d+(\.\d+)?\s*%\s*", value):
            value = float(value.strip().rstrip("%"))
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
            raise _err(source, path, f"expected a percentage from 0 to 100, got {value!r}")
        return value
    if kind == "score":
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 10:
            raise _err(source, path, f"expected a score from 0 to 10, got {value!r}")
        return value
    return _int(source, path, value, 0, 100_000)


def _list(source: str, path: str, value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise _err(source, path, f"expected a list like [...], got {value!r}")
    return value


def _table(source: str, path: str, value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _err(source, path, f"expected a table like {{ key = ... }}, got {value!r}")
    return value


def _setting(env: dict[str, str], var: str, source: str, path: str, value: Any, default: str
             ) -> str:
    """An environment variable wins over the file; the file's value must be text."""
    if env.get(var):
        return env[var]
    if value is None or value == "":
        return default
    if not isinstance(value, str):
        raise _err(source, path, f"expected text in quotes, got {value!r}")
    return value.strip()


def parse_config(raw: dict[str, Any], source: str, env: dict[str, str] | None = None) -> Config:
    """Validate a TOML document (already parsed) with environment overrides applied."""
    env = dict(os.environ if env is None else env)
    _known(source, "", raw, _TOP_KEYS)
    bot = _table(source, "bot", raw.get("bot"))
    _known(source, "bot", bot, _BOT_KEYS)
    token = _setting(env, "BUURTBOT_TOKEN", source, "bot.token", bot.get("token"), "")
    api_url = _setting(env, "BUURTBOT_API_URL", source, "bot.api_url", bot.get("api_url"),
                       DEFAULT_API_URL)
    if not re.match(r"^https?://", api_url):
        raise _err(source, "bot.api_url (BUURTBOT_API_URL)", f"not an http(s) URL: {api_url!r}")
    file_url = _setting(env, "BUURTBOT_FILE_URL", source, "bot.file_url", bot.get("file_url"),
                        derive_file_url(api_url))
    database = _setting(env, "BUURTBOT_DB", source, "bot.database", bot.get("database"),
                        "buurtbot.db")
    coordinators_raw: Any = bot.get("coordinators", [])
    if env.get("BUURTBOT_COORDINATORS"):
        coordinators = frozenset(
            coordinator_id(part.strip(), "BUURTBOT_COORDINATORS", from_env=True)
            for part in env["BUURTBOT_COORDINATORS"].split(",") if part.strip())
    elif not isinstance(coordinators_raw, list):
        raise _err(source, "bot.coordinators", COORDINATORS_RULE)
    else:
        coordinators = frozenset(coordinator_id(c, f"{source}: bot.coordinators")
                                 for c in coordinators_raw)

    partners: dict[str, Partner] = {}
    for i, item in enumerate(_list(source, "partners", raw.get("partners", []))):
        path = f"partners[{i}]"
        if not isinstance(item, dict):
            raise _err(source, path, "expected a table")
        _known(source, path, item, _PARTNER_KEYS)
        pid = _str(source, f"{path}.id", item.get("id"))
        partners[pid] = Partner(
            id=pid,
            name=_str(source, f"{path}.name", item.get("name")),
            description=_str(source, f"{path}.description", item.get("description"), False),
            contact=_str(source, f"{path}.contact", item.get("contact"), False),
        )

    rooms_raw = raw.get("rooms")
    if not isinstance(rooms_raw, dict) or not rooms_raw:
        raise _err(source, "rooms", "at least one room is needed ([rooms.<id>])")
    rooms = {rid: _room(source, rid, body, partners) for rid, body in rooms_raw.items()}

    privacy = _table(source, "privacy", raw.get("privacy"))
    _known(source, "privacy", privacy, _PRIVACY_KEYS)
    demo = _table(source, "demo", raw.get("demo"))
    _known(source, "demo", demo, _DEMO_KEYS)
    programme = bot.get("programme_file")
    if programme is not None:
        if not isinstance(programme, str) or not programme.strip():
            raise _err(source, "bot.programme_file", f"expected a file name, got {programme!r}")
        programme = str((Path(source).parent / programme).resolve())
        if not Path(programme).exists():
            raise _err(source, "bot.programme_file", f"file not found: {programme}")
    webhook_url = _setting(env, "BUURTBOT_WEBHOOK_URL", source, "bot.webhook_url",
                           bot.get("webhook_url"), "")
    web = _web(source, raw.get("web"))
    if webhook_url:
        if not webhook_url.startswith("https://"):
            raise _err(source, "bot.webhook_url", "Telegram needs an https:// address")
        if web is None:
            raise _err(source, "bot.webhook_url", "needs a [web] table (the server that "
                       "receives the updates)")
    username = _str(source, "bot.username", bot.get("username"), required=False).lstrip("@")
    if username and not is_bot_username(username):
        raise _err(source, "bot.username", f"{username!r} is not {BOT_USERNAME_RULE}")
    backup = _backup(source, raw.get("backup"))
    whatsapp = _whatsapp(source, raw.get("whatsapp"), env)
    if whatsapp is not None and web is not None and whatsapp.webhook_port == web.port and (
            whatsapp.webhook_host == web.host or "0.0.0.0" in (whatsapp.webhook_host, web.host)):
        raise _err(source, "whatsapp.webhook_port", f"{web.port} is web.port already; the "
                   "WhatsApp webhook needs a port of its own")
    if backup is not None and backup.encrypt and not env.get("BUURTBOT_BACKUP_PASSPHRASE"):
        raise _err(source, "backup.encrypt", "set the passphrase in BUURTBOT_BACKUP_PASSPHRASE "
                   "(in the environment file, not in this file)")
    return Config(
        token=token,
        api_url=api_url,
        file_url=file_url,
        database=database,
        coordinators=coordinators,
        rooms=rooms,
        partners=partners,
        help_retention_days=_int(
            source, "privacy.help_retention_days", privacy.get("help_retention_days", 90), 1, 3650
        ),
        checkin_retention_weeks=_int(
            source,
            "privacy.checkin_retention_weeks",
            privacy.get("checkin_retention_weeks", 26),
            1,
            520,
        ),
        invite_valid_days=_int(
            source, "bot.invite_valid_days", bot.get("invite_valid_days", 7), 1, 90
        ),
        programme_file=programme,
        demo_port=_int(source, "demo.port", demo.get("port", 8765), 0, 65535),
        source=source,
        webhook_url=webhook_url,
        bot_username=username,
        web=web,
        backup=backup,
        backup_passphrase=env.get("BUURTBOT_BACKUP_PASSPHRASE", ""),
        whatsapp=whatsapp,
    )


def _web(source: str, raw: Any) -> WebSettings | None:
    if raw is None:
        return None
    web = _table(source, "web", raw)
    _known(source, "web", web, _WEB_KEYS)
    public_url = _str(source, "web.public_url", web.get("public_url"), required=False)
    if public_url and not re.match(r"^https?://[^/\s]+", public_url):
        raise _err(source, "web.public_url", f"not an http(s) URL: {public_url!r}")
    timeout = web.get("health_timeout", 3)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not (
            0 < timeout <= 60):
        raise _err(source, "web.health_timeout", "expected seconds between 0 and 60")
    return WebSettings(
        host=_str(source, "web.host", web.get("host", "127.0.0.1")),
        port=_int(source, "web.port", web.get("port", 8080), 0, 65535),
        public_url=public_url.rstrip("/"),
        health_timeout=float(timeout),
    )


def _backup(source: str, raw: Any) -> BackupSettings | None:
    if raw is None:
        return None
    backup = _table(source, "backup", raw)
    _known(source, "backup", backup, _BACKUP_KEYS)
    encrypt = backup.get("encrypt", False)
    if not isinstance(encrypt, bool):
        raise _err(source, "backup.encrypt", f"expected true or false, got {encrypt!r}")
    return BackupSettings(
        dir=_str(source, "backup.dir", backup.get("dir")),
        daily=_int(source, "backup.daily", backup.get("daily", 7), 1, 365),
        weekly=_int(source, "backup.weekly", backup.get("weekly", 4), 0, 520),
        at=_parse_time(source, "backup.time", backup.get("time", "03:00")),
        encrypt=encrypt,
        warn_free_mb=_int(source, "backup.warn_free_mb", backup.get("warn_free_mb", 500), 0,
                          10_000_000),
    )


#: The settings ``[whatsapp]`` must have (from the file or the environment).
WHATSAPP_REQUIRED = ("access_token", "phone_number_id", "app_secret", "verify_token")
#: Never echoed in an error, a log line or ``doctor``'s output.
WHATSAPP_SECRETS = ("access_token", "app_secret", "verify_token")
_DIGITS = re.compile(r"^[0-9]{5,20}$")
_API_VERSION = re.compile(r"^v?([0-9]{1,3}\.[0-9]{1,2})$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_WEBHOOK_PATH = re.compile(r"^/[A-Za-z0-9._~/-]*$")


def whatsapp_env(name: str) -> str:
    """The environment variable that overrides ``whatsapp.<name>``."""
    return f"BUURTBOT_WHATSAPP_{name.upper()}"


def whatsapp_env_present(env: dict[str, str] | None = None) -> list[str]:
    """``BUURTBOT_WHATSAPP_*`` variables that are set (they do nothing without [whatsapp])."""
    environ = os.environ if env is None else env
    return sorted(var for var in environ if var.startswith("BUURTBOT_WHATSAPP_") and
                  environ[var])


class _WhatsAppReader:
    """Reads one ``[whatsapp]`` value: the environment first, then the file.

    Each problem names the setting and, when the value came from there, the environment
    variable. A secret's value is never part of the message (it would end up in a journal).
    """

    def __init__(self, source: str, table: dict[str, Any], env: dict[str, str]) -> None:
        self.source, self.table, self.env = source, table, env

    def where(self, name: str) -> str:
        var = whatsapp_env(name)
        if self.env.get(var):
            return f"whatsapp.{name} (from {var})"
        return f"whatsapp.{name}"

    def fail(self, name: str, problem: str) -> ConfigError:
        return _err(self.source, self.where(name), problem)

    def raw(self, name: str) -> Any:
        var = whatsapp_env(name)
        if self.env.get(var):
            return self.env[var].strip()
        return self.table.get(name)

    def text(self, name: str, default: str = "") -> str:
        value = self.raw(name)
        if value is None:
            if name in WHATSAPP_REQUIRED:
                raise _err(self.source, f"whatsapp.{name}",
                           f"is missing (set it here or in {whatsapp_env(name)})")
            return default
        if not isinstance(value, str):
            shown = "" if name in WHATSAPP_SECRETS else f", got {value!r}"
            raise self.fail(name, f"expected text in quotes{shown}")
        value = value.strip()
        if not value:
            if name in WHATSAPP_REQUIRED:
                raise _err(self.source, f"whatsapp.{name}",
                           f"is empty (set it here or in {whatsapp_env(name)})")
            return default
        if name in WHATSAPP_SECRETS and any(ch.isspace() for ch in value):
            raise self.fail(name, "contains a space or a line break (copied with more than "
                            "the value?)")
        return value

    def digits(self, name: str, required: bool) -> str:
        value = self.raw(name)
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                problem = "is missing" if value is None else "is empty"
                raise _err(self.source, f"whatsapp.{name}",
                           f"{problem} (set it here or in {whatsapp_env(name)})")
            return ""
        if not isinstance(value, str) or not _DIGITS.match(value.strip()):
            raise self.fail(name, f"expected the id Meta shows (digits only, such as "
                            f"\"106540352242922\"), got {value!r}")
        return value.strip()

    def number(self, name: str, default: float, *, whole: bool, low: float,
               high: float, low_open: bool = False) -> float:
        value = self.raw(name)
        if value is None:
            return default
        if isinstance(value, str):
            try:
                value = int(value) if whole else float(value.replace(",", "."))
            except ValueError:
                raise self.fail(name, f"expected a {'whole ' if whole else ''}number, got "
                                f"{value!r}") from None
        if isinstance(value, bool) or not isinstance(value, int if whole else int | float):
            raise self.fail(name, f"expected a {'whole ' if whole else ''}number, got "
                            f"{value!r}")
        if value != value or (value <= low if low_open else value < low) or value > high:
            lower = f"more than {low:g}" if low_open else f"at least {low:g}"
            raise self.fail(name, f"must be {lower} and at most {high:.10g} (got {value:g})")
        return value


def _whatsapp(source: str, raw: Any, env: dict[str, str]) -> WhatsAppSettings | None:
    """``[whatsapp]``: off without the table; with it, the four required values must be there
    (each from the file or its ``BUURTBOT_WHATSAPP_*`` variable)."""
    if raw is None:
        return None
    table = _table(source, "whatsapp", raw)
    _known(source, "whatsapp", table, _WHATSAPP_KEYS)
    read = _WhatsAppReader(source, table, env)
    access_token = read.text("access_token")
    phone_number_id = read.digits("phone_number_id", required=True)
    app_secret = read.text("app_secret")
    verify_token = read.text("verify_token")
    api_url = read.text("api_url", "https://graph.facebook.com")
    if not re.match(r"^https?://[^/\s]+", api_url):
        raise read.fail("api_url", f"not an http(s) URL: {api_url!r}")
    api_url = api_url.rstrip("/")
    version = read.raw("api_version")
    if isinstance(version, float | int) and not isinstance(version, bool):
        version = f"{float(version):.1f}"
    version = "21.0" if version is None else version
    match = _API_VERSION.match(version.strip()) if isinstance(version, str) else None
    if match is None:
        raise read.fail("api_version", f'expected a Graph API version such as "21.0", got '
                        f"{version!r}")
    path = read.text("webhook_path", "/whatsapp")
    if not _WEBHOOK_PATH.match(path):
        raise read.fail("webhook_path", f'expected a path starting with "/", such as '
                        f'"/whatsapp", got {path!r}')
    currency = read.text("currency", "EUR").upper()
    if not _CURRENCY.match(currency):
        raise read.fail("currency", f'expected a currency code such as "EUR", got {currency!r}')
    display = read.raw("display_number")
    return WhatsAppSettings(
        access_token=access_token,
        phone_number_id=phone_number_id,
        app_secret=app_secret,
        verify_token=verify_token,
        business_account_id=read.digits("business_account_id", required=False),
        api_url=api_url,
        api_version=match[1],
        webhook_host=read.text("webhook_host", "127.0.0.1"),
        webhook_port=int(read.number("webhook_port", 8081, whole=True, low=1, high=65535)),
        webhook_path=path,
        messages_per_second=float(read.number("messages_per_second", 80.0, whole=False,
                                              low=0, high=1000, low_open=True)),
        daily_limit=int(read.number("daily_limit", 250, whole=True, low=1,
                                    high=100_000_000)),
        template_price=float(read.number("template_price", 0.0, whole=False, low=0,
                                         high=100)),
        currency=currency,
        display_number=_phone(source, read.where("display_number"), display),
    )


def derive_file_url(api_url: str) -> str:
    """PTB's base_file_url that belongs to a base_url (".../bot" → ".../file/bot")."""
    if api_url.endswith("/bot"):
        return api_url[: -len("/bot")] + "/file/bot"
    return api_url.rstrip("/") + "/file/bot"


def load_config(path: str | Path | None = None, env: dict[str, str] | None = None) -> Config:
    """Read the TOML file named by ``path``, ``BUURTBOT_CONFIG`` or ``./buurtbot.toml``."""
    environ = os.environ if env is None else env
    path = Path(path or environ.get("BUURTBOT_CONFIG") or "buurtbot.toml")
    source = str(path)
    if not path.exists():
        raise ConfigError(
            f"{source}: file not found (copy buurtbot.example.toml to {source}, or set "
            "BUURTBOT_CONFIG)"
        )
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    return parse_config(raw, source, dict(environ))


def require_channels(config: Config) -> None:
    """Before ``run``: at least one channel, and Telegram's token well-formed when it is on.

    Telegram alone (a token), WhatsApp alone (a complete ``[whatsapp]``, already checked when
    the file was read) or both; neither is one line naming both ways to fix it.
    """
    if config.telegram:
        require_token(config)
    elif config.webhook_url:
        raise ConfigError(f"{config.source}: bot.webhook_url is set but bot.token (or "
                          "BUURTBOT_TOKEN) is missing")
    if not config.telegram and config.whatsapp is None:
        raise ConfigError(f"{config.source}: no channel to run on: set bot.token (or "
                          "BUURTBOT_TOKEN) for Telegram, or fill in a [whatsapp] table for "
                          "WhatsApp (see buurtbot.example.toml)")


def require_token(config: Config) -> None:
    if not config.token:
        raise ConfigError(f"{config.source}: bot.token (or BUURTBOT_TOKEN) is missing")
    if not _TOKEN.match(config.token):
        raise ConfigError(
            f"{config.source}: bot.token (or BUURTBOT_TOKEN) does not look like a BotFather "
            "token (123456:ABC...)"
        )
