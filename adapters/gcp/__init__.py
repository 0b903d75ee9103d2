"""The GCP adapter: the company API on Cloud Run called with Google-signed ID tokens (``id_token.py``), flags from
Parameter Manager (``flags.py``), audit to Cloud Logging (``audit.py``), metrics to Cloud Monitoring
(``metrics.py``), built by ``main.build_gcp_runtime``; the Cloud Run entry points of the MCP server
(``cloud_run.py``) and of the company API (``cloud_run_api.py``, with Cloud SQL IAM database auth: ``cloud_sql.py``)."""
