"""The approval service: FastAPI app, schemas, auth and roles, persistence, lifecycle, review
queue and the web console's static files. Imports ``planner`` and ``airspace``."""
