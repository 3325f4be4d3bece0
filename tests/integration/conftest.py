import pytest

from tests.webutil import page_client


@pytest.fixture
def client(app):
    """A test client whose requests do not share ``g`` (see tests.webutil.PageClient)."""
    return page_client(app)
