"""HTTP routes of the monthly payroll: generate, look at, approve, record results."""

from collections import Counter
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from backbone.actor import Actor
from backbone.auth import require_roles
from backbone.correlation import correlation_id
from reference.working_days import today_in_vietnam
from services.payment.application import EntitlementNotFound, PaymentApplication
from services.payment.domain.payroll import PayrollRun, payroll_id
from services.payment.payroll_jobs import PayrollJobs
from services.payment.payroll_register import PayrollRegister
from services.payment.result_files import XLSX_TYPE, UnreadableFile

router = APIRouter(prefix="/payrolls", tags=["payrolls"])

Officer = Annotated[Actor, Depends(require_roles("payment_officer"))]
Approver = Annotated[Actor, Depends(require_roles("approver"))]
Viewer = Annotated[
    Actor, Depends(require_roles("payment_officer", "approver", "inspector", "operator"))
]
Correlation = Annotated[UUID, Depends(correlation_id)]
Channel = Literal["post_office", "home_delivery", "bank_account"]
MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"
MAX_FILE_BYTES = 50 * 1024 * 1024


def application(request: Request) -> PaymentApplication:
    app: PaymentApplication = request.app.state.application
    return app


def register(request: Request) -> PayrollRegister:
    found: PayrollRegister = request.app.state.payrolls
    return found


def payroll_jobs(request: Request) -> PayrollJobs:
    found: PayrollJobs = request.app.state.payroll_jobs
    return found


Payment = Annotated[PaymentApplication, Depends(application)]
Payrolls = Annotated[PayrollRegister, Depends(register)]
Jobs = Annotated[PayrollJobs, Depends(payroll_jobs)]


class PayrollIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    commune: str = Field(pattern=r"^\d{5}$")
    channel: Channel = "post_office"
    month: str = Field(pattern=MONTH, examples=["2024-07"])


class ApprovalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    approved_on: date


def _counts(report: list[dict[str, Any]]) -> dict[str, int]:
    """How many rows had each outcome."""
    return dict(Counter(row["outcome"] for row in report))


def _view(run: PayrollRun, payrolls: PayrollRegister) -> dict[str, Any]:
    """The run and its totals. Totals count the lines issued, from the lines themselves: a
    generation cut short (the process stopped) issued lines but recorded no counts."""
    return {
        "payroll_id": str(run.id),
        "commune": run.commune,
        "channel": run.channel,
        "month": run.month,
        "generations": run.generations,
        "totals": payrolls.totals(str(run.id)),
        "approved_on": run.approved_on.isoformat() if run.approved_on else None,
        "approved_by": run.approved_by,
    }


@router.post(
    "",
    status_code=202,
    summary="Start generating (or completing) a commune's payroll for a month and channel",
    description=(PaymentApplication.generate_payroll.__doc__ or "")
    + "\n\nThe generation runs in the background: follow `status` and `progress` at"
    " GET /payrolls/{commune}/{channel}/{month}.",
)
def generate(
    body: PayrollIn,
    actor: Officer,
    payment: Payment,
    payrolls: Payrolls,
    jobs: Jobs,
    correlation: Correlation,
) -> dict[str, Any]:
    # 422 (month) or 409 (closed) before starting
    payment.check_payroll_open(body.commune, body.channel, body.month, today=today_in_vietnam())
    run_id = payroll_id(body.commune, body.channel, body.month)

    def run(progress: Callable[[int, int], None]) -> None:
        payment.generate_payroll(
            commune=body.commune,
            channel=body.channel,
            month=body.month,
            entitlements=payrolls.entitlements,
            actor=actor,
            correlation_id=correlation,
            progress=progress,
        )

    started = jobs.start(run_id, run)
    return {
        "payroll_id": str(run_id),
        "commune": body.commune,
        "channel": body.channel,
        "month": body.month,
        "started": started,
        **_progress(jobs, run_id),
    }


def _progress(jobs: PayrollJobs, run_id: UUID) -> dict[str, Any]:
    """Status of the latest generation and how far it got."""
    progress = jobs.progress(run_id)
    if progress is None:  # generated before progress was kept
        return {"status": "generated", "progress": None}
    return {"status": progress.pop("status"), "progress": progress}


@router.get("/{commune}/{channel}/{month}", summary="A payroll and its lines")
def get_payroll(
    commune: str,
    channel: Channel,
    month: str,
    _: Viewer,
    payment: Payment,
    payrolls: Payrolls,
    jobs: Jobs,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    run_id = payroll_id(commune, channel, month)
    status = _progress(jobs, run_id)
    try:
        run = payment.get_payroll(commune, channel, month)
    except EntitlementNotFound:
        if status["progress"] is None:
            raise
        # The first generation has not finished: only its progress and lines exist yet.
        return {
            "payroll_id": str(run_id),
            "commune": commune,
            "channel": channel,
            "month": month,
            "generations": [],
            "totals": payrolls.totals(str(run_id)),
            **status,
            "lines": [],
        }
    lines = payrolls.payroll_lines(str(run_id), limit, offset)
    return {
        **_view(run, payrolls),
        **status,
        "lines": [
            {
                "line_id": line["line_id"],
                "case_id": str(line["case_id"]),
                "month": line["month"],
                "amount": line["amount"],
                "kind": line["kind"],
                "result": line["result"],
            }
            for line in lines
        ],
    }


@router.post(
    "/{commune}/{channel}/{month}/approval",
    summary="Approve the payroll before it is released for payment",
)
def approve(
    commune: str,
    channel: Channel,
    month: str,
    body: ApprovalIn,
    actor: Approver,
    payment: Payment,
    payrolls: Payrolls,
) -> dict[str, Any]:
    run = payment.approve_payroll(
        commune=commune,
        channel=channel,
        month=month,
        approved_on=body.approved_on,
        actor=actor,
        today=today_in_vietnam(),
    )
    return _view(run, payrolls)


class LineResultIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    line_id: str = Field(min_length=1, max_length=200)
    result: Literal["paid_at_point", "paid_at_home", "not_collected", "failed"]
    settled_on: date


class ResultsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    results: list[LineResultIn] = Field(min_length=1, max_length=10_000)


Settler = Annotated[Actor, Depends(require_roles("payment_officer", "post_office"))]


@router.post(
    "/{commune}/{channel}/{month}/results",
    summary="Results per line from the post office or the bank (đối soát)",
    description=PaymentApplication.record_results.__doc__,
)
def record_results(
    commune: str,
    channel: Channel,
    month: str,
    body: ResultsIn,
    actor: Settler,
    payment: Payment,
    correlation: Correlation,
) -> dict[str, Any]:
    report = payment.record_results(
        commune=commune,
        channel=channel,
        month=month,
        results=[row.model_dump() for row in body.results],
        source="api",
        actor=actor,
        correlation_id=correlation,
        today=today_in_vietnam(),
    )
    return {"counts": _counts(report), "rows": report}


@router.post(
    "/{commune}/{channel}/{month}/results/import",
    summary="Import a results file from the post office or the bank (CSV or Excel)",
    description=PaymentApplication.import_results.__doc__,
    openapi_extra={
        "requestBody": {
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
            },
            "required": True,
        }
    },
)
async def import_results(
    commune: str,
    channel: Channel,
    month: str,
    request: Request,
    actor: Settler,
    payment: Payment,
    correlation: Correlation,
    filename: Annotated[str, Query(min_length=1, max_length=200)] = "upload",
) -> dict[str, Any]:
    content = await request.body()
    if len(content) > MAX_FILE_BYTES:
        raise HTTPException(413, detail=f"the file is larger than {MAX_FILE_BYTES} bytes")
    try:
        report = await run_in_threadpool(
            payment.import_results,
            commune=commune,
            channel=channel,
            month=month,
            filename=filename,
            content=content,
            content_type=request.headers.get("content-type", ""),
            actor=actor,
            correlation_id=correlation,
            today=today_in_vietnam(),
        )
    except UnreadableFile as error:
        raise HTTPException(422, detail=str(error)) from error
    return {"filename": filename, "counts": _counts(report), "rows": report}
