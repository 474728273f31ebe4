"""The store's catalogues are complete: every string of the source (templates and Python) is in
locale/pt_BR and locale/es, translated, not fuzzy, with its placeholders and HTML tags intact.

After adding or changing strings, update the catalogues with (GNU gettext needed):

    .venv/bin/python manage.py makemessages -l pt_BR -l es --ignore=.venv --ignore=node_modules \
        --ignore=theme/static_src --ignore=staticfiles --ignore=media --ignore=bench \
        --ignore=e2e --ignore=docs --ignore=tests --ignore=conftest.py --no-obsolete

then translate every new entry (no empty msgstr, no "#, fuzzy") and run `make messages`, which
compiles them with Babel. Test-only strings need no translation: tests are left out.

The first check runs that same makemessages into a temporary folder, so it needs xgettext. On a
laptop without gettext it is skipped; with I18N_REQUIRED=1 (set by .ci/run) that is an error.
"""

from __future__ import annotations

import os
import re
import shutil
from io import StringIO
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management import call_command
from django.core.management.commands import makemessages

from payments.models import MercadoPagoPayment

LANGUAGES = ["pt_BR", "es"]
IGNORE = [
    ".venv",
    "node_modules",
    "theme/static_src",
    "staticfiles",
    "media",
    "bench",
    "e2e",
    "docs",
    "tests",
    "conftest.py",
]
COMMAND = (
    ".venv/bin/python manage.py makemessages "
    + " ".join([*(f"-l {language}" for language in LANGUAGES), *(f"--ignore={i}" for i in IGNORE)])
    + " --no-obsolete"
)
GETTEXT_PROGRAMS = ("xgettext", "msguniq", "msgmerge", "msgattrib")
INSTALL_HINT = "apt-get install -y gettext"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{\{.*?\}\}")
TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def catalogue_path(language: str) -> Path:
    return Path(settings.BASE_DIR) / "locale" / language / "LC_MESSAGES" / "django.po"


def read_catalogue(language: str) -> Catalog:
    with catalogue_path(language).open("rb") as po:
        return read_po(po, locale=language)


def key(message: Message) -> tuple:
    """An entry's identity; Babel reads a plural's msgid as a tuple from .po, a list from .mo."""
    msgid = tuple(message.id) if isinstance(message.id, list | tuple) else message.id
    return (message.context, msgid)


def describe(message: Message) -> str:
    text = message.id[0] if isinstance(message.id, tuple) else message.id
    where = ", ".join(f"{path}:{line}" for path, line in message.locations[:2])
    context = f" (context {message.context!r})" if message.context else ""
    return f"  {text!r}{context}  [{where or 'no location'}]"


def forms(message: Message) -> list[str]:
    string = message.string
    return list(string) if isinstance(string, list | tuple) else [string]


def is_translated(message: Message) -> bool:
    return all(forms(message))


class MakeMessagesInto(makemessages.Command):
    """makemessages exactly as engineers run it, except that it writes into `target` rather
    than into the repository's locale folder."""

    def __init__(self, target: Path, **kwargs):
        super().__init__(**kwargs)
        self.target = str(target)

    def find_files(self, root):
        files = super().find_files(root)
        for translatable in files:
            translatable.locale_dir = self.target
        self.locale_paths = [self.target]
        return files


@pytest.fixture
def gettext_programs():
    missing = [program for program in GETTEXT_PROGRAMS if shutil.which(program) is None]
    if not missing:
        return
    message = f"GNU gettext is missing ({', '.join(missing)}): {INSTALL_HINT}"
    if os.environ.get("I18N_REQUIRED") == "1":
        pytest.fail(f"I18N_REQUIRED=1 but {message}", pytrace=False)
    pytest.skip(f"TRANSLATIONS NOT CHECKED against the source: {message}")


def test_catalogues_hold_every_string_of_the_source(gettext_programs, tmp_path, monkeypatch):
    """makemessages merges the source's strings into a copy of the catalogues: any entry the
    copy has and the committed catalogue lacks is a string nobody has translated yet."""
    locale = tmp_path / "locale"
    shutil.copytree(Path(settings.BASE_DIR) / "locale", locale)
    monkeypatch.chdir(settings.BASE_DIR)
    call_command(
        MakeMessagesInto(locale),
        locale=LANGUAGES,
        ignore_patterns=IGNORE,
        verbosity=0,
        stdout=StringIO(),
    )

    problems = []
    for language in LANGUAGES:
        with (locale / language / "LC_MESSAGES" / "django.po").open("rb") as po:
            source = [message for message in read_po(po, locale=language) if message.id]
        assert source, f"makemessages found no strings for {language}"
        committed = {key(message) for message in read_catalogue(language) if message.id}
        missing = [message for message in source if key(message) not in committed]
        if missing:
            problems.append(f"{language}, not in the catalogue ({len(missing)}):")
            problems += [describe(message) for message in missing]
    if problems:
        pytest.fail(
            "The catalogues are behind the source. Run\n    "
            + COMMAND
            + "\nand translate the new entries.\n"
            + "\n".join(problems),
            pytrace=False,
        )


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_entry_is_translated_and_none_is_fuzzy(language, capsys):
    catalogue = read_catalogue(language)
    messages = [message for message in catalogue if message.id]
    untranslated = [message for message in messages if not is_translated(message)]
    fuzzy = [message for message in messages if message.fuzzy]
    with capsys.disabled():  # the statistics belong in every run's output, CI's included
        print(
            f"\n{catalogue_path(language).relative_to(settings.BASE_DIR)}: {len(messages)} entries"
            f" ({sum(isinstance(m.id, tuple) for m in messages)} with plurals,"
            f" {sum(bool(m.context) for m in messages)} with context),"
            f" {len(messages) - len(untranslated)} translated, {len(untranslated)} untranslated,"
            f" {len(fuzzy)} fuzzy, {len(catalogue.obsolete)} obsolete;"
            f" {catalogue.num_plurals} plural forms"
        )

    problems = []
    if catalogue.fuzzy:
        problems.append("the header is marked fuzzy (Babel would not compile the catalogue)")
    if untranslated:
        problems.append(f"not translated ({len(untranslated)}):")
        problems += [describe(message) for message in untranslated]
    if fuzzy:
        problems.append(f"fuzzy ({len(fuzzy)}; check each, then drop the flag):")
        problems += [describe(message) for message in fuzzy]
    if problems:
        pytest.fail(f"{catalogue_path(language)}:\n" + "\n".join(problems), pytrace=False)


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_placeholders_tags_and_plural_forms(language):
    catalogue = read_catalogue(language)
    problems = []
    for message, errors in catalogue.check():  # Babel: python-format and the number of forms
        problems += [f"{describe(message)}: {error}" for error in errors]
    for message in catalogue:
        if not message.id or not is_translated(message):
            continue
        ids = list(message.id) if isinstance(message.id, tuple) else [message.id]
        for index, string in enumerate(forms(message)):
            original = ids[min(index, len(ids) - 1)]
            for pattern, what in ((PLACEHOLDER, "placeholders"), (TAG, "HTML tags")):
                if sorted(pattern.findall(string)) != sorted(pattern.findall(original)):
                    problems.append(f"{describe(message)}: {what} differ in {string!r}")
    if problems:
        pytest.fail(f"{catalogue_path(language)}:\n" + "\n".join(problems), pytrace=False)


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogues_match_the_translations(language):
    """Django reads the .mo files, which `make messages` compiles (they are not committed)."""
    compiled = catalogue_path(language).with_suffix(".mo")
    assert compiled.exists(), f"{compiled} is missing: run `make messages`"
    with compiled.open("rb") as mo:
        on_disk = {key(message): forms(message) for message in read_mo(mo) if message.id}
    expected = {
        key(message): forms(message)
        for message in read_catalogue(language)
        if message.id and is_translated(message) and not message.fuzzy
    }
    assert on_disk == expected, f"{compiled} is out of date: run `make messages`"


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.mark.parametrize(
    ("outcome", "code", "named"),
    [("pending", "in_process", "em processamento"), ("reject", "rejected", "recusado")],
)
def test_the_order_page_names_mercado_pagos_status_never_its_code(
    buyer, shirt, brazilian, outcome, code, named
):
    buyer.add(shirt)
    back = buyer.come_back(buyer.pay(buyer.pay_link(), outcome))
    record = MercadoPagoPayment.objects.get()
    assert record.status == code

    page = visible_text(buyer.client.get(back["Location"], follow=True).content.decode())

    assert f"Pagamento {record.payment_id}: {named}" in page
    assert code not in page
