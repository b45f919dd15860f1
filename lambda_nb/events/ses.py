"""SES email receiving: the receipt rule's Lambda action gets the mail's headers and verdicts."""

from __future__ import annotations

from typing import Any, Literal

from lambda_nb.events._aws import DEFAULT_ACCOUNT, DEFAULT_REGION, arn
from lambda_nb.events._clock import iso_ms, rfc2822
from lambda_nb.events._gen import Gen
from lambda_nb.events._registry import event

Verdict = Literal["PASS", "FAIL", "GRAY", "PROCESSING_FAILED"]


@event("ses.receive", tier=2)
def receive(
    g: Gen,
    sender: str = "sender@example.com",
    recipients: list[str] | None = None,
    subject: str = "Test subject",
    verdict: Verdict = "PASS",
    function: str = "ses-receiver",
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT,
) -> dict[str, Any]:
    """SES receipt-rule Lambda action: mail headers and spam/virus/SPF/DKIM/DMARC verdicts."""
    to = list(recipients) if recipients is not None else ["recipient@example.com"]
    message_id = g.lower(20) + g.lower(20)
    sent = g.at(-2000)
    header_id = f"<{g.uuid()}@mail.example.com>"
    date = rfc2822(sent)
    headers = [
        {"name": "Return-Path", "value": f"<{sender}>"},
        {
            "name": "Received",
            "value": f"from mail.example.com by inbound-smtp.{region}.amazonaws.com",
        },
        {"name": "From", "value": sender},
        {"name": "To", "value": ", ".join(to)},
        {"name": "Subject", "value": subject},
        {"name": "Date", "value": date},
        {"name": "Message-ID", "value": header_id},
        {"name": "MIME-Version", "value": "1.0"},
        {"name": "Content-Type", "value": "text/plain; charset=UTF-8"},
    ]
    status = {"status": verdict}
    receipt = {
        "timestamp": iso_ms(g.now),
        "processingTimeMillis": g.rng.randint(200, 900),
        "recipients": to,
        "spamVerdict": status,
        "virusVerdict": status,
        "spfVerdict": status,
        "dkimVerdict": status,
        "dmarcVerdict": status,
        "dmarcPolicy": "none",
        "action": {
            "type": "Lambda",
            "functionArn": arn("lambda", region, account_id, f"function:{function}"),
            "invocationType": "Event",
        },
    }
    mail = {
        "timestamp": iso_ms(sent),
        "source": sender,
        "messageId": message_id,
        "destination": to,
        "headersTruncated": False,
        "headers": headers,
        "commonHeaders": {
            "returnPath": sender,
            "from": [sender],
            "date": date,
            "to": to,
            "messageId": header_id,
            "subject": subject,
        },
    }
    return {
        "Records": [
            {
                "eventSource": "aws:ses",
                "eventVersion": "1.0",
                "ses": {"mail": mail, "receipt": receipt},
            }
        ]
    }
