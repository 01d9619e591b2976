"""Every side effect of a sale: email over SMTP, quote and contract documents on disk."""
