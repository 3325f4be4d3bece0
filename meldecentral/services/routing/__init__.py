"""Who gets a report: the municipality's rules (``rulebook``), routing new and changed reports
(``route``, set-wise in ``batch``), assigning units by rule or by hand (``assign``),
acknowledgement deadlines (``deadlines``) and what happens when they pass (``escalation``)."""
