"""HTTP routes of the monthly payroll: generate, look at, approve, record results."""

import tempfile
from collections import Counter
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

import anyio
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from backbone.actor import Actor
from backbone.auth import (
    PLACES,
    authenticated,
    jurisdiction_of,
    not_in_unit,
    require_commune,
    require_roles,
)
from backbone.correlation import correlation_id
from backbone.http import MIB, body_limit
from reference.admin_units import scheme_of_month
from reference.working_days import today_in_vietnam
from services.payment.application import EntitlementNotFound, PaymentApplication
from services.payment.domain.payroll import PayrollRun, payroll_id
from services.payment.payroll_jobs import PayrollJobs
from services.payment.payroll_register import PayrollRegister
from services.payment.result_files import (
    MAX_FILE_BYTES,
    MAX_LISTED,
    XLSX_TYPE,
    ResultFile,
    file_kind,
)

#: The channels a post office pays (a bank's results come through the payment officer).
POST_OFFICE_CHANNELS = ("post_office", "home_delivery")


def payroll_scope(request: Request, actor: Annotated[Actor, Depends(authenticated)]) -> None:
    """A payroll is seen and acted on only by officials of a unit its commune lies in (an
    old commune's payrolls by those of the 2025 communes it went into), and a post office
    only on the channels it pays; any other gets 404, as for a payroll that does not exist."""
    commune = request.path_params.get("commune")
    month = str(request.path_params.get("month", ""))
    channel = request.path_params.get("channel")
    if commune is None or actor.role == "system":
        return
    who = jurisdiction_of(actor)
    payroll = f"payroll of commune {commune}, {channel}, {month}"
    if not PLACES.covers(who, scheme_of_month(month), str(commune)):
        raise not_in_unit(payroll, who)
    if actor.role == "post_office" and channel not in POST_OFFICE_CHANNELS:
        raise not_in_unit(payroll, who)


router = APIRouter(prefix="/payrolls", tags=["payrolls"], dependencies=[Depends(payroll_scope)])

Officer = Annotated[Actor, Depends(require_roles("payment_officer"))]
Approver = Annotated[Actor, Depends(require_roles("approver"))]
Viewer = Annotated[
    Actor, Depends(require_roles("payment_officer", "approver", "inspector", "operator"))
]
Correlation = Annotated[UUID, Depends(correlation_id)]
Channel = Literal["post_office", "home_delivery", "bank_account"]
MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"
COMMUNE = r"^\d{5}$"
Commune = Annotated[str, Path(pattern=COMMUNE, description="Commune code, 5 digits")]
Month = Annotated[str, Path(pattern=MONTH, description="Payroll month, YYYY-MM")]


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

    commune: str = Field(pattern=COMMUNE)
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
        # Not paid by this payroll on its own, and why: never silently left out.
        "held_up_by_reorganisation": run.held_up,
        "arrears_awaiting_decision": run.arrears_awaiting_decision,
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
    # 422 (month, or an old commune after June 2025, naming its successors) or 409 (closed)
    payment.check_payroll_open(body.commune, body.channel, body.month, today=today_in_vietnam())
    require_commune(actor, scheme_of_month(body.month), body.commune)
    run_id = payroll_id(body.commune, body.channel, body.month)

    def run(progress: Callable[[int, int], None]) -> None:
        payment.generate_payroll(
            commune=body.commune,
            channel=body.channel,
            month=body.month,
            register=payrolls,
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
    commune: Commune,
    channel: Channel,
    month: Month,
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
            "held_up_by_reorganisation": [],
            "arrears_awaiting_decision": [],
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
    commune: Commune,
    channel: Channel,
    month: Month,
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

    line_id: str = Field(min_length=1, max_length=100, description="As the payroll lists it")
    result: Literal["paid_at_point", "paid_at_home", "not_collected", "failed"]
    settled_on: date


class ResultsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    results: list[LineResultIn] = Field(
        min_length=1,
        max_length=5000,
        description="At most 5,000 rows (about 0.8 MiB) per request; more: several requests,"
        " or import the file (POST .../results/import)",
    )


Settler = Annotated[Actor, Depends(require_roles("payment_officer", "post_office"))]


@router.post(
    "/{commune}/{channel}/{month}/results",
    summary="Results per line from the post office or the bank (đối soát)",
    description=PaymentApplication.record_results.__doc__,
)
def record_results(
    commune: Commune,
    channel: Channel,
    month: Month,
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


class ImportAnswer(BaseModel):
    """What an import did: every row counted, the rows needing attention listed."""

    filename: str
    rows_read: int = Field(description="Rows of the file, the header and blank rows left out")
    counts: dict[str, int] = Field(description="Rows per outcome, of every row of the file")
    rows: list[dict[str, Any]] = Field(
        description="The rows needing an officer's attention (refused, unknown line, another"
        f" payroll) in file order, the first {MAX_LISTED:,}: each with its row number (the header"
        " is row 1), line id, outcome and reason. Recorded and repeated rows are only counted."
    )
    rows_not_listed: int = Field(
        description="Rows needing attention beyond those listed (0: the list is complete)"
    )


@router.post(
    "/{commune}/{channel}/{month}/results/import",
    summary="Import a results file from the post office or the bank (CSV or Excel)",
    description=(PaymentApplication.import_results.__doc__ or "")
    + f"\n\nThe file is the body, at most {MAX_FILE_BYTES:,} bytes ({MAX_FILE_BYTES // MIB} MiB;"
    " larger: 413 before it is read) and at most `BTXH_RESULT_FILE_MAX_ROWS` rows (400,000 by"
    " default; more: 413 TooManyRows, nothing settled). It is written to a temporary file as it"
    " arrives and read from there row by row.",
    response_model=ImportAnswer,
    openapi_extra={
        "requestBody": {
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
            },
            "required": True,
        },
        **body_limit(MAX_FILE_BYTES),
    },
)
async def import_results(
    commune: Commune,
    channel: Channel,
    month: Month,
    request: Request,
    actor: Settler,
    payment: Payment,
    correlation: Correlation,
    filename: Annotated[str, Query(min_length=1, max_length=200)] = "upload",
) -> ImportAnswer:
    content_type = request.headers.get("content-type", "")
    file_kind(content_type)  # an unsupported type is refused before the body is read
    with tempfile.TemporaryFile() as spool:
        # RequestGuard stops the stream at MAX_FILE_BYTES; on disk, the file costs no memory.
        async for chunk in request.stream():
            await anyio.to_thread.run_sync(spool.write, chunk)
        upload = ResultFile(spool, content_type)
        try:
            report = await run_in_threadpool(
                payment.import_results,
                commune=commune,
                channel=channel,
                month=month,
                filename=filename,
                upload=upload,
                actor=actor,
                correlation_id=correlation,
                today=today_in_vietnam(),
            )
        finally:
            upload.close()
    return ImportAnswer(
        filename=filename,
        rows_read=report.rows_read,
        counts=dict(report.counts),
        rows=report.listed,
        rows_not_listed=report.not_listed,
    )
