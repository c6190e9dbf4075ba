"""The plumbing every layer uses: settings, the database client, errors, the request log,
security headers, pagination, rate limits, the audit trail, timestamps and the CLI commands.

It imports nothing from the rest of the service, so any layer may import it. The modules the
domain uses (errors, pagination, timestamps) import neither Flask nor pydantic.
"""
