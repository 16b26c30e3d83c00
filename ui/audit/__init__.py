"""The Audit tab, per-record History and the Attachments dialog."""
