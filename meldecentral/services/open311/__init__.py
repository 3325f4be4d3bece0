"""Open311 GeoReport v2: client applications (api keys), the services catalogue, intake,
the public read side and the updates feed. The door is meldecentral/open311."""
