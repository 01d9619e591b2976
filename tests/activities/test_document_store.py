"""Documents in an S3-compatible bucket: filed by one worker, typeset and sent by another.

The bucket is moto's S3 server (`moto[server]`), run in-process over HTTP: no S3, MinIO or
Ceph can run here. The code talks to it through boto3 exactly as to those.
"""

import uuid
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import boto3  # type: ignore[import-untyped]
import pytest
from moto.server import ThreadedMotoServer
from pydantic import SecretStr
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.document_store import DocumentMissing, document_store
from activities.documents import DocumentActivities
from activities.email import EmailActivities
from devstack.ports import free_port
from sales.lead import Lead
from sales.playbook import Playbook, load_playbook
from sales.quote import Quote
from sales.requests import EmailRequest
from settings import ROOT, Settings
from tests.activities.pdf_reading import pdf_text
from tests.activities.test_documents import lead, quote_request
from tests.activities.test_email import a_quote
from tests.smtp_inbox import SmtpServer

BUCKET = "salesflow-documents"
__all__ = ["lead"]  # the fixture: the lead whose quote test_documents.py files


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    bucket_owner = boto3.client(
        "s3",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="ops",
        aws_secret_access_key="ops-secret",
    )
    bucket_owner.create_bucket(Bucket=BUCKET)
    yield url
    server.stop()


def on_host(host: str, endpoint: str, tmp_path: Path, smtp: SmtpServer) -> Settings:
    """A worker host's settings: its own local folder, the shared bucket."""
    return Settings(
        documents_dir=tmp_path / host / "documents",
        documents_bucket=BUCKET,
        documents_prefix="acme/documents",
        documents_endpoint_url=endpoint,
        documents_region="us-east-1",
        documents_access_key_id="ops",
        documents_secret_access_key=SecretStr("ops-secret"),
        smtp_port=smtp.port,
    )


@pytest.fixture
def playbook() -> Playbook:
    return load_playbook(ROOT / "playbooks", "default")


def proposal(playbook: Playbook, lead: Lead, quote: Quote) -> EmailRequest:
    """The proposal email of a sale of its own (the SMTP server is shared by the tests)."""
    return EmailRequest(
        workflow_id=f"sale-acme-anna-{uuid.uuid4().hex[:8]}",
        step="proposal_v1",
        template="proposal",
        to=lead.email,
        lead=lead,
        playbook=playbook,
        context={"quote": quote.model_dump(mode="json"), "formal": False},
        attachments=[quote.pdf_path],
    )


def received(smtp: SmtpServer, email: EmailRequest) -> EmailMessage:
    [message] = smtp.inbox.of_sale(email.workflow_id)
    mail = message_from_bytes(message.as_bytes(), policy=policy.default)
    assert isinstance(mail, EmailMessage)
    return mail


async def test_a_quote_filed_on_one_host_is_typeset_and_sent_from_another(
    endpoint: str, tmp_path: Path, smtp: SmtpServer, playbook: Playbook, lead: Lead
) -> None:
    first, second = on_host("a", endpoint, tmp_path, smtp), on_host("b", endpoint, tmp_path, smtp)
    env = ActivityEnvironment()
    quote: Quote = await env.run(
        DocumentActivities(first).prepare_quote, quote_request(playbook, lead)
    )
    folder = f"s3://{BUCKET}/acme/documents/sale-acme-anna"
    assert quote.html_path == f"{folder}/Q-2026-acme-anna-v1.html"
    assert quote.pdf_path == f"{folder}/Q-2026-acme-anna-v1.pdf"
    bucket = document_store(second)
    assert "EUR 7,110.85" in bucket.get(quote.html_path).decode("utf-8")
    with pytest.raises(DocumentMissing):
        bucket.get(quote.pdf_path)  # typeset by the email that sends it, below

    email = proposal(playbook, lead, quote)
    await env.run(EmailActivities(second).send_email, email)

    mail = received(smtp, email)
    (attachment,) = list(mail.iter_attachments())
    assert attachment.get_filename() == "Q-2026-acme-anna-v1.pdf"
    sent = attachment.get_content()
    assert sent == bucket.get(quote.pdf_path)  # filed in the bucket once typeset
    attached = tmp_path / "attached.pdf"
    attached.write_bytes(sent)
    assert "Quote Q-2026-acme-anna-v1" in pdf_text(str(attached))
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()  # no local files


async def test_a_document_missing_from_the_bucket_is_named_and_retried(
    endpoint: str, tmp_path: Path, smtp: SmtpServer, playbook: Playbook, lead: Lead
) -> None:
    settings = on_host("a", endpoint, tmp_path, smtp)
    quote = Quote.model_validate(
        {**a_quote(playbook), "pdf_path": f"s3://{BUCKET}/acme/documents/x/gone.pdf"}
    )
    with pytest.raises(ApplicationError) as caught:
        await ActivityEnvironment().run(
            EmailActivities(settings).send_email, proposal(playbook, lead, quote)
        )
    assert caught.value.type == "AttachmentMissing"
    assert not caught.value.non_retryable  # the email goes once the document is there
    assert f"s3://{BUCKET}/acme/documents/x/gone.pdf cannot be read" in str(caught.value)


async def test_sales_begun_on_the_folder_go_on_after_the_move_to_a_bucket(
    endpoint: str, tmp_path: Path, smtp: SmtpServer, playbook: Playbook, lead: Lead
) -> None:
    local = Settings(documents_dir=tmp_path / "documents", smtp_port=smtp.port)
    quote: Quote = await ActivityEnvironment().run(
        DocumentActivities(local).prepare_quote, quote_request(playbook, lead)
    )
    assert quote.pdf_path.startswith(str(tmp_path))

    moved = on_host("a", endpoint, tmp_path, smtp)
    email = proposal(playbook, lead, quote)
    await ActivityEnvironment().run(EmailActivities(moved).send_email, email)

    mail = received(smtp, email)
    (attachment,) = list(mail.iter_attachments())
    assert attachment.get_content() == Path(quote.pdf_path).read_bytes()
