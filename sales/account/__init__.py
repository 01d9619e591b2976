"""The customer account after the close: owner, orders, service levels, health, renewals."""
