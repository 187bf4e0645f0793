"""Where Charter keeps its files: the data directory and the default audit database.

Both follow the environment first, so a deployment (or a test) can point Charter
elsewhere without flags: ``CHARTER_DATA_DIR`` and ``CHARTER_DATABASE_URL``.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

DATA_DIR_ENV = "CHARTER_DATA_DIR"
DATABASE_URL_ENV = "CHARTER_DATABASE_URL"


def data_dir() -> Path:
    """The directory for Charter's own files, created on first use.

    ``$CHARTER_DATA_DIR`` when set, else the platform's per-user data directory
    (e.g. ``~/.local/share/charter`` on Linux).
    """
    configured = os.environ.get(DATA_DIR_ENV, "").strip()
    path = Path(configured).expanduser() if configured else Path(platformdirs.user_data_dir("charter"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_url() -> str:
    """The audit store's SQLAlchemy URL: ``$CHARTER_DATABASE_URL``, else SQLite in `data_dir`."""
    configured = os.environ.get(DATABASE_URL_ENV, "").strip()
    if configured:
        return configured
    return f"sqlite:///{data_dir() / 'charter.db'}"
