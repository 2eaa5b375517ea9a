"""Many councils in one graph: one council's view of the store, the list of councils with
their sources, comparisons across councils, and onboarding a new council."""
