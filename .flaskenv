# Read by the flask CLI (python-dotenv), so `flask db upgrade` works from the project root as typed.
FLASK_APP=app.http.app:app
