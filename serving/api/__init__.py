"""The HTTP transport: the FastAPI app, its dependencies, error mapping, middleware, keys and
roles, metrics, log privacy, the routes, and the ``serve`` / ``keys`` commands. Logic lives in
:mod:`serving.domain`; the routes only parse, call it, audit and answer."""
