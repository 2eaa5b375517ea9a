"""csc-graph: a knowledge graph of a council's children's social care."""
