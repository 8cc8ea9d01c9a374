"""docs/architecture.md names every module of the product, so a reader can reach each one."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "architecture.md"


def product_modules() -> list[Path]:
    """Return every Python module of bot/, handlers/ and storage/ (migrations' versions aside)."""
    modules = []
    for package in ("bot", "handlers", "storage"):
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if "versions" in relative.parts or "__pycache__" in relative.parts:
                continue
            modules.append(relative)
    return modules


def named(doc: str, module: Path) -> bool:
    """Tell whether the page names the module, or its package when it is an ``__init__``.

    A module is named by its path, or by its file name inside the row of its package
    (``bot/channels/telegram/`` … ``convert.py``).
    """
    if module.name == "__init__.py":
        return f"`{module.parent.as_posix()}/`" in doc or f"`{module.parent.as_posix()}" in doc
    if f"`{module.as_posix()}`" in doc:
        return True
    package_row = next(
        (line for line in doc.splitlines() if f"`{module.parent.as_posix()}/`" in line), ""
    )
    return f"`{module.name}`" in package_row


def test_every_product_module_is_named_in_the_architecture_page() -> None:
    """A module missing from docs/architecture.md fails, so the page keeps up with the code."""
    doc = DOC.read_text(encoding="utf-8")
    missing = [str(module) for module in product_modules() if not named(doc, module)]
    assert missing == []
