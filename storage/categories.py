"""The default categories of DOMAIN.md §4; admins may edit them afterwards."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.models import Category

DEFAULT_DUE_DAYS = 15

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
                due_days=DEFAULT_DUE_DAYS,
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
