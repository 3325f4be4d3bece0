"""A report's life as its users change it: submitted (``submit``), its status in one place
(``status``), moved through the workflow (``transitions``), noted (``notes``), corrected
(``corrections``), given photos (``attachments``), seen by staff (``view``) and tracked by
its reporter (``tracking``); every change appended to its ``history``."""
