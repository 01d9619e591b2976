"""Running salesflow beyond one machine: what docker-compose.yml and the image use.

`register_search_attributes` (any cluster, Temporal Cloud included), `healthcheck` (the
containers' health checks), `requirements` (what the image installs) and the Temporal
server's dynamic config (`dynamicconfig/`).
"""
