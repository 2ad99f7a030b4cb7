"""Reports: the home page's figures and ``/reports/``, drawn from aggregate queries. No models."""
