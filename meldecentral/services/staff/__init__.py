"""Staff accounts: users and API tokens (``users``), signing in with two factors (``signin``),
and administration of units, categories, rules and users (``admin``)."""
