"""`playbook simulate`: synthetic sales through a playbook on a time-skipping server of its own."""
