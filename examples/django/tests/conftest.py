import pytest


@pytest.fixture(autouse=True)
def _test_http(settings):
    # The test client speaks plain HTTP and templates render without
    # collectstatic; production settings stay as they are otherwise.
    settings.SECURE_SSL_REDIRECT = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
