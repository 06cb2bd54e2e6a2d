"""Time a large export and show that it streams: N clients are inserted (PostgreSQL, one
INSERT … SELECT generate_series), the client list is exported as CSV and as XLSX, and the
process's peak memory is compared before and after. Everything is rolled back at the end:
`python manage.py export_benchmark --rows 100000`."""

from __future__ import annotations

import resource
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from crm.models import Client
from crm.selectors import ClientFilters
from exchange.exports import clients_export, csv_lines, xlsx_file


class Rollback(Exception):
    pass


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


class Command(BaseCommand):
    help = "Export N generated clients as CSV and XLSX; report time and peak memory; roll back."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--rows", type=int, default=100_000)

    def handle(self, *args: Any, rows: int, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("This benchmark inserts its rows with generate_series: run it on PostgreSQL.")
        lines: list[str] = []
        try:
            with transaction.atomic():
                user = User.objects.create_user("export-benchmark@rapport.invalid", full_name="Export benchmark")
                table = Client._meta.db_table
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"INSERT INTO {table} (name, industry, website, status, time_zone, account_manager_id, "  # noqa: S608  # nosec B608 (the table name comes from the model, values are parameters)
                        "checkin_cadence_days, preferred_channel, goals, kpis, notes, health_factors, "
                        "health_band, health_band_before, created_at, updated_at) "
                        "SELECT 'Client ' || n, '=cmd|calc', '', 'active', 'UTC', %s, 14, 'email', "
                        "'Grow', 'NPS', repeat('Notes ', 20), '[]', '', '', %s, %s FROM generate_series(1, %s) n",
                        [user.pk, timezone.now(), timezone.now(), rows],
                    )
                before = peak_mb()
                start = time.perf_counter()
                size = sum(len(line.encode()) for line in csv_lines(self._export(user)))
                lines.append(
                    f"  CSV: {size / 1e6:.1f} MB in {time.perf_counter() - start:.1f} s; "
                    f"peak memory {before:.0f} → {peak_mb():.0f} MB"
                )
                before = peak_mb()
                start = time.perf_counter()
                with xlsx_file(self._export(user)) as file:
                    size = file.seek(0, 2)
                lines.append(
                    f"  XLSX: {size / 1e6:.1f} MB in {time.perf_counter() - start:.1f} s; "
                    f"peak memory {before:.0f} → {peak_mb():.0f} MB"
                )
                raise Rollback
        except Rollback:
            pass
        self.stdout.write(f"Client list export of {rows:,} clients on {connection.vendor}:")
        for line in lines:
            self.stdout.write(line)

    def _export(self, user: User) -> Any:
        return clients_export(user=user, filters=ClientFilters(), zone=user.zone)
