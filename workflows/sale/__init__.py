"""SaleWorkflow: its contract (`api`), the workflow, the Sale that owns its state with its
collaborators, the snapshot it continues as new with, and the steps a playbook lists."""
