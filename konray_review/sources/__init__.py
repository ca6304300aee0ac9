"""Sources: deploy forms to ODK Central / KoBoToolbox and pull submissions into the canonical
tables (``docs/servers.md``). One module per concern: ``config``, ``http``, ``central``,
``kobo``, ``files``, ``demo``, ``normalise`` (the form-field -> column mapping), ``pull``
(incremental, lossless), ``state`` (watermarks + committed tables)."""
