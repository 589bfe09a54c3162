"""The HTTP API: create_app() in app.py; routes/ has one module per resource."""
