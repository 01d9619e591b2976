"""Gate export_license: dual-use goods to a listed destination wait for a licence."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from sales.events import ExportLicenseDenied, ExportLicenseGranted
    from sales.process import StepName
    from sales.stages import LostReason
    from sales.state import GateStatus

from workflows.sale.events import SaleEnded
from workflows.sale.steps.base import Step


class ExportLicense(Step):
    """Skipped when nothing needs a licence; else granted, denied (lost) or timed out (lost)."""

    name = StepName.EXPORT_LICENSE

    async def run(self) -> None:
        sale = self.sale
        policy = self.settings(sale.playbook.gates.export_license)
        quote = sale.state.quotes[-1]
        country = sale.lead.country
        controlled = [line.sku for line in quote.lines if line.dual_use or policy.all_goods]
        if not policy.needs_license(country, [line.dual_use for line in quote.lines]):
            why = f"no licence needed for {country or 'an unknown country'}"
            sale.skip_gate(self.name, why if not controlled else f"{why}: not a listed destination")
            return
        goods = ", ".join(controlled)
        record = sale.gate(self.name) or sale.open_gate(  # a resumed run finds it open
            self.name,
            f"export licence for {goods} to {country}",
            destination=country,
            goods=controlled,
        )
        due = sale.expect(
            f"export licence for {goods} to {country} (export_license_granted or _denied)",
            policy.timeout,
        )
        received = await sale.events.next_of((ExportLicenseGranted, ExportLicenseDenied), due)
        if received is None:
            notes = f"no export licence decision for {country} in time"
            sale.decide_gate(record, GateStatus.FAILED, notes=notes)
            raise SaleEnded(policy.lost_reason, notes)
        sale.events.applied(received)
        event = received.event
        if isinstance(event, ExportLicenseDenied):
            notes = f"export licence for {country} denied" + (
                f": {event.reason}" if event.reason else ""
            )
            sale.decide_gate(record, GateStatus.FAILED, by=event.by, notes=notes)
            raise SaleEnded(LostReason.EXPORT_DENIED, notes)
        if isinstance(event, ExportLicenseGranted):
            sale.decide_gate(
                record,
                GateStatus.PASSED,
                by=event.granted_by,
                notes=f"licence {event.license_number} granted",
                license_number=event.license_number,
            )
