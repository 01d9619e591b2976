"""The webhook gateway: outside systems that can only call a webhook reach sales over HTTP."""
