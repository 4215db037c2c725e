"""Answer health checks before anything else looks at the request.

Kubernetes probes call the pod by its IP, which is not in ALLOWED_HOSTS, and
over plain HTTP, which SECURE_SSL_REDIRECT would redirect: so /healthz is
served first, and only /healthz.
"""

from .views import healthz


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/healthz" and request.method == "GET":
            return healthz(request)
        return self.get_response(request)
