"""Apache Airflow provider for SMS through Sinch and Fone Dynamics."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
