"""Vietnamese free-text comments for the demo responses (seed_demo).

Comments are assembled from an opening, a remark that matches the response's
tone (and channel), and sometimes a wish or a closing, so thousands of demo
responses read varied rather than a few sentences repeated. Written as people
write on a feedback form: short, polite, now and then without a final full stop.
"""

from __future__ import annotations

import random

POSITIVE = [
    "Cán bộ hướng dẫn tận tình, chỉ một lần là tôi hoàn thiện được hồ sơ",
    "Thái độ phục vụ lịch sự, niềm nở, giải thích rất dễ hiểu",
    "Hồ sơ được giải quyết sớm hơn ngày hẹn, tôi rất hài lòng",
    "Trụ sở sạch sẽ, có chỗ ngồi chờ và nước uống, bấm số thứ tự rõ ràng",
    "Thủ tục nhanh gọn, không phải đi lại nhiều lần như trước",
    "Chị cán bộ ở quầy một cửa nhiệt tình, hướng dẫn cả cách nộp trực tuyến",
    "Lệ phí niêm yết công khai, thu đúng quy định, có biên lai đầy đủ",
    "Nhận kết quả đúng hẹn, giấy tờ ghi đầy đủ, chính xác",
    "Làm khai sinh cho cháu chỉ mất buổi sáng, cảm ơn các anh chị",
    "Từ khi sáp nhập, trung tâm xã vẫn phục vụ chu đáo, không bị gián đoạn",
    "Được nhắn tin báo khi có kết quả, rất tiện",
    "Cán bộ trẻ, thạo máy tính, xử lý hồ sơ nhanh",
]
POSITIVE_ONLINE = [
    "Nộp hồ sơ trên Cổng dịch vụ công khá thuận tiện, không phải nghỉ làm",
    "Thanh toán lệ phí trực tuyến nhanh, nhận kết quả qua bưu điện tận nhà",
    "Hệ thống trực tuyến báo rõ từng bước xử lý hồ sơ",
]
NEGATIVE = [
    "Phải chờ lâu, buổi sáng chỉ có một quầy làm việc",
    "Hồ sơ bị trả lại hai lần vì thiếu giấy tờ nhưng lần đầu không được hướng dẫn hết",
    "Kết quả trả chậm so với giấy hẹn mà không có thông báo",
    "Cán bộ trả lời cộc lốc, chưa giải thích rõ lý do phải bổ sung",
    "Thủ tục đất đai còn rườm rà, phải đi lại nhiều lần",
    "Chỗ để xe chật, phòng chờ nóng, thiếu ghế ngồi",
    "Không biết gửi phản ánh ở đâu, gửi rồi cũng không thấy trả lời",
    "Giấy tờ yêu cầu nhiều hơn so với thủ tục niêm yết",
    "Sau sáp nhập xã, trụ sở xa nhà, đi lại vất vả cho người già",
    "Máy lấy số thứ tự hỏng, mọi người chen nhau",
    "Hẹn 5 ngày nhưng 10 ngày sau mới có kết quả",
    "Hướng dẫn mỗi người một kiểu, không thống nhất",
]
NEGATIVE_ONLINE = [
    "Cổng dịch vụ công hay bị lỗi khi tải tệp đính kèm",
    "Nộp trực tuyến rồi vẫn phải mang hồ sơ giấy đến nộp lại",
    "Đăng nhập bằng tài khoản định danh điện tử nhiều lần không được",
]
MIXED = [
    "Cán bộ nhiệt tình nhưng thời gian chờ còn lâu",
    "Thủ tục nhanh nhưng bảng niêm yết nhỏ, khó đọc",
    "Nhìn chung tốt, riêng khâu trả kết quả còn chậm",
    "Hài lòng với thái độ phục vụ, nhưng trang thiết bị còn cũ",
    "Bình thường, không có gì phàn nàn nhiều",
]
WISHES = [
    "Đề nghị bố trí thêm quầy vào buổi sáng thứ Hai",
    "Mong có thêm hướng dẫn bằng hình ảnh cho người cao tuổi",
    "Nên làm việc cả sáng thứ Bảy để người đi làm tiện nộp hồ sơ",
    "Đề nghị công khai số điện thoại đường dây nóng",
    "Mong trung tâm có thêm chỗ để xe và mái che",
    "Nên gửi tin nhắn khi hồ sơ cần bổ sung",
    "Đề nghị rút ngắn thời gian giải quyết thủ tục đất đai",
]
OPENINGS = ["", "", "", "Tôi thấy ", "Theo tôi, ", "Gia đình tôi thấy ", "Lần này "]
CLOSINGS = ["", "", "", "Xin cảm ơn.", "Cảm ơn trung tâm.", "Trân trọng."]


def _sentence(opening: str, remark: str) -> str:
    text = opening + (remark[0].lower() + remark[1:] if opening else remark)
    return text if text.endswith((".", "!")) else text + "."


def comment_for(rng: random.Random, level: float, channel: str) -> str:
    """A comment whose tone follows the rating `level` (1–5) shown beside it:
    4 and 5 praise, 1 and 2 complain, 3 is mixed."""
    online = channel == "truc_tuyen"
    if level >= 3.5:
        pool = POSITIVE + (POSITIVE_ONLINE if online else [])
    elif level < 2.5:
        pool = NEGATIVE + (NEGATIVE_ONLINE if online else [])
    else:
        pool = MIXED
    parts = [_sentence(rng.choice(OPENINGS), rng.choice(pool))]
    if rng.random() < 0.35:
        parts.append(_sentence("", rng.choice(WISHES)))
    closing = rng.choice(CLOSINGS)
    if closing:
        parts.append(closing)
    text = " ".join(parts)
    # Some people type without the final full stop.
    return text[:-1] if rng.random() < 0.2 and text.endswith(".") else text
