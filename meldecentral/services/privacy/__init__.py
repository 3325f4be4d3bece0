"""Need-to-know and the law: who may see a report (``access``), every view of one recorded
(``audit``), and what is anonymised or deleted when (``retention``)."""
