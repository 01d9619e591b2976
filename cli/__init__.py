"""The commands of `starter.py`, one module per idea: leads, events, the pipeline, playbooks."""
