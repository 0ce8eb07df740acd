"""The catalogue check's text rules: glossary, right-to-left isolates, grammar, plural forms."""

from __future__ import annotations

import pytest

from bot.i18n import FSI, LANGUAGES, PDI, plain, translator
from bot.i18n_tools import _placeholder_problems, _text_problems, plural_problems


def iso(text: str) -> str:
    return FSI + text + PDI


@pytest.mark.parametrize(("language", "text"), [
    ("nl", "Tik op /eten voor de maaltijden in uw kamer."),
    ("nl", "🍲 Samen eten"),
    ("en", "Eettafel"),
    ("ar", "كل من في غرفتي"),
    ("ar", "بقي 3 أماكن"),
    ("ar", "تسجيلك في الوجبة"),
    ("ar", "نراك في BuurtWerkKamer."),
    ("tr", "Odamdaki herkes"),
    ("tr", "Sizin için bir yer boşaldı!"),
    ("tr", "Bir konuk daha"),
    ("ar", "يوم المركز"),  # "the centre": the room is مركز الحي
    ("ar", "لا أحد من مركزك"),
    ("en", "The meal is full."),
    ("en", "📞 Belronde TOP: someone would like a call."),
    ("en", "You are on the waiting list, place {place}."),
    ("nl", "U staat op de wachtlijst, plek {place}."),
    ("uk", "Ваша кімната"),
    ("uk", "Спільний обід"),
    ("uk", "Ваша заявка на допомогу"),
    ("uk", "Ви в черзі очікування"),
    ("uk", "Натисни /start"),
    ("uk", "Щотижнева перевірка"),
])
def test_a_forbidden_glossary_variant_is_a_problem(language: str, text: str) -> None:
    assert any("glossary" in line for line in _text_problems(language, "x", text))


@pytest.mark.parametrize(("language", "text"), [
    ("nl", "Tik op /kamer om uw BuurtWerkKamer te kiezen."),  # the command is no variant
    ("nl", "De eettafel van {when} gaat niet door."),
    ("ar", f"مركز الحي ({iso('BuurtWerkKamer')}) بيت مفتوح. اضغط {iso('/hulp')}."),
    ("ar", f"اكتب رقمًا من {iso('1')} إلى {iso('40')}، مثلًا {iso('06 12345678')}."),
    ("tr", "Sandalyeniz onaylandı. Ortak akşam yemeğinde görüşmek üzere!"),
    ("tr", "Yeniden başlamak için /belronde komutuna dokunun."),
    ("ar", f"مركز حيّك هو: {iso('{room}')}. أيّ مركز حي تريد؟"),
    ("en", "Tap /belronde to join the weekly check-in."),
    ("uk", "BuurtWerkKamer — це сусідський центр. Натисніть /kamer, щоб вибрати."),
    ("uk", "Спільна вечеря: ви в списку очікування, залишилося {n} місце."),
])
def test_text_that_follows_the_glossary_passes(language: str, text: str) -> None:
    assert _text_problems(language, "x", text) == []


@pytest.mark.parametrize("text", [
    "اضغط /belronde للبدء.",  # shows as "belronde/"
    "اتصل بـ +31612345678",  # shows as "31612345678+"
    "مثلًا 06 12345678",  # shows as "12345678 06"
    "من 1 إلى 40",
])
def test_arabic_commands_phone_numbers_and_digits_need_an_isolate(text: str) -> None:
    assert any("outside an isolate" in line for line in _text_problems("ar", "x", text))


@pytest.mark.parametrize("mark", [",", ";"])
def test_arabic_has_no_latin_comma_or_semicolon(mark: str) -> None:
    assert any("Latin" in line for line in _text_problems("ar", "x", f"نعم{mark} شكرًا"))


def test_latin_words_in_a_non_latin_script_are_reported_except_names_and_isolates() -> None:
    assert any("Latin words" in line for line in _text_problems("ar", "x", "اضغط Done"))
    assert _text_problems("ar", "x", f"اضغط {iso('Done')} — {iso('{room}')} Telegram") == []


def test_a_latin_letter_inside_a_cyrillic_word_is_reported() -> None:
    assert any("Latin and Cyrillic" in line
               for line in _text_problems("uk", "x", "Вільне мiсце"))  # a Latin "i"
    assert any("Latin words" in line for line in _text_problems("uk", "x", "Натисніть Next"))
    assert _text_problems("uk", "x", "Вільне місце. Натисніть /menu, BuurtWerkKamer.") == []


def test_turkish_suffix_on_a_placeholder_and_bare_dokunun_are_reported() -> None:
    assert any("suffix" in line for line in _text_problems("tr", "x", "{time}'dan önce"))
    assert any("suffix" in line for line in _text_problems("tr", "x", "{time}’den önce"))
    assert any("dokunun" in line for line in _text_problems("tr", "x", "/belronde dokunun"))
    assert any("dokunun" in line for line in _text_problems("tr", "x", "«Şimdi değil» dokunun"))


def test_every_msgstr_is_nfc() -> None:
    decomposed = "Türkçe".replace("ü", "u\u0308")
    assert any("NFC" in line for line in _text_problems("tr", "x", decomposed))


class _Message:
    def __init__(self, msgid: str | tuple[str, str], string: str | tuple[str, ...]) -> None:
        self.id, self.string = msgid, string


def test_a_plural_form_may_leave_n_out_but_not_other_placeholders() -> None:
    msgid = ("{n} seat for {name}", "{n} seats for {name}")
    ok = _Message(msgid, ("لا مقعد لـ {name}", "مقعد واحد لـ {name}", "مقعدان لـ {name}",
                          "{n} مقاعد لـ {name}", "{n} مقعدًا لـ {name}", "{n} مقعد لـ {name}"))
    assert _placeholder_problems("ar", "x", ok) == []
    lost_name = _Message(msgid, ("{n} مقاعد",) * 6)
    assert _placeholder_problems("ar", "x", lost_name)
    unknown = _Message(msgid, ("{n} {name} {room}",) * 6)
    assert _placeholder_problems("ar", "x", unknown)
    # Outside plurals placeholders must match exactly.
    assert _placeholder_problems("nl", "x", _Message("{n} left", "over"))


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_plural_forms_follow_cldr_and_render_for_every_sample(language: str) -> None:
    assert plural_problems(language) == []


def test_a_shipped_plural_renders_the_arabic_dual_and_counted_noun() -> None:
    t = translator("ar")
    forms = {n: t.plural("{n} seat left", "{n} seats left", n) for n in (1, 2, 3, 11, 100)}
    assert forms[1] == "بقي مقعد واحد"
    assert forms[2] == "بقي مقعدان"
    assert plain(forms[3]) == "بقيت 3 مقاعد" and iso("3") in forms[3]
    assert plain(forms[11]) == "بقي 11 مقعدًا" and iso("11") in forms[11]
    assert plain(forms[100]) == "بقي 100 مقعد" and iso("100") in forms[100]
    assert translator("nl").plural("{n} seat left", "{n} seats left", 1) == "nog 1 plek"


def test_isolates_and_mirrored_arrows_only_for_right_to_left_readers() -> None:
    ar, nl = translator("ar"), translator("nl")
    assert ar.isolate("/hulp") == iso("/hulp")
    assert ar.isolate(iso("/hulp")) == iso("/hulp")
    assert nl.isolate("/hulp") == "/hulp"
    assert ar.number(12) == iso("12")
    assert ar.arrow("⬅️ Terug") == "➡️ Terug"
    assert nl.arrow("⬅️ Terug") == "⬅️ Terug"


def _catalogue_with(tmp_path, language: str, forms: list[str]) -> None:
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    catalog = Catalog(locale=language, domain="core")
    catalog.add(("{n} seat left", "{n} seats left"), tuple(forms))
    folder = tmp_path / language / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "core.po").open("wb") as handle:
        write_po(handle, catalog)


@pytest.fixture
def extra_language(tmp_path, monkeypatch):
    """A language added the documented way: in ``LANGUAGES``, with its own catalogue."""
    import bot.i18n as i18n

    def add(language: str, forms: list[str]) -> None:
        _catalogue_with(tmp_path, language, forms)
        monkeypatch.setattr(i18n, "LANGUAGES", {**i18n.LANGUAGES, language: language})
        monkeypatch.setattr(i18n, "locales_dir", lambda: tmp_path)
        monkeypatch.setattr("bot.i18n_tools.locales_dir", lambda: tmp_path)
        i18n._catalogue.cache_clear()

    yield add
    i18n._catalogue.cache_clear()


def test_ukrainian_needs_three_forms_and_the_number_where_one_covers_21(extra_language) -> None:
    # CLDR "one" in Ukrainian is 1, 21, 31…: that form must show the number.
    extra_language("uk", ["одне місце", "{n} місця", "{n} місць"])
    found = plural_problems("uk")
    assert any("n=21" in line for line in found), found
    assert any("n=101" in line for line in found), found


def test_a_complete_ukrainian_catalogue_passes(extra_language) -> None:
    extra_language("uk", ["{n} місце", "{n} місця", "{n} місць"])
    assert plural_problems("uk") == []
    t = translator("uk")
    assert [t.ngettext("{n} seat left", "{n} seats left", n).format(n=n)
            for n in (1, 2, 5, 21, 22, 25)] == [
        "1 місце", "2 місця", "5 місць", "21 місце", "22 місця", "25 місць"]


def test_too_few_plural_forms_for_polish_are_reported(extra_language) -> None:
    extra_language("pl", ["{n} miejsce", "{n} miejsca"])
    assert any("plural forms incomplete" in line for line in plural_problems("pl"))


@pytest.mark.parametrize("language, text", [
    ("pl", "Ogłoszenie może mieć najwyżej {max} znaków."),  # "1 024 znaków": "1 024 znaki"
    ("pl", "To więcej niż {max} godzin w jednym tygodniu."),
    ("pl", "Ankieta dotarła do {sent} z {total} osób."),
    ("uk", "В оголошенні може бути не більше {max} символів."),  # 1 021: "1 021 символу"
    ("uk", "Це більше ніж {max} годин за тиждень."),  # wrong for 82: "82 години"
    ("uk", "Анкету отримали {sent} з {total} осіб."),
])
def test_counted_noun_after_a_number_outside_ngettext_is_reported(language: str,
                                                                 text: str) -> None:
    """Polish and Ukrainian: the noun after a number changes with the number."""
    assert any("counted noun" in line for line in _text_problems(language, "x", text))


@pytest.mark.parametrize("language, text", [
    ("pl", "Największa liczba znaków w ogłoszeniu: {max}."),  # the number after a label
    ("pl", "Na co masz alergię? Napisz najwyżej {n} znaków."),  # {n}: the form's own count
    ("pl", "{hours} godzin"),
    ("pl", "Zajęte miejsca: {taken} z {cap}. Wolne: {free}."),
    ("uk", "Найбільша кількість символів в оголошенні: {max}."),  # the number after a label
    ("uk", "Напишіть не більше {n} символів."),  # {n}: the plural form's own count
    ("uk", "{hours} годин"),
    ("uk", "Запит {n} передано: {partner}."),
    ("uk", "Зайнято місць: {taken} з {cap}. Вільно: {free}."),
])
def test_number_after_a_label_or_in_its_own_plural_form_passes(language: str,
                                                              text: str) -> None:
    assert _text_problems(language, "x", text) == []


def test_a_ukrainian_plural_form_counted_by_another_placeholder_passes() -> None:
    # ngettext(..., asked): the form of "особа" follows {asked}, which the plural chooses.
    text = "У чаті відповіли {answered} з {asked} осіб, на папері: {paper}."
    assert _text_problems("uk", "x", text, plural=True) == []


def test_the_language_list_lives_in_one_place() -> None:
    from bot import config, i18n

    assert config.LANGUAGES == tuple(i18n.LANGUAGES)


def test_a_time_range_is_one_isolate_for_arabic_readers() -> None:
    ar = translator("ar")
    span = ar.span("17:30", "19:30")
    assert span == iso("17:30–19:30")
    assert ar.isolate(span) == span
    assert translator("nl").span("17:30", "19:30") == "17:30–19:30"


def test_an_arabic_placeholder_outside_an_isolate_is_a_problem() -> None:
    assert any("placeholder {language} outside an isolate" in line
               for line in _text_problems("ar", "x", "اللغة: {language}"))
    assert not [line for line in _text_problems("ar", "x", f"اللغة: {iso('{language}')}")
                if "placeholder" in line]
    # Markup around an isolate is fine.
    assert _text_problems("ar", "x", f"رقم طلبك هو <b>{iso('{n}')}</b>.") == []


@pytest.mark.parametrize("mark", ['"', "“"])
def test_arabic_quotes_a_word_with_guillemets(mark: str) -> None:
    assert any("«…»" in line for line in _text_problems("ar", "x", f"{mark}نعم{mark} ليس وقتًا"))


def test_a_turkish_suffix_on_a_command_is_reported() -> None:
    assert any("suffix" in line for line in
               _text_problems("tr", "x", "Program için /agenda'ya bakın."))
    assert _text_problems("tr", "x", "Program için /agenda komutuna dokunun.") == []


def test_an_empty_entry_is_reported_even_when_another_domain_translates_it(
        tmp_path, monkeypatch) -> None:
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    import bot.i18n_tools as tools

    folder = tmp_path / "tr" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    for domain, string in (("core", "⬅️ Geri"), ("meals", "")):
        catalog = Catalog(locale="tr", domain=domain)
        catalog.add("⬅️ Back", string)
        with (folder / f"{domain}.po").open("wb") as handle:
            write_po(handle, catalog)
    monkeypatch.setattr(tools, "locales_dir", lambda: tmp_path)
    monkeypatch.setattr(tools, "LANGUAGES", {"tr": "Türkçe"})
    monkeypatch.setattr(tools, "LANGUAGES_FIRST", "tr")
    monkeypatch.setattr(tools, "extract", lambda: {"core": {"⬅️ Back": []}, "meals": {"⬅️ Back": []}})
    monkeypatch.setattr(tools, "plural_problems", lambda language: [])
    assert tools.problems() == ["tr: untranslated: '⬅️ Back' (meals.po)"]
