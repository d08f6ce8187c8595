"""Dashboards: documents, periods, widget builders, quick add, snapshots."""
