"""A report saved from the command line names the same content hash as the server's report
on the same data (issue 15), so a reviewer can tell they describe the same graph."""

from csc_graph.config import Settings
from csc_graph.governance.reports import report_for_files
from csc_graph.store.base import Store


def test_the_files_report_names_the_stores_content_hash(settings: Settings, store: Store) -> None:
    assert report_for_files(settings).content_hash == store.content_hash()
