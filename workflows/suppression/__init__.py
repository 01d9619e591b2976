"""SuppressionWorkflow: the opt-out list, one entity workflow per address."""
