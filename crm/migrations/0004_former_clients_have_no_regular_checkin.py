"""Former clients keep no regular check-in: close the ones left open before that rule existed
(follow-ups stay). Their next-check-in date is recomputed from what remains open."""

from django.db import migrations
from django.db.models import Min, OuterRef, Subquery
from django.utils import timezone


def close_regular_checkins_of_former_clients(apps, schema_editor):
    CheckIn = apps.get_model("crm", "CheckIn")
    Client = apps.get_model("crm", "Client")
    former = Client.objects.filter(status="former")
    CheckIn.objects.filter(client__in=former, state="due", kind="regular").update(
        state="skipped", closed_at=timezone.now()
    )
    first_open = (
        CheckIn.objects.filter(client=OuterRef("pk"), state="due")
        .order_by()
        .values("client")
        .annotate(first=Min("due_on"))
        .values("first")
    )
    former.update(next_checkin_due=Subquery(first_open))


class Migration(migrations.Migration):
    dependencies = [("crm", "0003_client_health")]

    operations = [migrations.RunPython(close_regular_checkins_of_former_clients, migrations.RunPython.noop)]
