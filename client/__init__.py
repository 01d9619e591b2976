"""Everything that talks to Temporal as a client: connecting, starting sales, seller commands,
the opt-out list, typed queries. Workflows import none of it."""
