"""Thin routers: validate, call the logic in ``serving.*``, audit, answer."""
