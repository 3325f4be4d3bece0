import pytest

from tests.webutil import page_client


@pytest.fixture
def client(app):
    """A test client whose requests do not share ``g`` (see tests.webutil.PageClient)."""
    return page_client(app)


def pytest_collection_modifyitems(items):
    # schemathesis gives the items of one test the same node id (its operations differ only in
    # the name); pytest-xdist schedules by node id, and ran one of them. Each its own id.
    # The id pytest gives any other item: its parent's and its own name.
    for item in items:
        if type(item).__name__ == "SchemathesisFunction" and not item.nodeid.endswith("]"):
            item._id = item.parent.id.child(item.name)
