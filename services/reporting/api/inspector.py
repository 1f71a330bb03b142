"""The inspector's page (trang thanh tra): one HTML page, its script, style and labels.

The page holds no case data: it is served without a token, and every data call it makes
(timeline, state as of a date, checks) carries the inspector's bearer token, typed into the
page and kept in the browser tab's sessionStorage only. A citizen's ID number is looked up
with a POST body (`/cases/lookup`), never put in an address.
"""

from importlib import resources
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, JSONResponse, Response

from services.reporting import labels

router = APIRouter(tags=["inspector"])

#: The files live in services/reporting/web/, read through importlib.resources so they are
#: found in a source tree, an editable install and a wheel alike.
_WEB = ("services.reporting", "web")

#: Only the page's own files, from this server: no inline script, no other origin.
#: `form-action 'none'`: a form can never be submitted to an address (with the ID number in it).
_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self'",
        "img-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
)
_HEADERS = {
    "Content-Security-Policy": _POLICY,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
}

#: Who acted (vai trò), by the role codes of contracts.envelope.ROLES.
ROLES: dict[str, str] = {
    "commune_officer": "Công chức cấp xã",
    "assessor": "Cán bộ xét duyệt",
    "approver": "Người có thẩm quyền quyết định",
    "payment_officer": "Cán bộ chi trả",
    "post_office": "Bưu điện (tổ chức dịch vụ chi trả)",
    "inspector": "Thanh tra",
    "operator": "Quản trị hệ thống",
    "system": "Hệ thống (tự động)",
}

#: How the allowance is paid (contracts.payment.PaymentChannel) and how a dossier came in
#: (contracts.values.Channel): both are a "channel"; their codes differ.
CHANNELS: dict[str, str] = {
    "post_office": "Chi trả qua bưu điện",
    "home_delivery": "Chi trả tại nhà",
    "bank_account": "Chuyển khoản qua tài khoản",
    "in_person": "Nộp trực tiếp",
    "post": "Nộp qua bưu chính",
    "online": "Nộp trực tuyến",
}

#: Which service recorded an event.
SOURCES: dict[str, str] = {
    "intake": "Tiếp nhận",
    "assessment": "Xét duyệt",
    "payment": "Chi trả",
}

#: Fields of a case's state that `labels.STATE_FIELDS` (the diff's fields) does not name.
MORE_FIELDS: dict[str, str] = {
    "full_name": "Họ và tên",
    "date_of_birth": "Ngày sinh",
    "person_id": "Mã người hưởng trong btxh",
    "known_at": "Theo dữ liệu đã biết lúc",
    "received_on": "Ngày tiếp nhận hồ sơ",
    "signer": "Người ký quyết định",
    "legal_basis": "Căn cứ pháp lý",
    "decided_amount": "Mức trợ cấp theo quyết định (đồng)",
    "effective_month": "Hưởng từ tháng",
    "enrolled_from": "Chi trả từ tháng",
    "suspension_ground": "Lý do tạm dừng",
    "commune_candidates": "Các xã có thể thuộc về (chưa xác định)",
    "rejection_reasons": "Lý do không được hưởng",
    "withdrawn_on": "Ngày rút hồ sơ",
    # Facts events often carry (an event's summary shows them by these names).
    "from_month": "Từ tháng",
    "month": "Tháng",
    "reason": "Lý do",
    "event_date": "Ngày xảy ra sự việc",
    "reviewed_on": "Ngày xét duyệt",
    "outcome": "Kết quả",
    "findings": "Nhận xét",
    "posted_from": "Niêm yết từ ngày",
    "posted_until": "Niêm yết đến ngày",
    "determined_on": "Ngày xác định",
    "level": "Mức độ",
    "decided_on": "Ngày quyết định",
    "amount": "Số tiền (đồng)",
    "to_residence": "Nơi chuyển đến",
    "applicant": "Người đề nghị",
    "sex": "Giới tính",
    "form": "Mẫu đơn",
    "complete_on": "Ngày hồ sơ đầy đủ",
    "represented": "Có người đại diện",
    "household_poverty": "Hộ nghèo, cận nghèo",
    "documents_presented": "Giấy tờ đã nộp",
    "missing_documents": "Giấy tờ còn thiếu",
    # What a finding of an inspection check carries.
    "commune": "Mã xã",
    "kind": "Loại phát hiện",
    "death_month": "Tháng chết",
    "months": "Các tháng",
    "lines": "Các dòng chi trả",
    "due_on": "Hạn giải quyết",
    "decision": "Quyết định",
    "days_late": "Số ngày chậm",
    "working_days_late": "Số ngày làm việc chậm",
    "recorded_overdue": "Đã ghi nhận quá hạn",
    "notice": "Loại báo BHYT",
    "required_on": "Phát sinh ngày",
    "sent_on": "Ngày gửi",
    "threshold": "Thời hạn",
}


def _read(name: str) -> str:
    return resources.files(_WEB[0]).joinpath(_WEB[1], name).read_text(encoding="utf-8")


@router.get(
    "/inspector",
    response_class=HTMLResponse,
    summary="The inspector's page (trang thanh tra): find a case, its timeline, state and findings",
)
def page() -> HTMLResponse:
    """A page for a person: it holds no data and needs no token; the data calls it makes do."""
    return HTMLResponse(_read("inspector.html"), headers=_HEADERS)


@router.get("/inspector/app.js", include_in_schema=False)
def script() -> Response:
    return Response(_read("inspector.js"), media_type="text/javascript", headers=_HEADERS)


@router.get("/inspector/app.css", include_in_schema=False)
def style() -> Response:
    return Response(_read("inspector.css"), media_type="text/css", headers=_HEADERS)


@router.get("/inspector/labels.json", include_in_schema=False)
def page_labels() -> JSONResponse:
    """The Vietnamese names of codes the page shows, from the one place they are kept."""
    body: dict[str, Any] = {
        "events": labels.EVENTS,
        "statuses": labels.STATUSES,
        "benefits": labels.BENEFITS,
        "authorities": labels.AUTHORITIES,
        "cessation_reasons": labels.CESSATION_REASONS,
        "fields": {**labels.STATE_FIELDS, **MORE_FIELDS},
        "roles": ROLES,
        "channels": CHANNELS,
        "sources": SOURCES,
    }
    return JSONResponse(body, headers=_HEADERS)
