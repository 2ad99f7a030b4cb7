"""Operators see the partners' import jobs and remembered mappings; jobs are made on /import/ only."""

from django.contrib import admin

from .models import ColumnMapping, ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["original_name", "partner", "kind", "status", "total_rows", "refused_count", "created_at"]
    list_filter = ["status", "kind", "partner"]
    search_fields = ["original_name"]
    readonly_fields = [field.name for field in ImportJob._meta.fields]
    list_select_related = ["partner"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ColumnMapping)
class ColumnMappingAdmin(admin.ModelAdmin):
    list_display = ["partner", "kind", "updated_at"]
    list_filter = ["kind"]
    list_select_related = ["partner"]
