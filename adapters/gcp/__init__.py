"""The GCP adapter: the company API on Cloud Run, called with Google-signed ID tokens."""
