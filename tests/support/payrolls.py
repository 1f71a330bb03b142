"""Monthly payrolls driven through payment's API as the commune and the post office would."""

from typing import Any

from tests.support.api import Client, ok, payroll_token, token


def approved_payroll(
    client: Client,
    commune: str,
    month: str,
    *,
    approved_on: str | None = None,
    approve: bool = True,
    channel: str = "post_office",
) -> list[dict[str, Any]]:
    """Generate (and approve, on the 5th by default) a commune's payroll; all its lines."""
    client.generate_payroll(commune, month, channel)
    path = f"/payrolls/{commune}/{channel}/{month}"
    if approve:
        ok(
            client.http.post(
                client.url("payment", f"{path}/approval"),
                json={"approved_on": approved_on or f"{month}-05"},
                headers=payroll_token("approver", commune, month),
            )
        )
    payroll = ok(
        client.http.get(
            client.url("payment", path), params={"limit": 5000}, headers=token("inspector")
        )
    )
    return list(payroll["lines"])


def record_results(
    client: Client,
    commune: str,
    month: str,
    results: list[tuple[dict[str, Any], str]],
    *,
    settled_on: str | None = None,
    channel: str = "post_office",
) -> None:
    """The post office reports each (line, result); every row must be recorded."""
    answer = ok(
        client.http.post(
            client.url("payment", f"/payrolls/{commune}/{channel}/{month}/results"),
            json={
                "results": [
                    {
                        "line_id": line["line_id"],
                        "result": result,
                        "settled_on": settled_on or f"{month}-20",
                    }
                    for line, result in results
                ]
            },
            headers=payroll_token("post_office", commune, month),
        )
    )
    assert answer["counts"] == {"recorded": len(results)}, answer
