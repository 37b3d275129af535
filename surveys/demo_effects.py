"""The effects the demo generator (surveys/demo.py) draws satisfaction from:
items, procedure fields, channels and respondents; and how often each procedure
of an office comes up."""

import itertools

from surveys.models import Channel

# Item effects on the latent scale: E5 (complaints) and equipment are the weak
# spots in published provincial reports; fees and attitude rate well.
ITEM_EFFECTS = {
    "E1.1": -0.05, "E1.2": 0.05, "E1.3": 0.10, "E1.4": -0.15,
    "E2.1": 0.05, "E2.2": 0.0, "E2.3": 0.20, "E2.4": -0.10,
    "E3.1": 0.10, "E3.2": 0.0, "E3.3": -0.05, "E3.4": 0.05, "E3.5": 0.05,
    "E4.1": -0.10, "E4.2": 0.10, "E4.3": 0.05,
    "E5.1": -0.15, "E5.2": -0.20, "E5.3": -0.30,
    "P1.1": -0.10, "P1.2": -0.05, "P2.1": -0.35, "P2.2": -0.30,
    "P3.1": 0.05, "P3.2": -0.25, "P3.3": 0.05, "P3.4": 0.10,
    "P3.5": -0.20, "P3.6": 0.20, "P3.7": 0.0, "P3.8": 0.05,
    "P4.1": -0.05, "P4.2": 0.0,
}  # fmt: skip
# Procedure fields (lĩnh vực), matched by the start of the field name.
FIELD_EFFECTS = {
    "đất đai": -0.30, "tài chính đất đai": -0.25, "hoạt động xây dựng": -0.25,
    "nhà ở": -0.20, "hộ tịch": 0.15, "chứng thực": 0.20, "cư trú": 0.10,
    "bảo trợ xã hội": 0.05, "thành lập và hoạt động": -0.05, "thuế": -0.15,
}  # fmt: skip
CHANNEL_WEIGHTS = {Channel.IN_PERSON: 0.65, Channel.ONLINE: 0.28, Channel.POST: 0.07}
# (element → effect) per channel: online users do not see the premises but feel
# the portal's usability; post delays the result.
CHANNEL_EFFECTS = {
    Channel.IN_PERSON: {},
    Channel.ONLINE: {"E1": -0.20, "E3": -0.10, "E4": 0.10},
    Channel.POST: {"E4": -0.25},
}
RESPONDENT_WEIGHTS = {
    "gender": {"nam": 0.48, "nu": 0.52},
    "age_group": {
        "18-24": 0.10, "25-34": 0.26, "35-49": 0.33, "50-60": 0.19, "60+": 0.12,
    },
    "ethnicity": {"kinh": 0.97, "khac": 0.03},
    "education": {
        "tieu_hoc": 0.08, "thcs": 0.22, "thpt": 0.30, "trung_cap_cao_dang": 0.15,
        "dai_hoc": 0.22, "khac": 0.03,
    },
    "occupation": {
        "nghi_huu": 0.10, "khong_di_lam": 0.07, "tu_do": 0.33, "sinh_vien": 0.04,
        "khu_vuc_tu": 0.26, "khu_vuc_cong": 0.17, "khac": 0.03,
    },
    "area": {"do_thi": 0.35, "nong_thon": 0.65},
    "terrain": {"dong_bang": 0.97, "mien_nui": 0.0, "hai_dao": 0.03},
}  # fmt: skip
RESPONDENT_EFFECTS = {
    ("age_group", "18-24"): -0.10, ("age_group", "60+"): 0.15,
    ("education", "dai_hoc"): -0.15, ("education", "tieu_hoc"): 0.10,
    ("occupation", "khu_vuc_tu"): -0.10, ("occupation", "nghi_huu"): 0.10,
    ("area", "do_thi"): -0.05,
}  # fmt: skip

COMMON_PROCEDURES = 12  # a dozen procedures make most of an office's dossiers
COMMON_SHARE = 0.85


def procedure_weights(count: int) -> list[float]:
    """Cumulative weights: the first dozen procedures take 85 % of the dossiers
    (falling off as rank^-0.8), the rest share what is left evenly."""
    common = [rank**-0.8 for rank in range(1, min(count, COMMON_PROCEDURES) + 1)]
    rest = count - len(common)
    each = sum(common) * (1 - COMMON_SHARE) / COMMON_SHARE / rest if rest else 0.0
    return list(itertools.accumulate(common + [each] * rest))
