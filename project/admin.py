class ReadOnlyAdmin:
    """For records that are history (orders, payments, invoices): staff read, nobody edits."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
