"""``buurtbot whatsapp``: the operator's commands for the WhatsApp side.

- ``buurtbot whatsapp check``: the settings, the access token and the phone number, asked of
  Meta (``GET /{phone_number_id}``), the daily limit Meta gives the number next to
  ``whatsapp.daily_limit``, and how many of the bot's templates are approved.
- ``buurtbot whatsapp templates [--create] [--text]``: every template the bot ships, in every
  language, with Meta's approval status; ``--create`` submits the missing ones.

Exit codes: 0 all well, 2 a wrong or missing setting (one line, like every other command), 1
Meta cannot be reached or refuses (one line saying which). The templates themselves (texts,
categories, what Meta is asked) are :mod:`bot.channels.whatsapp.templates`; this module only
asks and prints. A secret (the access token, the app secret) is never printed.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from bot.cli import EXTRA_COMMANDS
from bot.cli_exit import fail
from bot.config import Config, ConfigError, WhatsAppSettings, load_config

HELP = "WhatsApp: check the number and token, show and create the message templates"
#: Meta could not be reached or refused (settings are fine as far as we can tell).
UNREACHABLE = 1
#: Meta's messaging limit tiers: business-initiated conversations with unique people per
#: 24 hours.
TIERS = {"TIER_50": 50, "TIER_250": 250, "TIER_1K": 1000, "TIER_2K": 2000,
         "TIER_10K": 10_000, "TIER_100K": 100_000}
NUMBER_FIELDS = ("display_phone_number,verified_name,quality_rating,messaging_limit_tier,"
                 "throughput,name_status")


class ApiProblem(Exception):
    """Meta cannot be reached or refuses: the message is one line without any secret."""


@dataclass(frozen=True)
class NumberInfo:
    """What Meta says about the business number (``GET /{phone_number_id}``)."""

    display_phone_number: str
    verified_name: str
    quality_rating: str
    messaging_limit_tier: str
    throughput: str
    date: str = ""  # Meta's Date header: doctor compares the clock with it

    @property
    def daily_limit(self) -> int | None:
        """Meta's current daily limit for the number (None: unlimited or not told)."""
        return TIERS.get(self.messaging_limit_tier)


def base_url(settings: WhatsAppSettings) -> str:
    return f"{settings.api_url.rstrip('/')}/v{settings.api_version}"


def explain(answer: httpx.Response, settings: WhatsAppSettings) -> str:
    """Meta's refusal as one line: the code and what to do about it."""
    try:
        error = answer.json().get("error") or {}
    except ValueError:
        error = {}
    code = error.get("code")
    message = str(error.get("message") or answer.reason_phrase or answer.status_code)[:200]
    if code == 190 or answer.status_code == 401:
        return (f"Meta refuses the access token ({message}); make a new permanent token for "
                "the system user and put it in BUURTBOT_WHATSAPP_ACCESS_TOKEN")
    if code in (100, 803) or answer.status_code == 404:
        return (f"Meta does not know phone number id {settings.phone_number_id} for this token "
                f"({message}); copy whatsapp.phone_number_id from the app's WhatsApp > API "
                "setup page")
    if code in (10, 200):
        return (f"the token may not use this number ({message}); give the system user the "
                "whatsapp_business_messaging and whatsapp_business_management permissions")
    return f"Meta answered {answer.status_code}: {message}" + (f" (code {code})" if code else "")


async def number_info(settings: WhatsAppSettings, *, timeout: float = 10.0  # noqa: ASYNC109
                      ) -> NumberInfo:
    """Ask Meta about the number with the access token; :class:`ApiProblem` when that fails."""
    url = f"{base_url(settings)}/{settings.phone_number_id}"
    try:
        async with httpx.AsyncClient(timeout=timeout) as http:
            answer = await http.get(url, params={"fields": NUMBER_FIELDS}, headers={
                "Authorization": f"Bearer {settings.access_token}"})
    except httpx.HTTPError as exc:
        raise ApiProblem(f"cannot reach the WhatsApp Cloud API at {settings.api_url} "
                         f"({type(exc).__name__}); check the internet connection and "
                         "whatsapp.api_url (BUURTBOT_WHATSAPP_API_URL)") from None
    if answer.status_code != 200:
        raise ApiProblem(explain(answer, settings))
    try:
        data = answer.json()
    except ValueError:
        raise ApiProblem(f"{url} did not answer like the WhatsApp Cloud API (no JSON); check "
                         "whatsapp.api_url") from None
    throughput = data.get("throughput")
    return NumberInfo(
        display_phone_number=str(data.get("display_phone_number") or ""),
        verified_name=str(data.get("verified_name") or ""),
        quality_rating=str(data.get("quality_rating") or "UNKNOWN"),
        messaging_limit_tier=str(data.get("messaging_limit_tier") or ""),
        throughput=str(throughput.get("level", "")) if isinstance(throughput, dict) else "",
        date=answer.headers.get("Date", ""),
    )


def limit_advice(settings: WhatsAppSettings, info: NumberInfo) -> tuple[str, str]:
    """(level, text) comparing ``whatsapp.daily_limit`` with what Meta allows the number."""
    allowed = info.daily_limit
    mine = settings.daily_limit
    if info.messaging_limit_tier == "TIER_UNLIMITED":
        return "OK", (f"Meta sets no daily limit for this number; the bot keeps to "
                      f"whatsapp.daily_limit = {mine}")
    if allowed is None:
        return "OK", f"whatsapp.daily_limit = {mine} (Meta did not say the number's limit)"
    if mine > allowed:
        return "WARN", (f"whatsapp.daily_limit = {mine} is more than Meta allows this number "
                        f"({allowed} people a day): set it to {allowed}, or messages are refused")
    if mine < allowed:
        return "WARN", (f"Meta allows this number {allowed} people a day now: raise "
                        f"whatsapp.daily_limit (now {mine}) so broadcasts finish sooner")
    return "OK", f"whatsapp.daily_limit = {mine}, as Meta allows this number"


def _templates_module() -> Any:
    """The templates of the bot (:mod:`bot.channels.whatsapp.templates`)."""
    try:
        from bot.channels.whatsapp import templates
    except ImportError as exc:
        raise ConfigError("this build of buurtbot has no WhatsApp templates "
                          f"({exc.name or exc})") from None
    return templates


def _settings(args: argparse.Namespace) -> tuple[Config, WhatsAppSettings]:
    config = load_config(args.config)
    if config.whatsapp is None:
        raise ConfigError(f"{config.source}: whatsapp: there is no [whatsapp] table (see "
                          "buurtbot.example.toml and docs/whatsapp.md)")
    return config, config.whatsapp


def _need_business_account(settings: WhatsAppSettings, source: str) -> None:
    if not settings.business_account_id:
        raise ConfigError(f"{source}: whatsapp.business_account_id (or "
                          "BUURTBOT_WHATSAPP_BUSINESS_ACCOUNT_ID) is missing: the templates "
                          "live in the WhatsApp Business Account")


@dataclass(frozen=True)
class TemplateLine:
    name: str
    language: str
    category: str
    status: str
    reason: str = ""
    body: str = ""
    buttons: tuple[str, ...] = ()


def definition_lines(templates: Any) -> list[TemplateLine]:
    """Every (template, language) the bot ships, with no status (Meta not asked)."""
    lines = []
    for defn in templates.definitions():
        for code in templates.languages():
            lines.append(TemplateLine(defn.name, code, defn.category, "?",
                                      body=templates.body(defn, code),
                                      buttons=tuple(templates.buttons(defn, code))))
    return lines


def table(lines: Sequence[TemplateLine], *, text: bool = False) -> str:
    """A plain-text table (name, language, category, status), one row per language."""
    heads = ("NAME", "LANGUAGE", "CATEGORY", "STATUS")
    rows = [(line.name, line.language, line.category,
             line.status + (f" ({line.reason})" if line.reason else "")) for line in lines]
    widths = [max(len(head), *(len(row[i]) for row in rows)) if rows else len(head)
              for i, head in enumerate(heads)]
    out = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(heads)).rstrip()]
    for line, row in zip(lines, rows, strict=True):
        out.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if text:
            out.append(f"    {line.body}")
            if line.buttons:
                out.append("    [" + "] [".join(line.buttons) + "]")
    return "\n".join(out)


def summary(lines: Sequence[TemplateLine]) -> str:
    counts: dict[str, int] = {}
    for line in lines:
        counts[line.status] = counts.get(line.status, 0) + 1
    return ", ".join(f"{n} {status.lower()}" for status, n in sorted(counts.items()))


def _api_error(exc: Exception, settings: WhatsAppSettings) -> ApiProblem:
    if isinstance(exc, httpx.HTTPStatusError):
        return ApiProblem(explain(exc.response, settings).replace(
            f"phone number id {settings.phone_number_id}",
            f"business account id {settings.business_account_id}").replace(
            "whatsapp.phone_number_id", "whatsapp.business_account_id"))
    return ApiProblem(f"cannot reach the WhatsApp Cloud API at {settings.api_url} "
                      f"({type(exc).__name__}); check the internet connection and "
                      "whatsapp.api_url (BUURTBOT_WHATSAPP_API_URL)")


async def _statuses(templates: Any, settings: WhatsAppSettings) -> list[TemplateLine]:
    try:
        rows = await templates.sync(settings)
    except (httpx.HTTPError, ValueError) as exc:
        raise _api_error(exc, settings) from None
    return [TemplateLine(row.name, row.language, row.category, row.status, row.reason or "",
                         row.body, tuple(row.buttons)) for row in rows]


async def _create(templates: Any, settings: WhatsAppSettings) -> list[tuple[str, str, str]]:
    try:
        return list(await templates.create_missing(settings))
    except (httpx.HTTPError, ValueError) as exc:
        raise _api_error(exc, settings) from None


def run_templates(args: argparse.Namespace) -> int:
    config, settings = _settings(args)
    _need_business_account(settings, config.source)
    templates = _templates_module()
    refused: list[tuple[str, str, str]] = []
    try:
        if args.create:
            created = asyncio.run(_create(templates, settings))
            refused = [c for c in created if c[2].startswith("error")]
            for name, language, result in refused:
                print(f"not created: {name} ({language}): {result}")
            if len(created) > len(refused):
                print(f"created {len(created) - len(refused)} template(s); Meta reviews them "
                      "now")
            if not created:
                print("nothing to create: every template is in the account already")
        lines = asyncio.run(_statuses(templates, settings))
    except ApiProblem as exc:
        print(table(definition_lines(templates), text=args.text))
        print(f"buurtbot: {exc}", file=sys.stderr)
        return UNREACHABLE
    print(table(lines, text=args.text))
    print(f"{len(lines)} templates: {summary(lines)}")
    print("(Meta has no Tigrinya templates: Tigrinya readers get the English one outside the "
          "24-hour window)")
    missing = [line for line in lines if line.status == "MISSING"]
    waiting = [line for line in lines if line.status in ("PENDING", "IN_APPEAL")]
    if missing:
        print("create the missing ones: buurtbot whatsapp templates --create")
    if any(line.status == "REJECTED" for line in lines):
        print("a rejected template: read Meta's reason in WhatsApp Manager > Message "
              "templates, change the text there and submit it again")
    if waiting:
        print("Meta reviews new templates (minutes to a day). Until one is approved, the bot "
              "holds what it would send with it for people outside the 24-hour window, or "
              "sends the general \"you have a message\" template when that one is approved.")
    if args.create and refused:
        print(f"buurtbot: Meta refused {len(refused)} template(s): {refused[0][2]}",
              file=sys.stderr)
        return UNREACHABLE
    return 0


def run_check(args: argparse.Namespace) -> int:
    config, settings = _settings(args)
    print(f"OK   settings: {config.source}: number id {settings.phone_number_id}, webhook on "
          f"{settings.webhook_host}:{settings.webhook_port}{settings.webhook_path}, "
          f"{settings.messages_per_second:g} messages/s, daily limit {settings.daily_limit}")
    try:
        info = asyncio.run(number_info(settings, timeout=args.timeout))
    except ApiProblem as exc:
        print(f"FAIL number: {exc}")
        print(f"buurtbot: {exc}", file=sys.stderr)
        return UNREACHABLE
    print(f"OK   number: {info.display_phone_number or '?'} ({info.verified_name or 'no name'}"
          f"), quality {info.quality_rating}"
          + (f", throughput {info.throughput}" if info.throughput else ""))
    level, advice = limit_advice(settings, info)
    print(f"{level:<4} daily limit: {advice}")
    if info.quality_rating in ("RED", "YELLOW"):
        print(f"WARN quality: Meta rates the number {info.quality_rating}: people block or "
              "report its messages; send fewer broadcasts")
    if not settings.business_account_id:
        print("WARN templates: whatsapp.business_account_id is not set: the templates cannot "
              "be checked or created (needed to write to people outside the 24-hour window)")
        return 0
    try:
        lines = asyncio.run(_statuses(_templates_module(), settings))
    except ApiProblem as exc:
        print(f"FAIL templates: {exc}")
        return UNREACHABLE
    approved = sum(line.status == "APPROVED" for line in lines)
    level = "OK" if approved == len(lines) else "WARN"
    print(f"{level:<4} templates: {summary(lines)}"
          + ("" if level == "OK" else " (buurtbot whatsapp templates)"))
    return 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="whatsapp_command", metavar="WHAT")
    check = sub.add_parser("check", help="settings, token and number, asked of Meta",
                           description="Check the [whatsapp] settings, the access token and "
                           "the phone number with Meta (GET /{phone_number_id}), the daily "
                           "limit and the templates' approval.")
    check.add_argument("--timeout", type=float, default=10.0,
                       help="seconds to wait for Meta (default 10)")
    tpl = sub.add_parser("templates", help="show the message templates and their approval",
                         description="Show every message template the bot uses, in every "
                         "language, with Meta's approval status; --create submits the "
                         "missing ones for approval.")
    tpl.add_argument("--create", action="store_true",
                     help="create the templates the Business Account does not have yet")
    tpl.add_argument("--text", action="store_true", help="show each template's text too")


def run(args: argparse.Namespace) -> int:
    command = getattr(args, "whatsapp_command", None)
    if command == "check":
        return run_check(args)
    if command == "templates":
        return run_templates(args)
    return fail("buurtbot: whatsapp: say what: `buurtbot whatsapp check` or "
                "`buurtbot whatsapp templates [--create]`")


EXTRA_COMMANDS["whatsapp"] = (HELP, add_arguments, run)
