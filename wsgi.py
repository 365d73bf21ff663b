"""The WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi …`."""

import sys

from webapp import create_app
from webapp.config import SettingsError

try:
    app = create_app()
except SettingsError as error:
    # A broken content/site.yml: one plain sentence naming the file, not a traceback.
    sys.exit(f"Error: {error}")
