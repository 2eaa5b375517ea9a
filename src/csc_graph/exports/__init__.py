"""Exports for other systems: Open Referral UK JSON, CPSV-AP RDF, schema.org JSON-LD and a
dump of the whole dataset. The mappings are SPARQL files under ``queries/exports/``;
``targets.render_export`` is what the CLI and the API call."""
