"""Who may call: tokens and sessions (``auth.views``), and, as blueprints of their own for the
admin role, user administration (``auth.user_admin``) and the audit trail (``auth.audit_trail``).
"""
