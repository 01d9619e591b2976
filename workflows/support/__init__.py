"""CustomerSupportWorkflow: its contract (`api`) and the workflow."""
