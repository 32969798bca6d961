"""Where mentions come in: ingest (parse, dedupe, triage, store), pulling live channels, their health."""
