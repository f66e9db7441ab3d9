"""The gateway: the platform's one HTTP door (Falcon under gunicorn)."""
