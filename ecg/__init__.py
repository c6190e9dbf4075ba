"""ECGs: the domain model, ingest, storage and, in ecg.views, the blueprint for the user role."""
