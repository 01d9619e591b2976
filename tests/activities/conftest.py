"""The activities as the worker builds them, on the test SMTP server and a fresh folder."""

import pytest

from activities.documents import DocumentActivities
from activities.email import EmailActivities
from settings import Settings


@pytest.fixture
def mail(settings: Settings) -> EmailActivities:
    return EmailActivities(settings)


@pytest.fixture
def documents(settings: Settings) -> DocumentActivities:
    return DocumentActivities(settings)
