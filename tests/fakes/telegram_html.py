"""Telegram's HTML parse mode: the text a user sees, and why Telegram would reject the markup.

Follows https://core.telegram.org/bots/api#html-style: only a few tags, closed in order; every
``<``, ``>`` and ``&`` that is not markup must be written as an entity; the named entities are
``&lt; &gt; &amp; &quot;`` and numeric ones are allowed.
"""

from __future__ import annotations

import re

_ATTRS = r"""(?:\s+[A-Za-z][\w-]*(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?)*"""
_TAG = re.compile(rf"<(/?)([A-Za-z][\w-]*)({_ATTRS})\s*(/?)>")
_ATTR = re.compile(r"""([A-Za-z][\w-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
_ENTITY = re.compile(r"&(?:#([0-9]+)|#[xX]([0-9A-Fa-f]+)|(lt|gt|amp|quot));")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}

# Tags Telegram understands, and the attribute each one must carry (None: no requirement).
_REQUIRED_ATTR: dict[str, str | None] = {
    "b": None,
    "strong": None,
    "i": None,
    "em": None,
    "u": None,
    "ins": None,
    "s": None,
    "strike": None,
    "del": None,
    "tg-spoiler": None,
    "span": "class",
    "a": "href",
    "code": None,
    "pre": None,
    "blockquote": None,
    "tg-emoji": "emoji-id",
    "tg-time": "unix",
}
# Formatting that may wrap or sit inside any other entity except code and pre.
_STYLES = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "tg-spoiler", "span"}


def _unescape(value: str) -> str:
    """Decode the entities in an attribute value."""
    return _ENTITY.sub(lambda m: _entity_text(m) or m.group(0), value)


def _entity_text(match: re.Match[str]) -> str | None:
    """Return the character an entity stands for, or None when it names no valid character."""
    decimal, hexadecimal, named = match.groups()
    if named:
        return _NAMED[named]
    code = int(decimal) if decimal else int(hexadecimal, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code)


def _attributes(raw: str) -> dict[str, str]:
    """Parse the attributes of a start tag into lower-case names and decoded values."""
    found: dict[str, str] = {}
    for match in _ATTR.finditer(raw):
        name, double, single, bare = match.groups()
        value = next((v for v in (double, single, bare) if v is not None), "")
        found[name.lower()] = _unescape(value)
    return found


def _start_tag_error(name: str, attrs: dict[str, str], stack: list[str]) -> str | None:
    """Return why Telegram would refuse this start tag where it stands, or None."""
    if name not in _REQUIRED_ATTR:
        return f'Unsupported start tag "{name}"'
    required = _REQUIRED_ATTR[name]
    if required and not attrs.get(required):
        return f'Tag "{name}" must have attribute "{required}"'
    if name == "span" and attrs["class"] != "tg-spoiler":
        return 'Tag "span" must have class "tg-spoiler"'
    if name == "tg-time" and not attrs["unix"].isdigit():
        return 'Attribute "unix" of tag "tg-time" must be a Unix time'
    if name == "code" and "class" in attrs and not attrs["class"].startswith("language-"):
        return 'Attribute "class" of tag "code" must start with "language-"'
    if not stack:
        return None
    inner = stack[-1]
    if inner == "pre" and name == "code":
        return None
    if inner in ("pre", "code"):
        return f'Tag "{name}" can\'t be inside tag "{inner}"'
    if name == "blockquote" and "blockquote" in stack:
        return 'Tag "blockquote" can\'t be nested'
    if name in _STYLES or set(stack) <= _STYLES | {"blockquote"}:
        return None
    return f'Tag "{name}" can\'t be inside tag "{inner}"'


def parse_html(text: str) -> tuple[str, list[str]]:
    """Return the text without markup as Telegram shows it, and the errors in the markup."""
    plain: list[str] = []
    errors: list[str] = []
    stack: list[str] = []
    position = 0
    while position < len(text):
        char = text[position]
        if char == "<":
            tag = _TAG.match(text, position)
            if tag is None:
                errors.append(f"Unescaped '<' at character {position}")
            else:
                closing, name, raw_attrs, self_closing = tag.groups()
                name = name.lower()
                if closing:
                    error = _end_tag_error(name, stack)
                else:
                    error = _start_tag_error(name, _attributes(raw_attrs), stack)
                    if error is None and self_closing:
                        error = f'Tag "{name}" must not be self-closing'
                    if error is None:
                        stack.append(name)
                if error:
                    errors.append(f"{error} at character {position}")
                position = tag.end()
                continue
        elif char == "&":
            entity = _ENTITY.match(text, position)
            decoded = _entity_text(entity) if entity else None
            if entity is None or decoded is None:
                errors.append(f"Unescaped '&' at character {position}")
            else:
                plain.append(decoded)
                position = entity.end()
                continue
        elif char == ">":
            errors.append(f"Unescaped '>' at character {position}")
        plain.append(char)
        position += 1
    errors.extend(f'Can\'t find end tag corresponding to start tag "{name}"' for name in stack)
    return "".join(plain), errors


def _end_tag_error(name: str, stack: list[str]) -> str | None:
    """Close the innermost open tag, or return why the end tag does not match it."""
    if not stack:
        return f'Unexpected end tag "{name}"'
    if stack[-1] != name:
        return f'Unmatched end tag "{name}", expected "</{stack[-1]}>"'
    stack.pop()
    return None
