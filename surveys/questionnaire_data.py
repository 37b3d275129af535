"""The two questionnaires that ship with the portal, as plain data.

`exit-dv` is the post-transaction form (one-stop counters, QR codes, kiosks,
invitations); `hh-1001` is the household form of QĐ 1001/QĐ-BNV (Part A,
questions 1–10). Item codes, scales and option order follow the official forms
(docs/method.md, "What is counted"), and options are numbered from 1 in that
order, which is what the `sipas-csv` format (docs/formats.md) stores.
Respondent and service information (gender, age group, channel, procedure …) and
the free-text comment are fields of `Response`, not items.

Wording: the domain notes give shortened item labels; the full, polite ("Ông/Bà …")
Vietnamese below is ours, written to keep each criterion's meaning. Where
the notes only sketch a question (N3's five options, the seven N8 experiences)
the wording is inferred [I] and marked so in a comment; correct it by editing
this module — `surveys.reference.load_questionnaires` then publishes a new
version instead of changing the published one.

Shape: `QUESTIONNAIRES[code]` is a dict with `name`, `name_en`, `methodology`,
`title`, `title_en`, `intro`, `intro_en` and `items`, a list of dicts with the
fields of `surveys.models.Item` (position is the list order).
"""

from __future__ import annotations

from typing import Any


def _options(*pairs: tuple[str, str]) -> list[dict[str, Any]]:
    """Number (label, label_en) pairs from 1 in the order given."""
    return [
        {"value": number, "label": label, "label_en": label_en}
        for number, (label, label_en) in enumerate(pairs, start=1)
    ]


SAT5 = _options(
    ("Rất không hài lòng", "Very dissatisfied"),
    ("Không hài lòng", "Dissatisfied"),
    ("Bình thường", "Neutral"),
    ("Hài lòng", "Satisfied"),
    ("Rất hài lòng", "Very satisfied"),
)

INTEREST = _options(
    ("Không quan tâm", "Not interested"),
    ("Quan tâm một chút", "Somewhat interested"),
    ("Rất quan tâm", "Very interested"),
)

EXPERIENCE = _options(("Đã từng", "Yes, I have"), ("Chưa từng", "No, never"))

WISH = _options(("Rất nhiều", "Very much"), ("Nhiều", "Much"), ("Ít", "A little"))

CHANNEL_CHOICE = _options(
    ("Trực tiếp", "In person"),
    ("Trực tuyến", "Online"),
    ("Cả trực tiếp và trực tuyến", "Both in person and online"),
)

# A_DV, both forms: (element, section, section_en, [(code, text, text_en), …]).
SERVICE_ELEMENTS: list[tuple[str, str, str, list[tuple[str, str, str]]]] = [
    (
        "E1",
        "Tiếp cận dịch vụ",
        "Access to the service",
        [
            (
                "E1.1",
                "Ông/Bà hài lòng ở mức nào với việc cơ quan cung cấp thông tin về giải "
                "quyết thủ tục hành chính theo nhiều hình thức, dễ tiếp cận, dễ hiểu?",
                "How satisfied are you that the agency provides information on "
                "handling administrative procedures in many ways that are easy to "
                "reach and easy to understand?",
            ),
            (
                "E1.2",
                "Ông/Bà hài lòng ở mức nào với việc trụ sở tiếp nhận hồ sơ, trả "
                "kết quả có biển hiệu, hướng dẫn rõ ràng, dễ thấy?",
                "How satisfied are you that the office receiving applications and "
                "returning results has clear, easy-to-see signs and directions?",
            ),
            (
                "E1.3",
                "Ông/Bà hài lòng ở mức nào với việc trụ sở tiếp nhận hồ sơ, trả "
                "kết quả sạch sẽ, văn minh?",
                "How satisfied are you that the office receiving applications and "
                "returning results is clean and orderly?",
            ),
            (
                "E1.4",
                "Ông/Bà hài lòng ở mức nào với việc trang thiết bị phục vụ người dân, "
                "tổ chức đầy đủ, chất lượng tốt, giúp giải quyết công việc "
                "dễ dàng hơn?",
                "How satisfied are you that the equipment for citizens and "
                "organisations is sufficient and of good quality, making your "
                "business easier?",
            ),
        ],
    ),
    (
        "E2",
        "Thủ tục hành chính",
        "Administrative procedures",
        [
            (
                "E2.1",
                "Ông/Bà hài lòng ở mức nào với việc quy định về thủ tục hành chính "
                "được niêm yết công khai, dễ thấy, dễ hiểu?",
                "How satisfied are you that the rules of the administrative procedure "
                "are publicly posted, easy to see and easy to understand?",
            ),
            (
                "E2.2",
                "Ông/Bà hài lòng ở mức nào với việc thành phần hồ sơ Ông/Bà phải nộp "
                "là đúng quy định?",
                "How satisfied are you that the documents you had to submit were "
                "exactly those required by the rules?",
            ),
            (
                "E2.3",
                "Ông/Bà hài lòng ở mức nào với việc mức phí, lệ phí Ông/Bà phải nộp là "
                "đúng quy định?",
                "How satisfied are you that the fees and charges you had to pay were "
                "those set by the rules?",
            ),
            (
                "E2.4",
                "Ông/Bà hài lòng ở mức nào với việc thời hạn giải quyết thủ tục hành "
                "chính là đúng quy định?",
                "How satisfied are you that the time limit for handling the procedure "
                "was the one set by the rules?",
            ),
        ],
    ),
    (
        "E3",
        "Công chức trực tiếp giải quyết công việc",
        "The civil servants who handled your case",
        [
            (
                "E3.1",
                "Ông/Bà hài lòng ở mức nào với thái độ giao tiếp lịch sự, tôn trọng "
                "của công chức?",
                "How satisfied are you with how politely and respectfully the civil "
                "servants treated you?",
            ),
            (
                "E3.2",
                "Ông/Bà hài lòng ở mức nào với việc công chức cung cấp thông tin, trả "
                "lời kịp thời, đầy đủ các câu hỏi của Ông/Bà?",
                "How satisfied are you that the civil servants gave information and "
                "answered your questions promptly and fully?",
            ),
            (
                "E3.3",
                "Ông/Bà hài lòng ở mức nào với việc công chức hướng dẫn hồ sơ dễ hiểu, "
                "để Ông/Bà hoàn thiện hồ sơ sau một lần hướng dẫn?",
                "How satisfied are you that the civil servants' guidance on your "
                "application was easy to understand, so that you could complete it "
                "after one explanation?",
            ),
            (
                "E3.4",
                "Ông/Bà hài lòng ở mức nào với việc công chức tuân thủ đúng quy định "
                "trong giải quyết công việc?",
                "How satisfied are you that the civil servants followed the rules "
                "when handling your case?",
            ),
            (
                "E3.5",
                "Ông/Bà hài lòng ở mức nào với sự tận tình của công chức trong quá "
                "trình giải quyết công việc?",
                "How satisfied are you with the civil servants' dedication while "
                "handling your case?",
            ),
        ],
    ),
    (
        "E4",
        "Kết quả giải quyết thủ tục hành chính",
        "The result of the procedure",
        [
            (
                "E4.1",
                "Ông/Bà hài lòng ở mức nào với việc kết quả được trả cho Ông/Bà đúng "
                "hẹn?",
                "How satisfied are you that the result was returned to you on time?",
            ),
            (
                "E4.2",
                "Ông/Bà hài lòng ở mức nào với việc kết quả Ông/Bà nhận được có thông "
                "tin đầy đủ, chính xác?",
                "How satisfied are you that the result you received had complete and "
                "accurate information?",
            ),
            (
                "E4.3",
                "Ông/Bà hài lòng ở mức nào với việc kết quả giải quyết đảm bảo tính "
                "công bằng?",
                "How satisfied are you that the result was fair?",
            ),
        ],
    ),
    (
        "E5",
        "Tiếp nhận, xử lý phản ánh, kiến nghị",
        "Receiving and handling feedback and complaints",
        [
            (
                "E5.1",
                "Ông/Bà hài lòng ở mức nào với việc cơ quan bố trí hình thức tiếp nhận "
                "phản ánh, kiến nghị, giúp Ông/Bà dễ dàng phản ánh?",
                "How satisfied are you that the agency offers ways to receive "
                "feedback and complaints, making it easy for you to give them?",
            ),
            (
                "E5.2",
                "Ông/Bà hài lòng ở mức nào với việc cơ quan tiếp nhận, xử lý phản ánh, "
                "kiến nghị đúng quy định?",
                "How satisfied are you that the agency receives and handles feedback "
                "and complaints according to the rules?",
            ),
            (
                "E5.3",
                "Ông/Bà hài lòng ở mức nào với việc cơ quan thông báo kết quả xử lý "
                "phản ánh, kiến nghị kịp thời?",
                "How satisfied are you that the agency informs you of the outcome of "
                "your feedback or complaint in good time?",
            ),
        ],
    ),
]

# A_CS, household form only. P3 items share the stem "Chính sách về … phù hợp".
POLICY_GROUPS: list[tuple[str, str, str]] = [
    (
        "P3.1",
        "phát triển kinh tế – xã hội ở địa phương",
        "local socio-economic development",
    ),
    ("P3.2", "khám bệnh, chữa bệnh", "medical examination and treatment"),
    ("P3.3", "giáo dục phổ thông", "general education"),
    ("P3.4", "bảo đảm trật tự, an toàn xã hội", "public order and social safety"),
    ("P3.5", "giao thông đường bộ", "road transport"),
    ("P3.6", "cung cấp điện sinh hoạt", "household electricity supply"),
    ("P3.7", "cung cấp nước sinh hoạt", "household water supply"),
    ("P3.8", "an sinh xã hội", "social security"),
]

POLICY_ELEMENTS: list[tuple[str, str, str, list[tuple[str, str, str]]]] = [
    (
        "P1",
        "Trách nhiệm giải trình của cơ quan nhà nước về chính sách",
        "Accountability of state agencies for policies",
        [
            (
                "P1.1",
                "Ông/Bà hài lòng ở mức nào với việc cơ quan nhà nước cung cấp, giải "
                "thích thông tin về chính sách theo nhiều hình thức, dễ tìm, dễ thấy?",
                "How satisfied are you that state agencies provide and explain "
                "information on policies in many ways that are easy to find and see?",
            ),
            (
                "P1.2",
                "Ông/Bà hài lòng ở mức nào với việc thông tin về chính sách được cung "
                "cấp đầy đủ, dễ hiểu?",
                "How satisfied are you that the information on policies is complete "
                "and easy to understand?",
            ),
        ],
    ),
    (
        "P2",
        "Sự tham gia của người dân vào chính sách",
        "Citizens' participation in policy-making",
        [
            (
                "P2.1",
                "Ông/Bà hài lòng ở mức nào với việc cơ quan nhà nước xin ý kiến góp ý "
                "về chính sách theo nhiều hình thức, giúp người dân dễ tham gia?",
                "How satisfied are you that state agencies ask for opinions on "
                "policies in many ways that make it easy for people to take part?",
            ),
            (
                "P2.2",
                "Ông/Bà hài lòng ở mức nào với việc có nhiều hình thức để người dân "
                "phản hồi về kết quả, tác động của chính sách?",
                "How satisfied are you that there are many ways for people to give "
                "feedback on the results and effects of policies?",
            ),
        ],
    ),
    (
        "P3",
        "Chất lượng chính sách",
        "Quality of policies",
        [
            (
                code,
                f"Ông/Bà hài lòng ở mức nào với việc chính sách về {topic} là phù hợp?",
                f"How satisfied are you that the policy on {topic_en} is appropriate?",
            )
            for code, topic, topic_en in POLICY_GROUPS
        ],
    ),
    (
        "P4",
        "Kết quả, tác động của chính sách",
        "Results and effects of policies",
        [
            (
                "P4.1",
                "Ông/Bà hài lòng ở mức nào với việc kinh tế gia đình Ông/Bà ngày càng "
                "tốt hơn?",
                "How satisfied are you that your family's economic situation is "
                "getting better?",
            ),
            (
                "P4.2",
                "Ông/Bà hài lòng ở mức nào với việc chất lượng cuộc sống của gia đình "
                "Ông/Bà ngày càng tốt hơn?",
                "How satisfied are you that your family's quality of life is getting "
                "better?",
            ),
        ],
    ),
]


def _sat5_items(
    elements: list[tuple[str, str, str, list[tuple[str, str, str]]]], aspect: str
) -> list[dict[str, Any]]:
    return [
        {
            "code": code,
            "kind": "sat5",
            "element": element,
            "aspect": aspect,
            "section": section,
            "section_en": section_en,
            "text": text,
            "text_en": text_en,
            "options": SAT5,
        }
        for element, section, section_en, rows in elements
        for code, text, text_en in rows
    ]


OVERALL_ITEM: dict[str, Any] = {
    "code": "G",
    "kind": "sat5",
    "element": "",
    "aspect": "",
    "section": "Đánh giá chung",
    "section_en": "Overall",
    "text": "Nhìn chung, mức độ hài lòng của Ông/Bà đối với sự phục vụ của cơ quan "
    "hành chính nhà nước lần này như thế nào?",
    "text_en": "Overall, how satisfied are you with the service the state "
    "administrative agency gave you this time?",
    "options": SAT5,
}


def _other(
    code: str,
    kind: str,
    section: tuple[str, str],
    text: str,
    text_en: str,
    options: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "code": code,
        "kind": kind,
        "element": "",
        "aspect": "",
        "section": section[0],
        "section_en": section[1],
        "text": text,
        "text_en": text_en,
        "options": options,
    }


PERCEPTION = (
    "Nhận biết và quan tâm về chính sách",
    "Awareness of and interest in policy",
)
INTEGRITY = ("Sự phục vụ của công chức", "How civil servants serve people")
CHANNELS = ("Kênh giao tiếp với cơ quan nhà nước", "Channels to state agencies")
EXPERIENCES = ("Trải nghiệm của Ông/Bà", "Your own experience")
WISHES = ("Mong đợi của Ông/Bà", "What you expect")

HOUSEHOLD_OTHER_ITEMS: list[dict[str, Any]] = [
    *[
        _other(
            f"N1.{number}",
            "single",
            PERCEPTION,
            f"Ông/Bà quan tâm đến chính sách về {topic} ở mức nào?",
            f"How interested are you in the policy on {topic_en}?",
            INTEREST,
        )
        for number, (_code, topic, topic_en) in enumerate(POLICY_GROUPS, start=1)
    ],
    _other(
        "N2",
        "multi",
        PERCEPTION,
        "Ông/Bà thường theo dõi thông tin về chính sách qua những kênh nào? "
        "(có thể chọn nhiều phương án)",
        "Through which channels do you usually follow information on policies? "
        "(you may choose several)",
        _options(
            ("Loa phát thanh của xã", "The commune's loudspeakers"),
            (
                "Họp, thông báo tại khu dân cư",
                "Meetings and announcements in the residential area",
            ),
            ("Cơ quan nhà nước, công chức", "State agencies and civil servants"),
            ("Người thân, bạn bè", "Relatives and friends"),
            ("Đài, ti vi, báo chí", "Radio, television and newspapers"),
            ("Internet", "The internet"),
            ("Khác", "Other"),
        ),
    ),
    # [I] The domain notes give only the two ends of N3's five options.
    _other(
        "N3",
        "single",
        PERCEPTION,
        "Nếu cơ quan nhà nước xin ý kiến góp ý về chính sách, Ông/Bà có sẵn sàng "
        "tham gia không?",
        "If state agencies asked for opinions on a policy, would you be willing to "
        "take part?",
        _options(
            (
                "Không thể tham gia, vì không biết thông tin",
                "I could not take part, because I would not know about it",
            ),
            ("Không tham gia", "I would not take part"),
            ("Chưa chắc chắn", "I am not sure"),
            ("Có thể tham gia", "I might take part"),
            ("Chắc chắn tham gia", "I would certainly take part"),
        ),
    ),
    _other(
        "N4",
        "single",
        INTEGRITY,
        "Theo Ông/Bà, có công chức gây phiền hà, sách nhiễu người dân khi giải quyết "
        "công việc không?",
        "In your opinion, do civil servants cause trouble for or harass people when "
        "handling their business?",
        _options(
            ("Không có công chức nào", "No civil servant does"),
            ("Một số công chức", "Some civil servants do"),
            ("Nhiều công chức", "Many civil servants do"),
        ),
    ),
    _other(
        "N5",
        "single",
        INTEGRITY,
        "Theo Ông/Bà, có người dân phải nộp thêm tiền ngoài quy định khi giải quyết "
        "công việc với cơ quan nhà nước không?",
        "In your opinion, do people have to pay money beyond what the rules set "
        "when dealing with state agencies?",
        _options(
            ("Không có người dân nào", "Nobody has to"),
            ("Một số người dân", "Some people have to"),
            ("Nhiều người dân", "Many people have to"),
        ),
    ),
    _other(
        "N6",
        "single",
        CHANNELS,
        "Theo Ông/Bà, hình thức nộp hồ sơ thủ tục hành chính nào là phù hợp?",
        "Which way of submitting applications for administrative procedures suits you?",
        CHANNEL_CHOICE,
    ),
    _other(
        "N7",
        "single",
        CHANNELS,
        "Theo Ông/Bà, hình thức tiếp nhận thông tin về chính sách nào là phù hợp?",
        "Which way of receiving information on policies suits you?",
        CHANNEL_CHOICE,
    ),
    # [I] The domain notes list the N8 experiences only by example; the seven below
    # follow its order (school, clinic, procedure, complaint, …).
    *[
        _other(
            f"N8.{number}",
            "single",
            EXPERIENCES,
            f"Trong 3 năm gần đây, Ông/Bà {text}?",
            f"In the last three years, {text_en}?",
            EXPERIENCE,
        )
        for number, (text, text_en) in enumerate(
            [
                (
                    "có người thân học tại trường phổ thông công lập không",
                    "has a relative of yours attended a public school",
                ),
                (
                    "đã khám bệnh, chữa bệnh tại cơ sở y tế công lập chưa",
                    "have you used a public clinic or hospital",
                ),
                (
                    "đã thực hiện thủ tục hành chính tại cơ quan nhà nước chưa",
                    "have you carried out an administrative procedure with a state "
                    "agency",
                ),
                (
                    "đã gửi phản ánh, kiến nghị đến cơ quan nhà nước chưa",
                    "have you sent feedback or a complaint to a state agency",
                ),
                (
                    "đã góp ý về chính sách cho cơ quan nhà nước chưa",
                    "have you given your opinion on a policy to a state agency",
                ),
                (
                    "đã nộp hồ sơ thủ tục hành chính trực tuyến chưa",
                    "have you submitted an application for a procedure online",
                ),
                (
                    "đã nhận trợ cấp, hỗ trợ an sinh xã hội chưa",
                    "have you received a social-security allowance or support",
                ),
            ],
            start=1,
        )
    ],
    *[
        _other(
            f"M{number}",
            "single",
            WISHES,
            f"Ông/Bà mong muốn cơ quan nhà nước cải thiện {topic} ở mức nào?",
            f"How much do you want state agencies to improve {topic_en}?",
            WISH,
        )
        for number, (topic, topic_en) in enumerate(
            [
                (
                    "việc cung cấp thông tin cho người dân",
                    "the information they give to people",
                ),
                (
                    "trụ sở, trang thiết bị phục vụ người dân",
                    "their premises and equipment for people",
                ),
                ("năng lực của công chức", "the competence of civil servants"),
                (
                    "thái độ phục vụ của công chức",
                    "the attitude of civil servants towards people",
                ),
                (
                    "chuyển đổi số, dịch vụ công trực tuyến",
                    "digital transformation and online public services",
                ),
                (
                    "việc quan tâm đến nhu cầu của người dân",
                    "their attention to people's needs",
                ),
                (
                    "việc tiếp nhận, xử lý phản ánh, kiến nghị",
                    "how they receive and handle feedback and complaints",
                ),
                (
                    "chất lượng dịch vụ công cơ bản (y tế, giáo dục, điện, nước …)",
                    "the quality of basic public services (health, education, "
                    "electricity, water …)",
                ),
                ("chất lượng chính sách", "the quality of policies"),
                (
                    "chất lượng dịch vụ hành chính công",
                    "the quality of public administrative services",
                ),
            ],
            start=1,
        )
    ],
]


QUESTIONNAIRES: dict[str, dict[str, Any]] = {
    "exit-dv": {
        "name": "Phiếu đánh giá sau giao dịch",
        "name_en": "Post-transaction feedback form",
        "methodology": "sipas-1001",
        "title": "Phiếu khảo sát sự hài lòng của người dân, tổ chức đối với sự phục vụ "
        "của cơ quan hành chính nhà nước",
        "title_en": "Survey of citizens' and organisations' satisfaction with the "
        "service of state administrative agencies",
        "intro": "Kính chào Ông/Bà! Để nâng cao chất lượng phục vụ, xin Ông/Bà dành "
        "ít phút cho biết mức độ hài lòng của mình về lần giải quyết thủ tục hành "
        "chính vừa qua. Phiếu không ghi tên; câu trả lời chỉ dùng để thống kê. "
        "Ông/Bà có thể bỏ qua câu hỏi không phù hợp.",
        "intro_en": "Welcome! To improve our service, please take a few minutes to "
        "tell us how satisfied you are with the administrative procedure you have "
        "just completed. The form is anonymous and your answers are used only for "
        "statistics. You may skip any question that does not apply to you.",
        "items": [*_sat5_items(SERVICE_ELEMENTS, "A_DV"), OVERALL_ITEM],
    },
    "hh-1001": {
        "name": "Phiếu khảo sát hộ gia đình (QĐ 1001/QĐ-BNV)",
        "name_en": "Household survey form (Decision 1001/QĐ-BNV)",
        "methodology": "sipas-1001",
        "title": "Phiếu khảo sát sự hài lòng của người dân đối với sự phục vụ của cơ "
        "quan hành chính nhà nước",
        "title_en": "Survey of citizens' satisfaction with the service of state "
        "administrative agencies",
        "intro": "Kính chào Ông/Bà! Cuộc khảo sát nhằm đo lường sự hài lòng của người "
        "dân đối với việc xây dựng, tổ chức thực hiện chính sách và việc cung ứng "
        "dịch vụ hành chính công ở địa phương. Phiếu không ghi tên; câu trả lời chỉ "
        "dùng để thống kê. Xin cảm ơn sự hợp tác của Ông/Bà.",
        "intro_en": "Welcome! This survey measures how satisfied people are with how "
        "policies are made and carried out and with the public administrative "
        "services in their locality. The form is anonymous and your answers are "
        "used only for statistics. Thank you for taking part.",
        "items": [
            *_sat5_items(POLICY_ELEMENTS, "A_CS"),
            *_sat5_items(SERVICE_ELEMENTS, "A_DV"),
            *HOUSEHOLD_OTHER_ITEMS,
        ],
    },
}
