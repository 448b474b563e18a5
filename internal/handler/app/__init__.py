"""Console handlers of the apps feature (docs/apps.md)."""
