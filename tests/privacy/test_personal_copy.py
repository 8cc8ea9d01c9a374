"""A person's copy holds every row about them, and no table escapes the classification."""

from __future__ import annotations

import io
import json

from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession

from bot.render.personal_copy import personal_copy_workbook
from storage.models import metadata
from storage.personal_data import NOT_ABOUT_PEOPLE, PERSON_LINKS, personal_copy
from tests.privacy.someone import CHAT_ID, DRAFT, NAME, NOW, someone


def test_every_table_is_linked_to_people_or_says_why_not() -> None:
    """A new table fails here until the copy (and erasure) know whether it is about people."""
    tables = set(metadata.tables)
    assert tables - set(PERSON_LINKS) - set(NOT_ABOUT_PEOPLE) == set()
    assert set(PERSON_LINKS) & set(NOT_ABOUT_PEOPLE) == set()
    assert set(PERSON_LINKS) | set(NOT_ABOUT_PEOPLE) <= tables  # no stale names either


async def test_the_copy_holds_the_persons_rows_of_every_linked_table(
    demo_session: AsyncSession,
) -> None:
    """Someone with a row in each linked table finds each in their copy, and only theirs."""
    person = await someone(demo_session)
    copy = await personal_copy(demo_session, person.person_id, now=NOW)
    assert set(copy.tables) == set(PERSON_LINKS)
    empty = [name for name, rows in copy.tables.items() if not rows]
    assert empty == [], f"the test person has no row in {empty}"
    assert copy.tables["person"] == [
        row for row in copy.tables["person"] if row["id"] == person.person_id
    ]
    items = {row["id"] for row in copy.tables["feedback_item"]}
    assert items == {person.item.id}  # the other director's item is not theirs
    events = copy.tables["feedback_event"]
    assert {row["item_id"] for row in events} == {person.item.id, person.other_item.id}
    assert all(
        row["item_id"] == person.item.id or row["actor_person_id"] == person.person_id
        for row in events
    )
    assert copy.tables["dialog_state"][0]["draft"] == {"text": DRAFT}
    document = json.loads(copy.to_json())
    assert document["person_id"] == person.person_id
    assert document["tables"]["person"][0]["full_name"] == NAME
    assert isinstance(document["tables"]["person"][0]["created_at"], str)  # ISO 8601
    assert NAME.encode() in copy.to_json()  # UTF-8, not \u escapes
    assert CHAT_ID in {row["recipient"] for row in document["tables"]["outbox"]}


async def test_the_copy_as_a_workbook_has_a_sheet_per_table(demo_session: AsyncSession) -> None:
    """The XLSX copy opens with what each table holds, then one sheet per table."""
    person = await someone(demo_session)
    copy = await personal_copy(demo_session, person.person_id, now=NOW)
    book = load_workbook(io.BytesIO(personal_copy_workbook(copy, "en")))
    assert book.sheetnames[0] == "About this copy"
    assert book.sheetnames[1:] == list(copy.tables)
    person_sheet = book["person"]
    headers = [cell.value for cell in person_sheet[1]]
    assert person_sheet.cell(2, headers.index("full_name") + 1).value == NAME
