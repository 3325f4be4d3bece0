"""Who gets a report: the municipality's rules (``rulebook``), routing new and changed reports
(``route``: one report or many, set-wise), assigning units by hand (``assign``),
acknowledgement deadlines (``deadlines``) and what happens when they pass (``escalation``)."""
