"""The tables and chart data of each dashboard page, built from query results.

A page shows these tables (as the accessible alternative of its charts and as
its lists) and exports exactly them, so what is downloaded is what was shown.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dashboard.exports import Table
from dashboard.queries import Value


def _cells(value: Value) -> list:
    return [value.value, value.ci_low, value.ci_high, value.n]


def _figure_headers(first: str) -> list[str]:
    return [first, _("Chỉ số (%)"), _("Cận dưới 95 %"), _("Cận trên 95 %"), "n"]


def overview_tables(data: dict) -> list[Table]:
    trend = Table("trend", _("Xu hướng theo kỳ"), _figure_headers(_("Kỳ")))
    trend.rows = [[p, *_cells(v)] for p, v in data["trend"]]
    elements = Table("elements", _("Năm yếu tố"), _figure_headers(_("Yếu tố")))
    elements.rows = [[f"{c} {label}", *_cells(v)] for c, label, v in data["elements"]]
    months = Table("responses", _("Số phiếu theo tháng"), [_("Tháng"), _("Số phiếu")])
    months.rows = [[m, n] for m, n in data["months"]]
    tables = [trend, elements, months]
    # Shown once the engine provides the G:1 … G:5 share rows.
    if any(count for _label, count, _share in data["g_distribution"]):
        dist = Table(
            "overall",
            _("Phân bố đánh giá chung (G)"),
            [_("Mức"), _("Số phiếu"), _("Tỷ lệ (%)")],
        )
        dist.rows = [
            [label, count, share] for label, count, share in data["g_distribution"]
        ]
        tables.append(dist)
    small = Table(
        "small",
        _("Cơ quan có dưới 30 phiếu"),
        [_("Mã"), _("Cơ quan"), "n"],
    )
    small.rows = [[r.agency.code, r.agency.name, r.n] for r in data["small"]]
    tables.append(small)
    return tables


def overview_charts(data: dict) -> dict:
    return {
        "trend": {
            "type": "line",
            "labels": [p for p, _v in data["trend"]],
            "datasets": [
                {
                    "label": data["headline_code"],
                    "data": [v.value for _p, v in data["trend"]],
                }
            ],
            "percent": True,
        },
        "elements": {
            "type": "bar",
            "labels": [c for c, _l, _v in data["elements"]],
            "datasets": [
                {
                    "label": _("Chỉ số (%)"),
                    "data": [v.value for _c, _l, v in data["elements"]],
                }
            ],
            "percent": True,
        },
        "responses": {
            "type": "bar",
            "labels": [m for m, _n in data["months"]],
            "datasets": [
                {"label": _("Số phiếu"), "data": [n for _m, n in data["months"]]}
            ],
        },
        "overall": {
            "type": "bar",
            "labels": [str(label) for label, _c, _s in data["g_distribution"]],
            "datasets": [
                {
                    "label": _("Số phiếu"),
                    "data": [c for _l, c, _s in data["g_distribution"]],
                }
            ],
        },
    }


AGAINST_MEAN = {
    "above": gettext_lazy("cao hơn trung bình"),
    "below": gettext_lazy("thấp hơn trung bình"),
    "": gettext_lazy("không phân biệt được với trung bình"),
}


def ranking_tables(data: dict) -> list[Table]:
    table = Table(
        "ranking",
        _("Xếp hạng"),
        [
            _("Hạng"),
            _("Khoảng hạng 95 %"),
            _("So với trung bình nhóm"),
            _("Mã"),
            _("Cơ quan"),
            *_figure_headers(data["headline_code"])[1:],
            _("Sai số chuẩn"),
            _("Thiếu yếu tố"),
            _("Kỳ trước (%)"),
            _("Thay đổi"),
            _("Có ý nghĩa thống kê"),
            _("Cùng kỳ năm trước (%)"),
            _("Thay đổi so với cùng kỳ"),
            _("Có ý nghĩa thống kê (cùng kỳ)"),
            _("Tỷ lệ phản hồi (%)"),
        ],
    )
    for group in ("ranked", "incomplete", "unranked"):
        for entry in data[group]:
            table.rows.append(
                [
                    entry.rank if entry.rank is not None else _("không xếp hạng"),
                    f"{entry.rank_low}–{entry.rank_high}"
                    if entry.rank_low is not None
                    else "",
                    str(AGAINST_MEAN[entry.against_mean])
                    if entry.rank is not None
                    else "",
                    entry.agency.code,
                    entry.agency.name,
                    *_cells(entry.current),
                    entry.current.se,
                    ", ".join(entry.missing),
                    entry.previous.value,
                    entry.change,
                    _("có") if entry.significant else _("không"),
                    entry.last_year.value,
                    entry.year_change,
                    _("có") if entry.year_significant else _("không"),
                    entry.responses_per_transaction,
                ]
            )
    tables = [table]
    funnel = data.get("funnel")
    if funnel:
        limits = Table(
            "funnel",
            _("Biểu đồ phễu"),
            [
                "n",
                _("Trung bình nhóm (%)"),
                _("Giới hạn dưới 95 %"),
                _("Giới hạn trên 95 %"),
                _("Giới hạn dưới 99,8 %"),
                _("Giới hạn trên 99,8 %"),
            ],
        )
        for n, inner, outer in zip(
            funnel["grid"],
            funnel["limits"]["95"],
            funnel["limits"]["998"],
            strict=True,
        ):
            limits.rows.append(
                [
                    n,
                    funnel["mean"],
                    round(inner[0], 2),
                    round(inner[1], 2),
                    round(outer[0], 2),
                    round(outer[1], 2),
                ]
            )
        tables.append(limits)
    return tables


def ranking_charts(data: dict) -> dict:
    funnel = data.get("funnel")
    if not funnel:
        return {}
    grid = funnel["grid"]

    def curve(name: str, side: int) -> list[dict]:
        return [
            {"x": n, "y": round(limit[side], 2)}
            for n, limit in zip(grid, funnel["limits"][name], strict=True)
        ]

    return {
        "funnel": {
            "type": "funnel",
            "labels": [p["label"] for p in funnel["points"]],
            "points": funnel["points"],
            "mean": [
                {"x": grid[0], "y": funnel["mean"]},
                {"x": grid[-1], "y": funnel["mean"]},
            ],
            "limits": {
                "95": [curve("95", 0), curve("95", 1)],
                "998": [curve("998", 0), curve("998", 1)],
            },
            "names": {
                "points": data["headline_code"],
                "mean": _("Trung bình nhóm"),
                "95": _("Giới hạn 95 %"),
                "998": _("Giới hạn 99,8 %"),
                "x": _("Số phiếu (n)"),
            },
        }
    }


def agency_tables(data: dict) -> list[Table]:
    heatmap = Table(
        "items", _("Yếu tố và tiêu chí"), [_("Yếu tố"), *_figure_headers(_("Tiêu chí"))]
    )
    for element in data["heatmap"]:
        heatmap.rows.append(
            [element["code"], element["label"], *_cells(element["value"])]
        )
        for code, label, value in element["items"]:
            heatmap.rows.append([element["code"], f"{code} {label}", *_cells(value)])
    procedures = Table(
        "procedures",
        _("Thủ tục tốt nhất và kém nhất"),
        [_("Nhóm"), *_figure_headers(_("Thủ tục"))],
    )
    for group, rows in ((_("tốt nhất"), data["best"]), (_("kém nhất"), data["worst"])):
        for code, name, value in rows:
            procedures.rows.append([group, f"{code} {name}", *_cells(value)])
    channels = Table("channels", _("Theo kênh"), _figure_headers(_("Kênh")))
    channels.rows = [[label, *_cells(v)] for _c, label, v in data["channels"]]
    groups = Table(
        "groups",
        _("Theo nhóm người trả lời"),
        [_("Nhóm"), *_figure_headers(_("Giá trị"))],
    )
    for label, values in data["groups"]:
        for value_label, value in values:
            groups.rows.append([str(label), value_label, *_cells(value)])
    series = Table(
        "series",
        _("Xu hướng, kể cả đơn vị trước sáp nhập"),
        [_("Cơ quan"), *_figure_headers(_("Kỳ"))],
    )
    for unit, points in data["series"]:
        for period, value in points:
            series.rows.append([unit.code, period, *_cells(value)])
    blanks = Table(
        "blanks",
        _("Tỷ lệ để trống theo tiêu chí"),
        [_("Tiêu chí"), _("Nội dung"), _("Để trống (%)")],
    )
    blanks.rows = [list(row) for row in data.get("blank_rates", [])]
    return [heatmap, procedures, channels, groups, series, blanks]


def agency_charts(data: dict) -> dict:
    # The chart shows the agency and its merged units of the same kind (a province
    # and the province merged into it); every merged unit stays in the table.
    agency = data["agency"]
    series = [
        (unit, points)
        for unit, points in data["series"]
        if unit == agency or unit.kind == agency.kind or len(data["series"]) <= 6
    ]
    return {
        "series": {
            "type": "line",
            "labels": data["trend_periods"],
            "datasets": [
                {"label": unit.code, "data": [v.value for _p, v in points]}
                for unit, points in series
            ],
            "percent": True,
        },
        "channels": {
            "type": "bar",
            "labels": [str(label) for _c, label, _v in data["channels"]],
            "datasets": [
                {
                    "label": data["headline_code"],
                    "data": [v.value for _c, _l, v in data["channels"]],
                }
            ],
            "percent": True,
        },
    }


def comments_tables(data: dict) -> list[Table]:
    """The comments, streamed row by row when exported. Reply contacts are never
    exported: they are shown only on screen to the agency's own staff."""
    table = Table(
        "comments",
        _("Ý kiến của người dân"),
        [
            _("Thời điểm"),
            _("Cơ quan"),
            _("Thủ tục"),
            _("Ý kiến"),
            _("Trạng thái"),
            _("Người xử lý"),
        ],
    )
    table.rows = (
        [
            r.submitted_at.isoformat(),
            r.agency.code,
            r.procedure.code if r.procedure_id else "",
            r.comment,
            str(r.review_status_label),
            _assignee(r),
        ]
        for r in data["responses"]
    )
    return [table]


def _assignee(response) -> str:
    review = getattr(response, "review", None)
    return review.assignee.get_username() if review and review.assignee else ""


def sample_tables(data: dict) -> list[Table]:
    table = Table(
        "sample",
        _("Độ đủ mẫu"),
        [
            _("Mã"),
            _("Cơ quan"),
            _("Số giao dịch (N)"),
            _("Mẫu cần (Slovin, e = 5 %)"),
            _("Số phiếu"),
            _("Còn thiếu"),
            _("Tỷ lệ phản hồi (%)"),
            _("Đạt (%)"),
        ],
    )
    for row in data.get("all_rows", data["rows"]):
        table.rows.append(
            [
                row["agency"].code,
                row["agency"].name,
                row["volume"],
                row["target"],
                row["responses"],
                row["shortfall"],
                row["response_rate"],
                row["percent"],
            ]
        )
    return [table]
