"""marshmallow schemas: the contract of the JSON API (and of the forms)."""
