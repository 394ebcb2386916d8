"""The `backups` resource: the daily backup of the app database (config.yaml's `backup`)."""

from datetime import UTC, datetime
from pathlib import Path

import dagster as dg

from slack_events_dagster.resources.database import DatabaseResource
from slack_events_dagster.settings import BackupSettings
from slack_events_dagster.storage.scheduled_backup import BackupOutcome, write_backup


class BackupResource(dg.ConfigurableResource):
    """Writes a compressed, verified backup to backup.folder and keeps the newest backup.keep."""

    backup: BackupSettings = BackupSettings()
    database: dg.ResourceDependency[DatabaseResource]

    def write(self, moment: datetime | None = None) -> BackupOutcome:
        return write_backup(
            self.database.connection_settings,
            Path(self.backup.folder),
            self.backup.keep,
            moment or datetime.now(UTC),
        )
