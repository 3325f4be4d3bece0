"""Hotspots: the scan that finds them (detect), temporary hotspots with a chief (areas), the
reports routed to the chief (chiefs), and the hotspot page (page)."""
