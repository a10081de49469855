"""Package data: the ontology (reform.ttl), the theme scheme (themes.ttl) and the SHACL shapes."""
