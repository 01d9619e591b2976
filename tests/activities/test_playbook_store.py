"""The playbook an activity's request names by version (process version 5): found in the
worker's playbooks folder while the file is unchanged (and its intro-at-once variant), or among
the playbooks it was sent whole; anything else is refused for good, naming it."""

from pathlib import Path

import pytest
from temporalio.exceptions import ApplicationError

from activities.playbooks import PLAYBOOK_NOT_HERE, PlaybookStore
from sales.playbook import Playbook, load_playbook
from sales.requests import PlaybookRef, QualificationRequest
from settings import ROOT
from tests.workflows.helpers import new_lead

PLAYBOOKS = ROOT / "playbooks"


def by_version(playbook: Playbook) -> QualificationRequest:
    ref = PlaybookRef(name=playbook.name, version=playbook.version)
    return QualificationRequest(lead=new_lead(), playbook=ref)


def test_an_unchanged_file_and_its_intro_at_once_variant_are_found() -> None:
    store = PlaybookStore(PLAYBOOKS)
    default = load_playbook(PLAYBOOKS, "default")
    for playbook in (default, default.with_intro_at_once()):
        found = store.complete(by_version(playbook))
        assert found.book == playbook and found.book.version == playbook.version


def test_a_playbook_sent_whole_once_is_found_by_its_version_after(tmp_path: Path) -> None:
    store = PlaybookStore(tmp_path)  # an empty folder: nothing on disk
    edited = load_playbook(PLAYBOOKS, "quick").model_copy(update={"currency": "USD"})
    whole = QualificationRequest(lead=new_lead(), playbook=edited)
    assert store.complete(whole) is whole
    assert store.complete(by_version(edited)).book.currency == "USD"


def test_a_version_the_worker_cannot_find_is_refused_for_good_naming_it() -> None:
    store = PlaybookStore(PLAYBOOKS)
    edited = load_playbook(PLAYBOOKS, "default").model_copy(update={"currency": "CHF"})
    with pytest.raises(ApplicationError) as refused:
        store.complete(by_version(edited))
    assert refused.value.type == PLAYBOOK_NOT_HERE and refused.value.non_retryable
    assert f"playbook default version {edited.version} is not known" in refused.value.message


def test_a_request_not_looked_up_says_so_when_its_playbook_is_read() -> None:
    request = by_version(load_playbook(PLAYBOOKS, "default"))
    with pytest.raises(ValueError, match="was not looked up"):
        request.book  # noqa: B018
