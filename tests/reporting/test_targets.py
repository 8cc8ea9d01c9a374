"""Plan targets counted as the plan defines them, on the demo and on generated data; the
demo's made-up figures labelled in /targets, its chart and the workbook, and nothing else."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession

from bot.render import DefaultRenderers
from bot.render.charts import build_figure
from handlers.i18n import get_translator
from handlers.ports import ChartSpec
from handlers.types import FileOut
from storage.db import Database
from storage.models import AdminUnit
from storage.targets import (
    TargetProgress,
    TargetState,
    add_months,
    certificate_valid_on,
    targets_progress,
)
from tests import factories as f
from tests.reporting.chats import join, other_province

VI = get_translator("vi")
# Written through the catalog, so the assertions hold before and after it is compiled.
LABEL_VI = VI.gettext("(illustrative data)")


class RecordingRenderers(DefaultRenderers):
    """Draw charts as usual and keep each chart's spec to look at."""

    def __init__(self) -> None:
        super().__init__()
        self.charts: list[ChartSpec] = []

    def chart(self, spec: ChartSpec) -> FileOut:
        """Keep the spec, then draw it."""
        self.charts.append(spec)
        return super().chart(spec)


def by_metric(progress: list[TargetProgress]) -> dict[str, TargetProgress]:
    """Index the targets by their metric."""
    return {target.metric: target for target in progress}


async def test_the_demo_plan_counts_as_its_text_says(demo_session: AsyncSession) -> None:
    """The ended 2021–2025 plan, on 31/12/2025, against a count by hand.

    Kế Sách has 11 HTX (Tổ hợp tác Tiến Lợi is a THT), all founded 2009–2019: 0 new HTX,
    0 unions. The latest ratings (2024) call 5 HTX effective (Trinh Phú, Lộc Mãi, Quyết
    Thắng, Thành Công, An Thạnh): 5/11 = 45 %, short of 70 %. Of these 5, Trinh Phú is Tốt
    and Lộc Mãi, Quyết Thắng, An Thạnh are Khá (Thành Công is Trung bình): 4/5 = 80 %, over
    the plan's 50 % (dividing by all 11 HTX, as before, gave 36 %). OCOP: Trinh Phú's
    certificate (15/08/2023, to 15/08/2026) and An Thạnh's (01/03/2024) are both valid on
    31/12/2025: 2 of 4. High technology: Trinh Phú, 1 of 2.
    """
    district = await f.unit(demo_session, "Huyện Kế Sách", current=False)
    progress = by_metric(
        await targets_progress(demo_session, [district.id or 0], today=dt.date(2026, 12, 5))
    )
    figures = {m: (t.counted, t.base) for m, t in progress.items()}
    assert figures == {
        "new_htx": (0, None),
        "new_union": (0, None),
        "effective_share": (5, 11),
        "good_rating_share": (4, 5),
        "ocop_htx": (2, None),
        "high_tech_htx": (1, None),
    }
    assert progress["good_rating_share"].actual == pytest.approx(0.8)
    assert {m: t.state for m, t in progress.items()} == {
        "new_htx": TargetState.MISSED,
        "new_union": TargetState.MISSED,
        "effective_share": TargetState.MISSED,
        "good_rating_share": TargetState.MET,
        "ocop_htx": TargetState.MISSED,
        "high_tech_htx": TargetState.MISSED,
    }
    assert all(t.ended and t.reference_day == dt.date(2025, 12, 31) for t in progress.values())
    assert all(t.illustrative for t in progress.values())
    assert progress["good_rating_share"].definition == (
        "50 % số hợp tác xã hoạt động hiệu quả đạt loại khá trở lên"
    )


async def test_a_running_plan_is_in_progress_not_missed(demo_session: AsyncSession) -> None:
    """On 01/06/2025 the same plan still runs: a target not reached yet is in progress."""
    district = await f.unit(demo_session, "Huyện Kế Sách", current=False)
    progress = by_metric(
        await targets_progress(demo_session, [district.id or 0], today=dt.date(2025, 6, 1))
    )
    assert progress["ocop_htx"].state is TargetState.IN_PROGRESS
    assert progress["good_rating_share"].state is TargetState.MET
    assert not progress["ocop_htx"].ended
    assert progress["ocop_htx"].reference_day == dt.date(2025, 6, 1)


@pytest.fixture
async def vinh_long(demo_session: AsyncSession) -> AdminUnit:
    """Give Tỉnh Vĩnh Long with six real (not illustrative) organisations and a 2024–2026 plan.

    | name | founded | rating 2025 | effective | OCOP certificate | other |
    |---|---|---|---|---|---|
    | HTX A | 01/03/2024 | Khá | yes | 15/08/2023 to 15/08/2026 (expired) | |
    | HTX B | 2010 | Tốt | yes | 10/12/2023 to 10/12/2026 (last day) | |
    | HTX C | 2015 | Trung bình | yes | | high technology |
    | HTX D | 2012 | Yếu (2024: effective) | no | | |
    | HTX E | 05/05/2025 | | | | dissolved 01/01/2026 |
    | THT F | 2025 | | | | a group, not an HTX |
    """
    province = await other_province(demo_session)
    commune = await f.unit(demo_session, "Xã Tân Hạnh")
    a = await f.new_cooperative(demo_session, "HTX A", commune, founded_on=dt.date(2024, 3, 1))
    b = await f.new_cooperative(demo_session, "HTX B", commune, founded_on=dt.date(2010, 1, 1))
    c = await f.new_cooperative(
        demo_session, "HTX C", commune, founded_on=dt.date(2015, 1, 1), high_tech=True
    )
    d = await f.new_cooperative(demo_session, "HTX D", commune, founded_on=dt.date(2012, 1, 1))
    await f.new_cooperative(
        demo_session,
        "HTX E",
        commune,
        founded_on=dt.date(2025, 5, 5),
        status="dissolved",
        dissolved_on=dt.date(2026, 1, 1),
    )
    await f.new_cooperative(
        demo_session, "THT F", commune, kind="THT", founded_on=dt.date(2025, 1, 1)
    )
    await f.rating(demo_session, a, 2025, "Khá", effective=True)
    await f.rating(demo_session, b, 2025, "Tốt", effective=True)
    await f.rating(demo_session, c, 2025, "Trung bình", effective=True)
    await f.rating(demo_session, d, 2025, "Yếu", effective=False)
    await f.rating(demo_session, d, 2024, "Khá", effective=True)
    await f.ocop_product(demo_session, a, dt.date(2023, 8, 15), dt.date(2026, 8, 15))
    await f.ocop_product(demo_session, b, dt.date(2023, 12, 10), dt.date(2026, 12, 10))
    years = (2024, 2026)
    await f.plan_target(demo_session, province, "new_htx", 2, years=years)
    await f.plan_target(
        demo_session, province, "effective_share", 0.7, years=years, unit_of_measure="share"
    )
    await f.plan_target(
        demo_session, province, "good_rating_share", 0.5, years=years, unit_of_measure="share"
    )
    await f.plan_target(demo_session, province, "ocop_htx", 1, years=years)
    await f.plan_target(demo_session, province, "high_tech_htx", 2, years=years)
    await demo_session.commit()
    return province


async def test_generated_cooperatives_count_as_the_plan_defines(
    demo_session: AsyncSession, vinh_long: AdminUnit
) -> None:
    """On 10/12/2026, by hand: HTX alive are A, B, C, D (E dissolved, F a THT).

    New HTX founded 2024–2026: A and E (dissolved later, but founded) = 2. Effective in 2025,
    the latest year: A, B, C = 3 of 4 = 75 %. Of those, Khá or better: A, B = 2 of 3 (D's
    2024 effectiveness is not the latest). OCOP: A's certificate expired on 15/08/2026; B's
    ends on 10/12/2026, the reference day, and still counts = 1. High technology: C = 1.
    """
    progress = by_metric(
        await targets_progress(demo_session, [vinh_long.id or 0], today=dt.date(2026, 12, 10))
    )
    assert {m: (t.counted, t.base) for m, t in progress.items()} == {
        "new_htx": (2, None),
        "effective_share": (3, 4),
        "good_rating_share": (2, 3),
        "ocop_htx": (1, None),
        "high_tech_htx": (1, None),
    }
    assert not any(t.illustrative for t in progress.values())
    assert progress["high_tech_htx"].state is TargetState.IN_PROGRESS


async def test_the_day_after_its_last_day_a_certificate_no_longer_counts(
    demo_session: AsyncSession, vinh_long: AdminUnit
) -> None:
    """On 11/12/2026 B's certificate has lapsed too: no HTX holds a valid OCOP certificate."""
    progress = by_metric(
        await targets_progress(demo_session, [vinh_long.id or 0], today=dt.date(2026, 12, 11))
    )
    assert progress["ocop_htx"].counted == 0


async def test_an_ended_plan_shows_each_target_met_or_missed(
    demo_session: AsyncSession, vinh_long: AdminUnit
) -> None:
    """In March 2027 the 2024–2026 plan is judged on 31/12/2026: met or missed, never pending."""
    progress = by_metric(
        await targets_progress(demo_session, [vinh_long.id or 0], today=dt.date(2027, 3, 1))
    )
    assert {m: t.state for m, t in progress.items()} == {
        "new_htx": TargetState.MET,
        "effective_share": TargetState.MET,
        "good_rating_share": TargetState.MET,
        "ocop_htx": TargetState.MISSED,
        "high_tech_htx": TargetState.MISSED,
    }
    assert {t.reference_day for t in progress.values()} == {dt.date(2026, 12, 31)}


def test_certificates_last_36_months_to_their_last_day() -> None:
    """A certificate without an end date lasts 36 months; its last day still counts."""
    certified = dt.date(2023, 8, 15)
    assert certificate_valid_on(certified, None, dt.date(2026, 8, 15))
    assert not certificate_valid_on(certified, None, dt.date(2026, 8, 16))
    assert not certificate_valid_on(certified, None, dt.date(2023, 8, 14))
    assert add_months(dt.date(2024, 2, 29), 36) == dt.date(2027, 2, 28)


async def test_demo_targets_say_they_are_illustrative_in_chat_and_chart(
    db: Database, demo_session: AsyncSession
) -> None:
    """/targets on the demo: the label on each figure, the plan's words, met or missed, a chart
    with the label under it."""
    renderers = RecordingRenderers()
    official = await join(
        db, demo_session, "701", "official", unit="Thành phố Cần Thơ", renderers=renderers
    )
    text = await official.say("/targets")
    assert text.count(LABEL_VI) >= 6
    assert "50 % số hợp tác xã hoạt động hiệu quả đạt loại khá trở lên" in text
    assert VI.gettext("met") in text
    assert VI.gettext("missed") in text
    assert VI.gettext("in progress") not in text
    assert VI.gettext("({counted} of {base} cooperatives)").format(counted=4, base=5) in text
    [chart] = renderers.charts
    assert chart.footnote == VI.gettext(
        "(illustrative data): computed from the demo's made-up registration codes, founding "
        "dates, ratings and OCOP products, not from real records."
    )
    figure = build_figure(chart)
    drawn = [" ".join(text.get_text().split()) for text in figure.texts]  # lines wrapped
    assert chart.footnote in drawn
    assert any(reply.image is not None for reply in official.last)


async def test_real_targets_carry_no_label_anywhere(
    db: Database, demo_session: AsyncSession, vinh_long: AdminUnit
) -> None:
    """/targets, its chart and the workbook of a province without demo data say nothing of it."""
    renderers = RecordingRenderers()
    official = await join(
        db, demo_session, "702", "official", unit="Tỉnh Vĩnh Long", renderers=renderers
    )
    text = await official.say("/targets")
    assert "Kế hoạch thử" in text
    assert LABEL_VI not in text
    assert [chart.footnote for chart in renderers.charts] == [""]
    await official.say("/export")
    [document] = [r.document for r in official.last if r.document is not None]
    sheet = load_workbook(io.BytesIO(document.data))[VI.pgettext("workbook", "Targets")]
    notes = [row[-1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert notes == [None] * 5


async def test_the_demo_workbook_notes_each_illustrative_target(
    db: Database, demo_session: AsyncSession
) -> None:
    """The workbook's targets sheet marks every demo figure and keeps the plan's words."""
    official = await join(db, demo_session, "703", "official", unit="Thành phố Cần Thơ")
    await official.say("/export")
    [document] = [r.document for r in official.last if r.document is not None]
    sheet = load_workbook(io.BytesIO(document.data))[VI.pgettext("workbook", "Targets")]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 6
    assert {row[-1] for row in rows} == {VI.pgettext("workbook", "(illustrative data)")}
    assert "4 hợp tác xã có sản phẩm OCOP" in {row[-2] for row in rows}
    assert {row[7] for row in rows} == {
        VI.pgettext("workbook", "met"),
        VI.pgettext("workbook", "missed"),
    }
