"""One router per resource, mounted under ``/v1`` by :mod:`api.main`."""
