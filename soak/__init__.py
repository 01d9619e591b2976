"""`make soak`: a thousand sales with random customers against real parts, faults included.

`python -m soak --help`; the parts in `devstack.parts` and `soak.stack`, the customers in
`soak.plans`, the driving in `soak.driver` and the invariants in `soak.checks`.

`make bench` (`python -m soak.bench --help`) measures on the same parts: throughput against
a bare floor, latency, capacity, intake and each playbook's billable actions (`soak.bench`).
"""
