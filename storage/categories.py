"""The default categories of DOMAIN.md §4; admins may edit them afterwards."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.errors import N_, InvalidInput, NotFound
from storage.models import Category

# The usual expectation, a reply within 15 days, counted in working days as offices do:
# 15 calendar days hold 11 working days (three weeks less four weekend days).
DEFAULT_DUE_WORKING_DAYS = 11
MAX_DUE_WORKING_DAYS = 365

DEFAULT_CATEGORIES: tuple[tuple[str, str, str], ...] = (
    ("credit", "Vốn, tín dụng", "Capital and credit"),
    ("land", "Đất đai, mặt bằng", "Land and premises"),
    ("machinery", "Hạ tầng, máy móc, kho, sấy", "Infrastructure and machinery"),
    ("market", "Thị trường, tiêu thụ, xúc tiến thương mại", "Markets and trade promotion"),
    (
        "value_chain",
        "Liên kết chuỗi giá trị, hợp đồng bao tiêu",
        "Value chains and offtake contracts",
    ),
    (
        "ocop",
        "OCOP, chất lượng, thương hiệu, truy xuất nguồn gốc",
        "OCOP, quality, branding, traceability",
    ),
    ("technology", "Khoa học công nghệ, chuyển đổi số", "Technology and digital transformation"),
    ("training", "Nguồn nhân lực, đào tạo", "Human resources and training"),
    ("accounting", "Kế toán, thuế, hóa đơn", "Accounting, tax and invoices"),
    ("legal", "Thủ tục pháp lý (đăng ký, đại hội, điều lệ, giải thể)", "Legal procedures"),
    ("governance", "Quản trị nội bộ, thành viên", "Internal governance and membership"),
    ("policy", "Tiếp cận chính sách hỗ trợ", "Access to support policies"),
    (
        "risk",
        "Thiên tai, dịch bệnh, xâm nhập mặn, bảo hiểm",
        "Disasters, disease, salinity, insurance",
    ),
    ("other", "Khác", "Other"),
)


async def ensure_default_categories(session: AsyncSession) -> int:
    """Insert the default categories that are missing; never overwrite an admin's edits.

    Returns:
        How many categories were added.
    """
    existing = set((await session.execute(select(col(Category.key)))).scalars())
    added = 0
    for order, (key, name_vi, name_en) in enumerate(DEFAULT_CATEGORIES):
        if key in existing:
            continue
        session.add(
            Category(
                key=key,
                name_vi=name_vi,
                name_en=name_en,
                due_working_days=DEFAULT_DUE_WORKING_DAYS,
                sort_order=order,
            )
        )
        added += 1
    await session.flush()
    return added


async def list_categories(session: AsyncSession) -> list[Category]:
    """Return the active categories in display order."""
    rows = await session.execute(
        select(Category).where(col(Category.active)).order_by(col(Category.sort_order))
    )
    return list(rows.scalars())


async def all_categories(session: AsyncSession) -> list[Category]:
    """Return every category, inactive ones too, in display order."""
    rows = await session.execute(select(Category).order_by(col(Category.sort_order)))
    return list(rows.scalars())


async def set_due_working_days(session: AsyncSession, key: str, days: int) -> Category:
    """Set how many working days items of the category ``key`` have for an answer.

    Items already filed keep their due dates.

    Raises:
        NotFound: no such category.
        InvalidInput: not between 1 and 365.
    """
    if not 1 <= days <= MAX_DUE_WORKING_DAYS:
        raise InvalidInput(
            N_("A deadline is 1 to {maximum} working days."), maximum=MAX_DUE_WORKING_DAYS
        )
    category = await session.get(Category, key)
    if category is None:
        raise NotFound(name=key)
    category.due_working_days = days
    await session.flush()
    return category
