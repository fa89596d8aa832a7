"""Policy language: model, YAML schema, loader, canonicalizers and the decision engine."""
