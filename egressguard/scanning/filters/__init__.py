"""False-positive filters: small `is_*` predicates shared by detectors."""
