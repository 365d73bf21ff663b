"""Serving: the live generation, HTTP caching and headers, and the views (reads only)."""
