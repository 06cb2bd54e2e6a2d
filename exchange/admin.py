from django.contrib import admin

from exchange.models import ImportUpload


@admin.register(ImportUpload)
class ImportUploadAdmin(admin.ModelAdmin):
    list_display = ["filename", "owner", "format", "size", "created_at", "expires_at", "committed_at"]
    list_filter = ["format", ("committed_at", admin.EmptyFieldListFilter)]
    search_fields = ["filename", "owner__email"]
    exclude = ["content"]
    readonly_fields = ["owner", "filename", "format", "size", "columns", "counts", "created_at", "committed_at"]
