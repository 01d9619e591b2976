"""`make soak`: a thousand sales with random customers against real parts, faults included.

`python -m soak --help`; the parts in `devstack.parts` and `soak.stack`, the customers in
`soak.plans`, the driving in `soak.driver` and the invariants in `soak.checks`.
"""
