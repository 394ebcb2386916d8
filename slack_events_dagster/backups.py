"""backup_job and its daily schedule: a compressed, verified backup of the app database that keeps
the newest backup.keep (storage/scheduled_backup.py). The schedule is off unless backup.schedule
is true (BACKUP_SCHEDULE=true: the compose deployment sets it); the job can be launched by hand
either way. Restore with `slack-events restore <file> --yes`."""

import dagster as dg

from slack_events_dagster.resources.backup import BackupResource
from slack_events_dagster.settings import BackupSettings


@dg.op(
    out=dg.Out(dg.Nothing),
    description="Back up the app database to backup.folder; keep the newest backup.keep.",
)
def back_up_the_database(context: dg.OpExecutionContext, backups: BackupResource) -> None:
    outcome = backups.write()
    context.log.info(f"Backed up to {outcome.path}; removed {len(outcome.removed)} older")
    context.add_output_metadata(
        {
            "path": dg.MetadataValue.path(str(outcome.path)),
            "size_bytes": outcome.size_bytes,
            "removed": [path.name for path in outcome.removed],
            "kept": backups.backup.keep,
        }
    )


@dg.job(
    description="Back up the app database (compressed, verified), keeping the newest N.",
    executor_def=dg.in_process_executor,
)
def backup_job() -> None:
    back_up_the_database()


def build_backup_schedule(backup: BackupSettings) -> dg.ScheduleDefinition:
    """Daily at backup.hour:30 UTC; RUNNING when backup.schedule is true, else STOPPED."""
    return dg.ScheduleDefinition(
        name="daily_backup",
        job=backup_job,
        cron_schedule=f"30 {backup.hour} * * *",
        execution_timezone="UTC",
        default_status=(
            dg.DefaultScheduleStatus.RUNNING
            if backup.schedule
            else dg.DefaultScheduleStatus.STOPPED
        ),
        description="The daily backup (backup.schedule turns it on).",
    )
