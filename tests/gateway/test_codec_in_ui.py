"""The Temporal UI in a real browser decodes a protected sale through the gateway's codec
endpoint, once the browser is signed in and sends credentials, and shows nothing before."""

import asyncio
import shutil
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
import uvicorn

from client.sales import start_sale
from devstack.ports import free_port
from devstack.services import codec_endpoint
from gateway.app import create_app
from gateway.signatures import Verifier
from sales.lead import Lead, lead_id_context
from settings import Settings
from tests.gateway.conftest import SECRETS
from tests.privacy.keys import CODEC_TOKEN
from tests.privacy.server import protected, protected_server
from tests.workflows.helpers import playbook_named

BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
WAIT = 60.0

pytestmark = pytest.mark.skipif(
    BROWSER is None or DRIVER is None,
    reason="no chromium/chromedriver here: .ci/run installs Debian's chromium and chromium-driver",
)


@pytest_asyncio.fixture(loop_scope="session")
async def ui_stack(settings: Settings, tmp_path: Path) -> AsyncIterator[tuple[Settings, str]]:
    """A protected dev server whose UI is pointed at a served gateway, as `make run` does."""
    own = protected(settings).model_copy(
        update={"ui_port": free_port(), "gateway_port": free_port()}
    )
    endpoint = codec_endpoint(own)
    async with protected_server(
        tmp_path / "temporal.db",
        ui_port=own.ui_port,
        extra_args=["--ui-codec-endpoint", endpoint],
    ) as env:
        app = create_app(own, env.client, Verifier(SECRETS))
        config = uvicorn.Config(app, host="127.0.0.1", port=own.gateway_port, log_level="warning")
        server = uvicorn.Server(config)
        serving = asyncio.create_task(server.serve())
        for _ in range(500):
            if server.started:
                break
            await asyncio.sleep(0.02)
        lead = Lead.model_validate(
            {
                "email": f"griet.vandamme-{uuid.uuid4().hex[:8]}@brouwerij.example",
                "first_name": "Griet",
                "last_name": "Vandamme",
                "company": "Brouwerij De Leeuw",
            },
            context=lead_id_context(own.lead_id_key()),
        )
        # No worker: the sale's input, in its first event, is what the UI shows.
        await start_sale(env.client, lead, playbook_named("quick"), own.task_queue)
        try:
            yield own, lead.email
        finally:
            server.should_exit = True
            await serving


async def test_the_ui_shows_a_sale_decoded_only_for_a_signed_in_browser(
    ui_stack: tuple[Settings, str],
) -> None:
    settings, email = ui_stack
    # WebDriver blocks; the gateway answers the browser from this event loop meanwhile.
    before, after = await asyncio.to_thread(browse, settings, email)
    assert email not in before
    assert email in after and "Vandamme" in after


def browse(settings: Settings, email: str) -> tuple[str, str]:
    """The workflow page before and after signing in; the page sources."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    options.binary_location = str(BROWSER)
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(str(DRIVER)))
    ui = f"http://127.0.0.1:{settings.ui_port}"
    endpoint = codec_endpoint(settings)
    lead_id = Lead.model_validate(
        {"email": email}, context=lead_id_context(settings.lead_id_key())
    ).lead_id
    page = f"{ui}/namespaces/default/workflows/sale-{lead_id}"
    try:
        driver.set_page_load_timeout(WAIT)
        driver.get(page)
        # The UI asks the endpoint without credentials, is refused, and says so.
        WebDriverWait(driver, WAIT).until(
            lambda d: "Codec Server could not connect" in d.find_element(By.TAG_NAME, "body").text
        )
        before = str(driver.page_source)

        driver.get(f"{endpoint}/login")
        driver.find_element(By.NAME, "token").send_keys(CODEC_TOKEN)
        driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        WebDriverWait(driver, WAIT).until(lambda d: "Signed in" in d.title)
        # What a person sets once in the UI's Configure Codec Server dialog: this browser's
        # endpoint over the cluster's, and "Include cross-origin credentials".
        driver.get(ui)
        driver.execute_script(
            "localStorage.setItem('endpoint', JSON.stringify(arguments[0]));"
            "localStorage.setItem('includeCredentials', 'true');"
            "localStorage.setItem('overrideRemoteCodecConfiguration', 'true');",
            endpoint,
        )
        driver.get(page)
        WebDriverWait(driver, WAIT).until(lambda d: email in d.page_source)
        after = str(driver.page_source)
    finally:
        driver.quit()
    return before, after
