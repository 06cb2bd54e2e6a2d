"""Time the import of a generated spreadsheet: the dry run, the commit and a second dry run of
the same file (which must find nothing to do). Everything is rolled back at the end, so it can
run against any database: `python manage.py import_benchmark --rows 10000 --with-contacts`."""

from __future__ import annotations

import csv
import io
import os
import time
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from accounts.models import User
from exchange.services import import_commit, import_upload_create


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Time importing N generated client rows (dry run, commit, re-import); rolls everything back."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--rows", type=int, default=10_000)
        parser.add_argument("--with-contacts", action="store_true", help="a contact and a past meeting on every row")
        parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")

    def handle(self, *args: Any, rows: int, with_contacts: bool, format: str, **options: Any) -> None:
        data = self._file(rows, with_contacts, format)
        timings: dict[str, tuple[float, float]] = {}
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    "import-benchmark@rapport.invalid", full_name="Import benchmark", role=User.Role.MANAGER
                )
                start, cpu = time.perf_counter(), time.process_time()
                upload = import_upload_create(owner=user, file=SimpleUploadedFile(f"bench.{format}", data))
                timings["dry run"] = (time.perf_counter() - start, time.process_time() - cpu)
                if upload.refused:
                    raise CommandError(f"{upload.refused} rows refused: {upload.rows.filter(action='refused')[:3]}")
                start, cpu = time.perf_counter(), time.process_time()
                result = import_commit(upload=upload)
                timings["commit (checks the file again, then writes)"] = (
                    time.perf_counter() - start,
                    time.process_time() - cpu,
                )
                if not result.committed:
                    raise CommandError(f"not committed: {result}")
                start, cpu = time.perf_counter(), time.process_time()
                again = import_upload_create(owner=user, file=SimpleUploadedFile(f"bench.{format}", data))
                timings["dry run of the same file again"] = (time.perf_counter() - start, time.process_time() - cpu)
                if again.counts["unchanged"] != rows:
                    raise CommandError(f"re-import is not a no-op: {again.counts}")
                raise Rollback
        except Rollback:
            pass
        vendor = connection.vendor
        load = os.getloadavg()[0]
        what = "client rows, each with a contact and a past meeting" if with_contacts else "client rows"
        self.stdout.write(
            f"{rows:,} {what}, {format.upper()} of {len(data) / 1e6:.1f} MB, on {vendor} "
            f"(load average {load:.1f} on {os.cpu_count()} cores):"
        )
        for name, (seconds, cpu) in timings.items():
            self.stdout.write(f"  {name}: {seconds:.1f} s ({cpu:.1f} s of this process's CPU)")
        first = timings["dry run"][0] + timings["commit (checks the file again, then writes)"][0]
        self.stdout.write(f"  upload to imported: {first:.1f} s")

    def _file(self, rows: int, with_contacts: bool, format: str) -> bytes:
        header = ["Client", "Industry", "Status", "Cadence"]
        if with_contacts:
            header += ["Contact", "Email", "Phone", "Date", "Type", "Summary", "Sentiment"]
        lines: list[list[Any]] = [header]
        for n in range(rows):
            line: list[Any] = [f"Benchmark client {n:06d}", "Retail", "Active", 14 + n % 30]
            if with_contacts:
                line += [
                    f"Person {n}", f"person{n}@client{n}.invalid", f"+44 20 7946 {n % 10000:04d}",
                    f"2026-{1 + n % 9:02d}-{1 + n % 28:02d} 10:00", "Meeting", f"Kick-off {n}", 1 + n % 5,
                ]  # fmt: skip
            lines.append(line)
        if format == "xlsx":
            import openpyxl

            workbook = openpyxl.Workbook(write_only=True)
            sheet = workbook.create_sheet()
            for line in lines:
                sheet.append(line)
            out = io.BytesIO()
            workbook.save(out)
            return out.getvalue()
        text = io.StringIO()
        csv.writer(text).writerows(lines)
        return text.getvalue().encode()
