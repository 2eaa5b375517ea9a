from csc_graph.cli.commands import app

__all__ = ["app"]
