"""The HTTP doors: FastAPI routers over the core modules."""
