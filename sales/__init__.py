"""The sales domain: leads, playbooks, money, quotes and events. Pure: no I/O, no Temporal."""
