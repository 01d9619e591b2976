"""SaleWorkflow: its contract (`api`), the workflow, its book and the steps a playbook lists."""
