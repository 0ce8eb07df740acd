"""Message templates as Meta keeps them: created PENDING, approved or rejected by review.

The stand-in's driver plays the reviewer (``approve`` / ``reject`` / ``pause``). A send of
a template is checked like Meta: the name and language must exist and be APPROVED (else
132001; PAUSED 132015, DISABLED 132016), the body parameters must match the ``{{n}}``
placeholders in number (132000), quick-reply payloads go to existing quick-reply buttons.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.whatsapp.errors import WaError, invalid

NAME_MAX = 512
BODY_MAX = 1024
HEADER_MAX = 60
FOOTER_MAX = 60
QUICK_REPLIES_MAX = 10
BUTTON_TEXT_MAX = 25
CATEGORIES = ("MARKETING", "UTILITY", "AUTHENTICATION")
STATUSES = ("APPROVED", "PENDING", "REJECTED", "PAUSED", "DISABLED")
_NAME = re.compile(r"[a-z0-9_]+")
_VAR = re.compile(r"\{\{\s*(\d+)\s*\}\}")
_ids = itertools.count(1_094_000_000_000_001)


@dataclass
class Template:
    """One template in one language."""

    name: str
    language: str
    category: str
    components: list[dict[str, Any]]
    status: str = "PENDING"
    reason: str | None = None
    id: str = field(default_factory=lambda: str(next(_ids)))

    def component(self, kind: str) -> dict[str, Any] | None:
        return next((c for c in self.components if str(c.get("type", "")).upper() == kind), None)

    @property
    def body(self) -> str:
        comp = self.component("BODY")
        return str(comp.get("text", "")) if comp else ""

    @property
    def header(self) -> str | None:
        comp = self.component("HEADER")
        if comp and str(comp.get("format", "TEXT")).upper() == "TEXT":
            return str(comp.get("text", ""))
        return None

    @property
    def footer(self) -> str | None:
        comp = self.component("FOOTER")
        return str(comp.get("text", "")) if comp else None

    @property
    def quick_replies(self) -> list[str]:
        """The texts of the quick-reply buttons, in order (their index is the send's)."""
        comp = self.component("BUTTONS")
        if not comp:
            return []
        return [str(b.get("text", "")) for b in comp.get("buttons", [])
                if str(b.get("type", "")).upper() == "QUICK_REPLY"]

    def view(self) -> dict[str, Any]:
        """As ``GET /{waba}/message_templates`` lists it."""
        out = {"name": self.name, "language": self.language, "status": self.status,
               "category": self.category, "components": self.components, "id": self.id}
        if self.reason:
            out["rejected_reason"] = self.reason
        return out


def variables(text: str) -> int:
    """How many ``{{n}}`` the text has; refuses them out of order (Meta: {{1}}, {{2}}, ...)."""
    found = [int(n) for n in _VAR.findall(text)]
    if found != list(range(1, len(found) + 1)):
        raise invalid("Variables must be sequential, starting at {{1}}: got "
                      + ", ".join(f"{{{{{n}}}}}" for n in found))
    return len(found)


def fill(text: str, params: list[str]) -> str:
    return _VAR.sub(lambda m: params[int(m.group(1)) - 1]
                    if int(m.group(1)) <= len(params) else m.group(0), text)


def check_new(body: Any) -> Template:
    """A ``POST /{waba}/message_templates`` body as Meta checks it; the new Template."""
    if not isinstance(body, dict):
        raise invalid("Invalid parameter: a JSON object is expected")
    name, language, category = body.get("name"), body.get("language"), body.get("category")
    if not isinstance(name, str) or not _NAME.fullmatch(name) or len(name) > NAME_MAX:
        raise invalid("Param name must be lowercase letters, digits and underscores, at most "
                      f"{NAME_MAX} characters.")
    if not isinstance(language, str) or not re.fullmatch(r"[a-z]{2,3}(_[A-Z]{2})?", language):
        raise invalid(f"Param language must be a language code such as nl or en_US - got "
                      f"{language!r}.")
    if not isinstance(category, str) or category.upper() not in CATEGORIES:
        raise invalid("Param category must be one of {MARKETING, UTILITY, AUTHENTICATION}.")
    components = body.get("components")
    if not isinstance(components, list) or not all(isinstance(c, dict) for c in components):
        raise invalid("Param components must be a list of objects.")
    kinds = [str(c.get("type", "")).upper() for c in components]
    if kinds.count("BODY") != 1:
        raise invalid("Message template components must have exactly one BODY.")
    for comp, kind in zip(components, kinds, strict=True):
        text = comp.get("text")
        if kind == "BODY":
            if not isinstance(text, str) or not text.strip():
                raise invalid("Param components[BODY]['text'] is required.")
            if len(text) > BODY_MAX:
                raise invalid(f"Param components[BODY]['text'] must be at most {BODY_MAX} "
                              "characters long.")
            variables(text)
        elif kind in ("HEADER", "FOOTER"):
            limit = HEADER_MAX if kind == "HEADER" else FOOTER_MAX
            if kind == "HEADER" and str(comp.get("format", "TEXT")).upper() != "TEXT":
                continue
            if not isinstance(text, str) or not text or len(text) > limit:
                raise invalid(f"Param components[{kind}]['text'] must be 1 to {limit} "
                              "characters long.")
            if kind == "FOOTER" and _VAR.search(text):
                raise invalid("A footer can not have variables.")
            if variables(text) > 1:
                raise invalid("A header can have at most one variable.")
        elif kind == "BUTTONS":
            buttons = comp.get("buttons")
            if not isinstance(buttons, list) or not buttons:
                raise invalid("Param components[BUTTONS]['buttons'] is required.")
            if len(buttons) > QUICK_REPLIES_MAX:
                raise invalid(f"A template can have at most {QUICK_REPLIES_MAX} buttons.")
            texts = []
            for button in buttons:
                btext = button.get("text") if isinstance(button, dict) else None
                if not isinstance(btext, str) or not 1 <= len(btext) <= BUTTON_TEXT_MAX:
                    raise invalid(f"Button text must be 1 to {BUTTON_TEXT_MAX} characters long.")
                texts.append(btext)
            if len(set(texts)) != len(texts):
                raise invalid("Button texts must be unique.")
        else:
            raise invalid(f"Param components[]['type'] must be one of {{HEADER, BODY, FOOTER, "
                          f"BUTTONS}} - got {kind!r}.")
    return Template(name=name, language=language, category=category.upper(),
                    components=components)


@dataclass
class TemplateUse:
    """What a template send carried: the person reads ``text`` and taps ``buttons``."""

    name: str
    language: str
    params: list[str]
    header_params: list[str]
    payloads: list[str]
    text: str
    header: str | None
    footer: str | None
    buttons: list[str]


def check_send(store: dict[tuple[str, str], Template], tpl: Any) -> TemplateUse:
    """A ``template`` object of a send, against the store, as Meta refuses it."""
    if not isinstance(tpl, dict) or not isinstance(tpl.get("name"), str):
        raise WaError(131008, "The parameter template['name'] is required.")
    lang = tpl.get("language")
    code = lang.get("code") if isinstance(lang, dict) else None
    if not isinstance(code, str):
        raise WaError(131008, "The parameter template['language']['code'] is required.")
    name = tpl["name"]
    found = store.get((name, code))
    if found is None or found.status in ("PENDING", "REJECTED"):
        raise WaError(132001, f"template name ({name}) does not exist in {code}")
    if found.status == "PAUSED":
        raise WaError(132015, f"Template {name} is paused.")
    if found.status == "DISABLED":
        raise WaError(132016, f"Template {name} is disabled.")
    body_params: list[str] = []
    header_params: list[str] = []
    payloads = list(found.quick_replies)  # without a payload the tap sends the text
    for comp in tpl.get("components") or []:
        if not isinstance(comp, dict):
            raise WaError(132000, "Param template['components'][] must be an object.")
        kind = str(comp.get("type", "")).lower()
        params = comp.get("parameters") or []
        if kind in ("body", "header"):
            values = []
            for p in params:
                if not isinstance(p, dict) or p.get("type") != "text" or not isinstance(
                        p.get("text"), str):
                    raise WaError(132012, f"{kind}: parameters must be of type text")
                if "\n" in p["text"] or "    " in p["text"]:
                    raise WaError(132012, f"{kind}: Param text cannot have new-line/tab "
                                          "characters or more than 4 consecutive spaces")
                values.append(p["text"])
            (body_params if kind == "body" else header_params).extend(values)
        elif kind == "button":
            if str(comp.get("sub_type", "")).lower() != "quick_reply":
                raise WaError(132000, "button: only quick_reply buttons are supported here")
            try:
                index = int(comp.get("index"))
            except (TypeError, ValueError):
                raise WaError(131008, "The parameter template['components'][]['index'] is "
                                      "required.") from None
            if not 0 <= index < len(found.quick_replies):
                raise WaError(132000, f"button at index {index} does not exist in the template")
            payload = next((p.get("payload") for p in params
                            if isinstance(p, dict) and p.get("type") == "payload"), None)
            if not isinstance(payload, str) or not payload:
                raise WaError(131008, "The parameter button['parameters'][]['payload'] is "
                                      "required.")
            payloads[index] = payload
        else:
            raise WaError(132000, f"Unknown component type {kind!r}")
    expected = variables(found.body)
    if len(body_params) != expected:
        raise WaError(132000, f"body: number of localizable_params ({len(body_params)}) does "
                              f"not match the expected number of params ({expected})")
    header = found.header
    header_expected = variables(header) if header else 0
    if len(header_params) != header_expected:
        raise WaError(132000, f"header: number of localizable_params ({len(header_params)}) "
                              f"does not match the expected number of params "
                              f"({header_expected})")
    text = fill(found.body, body_params)
    if len(text) > BODY_MAX:
        raise WaError(132005, "The body is too long once the parameters are filled in.")
    return TemplateUse(name=name, language=code, params=body_params,
                       header_params=header_params, payloads=payloads, text=text,
                       header=fill(header, header_params) if header else None,
                       footer=found.footer, buttons=found.quick_replies)
