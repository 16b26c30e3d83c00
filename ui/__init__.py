"""The Qt layer of Paksa Desktop: windows, views, table models and workers over the core services."""
