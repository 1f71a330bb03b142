"""Vietnamese labels officials read: events, statuses, authorities and register columns.

Codes stay English on the bus and in JSON keys; what a person reads on a page or in an
exported file is Vietnamese.
"""

EVENTS: dict[str, str] = {
    "dossier_received": "Tiếp nhận hồ sơ",
    "dossier_supplemented": "Bổ sung hồ sơ",
    "dossier_withdrawn": "Rút hồ sơ",
    "case_opened": "Mở hồ sơ xét duyệt",
    "dossier_completed": "Hồ sơ đầy đủ",
    "case_reviewed": "Xét duyệt (Hội đồng / công chức)",
    "results_posted": "Niêm yết công khai kết quả",
    "complaint_received": "Tiếp nhận khiếu nại",
    "complaint_concluded": "Giải quyết khiếu nại",
    "proposal_sent": "Gửi văn bản đề nghị",
    "case_appraised": "Thẩm định",
    "case_approved": "Quyết định trợ cấp",
    "case_rejected": "Quyết định không hưởng (có lý do)",
    "case_withdrawn": "Đóng hồ sơ do rút đơn",
    "case_became_overdue": "Quá hạn giải quyết",
    "change_proposed": "Đề xuất điều chỉnh / thôi hưởng",
    "disability_level_determined": "Xác định mức độ khuyết tật",
    "beneficiary_enrolled": "Đưa vào danh sách chi trả",
    "enrolment_held": "Tạm giữ chi trả (trùng hưởng)",
    "entitlement_adjusted": "Điều chỉnh mức trợ cấp",
    "entitlement_suspended": "Tạm dừng chi trả",
    "suspension_lifted": "Tiếp tục chi trả",
    "suspension_proposed": "Đề xuất tạm dừng (3 tháng không nhận)",
    "entitlement_ceased": "Thôi hưởng trợ cấp",
    "payroll_lines_issued": "Lập danh sách chi trả",
    "payroll_line_settled": "Kết quả chi trả",
    "overpayment_detected": "Phát hiện chi sai (chi thừa)",
    "funeral_support_decided": "Quyết định hỗ trợ mai táng",
    "funeral_claim_received": "Tiếp nhận tờ khai đề nghị hỗ trợ chi phí mai táng",
    "recovery_decided": "Quyết định thu hồi",
    "recovery_waived": "Miễn thu hồi",
    "repayment_received": "Nộp tiền thu hồi",
    "payment_channel_changed": "Đổi hình thức chi trả",
    "jurisdiction_resolved": "Xác định xã mới (xã cũ bị chia tách)",
    "beneficiary_moved_out": "Chuyển đi (thay đổi nơi cư trú)",
    "beneficiary_moved_in": "Chuyển đến (tiếp tục chi trả)",
    "beneficiary_transferred_by_reorganisation": "Chuyển về xã mới (sắp xếp đơn vị hành chính 2025)",
    "health_insurance_notice": "Báo tăng / báo giảm BHYT",
    "arrears_awaiting_decision": "Tháng chưa chi quá thời hạn truy lĩnh (chờ quyết định)",
    "arrears_decided": "Quyết định truy lĩnh",
    "cessation_proposed": "Đề xuất thôi hưởng",
    "entitlement_units_restored": "Khôi phục số suất hưởng theo quyết định trợ cấp",
}

STATUSES: dict[str, str] = {
    "received": "Đã tiếp nhận hồ sơ",
    "approved": "Đã có quyết định hưởng",
    "rejected": "Không được hưởng",
    "withdrawn": "Đã rút hồ sơ",
    "active": "Đang hưởng",
    "suspended": "Tạm dừng",
    "ceased": "Thôi hưởng",
}

BENEFITS: dict[str, str] = {
    "monthly_allowance": "Trợ cấp xã hội hằng tháng",
    "care_support": "Hỗ trợ kinh phí chăm sóc, nuôi dưỡng",
}

#: What a case is for, as the register and a case's state name it: the monthly benefits, and
#: the funeral claim of a person of 80 or more with no btxh allowance (Decree 20/2021 Art. 11).
CASE_BENEFITS: dict[str, str] = {
    **BENEFITS,
    "funeral_support": "Hỗ trợ chi phí mai táng (người từ đủ 80 tuổi không hưởng trợ cấp hằng "
    "tháng của btxh)",
}

AUTHORITIES: dict[str, str] = {
    "COMMUNE_CHAIRMAN": "Chủ tịch UBND cấp xã",
    "COMMUNE_OFFICIAL": "Công chức cấp xã",
    "COMMUNE_REVIEW_COUNCIL": "Hội đồng xét duyệt cấp xã",
    "DISTRICT_CHAIRMAN": "Chủ tịch UBND cấp huyện",
    "DISTRICT_DIVISION_LISA": "Phòng Lao động - Thương binh và Xã hội cấp huyện",
}

CESSATION_REASONS: dict[str, str] = {
    "death": "Chết",
    "missing": "Mất tích",
    "no_longer_eligible": "Không còn đủ điều kiện",
    "moved": "Chuyển nơi cư trú",
    "refused": "Từ chối nhận",
    "imprisoned": "Chấp hành án phạt tù",
    "non_compliance_after_suspension": "Không khắc phục sau tạm dừng",
}

#: Fields of a case's state, for "what changed between two dates".
STATE_FIELDS: dict[str, str] = {
    "status": "Trạng thái",
    "benefit": "Loại trợ giúp",
    "category": "Đối tượng",
    "categories_held": "Các diện đối tượng",
    "coefficient": "Hệ số",
    "residence": "Nơi cư trú (ghi nhận)",
    "commune_code": "Mã xã hiện hành",
    "province_code": "Mã tỉnh hiện hành",
    "monthly_amount": "Mức trợ cấp hằng tháng (đồng)",
    "standard_level": "Mức chuẩn trợ giúp xã hội (đồng)",
    "decision_number": "Số quyết định hưởng",
    "signed_on": "Ngày ký quyết định hưởng",
    "last_decision_number": "Quyết định gần nhất",
    "last_decision_on": "Ngày quyết định gần nhất",
    "authority": "Thẩm quyền",
    "channel": "Hình thức chi trả",
    "suspended_from": "Tạm dừng từ tháng",
    "ceased_from": "Thôi hưởng từ tháng",
    "cessation_reason": "Lý do thôi hưởng",
    "died_on": "Ngày chết",
    "disability_level": "Mức độ khuyết tật",
    "redetermination_due_on": "Hạn xác định lại mức độ khuyết tật",
    "moving_to": "Chuyển đến",
}


def event_label(short_type: str) -> str:
    return EVENTS.get(short_type, short_type)
