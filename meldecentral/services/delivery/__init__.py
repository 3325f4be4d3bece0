"""Telling people: deciding who is told what (``plan``: Delivery rows with dedupe keys) apart
from sending them through the notification channels, with retries and dead letters (``send``)."""
