"""Who acts: user accounts and roles (models, service), who may see or change what (access), partner API tokens
(api_tokens), the audit log (audit) and login throttling (throttle)."""
