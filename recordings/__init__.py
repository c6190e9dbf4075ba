"""The recordings domain: the ECG model, signal encoding, chunked storage and ingest.

Independent of Flask and pydantic: the HTTP faces (``ecg/``), the file readers (``formats/``) and
the CLI all speak to it in its own values.
"""
