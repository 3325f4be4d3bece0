"""A municipality's reference data: categories and district numbers cached per process
(``catalogue``), the district map (``geo``), choices for forms (``lookups``), and loading the
demo's reference data (``setup``)."""
