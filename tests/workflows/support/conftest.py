"""The account's fast tier shares the sale's: the real workflows on the activity doubles."""

from tests.workflows.sale.conftest import doubles, fast_settings, fast_worker

__all__ = ["doubles", "fast_settings", "fast_worker"]
