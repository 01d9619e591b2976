"""Playbooks: how an industry, a company policy and trade restrictions shape a sale.

The steps of the process, every wait, threshold, template and restriction are
playbook data. A sale carries a snapshot of its playbook, so editing a file
never changes a sale that is already running.
"""

import hashlib
import json
import re
import tomllib
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, ValidationError, field_validator, model_validator

from sales.account.policy import AccountPolicy
from sales.config import Percent, Section, Wait
from sales.countries import country_code
from sales.errors import describe
from sales.gates import Gates
from sales.money import minor_units
from sales.payloads import AS_SET
from sales.policies import (
    ClosingPolicy,
    ContactCadence,
    ContractTerms,
    NeedsAnalysis,
    OnApprovalTimeout,
    OnExpiry,
    OutreachPolicy,
    ProposalPolicy,
    PurchasingProcedure,
    QualificationMode,
    QualificationRules,
    RoundingPolicy,
    Seller,
    SupportPolicy,
)
from sales.process import CLASSIC_STEPS, STEP_KINDS, StepName, check_steps
from sales.sending import OUTREACH_EMAILS

__all__ = [
    "AccountPolicy",
    "ClosingPolicy",
    "ContactCadence",
    "ContractTerms",
    "NeedsAnalysis",
    "OnApprovalTimeout",
    "OnExpiry",
    "OutreachPolicy",
    "Percent",
    "Playbook",
    "PlaybookError",
    "ProposalPolicy",
    "PurchasingProcedure",
    "QualificationMode",
    "QualificationRules",
    "RoundingPolicy",
    "Seller",
    "SupportPolicy",
    "Wait",
    "load_playbook",
    "playbook_names",
]

TEMPLATE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
PLAYBOOK_NAME = TEMPLATE_NAME


class Process(Section):
    """The steps a sale of this playbook goes through, in order (see `sales.process`)."""

    steps: list[StepName] = Field(default=list(CLASSIC_STEPS))

    @field_validator("steps")
    @classmethod
    def _makes_sense(cls, steps: list[StepName]) -> list[StepName]:
        check_steps(steps)
        return steps


class Templates(Section):
    """Where the wording differs: a folder under `templates/playbooks/` overriding file by file."""

    folder: str | None = Field(default=None, pattern=TEMPLATE_NAME.pattern)
    emails: dict[str, str] = Field(
        default={}, description="an email of the process sent with another template: intro = 'hi'"
    )

    @field_validator("emails")
    @classmethod
    def _plain_names(cls, emails: dict[str, str]) -> dict[str, str]:
        for email, template in emails.items():
            if not TEMPLATE_NAME.match(template):
                raise ValueError(f"{email}: {template!r} is not a plain template name")
        return emails


class Playbook(Section):
    """A whole playbook, as validated from `playbooks/<name>.toml`."""

    name: str = Field(pattern=PLAYBOOK_NAME.pattern)
    description: str = ""
    currency: str
    mail_domain: str = Field(
        description="domain of the deterministic Message-IDs of this playbook's emails"
    )
    seller: Seller
    process: Process = Process()
    qualification: QualificationRules = QualificationRules()
    outreach: OutreachPolicy = OutreachPolicy()
    contact: ContactCadence = ContactCadence()
    needs_analysis: NeedsAnalysis = NeedsAnalysis()
    proposal: ProposalPolicy = ProposalPolicy()
    contract: ContractTerms = ContractTerms()
    closing: ClosingPolicy = ClosingPolicy()
    gates: Gates = Gates()
    templates: Templates = Templates()
    support: SupportPolicy
    account: AccountPolicy = AccountPolicy()
    tax_rates: dict[str, dict[str, Percent]] = Field(
        description="tax rate by buyer country (or 'default') and tax category"
    )

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, currency: str) -> str:
        minor_units(currency)
        return currency

    @field_validator("tax_rates")
    @classmethod
    def _countries_and_default(
        cls, rates: dict[str, dict[str, Decimal]]
    ) -> dict[str, dict[str, Decimal]]:
        if "default" not in rates:
            raise ValueError("tax_rates needs a 'default' table for buyers in other countries")
        tables: dict[str, dict[str, Decimal]] = {}
        named: dict[str, str] = {}
        for key, table in rates.items():
            code = key if key == "default" else country_code(key)
            if code in tables:
                raise ValueError(f"{named[code]!r} and {key!r} both name {code}")
            tables[code] = table
            named[code] = key
        return tables

    @model_validator(mode="after")
    def _gates_match_the_process(self) -> "Playbook":
        listed = {step for step in self.process.steps if STEP_KINDS[step].gate}
        problems = []
        for gate in type(self.gates).model_fields:
            configured = getattr(self.gates, gate) is not None
            if StepName(gate) in listed and not configured:
                problems.append(f"process.steps lists {gate} but there is no [gates.{gate}] table")
            if configured and StepName(gate) not in listed:
                problems.append(f"[gates.{gate}] is set but process.steps does not list {gate}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def tax_rate(self, country: str | None, category: str) -> Decimal:
        """The rate for a buyer's country, falling back to the default table."""
        by_country = self.tax_rates.get(country or "", {})
        if category in by_country:
            return by_country[category]
        try:
            return self.tax_rates["default"][category]
        except KeyError:
            raise ValueError(f"playbook {self.name} has no tax rate for {category!r}") from None

    def has_step(self, step: StepName) -> bool:
        return step in self.process.steps

    def with_intro_at_once(self) -> "Playbook":
        """This playbook with the intro sent as the sale begins, not held for the lead's
        window: for leads who asked to hear from you now (a card handed over at the booth).
        Follow-ups and every other outreach still wait; the version says it is a variant."""
        held = [email for email in self.outreach.wait_for_window if email != "intro"]
        outreach = self.outreach.model_copy(update={"wait_for_window": held})
        return self.model_copy(update={"outreach": outreach})

    @property
    def version(self) -> str:
        """A content hash: the same settings give the same version, whatever the file says
        them with (key order, spacing, `21` or `21.0`, `P7D` or `PT168H`)."""
        settings = self.model_dump()
        # Added after playbooks had versions: at its default it leaves every version as it was.
        if settings["outreach"]["wait_for_window"] == list(OUTREACH_EMAILS):
            del settings["outreach"]["wait_for_window"]
        if settings["account"] == AccountPolicy().model_dump():
            del settings["account"]
        canonical = json.dumps(
            _canonical(settings), sort_keys=True, ensure_ascii=False, default=str
        )
        return hashlib.sha256(canonical.encode()).hexdigest()[:12]

    def template_candidates(self, path: str) -> list[str]:
        """`emails/intro.txt.j2` in the playbook's folder first, then the shared one."""
        shared = [path]
        if self.templates.folder:
            return [f"playbooks/{self.templates.folder}/{path}", *shared]
        return shared

    def email_template(self, email: str) -> str:
        """The template an email of the process is written with (`[templates.emails]`)."""
        return self.templates.emails.get(email, email)


# A playbook in a payload (the sale's and the account's starts, an activity sent it whole): as
# it sets (`sales.payloads`: the default playbook 3.6 KB -> 2.0 KB), read back the same playbook,
# and so the same version.
CarriedPlaybook = Annotated[Playbook, AS_SET]


def _canonical(value: Any) -> Any:
    """Values as their settings mean them: a Decimal by its value, a wait in seconds."""
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, timedelta):
        return f"{value.total_seconds():g}s"
    return value


class PlaybookError(ValueError):
    """A playbook that cannot be found, read or validated."""


def playbook_names(directory: Path) -> list[str]:
    return sorted(p.stem for p in directory.glob("*.toml"))


def load_playbook(directory: Path, name: str) -> Playbook:
    """Read `<directory>/<name>.toml`, naming the file and the field in any error."""
    if not PLAYBOOK_NAME.match(name):
        raise PlaybookError(
            f"{name!r} is not a playbook name (lower-case letters, digits, - and _)"
        )
    path = directory / f"{name}.toml"
    if not path.is_file():
        available = ", ".join(playbook_names(directory)) or "none"
        raise PlaybookError(f"no playbook {name!r} in {directory} (available: {available})")
    return read_playbook(path)


def read_playbook(path: Path) -> Playbook:
    """Validate one playbook file, naming the file and the key in any error."""
    try:
        return Playbook.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except OSError as err:
        raise PlaybookError(f"{path}: cannot be read: {err.strerror}") from err
    except UnicodeDecodeError as err:
        raise PlaybookError(f"{path}: not UTF-8 text: {err}") from err
    except tomllib.TOMLDecodeError as err:
        raise PlaybookError(f"{path}: {err}") from err
    except ValidationError as err:
        raise PlaybookError(f"{path}: {describe(err, whole='playbook')}") from err
