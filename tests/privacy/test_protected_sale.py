"""A sale with personal data protected, on a real dev server: it runs, and no lead data is
readable in its history, the server's database, its id, search attributes, summary or details."""

import re
import uuid
from pathlib import Path

from temporalio.api.history.v1 import HistoryEvent
from temporalio.api.sdk.v1 import WorkflowMetadata
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from client.sales import start_sale
from privacy.codec import ENCODING
from sales.items import ItemOfInterest
from sales.lead import Lead, lead_id_context
from sales.stages import SalesStage
from settings import Settings
from tests.cli.starter import run_starter
from tests.privacy.keys import LEAD_ID_SECRET, NEW, OLD
from tests.privacy.server import database_bytes, payloads_in, raw_history
from tests.smtp_inbox import SmtpServer
from tests.workflows.helpers import playbook_named, sent, wait_for
from workflows.support import api as support_api

FIRST, LAST = "Ysbrand", "Hoekstra-Wijnbergen"
PHONE = "+31 20 555 0199"
NOTES = "talked at the booth about bearing noise on line seven"


def personal(lead: Lead) -> list[str]:
    """What of the lead must not be readable outside the codec."""
    return [lead.email, lead.email.split("@")[0], FIRST, LAST, PHONE, NOTES]


def patch_marker(event: HistoryEvent) -> bool:
    """A `workflow.patched` marker: the SDK records it itself, uncoded; it holds the patch id."""
    marker = event.marker_recorded_event_attributes
    return event.HasField("marker_recorded_event_attributes") and marker.marker_name == "core_patch"


def plain_client(env: WorkflowEnvironment) -> Client:
    """A client of the same server that does not encrypt: what anyone without the keys has."""
    return Client(env.client.service_client, data_converter=pydantic_data_converter)


async def test_a_sale_runs_with_the_codec_and_leaves_nothing_readable(
    protected_env: WorkflowEnvironment,
    protected_worker: Worker,
    protected_settings: Settings,
    smtp: SmtpServer,
    database: Path,
) -> None:
    lead = Lead.model_validate(
        {
            "email": f"ysbrand.hw-{uuid.uuid4().hex[:8]}@polderpack.example",
            "first_name": FIRST,
            "last_name": LAST,
            "phone": PHONE,
            "notes": NOTES,
            "company": "PolderPack B.V.",
            "country": "NL",
            "source": "web",
            "items": [ItemOfInterest(sku="NW-SENSOR-100", quantity=4)],
        },
        context=lead_id_context(protected_settings.lead_id_key()),
    )
    client = protected_env.client
    started = await start_sale(client, lead, playbook_named("quick"), protected_settings.task_queue)
    handle = client.get_workflow_handle(started.workflow_id)

    # The worker reads what it needs: the quote goes to the lead's own address.
    await wait_for(handle, lambda s: sent(s) == ["proposal_v1"], "quote sent")
    await smtp.inbox.wait_for(lambda _: bool(smtp.inbox.to(lead.email)))
    await handle.signal("proposal_accepted", {"accepted_by": f"{FIRST} {LAST}"})
    await wait_for(handle, lambda s: s.stage == SalesStage.CLOSING, "closing")
    await handle.signal("order_placed", {"order_number": "WEB-7"})
    await wait_for(handle, lambda s: s.stage == SalesStage.WON, "won")
    await smtp.inbox.wait_for(lambda _: "welcome" in smtp.inbox.steps(lead.email))

    # The id, the search attributes, the summary and the details name nobody.
    assert re.fullmatch(r"sale-lead-[0-9a-f]{32}", handle.id)
    description = await handle.describe()
    visible = [str(pair.value) for pair in description.typed_search_attributes]
    assert "PolderPack B.V." in visible and "web" in visible
    summary = await description.static_summary()
    assert summary == "PolderPack B.V., web"
    metadata = await handle.query("__temporal_workflow_metadata", result_type=WorkflowMetadata)
    assert "**Stage:** WON" in metadata.current_details
    for text in personal(lead):
        for shown in (handle.id, *visible, summary, metadata.current_details):
            assert text.lower() not in str(shown).lower(), (text, shown)

    # Every payload of both histories is encrypted; nothing of the lead is readable in them.
    support_id = support_api.workflow_id(lead.lead_id)
    for workflow_id in (handle.id, support_id):
        history = await raw_history(client, workflow_id)
        payloads = [p for e in history.events if not patch_marker(e) for p in payloads_in(e)]
        assert len(payloads) > (10 if workflow_id == handle.id else 2)
        assert all(p.metadata["encoding"] == ENCODING for p in payloads), workflow_id
        stored = history.SerializeToString()
        for text in personal(lead):
            assert text.encode() not in stored, (workflow_id, text)

    # Nor in the server's database; the same search finds a sale started without the codec.
    control = f"control-{uuid.uuid4().hex[:8]}@polderpack.example"
    await start_sale(
        plain_client(protected_env),
        Lead(email=control, first_name="Control", last_name="Inclear"),
        playbook_named("quick"),
        f"no-worker-{uuid.uuid4().hex[:8]}",
    )
    stored = database_bytes(database)
    assert control.encode() in stored and b"Inclear" in stored
    for text in personal(lead):
        assert text.encode() not in stored, text


async def test_a_reimport_recognises_the_lead_across_a_key_rotation(
    protected_env: WorkflowEnvironment, protected_settings: Settings, tmp_path: Path
) -> None:
    email = f"Anna.Becker-{uuid.uuid4().hex[:8]}@Rheinstahl.example"
    cards = tmp_path / "cards.csv"
    cards.write_text(f"E-Mail;Vorname;Nachname;Firma\n{email};Anna;Becker;Rheinstahl AG\n")
    base = {"SALESFLOW_LEAD_ID_SECRET": LEAD_ID_SECRET}

    async def starter(keys: str, *args: str) -> tuple[int, str, str]:
        ran = await run_starter(
            protected_env, protected_settings, *args, environ={**base, "SALESFLOW_CODEC_KEYS": keys}
        )
        return ran.returncode, ran.stdout, ran.stderr

    status, out, err = await starter(OLD, "import", str(cards), "--json")
    assert status == 0, err
    first = re.search(r'"workflow_id": "(sale-lead-[0-9a-f]{32})"', out)
    assert first is not None and '"started": 1' in out, out

    # The new key in front (rotation), then the old one retired: the same lead, no new sale.
    for keys in (f"{NEW},{OLD}", NEW):
        status, out, err = await starter(keys, "import", str(cards), "--json")
        assert status == 0 and '"existing": 1' in out and '"started": 0' in out, out + err
        assert first[1] in out
    status, out, err = await starter(NEW, "lead", "--email", email.upper(), "--json")
    assert status == 0 and '"started": false' in out and first[1] in out, out + err
    assert "already has a sale" in err

    # Started by the CLI with the codec on: its summary names the company only.
    described = await protected_env.client.get_workflow_handle(first[1]).describe()
    assert await described.static_summary() == "Rheinstahl AG"


async def test_codec_keys_without_a_lead_id_secret_start_nothing_and_quote_no_key(
    protected_env: WorkflowEnvironment, protected_settings: Settings
) -> None:
    ran = await run_starter(
        protected_env,
        protected_settings,
        "lead",
        "--email",
        "nobody@rheinstahl.example",
        environ={"SALESFLOW_CODEC_KEYS": NEW, "SALESFLOW_LEAD_ID_SECRET": ""},
    )
    assert ran.returncode == 2
    assert "SALESFLOW_LEAD_ID_SECRET is not" in ran.stderr
    assert NEW.partition(":")[2] not in ran.stdout + ran.stderr
