#!/usr/bin/env bash
# Translation catalogs of the `coopbot` gettext domain.
#
#   scripts/i18n.sh extract   collect messages from bot/, handlers/, storage/ into
#                             locales/coopbot.pot, then update every catalog from it
#                             (the `en` catalog is filled with the English source text)
#   scripts/i18n.sh compile   compile every locales/<lang>/LC_MESSAGES/coopbot.po to .mo
#   scripts/i18n.sh check     fail when the template is stale, when a message is fuzzy or
#                             untranslated, or when a committed .mo differs from its .po
#
# Workflow after adding or changing a message: extract, translate the new entries in
# locales/vi/LC_MESSAGES/coopbot.po (and remove their `#, fuzzy` flags), compile, commit.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

DOMAIN=coopbot
LOCALES_DIR=locales
TEMPLATE="$LOCALES_DIR/$DOMAIN.pot"
LANGUAGES=(vi en)
SOURCE_LANGUAGE=en

if [[ -n "${PYTHON:-}" ]]; then
    PY="$PYTHON"
elif [[ -x .venv/bin/python ]]; then
    PY=.venv/bin/python
else
    PY=python3
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

pybabel() {
    "$PY" -m babel.messages.frontend "$@"
}

catalog() {
    echo "$LOCALES_DIR/$1/LC_MESSAGES/$DOMAIN.po"
}

# Write the template to $1 (quietly: pybabel lists every file it reads).
extract_to() {
    pybabel -q extract -F babel.cfg \
        --project=coopbot --copyright-holder="coopbot contributors" \
        --add-comments=Translators: --sort-by-file \
        --ignore-dirs=".* ._ build dist node_modules" \
        -o "$1" . >/dev/null
}

cmd_extract() {
    local fresh="$WORK/$DOMAIN.pot"
    echo "extract: messages from bot/, handlers/, storage/ -> $TEMPLATE"
    extract_to "$fresh"
    # Keep the committed template when only its creation date would change.
    if [[ -f "$TEMPLATE" ]] && diff -q \
        <(grep -v '^"POT-Creation-Date:' "$TEMPLATE") \
        <(grep -v '^"POT-Creation-Date:' "$fresh") >/dev/null; then
        echo "extract: template unchanged"
    else
        cp "$fresh" "$TEMPLATE"
    fi
    for lang in "${LANGUAGES[@]}"; do
        local po
        po="$(catalog "$lang")"
        if [[ -f "$po" ]]; then
            echo "update: $po"
            pybabel -q update -D "$DOMAIN" -i "$TEMPLATE" -l "$lang" -o "$po" \
                --previous --ignore-pot-creation-date
        else
            echo "init: $po"
            mkdir -p "$(dirname "$po")"
            pybabel -q init -D "$DOMAIN" -i "$TEMPLATE" -l "$lang" -o "$po"
        fi
    done
    echo "fill: $(catalog "$SOURCE_LANGUAGE") with the English source text"
    "$PY" - "$(catalog "$SOURCE_LANGUAGE")" <<'PYTHON'
import sys

from babel.messages.pofile import read_po, write_po

path = sys.argv[1]
with open(path, "rb") as handle:
    catalog = read_po(handle)
catalog.fuzzy = False
for message in catalog:
    if not message.id:
        continue
    if message.fuzzy or not all(message.string if message.pluralizable else [message.string]):
        message.string = message.id
        message.flags.discard("fuzzy")
        message.previous_id = []
with open(path, "wb") as handle:
    write_po(handle, catalog, width=76)
PYTHON
    echo "extract: done; translate the new entries of $(catalog vi), then run: $0 compile"
}

cmd_compile() {
    for lang in "${LANGUAGES[@]}"; do
        local po
        po="$(catalog "$lang")"
        echo "compile: $po -> ${po%.po}.mo"
        pybabel compile --statistics -D "$DOMAIN" -l "$lang" -i "$po" -o "${po%.po}.mo"
    done
}

cmd_check() {
    local tmp="$WORK"
    echo "check: extracting the messages of the current sources"
    extract_to "$tmp/$DOMAIN.pot"
    for lang in "${LANGUAGES[@]}"; do
        local po
        po="$(catalog "$lang")"
        if [[ ! -f "$po" ]]; then
            echo "check: $po is missing; run: $0 extract" >&2
            return 1
        fi
        echo "check: compiling $po in $tmp"
        pybabel compile --statistics -D "$DOMAIN" -l "$lang" -i "$po" -o "$tmp/$lang.mo"
        if [[ ! -f "$tmp/$lang.mo" ]]; then
            echo "check: $po did not compile (is its header marked fuzzy?)" >&2
            return 1
        fi
    done
    "$PY" - "$tmp" "$TEMPLATE" "$LOCALES_DIR" "$DOMAIN" "${LANGUAGES[@]}" <<'PYTHON'
import sys
from collections import Counter
from pathlib import Path
from string import Formatter

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

tmp, template, locales_dir, domain, *languages = sys.argv[1:]
problems: list[str] = []


def keys(catalog):
    return {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in catalog if m.id}


def comparable(value):
    # Babel reads a .mo's contexts as bytes and its plural forms as lists.
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return tuple(value) if isinstance(value, (list, tuple)) else value


def entries(catalog):
    return {
        (comparable(m.context), comparable(m.id), comparable(m.string))
        for m in catalog
        if m.id and m.string
    }


def placeholders(text):
    """Return the {fields} of a str.format text, or None when its braces are malformed."""
    try:
        parsed = list(Formatter().parse(text))
    except ValueError:
        return None
    return Counter((name, spec, conv) for _, name, spec, conv in parsed if name is not None)


def placeholders_match(message):
    if not message.pluralizable:
        return placeholders(message.string) == placeholders(message.id)
    # A singular form may leave out the count ("a minute"); no form may invent a field.
    allowed = placeholders(message.id[1]) or Counter()
    return all(
        (found := placeholders(form)) is not None and set(found) <= set(allowed)
        for form in message.string
    )


def load(path, reader=read_po):
    with open(path, "rb") as handle:
        return reader(handle)


current = keys(load(Path(tmp) / f"{domain}.pot"))
committed = keys(load(template))
for context, msgid in sorted(current - committed, key=str):
    problems.append(f"{template}: missing {msgid!r} (run scripts/i18n.sh extract)")
for context, msgid in sorted(committed - current, key=str):
    problems.append(f"{template}: stale {msgid!r} (run scripts/i18n.sh extract)")

for lang in languages:
    po_path = Path(locales_dir) / lang / "LC_MESSAGES" / f"{domain}.po"
    catalog = load(po_path)
    present = keys(catalog)
    for context, msgid in sorted(committed - present, key=str):
        problems.append(f"{po_path}: missing {msgid!r} (run scripts/i18n.sh extract)")
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if message.pluralizable else [message.string]
        if message.fuzzy:
            problems.append(f"{po_path}:{message.lineno}: fuzzy {message.id!r}")
        elif not all(strings):
            problems.append(f"{po_path}:{message.lineno}: untranslated {message.id!r}")
        elif not placeholders_match(message):
            problems.append(f"{po_path}:{message.lineno}: placeholders differ in {message.id!r}")
    mo_path = po_path.with_suffix(".mo")
    if not mo_path.exists():
        problems.append(f"{mo_path}: missing (run scripts/i18n.sh compile)")
    elif entries(load(mo_path, read_mo)) != entries(load(Path(tmp) / f"{lang}.mo", read_mo)):
        problems.append(f"{mo_path}: out of date with its .po (run scripts/i18n.sh compile)")

for problem in problems:
    print(f"check: {problem}", file=sys.stderr)
if problems:
    sys.exit(1)
print(f"check: {len(committed)} messages, translated in {', '.join(languages)}")
PYTHON
}

case "${1:-}" in
    extract) cmd_extract ;;
    compile) cmd_compile ;;
    check) cmd_check ;;
    *)
        echo "usage: $0 extract|compile|check" >&2
        exit 2
        ;;
esac
