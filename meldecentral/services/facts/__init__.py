"""The public facts about each district: published figures (suppressed), the safety index, the
open data; and the data they need (population, the safety survey)."""
