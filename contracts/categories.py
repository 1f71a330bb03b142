"""Category codes (đối tượng) used on the bus, with their Vietnamese names.

Codes are vocabulary shared by every service and subscriber; coefficients and amounts are
policy (dated configuration in assessment), never here.
"""

MONTHLY_ALLOWANCE: dict[str, str] = {
    "CHILD_NO_CARE_U4": "Trẻ em dưới 16 tuổi không có nguồn nuôi dưỡng — dưới 4 tuổi",
    "CHILD_NO_CARE_4_16": "Trẻ em không có nguồn nuôi dưỡng — từ đủ 4 đến dưới 16 tuổi",
    "YOUTH_STUDYING_16_22": "Người từ đủ 16 đến 22 tuổi đang học",
    "CHILD_HIV_POOR_U4": "Trẻ em nhiễm HIV/AIDS thuộc hộ nghèo — dưới 4 tuổi",
    "CHILD_HIV_POOR_4_16": "Trẻ em nhiễm HIV/AIDS thuộc hộ nghèo — từ đủ 4 đến dưới 16 tuổi",
    "SINGLE_PARENT_POOR": "Người đơn thân nghèo đang nuôi con",
    "ELDERLY_POOR_NO_SUPPORTER_60_80": "Người cao tuổi hộ nghèo không có người phụng dưỡng — 60 đến dưới 80",
    "ELDERLY_POOR_NO_SUPPORTER_80P": "Người cao tuổi hộ nghèo không có người phụng dưỡng — từ đủ 80",
    "ELDERLY_75_80_POOR_DTTS": "Người cao tuổi 75–80 hộ nghèo/cận nghèo vùng DTTS & MN ĐBKK",
    "ELDERLY_80P_NO_PENSION": "Người từ đủ 80 tuổi không có lương hưu, trợ cấp",
    "ELDERLY_COMMUNITY_CARE": "Người cao tuổi được nhận chăm sóc tại cộng đồng",
    "PWD_SPECIAL_SEVERE": "Người khuyết tật đặc biệt nặng",
    "PWD_SPECIAL_SEVERE_CHILD_OR_ELDERLY": "Trẻ em / người cao tuổi khuyết tật đặc biệt nặng",
    "PWD_SEVERE": "Người khuyết tật nặng",
    "PWD_SEVERE_CHILD_OR_ELDERLY": "Trẻ em / người cao tuổi khuyết tật nặng",
    "CHILD_U3_POOR_DTTS": "Trẻ em dưới 3 tuổi hộ nghèo/cận nghèo vùng DTTS & MN ĐBKK",
    "HIV_ADULT_POOR_NO_INCOME": "Người nhiễm HIV/AIDS hộ nghèo không có thu nhập ổn định",
}

CARE_SUPPORT: dict[str, str] = {
    "CARE_PWD_PREGNANT_OR_CHILD_U36M": "NKT đặc biệt nặng, nặng đang mang thai hoặc nuôi con dưới 36 tháng",
    "CARE_PWD_PREGNANT_AND_CHILD_U36M": "NKT đang mang thai và nuôi con dưới 36 tháng",
    "CARE_HOUSEHOLD_PWD_SPECIAL_SEVERE": "Hộ gia đình chăm sóc NKT đặc biệt nặng",
    "CARE_TAKER_PWD_SPECIAL_SEVERE": "Người nhận chăm sóc NKT đặc biệt nặng",
    "CARE_TAKER_CHILD_U4": "Nhận chăm sóc trẻ em không có nguồn nuôi dưỡng — dưới 4 tuổi",
    "CARE_TAKER_CHILD_4P": "Nhận chăm sóc trẻ em không có nguồn nuôi dưỡng — từ đủ 4 tuổi",
    "CARE_TAKER_ELDERLY": "Nhận chăm sóc người cao tuổi",
}

#: The form of a category code (a province adds codes of its own, in the same form).
CODE_PATTERN = r"^[A-Z0-9_]{1,60}$"
#: The most categories one decision holds at once (with units: children raised, persons cared
#: for); a person holds two or three at most in practice.
MOST_HELD = 10
#: The most units one category is paid for (children raised, persons cared for).
MOST_UNITS = 20
#: The most dependants one decision counts.
MOST_DEPENDANTS = 20

BY_BENEFIT: dict[str, dict[str, str]] = {
    "monthly_allowance": MONTHLY_ALLOWANCE,
    "care_support": CARE_SUPPORT,
}


def label(category: str) -> str:
    return MONTHLY_ALLOWANCE.get(category) or CARE_SUPPORT.get(category) or category
