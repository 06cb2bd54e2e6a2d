from __future__ import annotations

from django import forms

from exchange.models import ImportRow


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="Spreadsheet (CSV or XLSX)",
        help_text="UTF-8 CSV (comma or semicolon) or an Excel .xlsx workbook, up to 50 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx,text/csv"}),
    )


class ImportRowFilterForm(forms.Form):
    show = forms.ChoiceField(required=False, choices=[("", "All rows"), *ImportRow.Action.choices])
    after = forms.IntegerField(required=False, min_value=0, max_value=10_000_000)
