"""The fast tier's worker: the one of tests/workflows/sale/conftest.py (the real workflows with
the activity doubles, on the time-skipping server); one per test, shared by all its examples."""

from tests.workflows.sale.conftest import doubles, fast_settings, fast_worker

__all__ = ["doubles", "fast_settings", "fast_worker"]
